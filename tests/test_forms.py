"""The four forms (R11): their PDF pages read back with pypdf, their workbooks with openpyxl,
and the `print` command. No Qt here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from app import pdf_fonts
from app.archive import CustomerInput, VehicleInput
from app.cli import main
from app.contacts import CallInput, ContactService, RequestInput
from app.forms import FormInputError, FormRequest, FormsService, period_range
from app.forms_pdf import layout_form, write_form_pdf
from app.forms_xlsx import units, write_form_xlsx
from app.letters import LetterDraft, LetterService
from app.staff import StaffService
from db.models import Call, Role, Visit, VisitKind

D = dt.date
TODAY = D(2026, 11, 27)
CENTER = "广州市天河区顺达汽车维修服务中心"
NOV = (D(2026, 11, 1), D(2026, 11, 30))
REGISTER_HEADERS = ["序号", "日期", "时间", "客户名称", "车号", "联系电话", "类别", "通话要点摘要",
                    "处理结果", "经办人", "备注"]
LETTER_HEADERS = ["序号", "编号", "发函日期", "客户名称", "地址", "信函类别", "事由", "寄送方式",
                  "经办人", "备注"]
LONG_POINT = ("客户反映车辆在冷车启动后怠速偏高、方向盘有轻微抖动，" * 6
              + "已约定周六上午到店复查。")


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    """The app's clock reads this file's day, like the services it calls."""
    frozen_clock.freeze(TODAY)


@dataclass
class World:
    store: object
    forms: FormsService
    clerk_id: int
    clerk2_id: int
    long_customer: int  # 60 visits
    customers: list[int]
    complaint_call: int
    register_calls: int  # calls in November
    clerk_calls: int  # of them, the first clerk's
    letters: int


def build_world(store, archive) -> World:
    staff = StaffService(store)
    wang = staff.create("wangfang", "王芳", Role.CLERK, "secret12")
    li = staff.create("liqiang", "李强", Role.CLERK, "secret12")
    sup = staff.create("zhuguan", "黄丽华", Role.SUPERVISOR, "secret12")
    LetterService(store).save_center(name=CENTER, phone="020-38881234")
    customers = []
    for i in range(6):
        customers.append(archive.create_customer(
            CustomerInput(name=f"客户{'甲乙丙丁戊己'[i]}", phone=f"1381234{i:04d}",
                          address=f"广州市天河区体育西路 {i + 1} 号", contact_person="陈经理",
                          services_wanted="保养前电话预约；免费检测活动通知", clerk_id=wang.id),
            [VehicleInput(plate=f"粤A1234{i}", model="丰田卡罗拉", kind="轿车",
                          maintenance_cycle_months=6, next_maintenance_date=D(2027, 1, 5))]))
    long_customer = customers[0]
    vehicle_id = archive.detail(long_customer).vehicles[0].id
    with store.session() as s:
        for k in range(60):
            day = D(2019, 1, 10) + dt.timedelta(days=k * 37)
            s.add(Visit(customer_id=long_customer, vehicle_id=vehicle_id,
                        kind=VisitKind.MAINTENANCE if k % 3 else VisitKind.REPAIR,
                        intake_date=day, pickup_date=day, mileage_km=10000 + k * 5000,
                        service_items="更换机油、机油滤清器" + (
                            "；更换前刹车片，清洗节气门，四轮定位，检查底盘悬挂" if k % 4 == 0
                            else "")))
        n = 0
        for day in range(1, 31):
            for j in range(2):
                clerk = wang.id if (day + j) % 3 else li.id
                n += clerk == wang.id
                s.add(Call(customer_id=customers[(day + j) % 6], clerk_id=clerk,
                           called_at=dt.datetime(2026, 11, day, 9 + 3 * j, 15),
                           call_type="followup", reached=True, points_covered="1,2",
                           key_points=LONG_POINT if (day, j) == (12, 1) else "车况良好，已提醒保养",
                           satisfaction="satisfied", result="满意"))
        s.add(Call(customer_id=customers[1], clerk_id=wang.id,
                   called_at=dt.datetime(2026, 10, 31, 10), call_type="followup", reached=True,
                   key_points="十月的电话", result="满意"))
    store.actor_id = wang.id
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(
        customer_id=customers[2], called_at=dt.datetime(2026, 11, 20, 10, 5), direction="in",
        call_type="complaint", points_covered=[1, 2, 6],
        key_points="客户反映保养后怠速抖动，空调有异味。", satisfaction="unsatisfied",
        customer_request="要求免费复查并清洗空调",
        request=RequestInput(content="保养后怠速抖动", handling="escalated", is_complaint=True,
                             department="车间")))
    store.actor_id = sup.id
    contacts.solve(out.request_id, "免费清洗节气门和空调蒸发箱，由车间主管交车。", D(2026, 11, 21))
    store.actor_id = wang.id
    letters = LetterService(store)
    drafts = [LetterDraft(cid, archive.detail(cid).name,
                          "广州市天河区中山大道西 88 号 天河软件园 B 栋 1203 室（请前台转交本人）",
                          "冬季免费检测周活动通知", "…") for cid in customers]
    letters.register(drafts, kind="notice", way="mail", sent_on=D(2026, 11, 5), note="挂号信")
    return World(store, FormsService(store), wang.id, li.id, long_customer, customers,
                 out.call_id, 60 + 1, n + 1, len(drafts))


@pytest.fixture
def world(store, archive) -> World:
    return build_world(store, archive)


@pytest.fixture
def fresh_fonts():
    pdf_fonts.clear_cache()
    yield
    pdf_fonts.clear_cache()


def pages_of(path) -> list[str]:
    return [p.extract_text() for p in PdfReader(str(path)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def font_files(path) -> list[tuple[str, object]]:
    out = []
    for page in PdfReader(str(path)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                fd = desc.get_object().get("/FontDescriptor")
                out.append((str(font.get("/BaseFont")), fd.get_object() if fd else None))
    return out


def check_every_page(texts: list[str], title: str, headers: list[str]) -> None:
    for i, text in enumerate(texts, 1):
        t = flat(text)
        assert CENTER in t and title in t, i
        assert f"第{i}页共{len(texts)}页" in t, i
        assert "打印日期：2026-11-27" in t, i
        for h in headers:
            assert h in t, (i, h)


def gather(world: World, form: str, **kw):
    return world.forms.gather(FormRequest(form, today=TODAY, **kw))


# ---------------------------------------------------------------- periods and requests


def test_periods():
    assert period_range("week", D(2026, 11, 27)) == (D(2026, 11, 23), D(2026, 11, 29))
    assert period_range("month", D(2026, 11, 27)) == (D(2026, 11, 1), D(2026, 11, 30))
    assert period_range("last_month", D(2026, 1, 15)) == (D(2025, 12, 1), D(2025, 12, 31))
    with pytest.raises(FormInputError):
        FormRequest("call-register", start=D(2026, 11, 2), end=D(2026, 11, 1)).check()
    with pytest.raises(FormInputError, match="未知的表格"):
        FormRequest("bogus").check()


# ---------------------------------------------------------------- the call register


def test_call_register_pages_repeat_headers_and_number_rows_across_pages(world, tmp_path):
    data = gather(world, "call-register", start=NOV[0], end=NOV[1])
    assert len(data.rows) == world.register_calls
    out = tmp_path / "register.pdf"
    result = write_form_pdf(data, out)
    texts = pages_of(out)
    assert result.pages == len(texts) >= 3
    check_every_page(texts, "跟踪服务电话登记表", REGISTER_HEADERS)
    numbers = []
    for i, text in enumerate(texts):
        assert "统计期间：2026年11月" in flat(text)
        on_page = [int(m) for m in re.findall(r"^(\d+) 2026-1[01]-\d\d ", text, re.M)]
        assert on_page, i
        numbers += on_page
    assert numbers == list(range(1, world.register_calls + 1))  # 序号 continues
    # the signatures come once, after the last row
    assert [("业务主管（签字）" in t) for t in texts] == [False] * (len(texts) - 1) + [True]
    # the long key point wraps inside its cell: all of it is there
    assert flat(LONG_POINT) in flat("".join(texts))
    if result.font.embedded:
        assert result.font_note == ""
        fonts = font_files(out)
        assert fonts and all(fd is not None and "/FontFile2" in fd for _, fd in fonts)


def test_register_for_one_clerk(world, tmp_path):
    data = gather(world, "call-register", start=NOV[0], end=NOV[1], clerk_id=world.clerk_id,
                  clerk_name="王芳")
    assert len(data.rows) == world.clerk_calls
    assert {r[9] for r in data.rows} == {"王芳"}
    assert data.header.left == "统计期间：2026年11月　　经办人：王芳"
    # the phone comes from the archive when the call did not record one
    assert all(r[5].startswith("1381234") for r in data.rows)


def test_rows_never_split_and_stay_inside_the_page(world):
    layout = layout_form(gather(world, "call-register", start=NOV[0], end=NOV[1]))
    w, h = layout.page_size
    for ops in layout.pages:
        for op in ops:
            if op[0] == 0:  # text
                assert 0 < op[1] < w and 0 < op[2] < h, op


def test_empty_register_still_prints_one_signed_page(world, tmp_path):
    data = gather(world, "letter-register", start=D(2020, 1, 1), end=D(2020, 1, 31))
    out = tmp_path / "empty.pdf"
    assert write_form_pdf(data, out).pages == 1
    t = flat(pages_of(out)[0])
    assert "本期间没有记录" in t and "业务主管（签字）" in t and "第1页共1页" in t


def test_letter_register(world, tmp_path):
    data = gather(world, "letter-register", start=NOV[0], end=NOV[1])
    assert [r[0] for r in data.rows] == [str(i) for i in range(1, world.letters + 1)]
    assert [r[1] for r in data.rows] == [f"2026-{i:04d}" for i in range(1, world.letters + 1)]
    assert data.rows[0][5:8] == ("通知", "冬季免费检测周活动通知", "邮寄")
    out = tmp_path / "letters.pdf"
    write_form_pdf(data, out)
    texts = pages_of(out)
    check_every_page(texts, "跟踪服务信函登记表", LETTER_HEADERS)
    assert flat("天河软件园 B 栋 1203 室（请前台转交本人）") in flat(texts[0])
    assert "2026-0001" in flat(texts[0])  # the 编号 printed on each letter


# ---------------------------------------------------------------- the archive form


def test_archive_form_continues_with_its_headers_repeated(world, tmp_path):
    data = gather(world, "archive", customer_ids=[world.long_customer, world.customers[1]])
    out = tmp_path / "archive.pdf"
    result = write_form_pdf(data, out)
    texts = pages_of(out)
    assert result.pages == len(texts) >= 3
    first = [t for t in texts if "客户甲" in t and "档案编号：000001" in t]
    assert len(first) >= 2  # the 60 visits run onto a second page
    n = len(first)
    for i, t in enumerate(first, 1):
        f = flat(t)
        assert f"第{i}页共{n}页" in f  # numbered per customer
        assert "客户档案基本资料表" in f and CENTER in f
        for h in ["日期", "类别", "车号", "维修养护项目", "里程（km）"]:
            assert h in f
    assert "（续）" in flat(first[1])
    dates = re.findall(r"20(?:19|2\d)-\d\d-\d\d", "".join(flat(t) for t in first))
    visits = [d for d in dates if d < "2026"]
    assert len(set(visits)) == 60
    assert "建档人（签字）" in flat(first[-1]) and "建档人（签字）" not in flat(first[0])
    other = flat(texts[n])
    assert "客户乙" in other and "第1页共1页" in other and "粤A12341" in other
    assert "保养前电话预约" in flat(first[0]) and "丰田卡罗拉" in flat(first[0])


def test_unknown_customer_or_call(world):
    with pytest.raises(FormInputError, match="没有这位客户"):
        gather(world, "archive", customer_ids=[99999])
    with pytest.raises(FormInputError, match="没有这次通话"):
        gather(world, "call-record", call_ids=[99999])


# ---------------------------------------------------------------- the call record


def test_call_record_ticks_points_and_shows_the_handling_steps(world, tmp_path):
    data = gather(world, "call-record", call_ids=[world.complaint_call])
    sheet = data.sheets[0]
    assert sheet.points == {1, 2, 6} and sheet.handling == "escalated"
    assert (sheet.escalated_on, sheet.replied_on) == ("2026-11-20", "")
    out = tmp_path / "record.pdf"
    result = write_form_pdf(data, out)
    texts = pages_of(out)
    assert result.pages == len(texts) == 1
    t = flat(texts[0])
    for label in ["日期时间", "通话类别", "投诉（来电）", "通话内容", "通话要点",
                  "客户要求/希望/投诉", "处理方式", "上报主管日期", "2026-11-20", "解决办法",
                  "答复客户日期", "满意度",
                  "经办人（签字）", "业务主管（签字）", "免费清洗节气门和空调蒸发箱",
                  "（7）走访客户", "第1页共1页", "记录编号：第", "13812340002"]:
        assert label in t, label
    if result.font.embedded and "✓" in t:  # ticks drawn as the font's ✓ inside the boxes
        assert t.count("✓") == 3 + 1 + 1  # three points, 上报主管, 不满意


def test_call_records_for_a_period_are_one_a_page(world, tmp_path):
    data = gather(world, "call-record", start=D(2026, 11, 20), end=D(2026, 11, 21))
    assert len(data.sheets) == 5  # two a day, and the complaint
    out = tmp_path / "records.pdf"
    assert write_form_pdf(data, out).pages == 5
    assert all("第1页共1页" in flat(t) for t in pages_of(out))


def test_without_a_truetype_font_the_builtin_font_prints_and_says_so(
        world, tmp_path, monkeypatch, fresh_fonts):
    monkeypatch.setattr(pdf_fonts, "regular_candidates", lambda: [])
    monkeypatch.setattr(pdf_fonts, "bold_candidates", lambda: [])
    data = gather(world, "call-record", call_ids=[world.complaint_call])
    out = tmp_path / "record.pdf"
    result = write_form_pdf(data, out)
    assert result.font.name == "STSong-Light" and "STSong-Light" in result.font_note
    assert "上报主管日期" in flat(pages_of(out)[0])
    assert not any(fd is not None and "/FontFile2" in fd for _, fd in font_files(out))


def test_cancelling_leaves_no_file(world, tmp_path):
    data = gather(world, "call-register", start=NOV[0], end=NOV[1])
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.pdf"
    assert write_form_pdf(data, out, cancelled=lambda: True).cancelled
    assert write_form_xlsx(data, folder / "x.xlsx", cancelled=lambda: True).cancelled
    assert list(folder.iterdir()) == []
    seen = []
    write_form_pdf(data, out, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (1000, 1000) and seen == sorted(seen)


def test_control_characters_do_not_reach_the_page(world, tmp_path):
    with world.store.session() as s:
        s.add(Call(customer_id=world.customers[0], clerk_id=world.clerk_id,
                   called_at=dt.datetime(2026, 11, 29, 9), call_type="consultation",
                   reached=True, key_points="第一行\r\n第二行\t缩进\x07铃", result="已答复"))
    data = gather(world, "call-register", start=D(2026, 11, 29), end=D(2026, 11, 29))
    out = tmp_path / "ctrl.pdf"
    write_form_pdf(data, out)
    t = pages_of(out)[0]
    assert "第一行" in t and "第二行" in t and "\x07" not in t
    write_form_xlsx(data, tmp_path / "ctrl.xlsx")  # XML cannot carry \x07: it is dropped
    assert xlsx(tmp_path / "ctrl.xlsx")["H5"].value.startswith("第一行")


# ---------------------------------------------------------------- Excel


def xlsx(path):
    from openpyxl import load_workbook

    return load_workbook(path).active


def test_register_workbook_prints_like_the_pdf(world, tmp_path):
    data = gather(world, "call-register", start=NOV[0], end=NOV[1])
    out = tmp_path / "register.xlsx"
    result = write_form_xlsx(data, out)
    assert result.rows == world.register_calls
    ws = xlsx(out)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$4:$4"  # only the column headers repeat
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.oddHeader.left.text == CENTER and ws.HeaderFooter.differentFirst
    assert ws["A1"].value == CENTER and ws["A2"].value == "跟踪服务电话登记表"
    assert ws["A3"].value.startswith("统计期间：2026年11月")
    assert [c.value for c in ws[4]] == REGISTER_HEADERS
    numbers = [ws.cell(row=r, column=1).value for r in range(5, 5 + world.register_calls)]
    assert numbers == list(range(1, world.register_calls + 1))
    cell = ws["H5"]
    assert cell.border.left.style == "thin" and cell.alignment.wrap_text
    assert cell.font.name == "宋体"
    # column widths hold the Chinese text (two units a character)
    assert ws.column_dimensions["B"].width >= units("2026-11-01")
    assert ws.column_dimensions["D"].width >= units("客户甲") + 1
    long_row = next(r for r in range(5, ws.max_row + 1)
                    if ws.cell(row=r, column=8).value == LONG_POINT)
    assert ws.row_dimensions[long_row].height > 2 * ws.sheet_format.defaultRowHeight
    assert "业务主管（签字）" in ws.cell(row=ws.max_row, column=1).value


def test_archive_workbook_breaks_pages_and_repeats_the_visit_headers(world, tmp_path):
    data = gather(world, "archive", customer_ids=[world.long_customer, world.customers[1]])
    out = tmp_path / "archive.xlsx"
    write_form_xlsx(data, out)
    ws = xlsx(out)
    assert ws.page_setup.orientation == "portrait" and ws.print_title_rows == "$1:$2"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(breaks) >= 2  # the second customer, and the long history's next page
    values = [[c.value for c in row] for row in ws.iter_rows()]
    heads = [i for i, row in enumerate(values, 1) if row[:3] == ["日期", "类别", "车号"]]
    assert len(heads) >= 3
    cont = [i for i, row in enumerate(values, 1) if row[0] and "（续）" in str(row[0])]
    assert cont and cont[0] - 1 in breaks and cont[0] + 1 in heads
    firsts = [i for i, row in enumerate(values, 1) if row[0] == "档案编号"]
    assert len(firsts) == 2 and firsts[1] - 2 in breaks
    assert sum(1 for row in values if row[0] and str(row[0]).startswith("20")
               and row[1] in ("维修", "保养")) == 60


def test_call_record_workbook(world, tmp_path):
    data = gather(world, "call-record", call_ids=[world.complaint_call])
    out = tmp_path / "record.xlsx"
    write_form_xlsx(data, out)
    ws = xlsx(out)
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert text.count("☑") == 5 and text.count("☐") == 4 + 2 + 2
    assert "上报主管日期" in text and "2026-11-20" in text and "业务主管（签字）" in text
    assert ws.page_setup.orientation == "portrait"


# ---------------------------------------------------------------- the command line


def test_print_command_for_each_form(world, tmp_path, capsys):
    db = world.store.url.removeprefix("sqlite:///")
    world.store.close()
    cases = [
        (["call-register", "--from", "2026-11-01", "--to", "2026-11-30"], "r.pdf"),
        (["call-register", "--from", "2026-11-01", "--to", "2026-11-30", "--clerk", "王芳"],
         "r.xlsx"),
        (["letter-register", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"],
         "l.out"),
        (["archive", "--customer", "000001"], "a.pdf"),
        (["archive", "--limit", "3"], "all.pdf"),
        (["call-record", "--call", str(world.complaint_call)], "c.xlsx"),
        (["call-record", "--from", "2026-11-20", "--to", "2026-11-20"], "c.pdf"),
    ]
    for args, name in cases:
        out = tmp_path / name
        assert main(["--db", db, "print", *args, "-o", str(out)]) == 0, args
        assert out.exists() and out.stat().st_size > 1000
        assert "已保存" in capsys.readouterr().out
    assert len(PdfReader(str(tmp_path / "all.pdf")).pages) >= 4  # 000001 runs to two pages
    assert out.read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "l.out").read_bytes()[:2] == b"PK"
    bad = [
        (["bogus"], "未知的表格"),
        (["archive", "--customer", "999999"], "没有档案编号为 999999 的客户"),
        (["call-record", "--call", "99999"], "没有这次通话"),
        (["call-record", "--call", "abc"], "通话编号应是数字"),
        (["call-register", "--clerk", "无名氏"], "没有这位员工"),
        (["call-register", "--from", "2026-11-30", "--to", "2026-11-01"], "结束日期早于开始日期"),
        (["call-register", "--customer", "1"], "--customer 只用于 archive"),
    ]
    for args, message in bad:
        assert main(["--db", db, "print", *args, "-o", str(tmp_path / "bad.pdf")]) == 2, args
        assert message in capsys.readouterr().err
    assert main(["--db", db, "print", "archive", "-o", str(tmp_path / "no" / "x.pdf")]) == 2
    assert "文件夹不存在" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["--db", db, "print", "call-register", "--from", "2026-13-45", "-o", "x.pdf"])
    assert e.value.code == 2
    assert not (tmp_path / "bad.pdf").exists()
