"""Importing the old call and letter registers (issue 4 part 7): messy sheets, linking calls and
letters to the archive, the second follow-up after an imported first call, no duplicates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.archive import ArchiveService, CustomerInput, VehicleInput, VisitInput
from app.contacts import ContactService
from app.importer import ImportReport, import_file
from app.letters import LetterService
from app.register_import import (
    NO_CUSTOMER,
    RegisterReport,
    call_type_of,
    detect,
    letter_kind_of,
    parse_time,
    way_of,
)
from app.staff import StaffService
from app.store import Store
from app.tasks import TaskService
from db.models import Call, Customer, Letter, Role, Task, VisitKind
from tests.worlds import TODAY


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def db(store: Store) -> dict[str, int]:
    staff = StaffService(store)
    clerk = staff.create("wangfang", "王芳", Role.CLERK, "secret12")
    archive = ArchiveService(store)
    ids = {"clerk": clerk.id}
    ids["zhang"] = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区",
                      clerk_id=clerk.id),
        [VehicleInput(plate="粤A12345", model="丰田卡罗拉")])
    ids["li"] = archive.create_customer(
        CustomerInput(name="李娜", phone="0755-88776655", clerk_id=clerk.id),
        [VehicleInput(plate="粤B54321", model="本田雅阁")])
    for key, pickup in (("zhang", days(-5)), ("li", days(-4))):
        vid = archive.detail(ids[key]).vehicles[0].id
        archive.register_visit(ids[key], vid, VisitInput(
            kind=VisitKind.REPAIR, intake_date=pickup - dt.timedelta(days=1),
            pickup_date=pickup, service_items="更换刹车片"))
    ids["chen"] = archive.create_customer(
        CustomerInput(name="陈明", phone="13600003333", address="广州市天河区体育西路1号"))
    ids["liu"] = archive.create_customer(CustomerInput(name="刘洋", phone="13700002222"))
    ids["wang1"] = archive.create_customer(
        CustomerInput(name="王强", phone="13500001111", address="深圳市南山区科技园"))
    ids["wang2"] = archive.create_customer(
        CustomerInput(name="王强", phone="13500002222", address="佛山市禅城区"))
    return ids


def tasks_of(store, cid, kind):
    return [t for t in TaskService(store).for_customer(cid, TODAY) if t.kind == kind]


def count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count(model.id)))


# ---------------------------------------------------------------- the call register

CALL_HEADERS = ["序号", "通话日期", "时间", "客户姓名", "车牌号", "电话", "类别", "通话内容",
                "处理情况", "经手人", "微信号"]


def call_register(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "电话登记"
    ws["A1"] = "跟踪服务电话登记表"
    ws["A2"] = "单位：售后服务部"
    for col, header in enumerate(CALL_HEADERS, start=1):
        ws.cell(3, col, header)
    rows = {
        # by phone (written with spaces), a follow-up: closes the first call, opens the second
        4: [1, dt.datetime.combine(days(-1), dt.time()), "10:30", "张伟", None, "138 1234 5678",
            "跟踪", "询问用车情况，刹车正常", "客户满意", "王芳", "zw01"],
        # by plate only, another name written, a clerk the program does not know
        5: [2, days(-1).isoformat(), dt.time(9, 0), "李女士", "粤B54321", None, "回访",
            "提醒按期保养", "基本满意", "小王", None],
        # nobody in the archive has this phone or plate
        6: [3, days(-2), "14时", "钱进", "粤Z99999", "13011112222", "咨询", "问续保", "已答复",
            "王芳", None],
        # a date that does not exist
        7: [4, "2026-02-30", "10:00", "张伟", None, "13812345678", "投诉", "异响", "上报主管",
            "王芳", None],
        # 8 blank, 9 a numbered empty line of the paper register
        9: [5],
        10: [6, days(-3), "下午3:15", "陈明", None, "13600003333", "咨询", "询问首保时间",
             "当场答复", "王芳", None],
        11: CALL_HEADERS,  # the header again, as on a printed page
        # a follow-up with nothing written about it
        12: [7, days(-1), "16:00", "张伟", "粤A12345", "13812345678", "跟踪", None, None, "王芳",
             None],
        # nobody answered: the attempt is kept, the task stays open until the next call
        13: [8, days(-2), "11:00", "李娜", None, "0755-88776655", "跟踪", None, "关机", "王芳",
             None],
    }
    for number, values in rows.items():
        for col, value in enumerate(values, start=1):
            ws.cell(number, col, value)
    wb.save(path)
    return path


@pytest.fixture
def calls_xlsx(tmp_path) -> Path:
    return call_register(tmp_path / "电话登记表.xlsx")


def test_call_register_imports_links_and_rejects(store, db, calls_xlsx):
    report = import_file(store, calls_xlsx)

    assert isinstance(report, RegisterReport)
    assert report.as_json_dict() == {"rows": 7, "imported": 4, "merged": 0, "rejected": 3}
    assert report.rows == len(report.lines)
    lines = {line.row_number: line for line in report.lines}
    assert {n: line.outcome for n, line in lines.items()} == {
        4: "imported", 5: "imported", 6: "rejected", 7: "rejected", 10: "imported",
        12: "rejected", 13: "imported"}
    assert lines[6].reason.startswith(NO_CUSTOMER) and "粤Z99999" in lines[6].reason
    assert lines[7].reason.startswith("通话日期") and "2026-02-30" in lines[7].reason
    assert lines[12].reason.startswith("通话内容")
    assert "按车号对应档案中的“李娜”" in lines[5].reason and "小王" in lines[5].reason

    mapped = dict(report.mapped)
    assert mapped["通话日期"] == "日期" and mapped["通话内容"] == "通话要点"
    assert mapped["处理情况"] == "处理结果" and mapped["经手人"] == "经办人"
    assert mapped["客户姓名"] == "客户名称" and mapped["车牌号"] == "车号"
    assert report.ignored == ["微信号"]
    assert "电话登记表" in report.summary_text() and "拒绝 3 行" in report.summary_text()

    contacts = ContactService(store)
    [zhang] = contacts.calls_for_customer(db["zhang"])
    assert zhang.called_at == dt.datetime.combine(days(-1), dt.time(10, 30))
    assert (zhang.call_type, zhang.clerk_name, zhang.satisfaction) == ("followup", "王芳",
                                                                       "satisfied")
    assert zhang.phone == "13812345678" and zhang.key_points == "询问用车情况，刹车正常"
    li = contacts.calls_for_customer(db["li"])
    assert [(c.reached, c.no_answer_reason) for c in li] == [(True, ""), (False, "powered_off")]
    assert li[0].clerk_name == "" and "小王" in li[0].result  # unknown clerk kept in the text
    assert li[0].plate == "粤B54321" and li[0].satisfaction == "basic"
    [chen] = contacts.calls_for_customer(db["chen"])
    assert (chen.call_type, chen.direction) == ("consultation", "in")
    assert chen.called_at.time() == dt.time(15, 15)


def test_imported_first_call_completes_the_task_and_opens_the_second(store, db, calls_xlsx):
    report = import_file(store, calls_xlsx)
    call_day = days(-1)
    for key in ("zhang", "li"):
        [first] = tasks_of(store, db[key], "first_followup")
        assert (first.status, first.done_on) == ("done", call_day)
        [second] = tasks_of(store, db[key], "second_followup")
        assert second.status == "open"
        assert (second.window_start, second.due) == (call_day + dt.timedelta(days=7),
                                                     call_day + dt.timedelta(days=14))
    assert "完成第一次跟踪任务" in report.lines[0].reason
    assert "已安排第二次跟踪" in report.lines[0].reason
    # The unanswered call (the day before) counted as an attempt on 李娜's first call.
    [first] = tasks_of(store, db["li"], "first_followup")
    assert ContactService(store).attempts_for(first.task_id) == 1


def test_reimporting_the_call_register_adds_nothing(store, db, calls_xlsx):
    import_file(store, calls_xlsx)
    before = (count(store, Call), count(store, Task))
    again = import_file(store, calls_xlsx)
    assert again.as_json_dict() == {"rows": 7, "imported": 0, "merged": 4, "rejected": 3}
    assert (count(store, Call), count(store, Task)) == before
    for line in again.lines:
        if line.outcome == "merged":
            assert "已存在，未重复导入" in line.reason


def test_a_deleted_call_is_not_imported_again(store, db, calls_xlsx):
    import_file(store, calls_xlsx)
    contacts = ContactService(store)
    [call] = contacts.calls_for_customer(db["chen"])
    contacts.delete_call(call.id)
    again = import_file(store, calls_xlsx)
    line = next(x for x in again.lines if x.row_number == 10)
    assert line.outcome == "merged" and "已删除" in line.reason
    assert contacts.calls_for_customer(db["chen"]) == []


def test_a_register_written_newest_first_still_closes_the_first_call(store, db, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "日期,时间,客户名称,联系电话,类别,通话要点,处理结果,经办人\n"
        f"{days(-1)},15:00,张伟,13812345678,跟踪,第二次：车况良好,满意,王芳\n"
        f"{days(-3)},10:00,张伟,13812345678,跟踪,第一次：刹车正常,满意,王芳\n",
        encoding="utf-8")
    report = import_file(store, path)
    assert report.imported == 2
    [first] = tasks_of(store, db["zhang"], "first_followup")
    assert first.done_on == days(-3)
    # Two days after the first call is not yet the second follow-up (R4: +7 to +14).
    [second] = tasks_of(store, db["zhang"], "second_followup")
    assert (second.status, second.window_start) == ("open", days(4))


def test_dry_run_and_cancel_save_nothing(store, db, calls_xlsx):
    from app.importer import ImportCancelled

    dry = import_file(store, calls_xlsx, dry_run=True)
    assert dry.imported == 4 and count(store, Call) == 0
    assert tasks_of(store, db["zhang"], "second_followup") == []
    with pytest.raises(ImportCancelled):
        import_file(store, calls_xlsx, cancelled=lambda: True)
    assert count(store, Call) == 0
    seen = []
    import_file(store, calls_xlsx, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)


# ---------------------------------------------------------------- the letter register

LETTER_CSV = """跟踪服务信函登记表,,,,,,,,
序号,寄出日期,客户名称,地址,信函类型,事由,方式,业务员,备注
1,{d10},陈明,,邀请函,邀请参加免费检测周,挂号信,王芳,
2,{d9},张伟,广州市越秀区中山五路,通知,保养提醒,短信,王芳,
3,{d8},刘洋,,通知,保养提醒,邮寄,王芳,
4,{d8},不存在的人,某地,答复函,关于投诉的答复,邮寄,王芳,
5,{d7},王强,,通知,活动通知,当面,王芳,
6,{d7},王强,深圳市南山区科技园,答复函,关于刹车异响的答复,面交,小李,已签收
7,{d6},张伟,,感谢信,,邮寄,王芳,
"""


@pytest.fixture
def letters_csv(tmp_path) -> Path:
    path = tmp_path / "信函登记表.csv"
    text = LETTER_CSV.format(**{f"d{n}": days(-n).isoformat() for n in (6, 7, 8, 9, 10)})
    path.write_bytes(text.encode("gb18030"))
    return path


def test_letter_register_imports_links_and_rejects(store, db, letters_csv):
    report = import_file(store, letters_csv)
    assert isinstance(report, RegisterReport) and report.register == "letter"
    assert report.as_json_dict() == {"rows": 7, "imported": 3, "merged": 0, "rejected": 4}
    lines = {line.row_number: line for line in report.lines}
    assert [n for n, x in lines.items() if x.outcome == "imported"] == [3, 4, 8]
    assert "地址" in lines[5].reason and "邮寄" in lines[5].reason  # 刘洋 has no address
    assert lines[6].reason.startswith("找不到客户")
    assert "2 位客户叫“王强”" in lines[7].reason
    assert lines[9].reason.startswith("信函类型") and "感谢信" in lines[9].reason
    assert "地址取自客户档案" in lines[3].reason
    assert dict(report.mapped)["寄出日期"] == "发函日期"
    assert dict(report.mapped)["方式"] == "寄送方式"

    letters = LetterService(store)
    rows = letters.letter_rows(letters.letter_ids())
    by_customer = {x.customer_id: x for x in rows.values()}
    chen = by_customer[db["chen"]]
    assert (chen.kind, chen.way, chen.sent_on) == ("invitation", "mail", days(-10))
    assert chen.address == "广州市天河区体育西路1号" and chen.clerk_name == "王芳"
    zhang = by_customer[db["zhang"]]
    assert (zhang.kind, zhang.way, zhang.address) == ("notice", "electronic",
                                                      "广州市越秀区中山五路")
    wang = by_customer[db["wang1"]]  # the 王强 whose address matches
    assert (wang.kind, wang.way, wang.subject) == ("reply", "hand", "关于刹车异响的答复")
    assert wang.clerk_name == "" and "小李" in wang.note and "已签收" in wang.note


def test_reimporting_the_letter_register_adds_nothing(store, db, letters_csv):
    import_file(store, letters_csv)
    before = count(store, Letter)
    again = import_file(store, letters_csv)
    assert again.as_json_dict() == {"rows": 7, "imported": 0, "merged": 3, "rejected": 4}
    assert count(store, Letter) == before == 3


def test_the_command_line_imports_a_register_as_json(store, db, letters_csv, capsys,
                                                     monkeypatch):
    from app.cli import main

    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "secret12")
    url = store.url
    store.close()
    assert main(["--db", url, "--user", "admin", "import", str(letters_csv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "rows": 7, "imported": 3, "merged": 0, "rejected": 4}


# ---------------------------------------------------------------- telling the sheets apart


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["日期", "时间", "客户名称", "车号", "联系电话", "类别", "通话要点", "处理结果", "经办人"],
         "call"),
        (["来电日期", "客户", "电话", "内容摘要", "经手人"], "call"),
        (["日期", "时间", "客户名称", "电话", "内容", "结果"], "call"),
        (["发函日期", "客户名称", "地址", "信函类别", "事由", "寄送方式", "经办人"], "letter"),
        (["日期", "客户名称", "地址", "类别", "主题", "方式"], "letter"),
        (["客户名称", "联系电话", "车号", "送修日期", "维修项目", "类别"], None),
        (["日期", "客户名称", "联系电话", "类别", "备注"], None),
    ],
)
def test_detect_by_headers(tmp_path, headers, kind):
    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["某某汽车服务中心"])
    wb.active.append(headers)
    wb.save(path)
    assert detect(path) == kind


def test_archive_import_still_goes_through_import_file(store, db, tmp_path):
    path = tmp_path / "档案.csv"
    path.write_text("客户名称,联系电话,车号,送修日期,类别\n"
                    "孔明,13022223333,粤G12345,2026-03-01,保养\n"
                    "张伟,13812345678,,,\n", encoding="utf-8")
    report = import_file(store, path)
    assert type(report) is ImportReport
    assert report.as_json_dict() == {"rows": 2, "imported": 1, "merged": 1, "rejected": 0}
    with store.read() as s:
        assert s.scalar(select(Customer.id).where(Customer.name == "孔明")) is not None


# ---------------------------------------------------------------- cell values


@pytest.mark.parametrize(
    ("value", "expected"),
    [("14:30", dt.time(14, 30)), ("9:05:30", dt.time(9, 5, 30)), ("14时30分", dt.time(14, 30)),
     ("下午2:30", dt.time(14, 30)), ("上午9点", dt.time(9)), (0.5, dt.time(12)),
     (dt.time(8, 15), dt.time(8, 15)), (1430, dt.time(14, 30)), ("", None), (None, None)],
)
def test_parse_time(value, expected):
    assert parse_time(value) == expected


def test_parse_time_rejects_nonsense():
    from app.normalize import ValidationError

    with pytest.raises(ValidationError, match="看不懂"):
        parse_time("下班前")
    with pytest.raises(ValidationError, match="不存在"):
        parse_time("25:10")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("跟踪", "followup"), ("回访", "followup"), ("跟踪回访", "followup"),
     ("咨询", "consultation"), ("来电咨询", "consultation"), ("投诉", "complaint"),
     ("通知", "notice"), ("活动通知", "notice"), ("答复", "reply"), ("闲聊", "other"),
     ("", "other")],
)
def test_call_types(text, kind):
    assert call_type_of(text) == kind


def test_letter_kinds_and_ways():
    assert [letter_kind_of(t) for t in ("通知", "邀请函", "答复函", "回复", "感谢信")] == [
        "notice", "invitation", "reply", "reply", None]
    assert [way_of(t) for t in ("邮寄", "挂号", "快递", "面交", "当面", "短信", "微信", "邮件",
                                "电子", "飞鸽")] == [
        "mail", "mail", "mail", "hand", "hand", "electronic", "electronic", "electronic",
        "electronic", None]
