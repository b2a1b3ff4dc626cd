"""The forms' Excel copies sort and sum: numbers, dates and times are typed cells, phones stay
text; a month prints at full scale on landscape A4; only the column headers repeat; an `&` in
the center's name survives the page header; a cell past Excel's row limit goes on below."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from app.forms import Column, FormHeader, RegisterForm
from app.forms_xlsx import (
    LANDSCAPE_MM,
    MAX_ROW_PT,
    PX_PER_MM,
    PX_PER_UNIT,
    hf,
    split_lines,
    write_form_xlsx,
)
from app.letters import LetterService
from tests.test_forms import NOV, build_world, gather

D = dt.date


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    frozen_clock.freeze(D(2026, 11, 27))


@pytest.fixture
def world(store, archive):
    return build_world(store, archive)


def sheet(path):
    return load_workbook(path).active


def width_mm(ws) -> float:
    from openpyxl.utils import get_column_letter

    return sum(ws.column_dimensions[get_column_letter(i)].width
               for i in range(1, ws.max_column + 1)) * PX_PER_UNIT / PX_PER_MM


def test_register_cells_are_numbers_dates_and_times(world, tmp_path):
    out = tmp_path / "r.xlsx"
    write_form_xlsx(gather(world, "call-register", start=NOV[0], end=NOV[1]), out)
    ws = sheet(out)
    first = 5  # center, title, period, headers
    a, b, c, f = (ws.cell(row=first, column=k) for k in (1, 2, 3, 6))
    assert a.value == 1 and a.data_type == "n" and a.number_format == "0"
    assert b.value == dt.datetime(2026, 11, 1) and b.is_date
    assert b.number_format in ("yyyy-mm-dd", 'yyyy"年"m"月"d"日"')
    assert c.value == dt.time(9, 15) and c.is_date and c.number_format == "hh:mm"
    assert isinstance(f.value, str) and f.value.startswith("1381234") and f.number_format == "@"
    numbers = [ws.cell(row=r, column=1).value for r in range(first, first + world.register_calls)]
    assert sum(numbers) == world.register_calls * (world.register_calls + 1) // 2


def test_register_prints_full_scale_with_only_the_header_row_repeating(world, tmp_path):
    out = tmp_path / "r.xlsx"
    write_form_xlsx(gather(world, "call-register", start=NOV[0], end=NOV[1]), out)
    ws = sheet(out)
    assert ws.print_title_rows == "$4:$4"
    assert [c.value for c in ws[4]][:3] == ["序号", "日期", "时间"]
    # fixed widths within the printable width: fit-to-width has nothing to shrink (≥ 95 %)
    assert LANDSCAPE_MM * 0.9 < width_mm(ws) <= LANDSCAPE_MM
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.scale == 100
    # the title and the print date once a page: page 1 its heading rows, later pages the
    # page header; the print date only in the footer
    hf_ = ws.HeaderFooter
    assert hf_.differentFirst
    assert hf_.firstHeader.center.text is None and hf_.firstHeader.left.text is None
    assert hf_.oddHeader.center.text == "跟踪服务电话登记表"
    assert "统计期间" in hf_.oddHeader.right.text
    for footer in (hf_.oddFooter, hf_.firstFooter):
        assert footer.right.text == "打印日期：2026-11-27" and "&P" in footer.center.text
    texts = [str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value]
    assert not any("打印日期" in t for t in texts)


def test_widths_hold_short_words_whole(tmp_path):
    header = FormHeader("中心", "跟踪服务电话登记表", "统计期间：全部", D(2026, 11, 27))
    cols = [Column("序号", 11, False), Column("类别", 12), Column("事由", 0)]
    form = RegisterForm("call-register", header, cols, [("1", "活动通知", "x")])
    out = tmp_path / "w.xlsx"
    write_form_xlsx(form, out)
    ws = sheet(out)
    # 活动通知 at 10 pt is 14 mm: the 12 mm column widens rather than break it
    assert ws.column_dimensions["B"].width * PX_PER_UNIT / PX_PER_MM >= 14.1 + 2
    assert width_mm(ws) <= LANDSCAPE_MM


def test_an_ampersand_in_the_center_name_prints(store, tmp_path):
    header = FormHeader("A&B 汽车服务中心", "跟踪服务电话登记表", "统计期间：全部",
                        D(2026, 11, 27))
    form = RegisterForm("call-register", header, [Column("序号", 11, False),
                                                  Column("事由", 0)], [])
    out = tmp_path / "amp.xlsx"
    write_form_xlsx(form, out)
    ws = sheet(out)
    assert ws.HeaderFooter.oddHeader.left.text == "A&&B 汽车服务中心"
    assert ws["A1"].value == "A&B 汽车服务中心"  # a cell needs no escaping
    assert hf("R&D") == "R&&D"
    # the written XML carries the doubled ampersand (Excel prints one)
    import zipfile

    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert "A&amp;&amp;B" in xml


def test_a_cell_past_the_row_limit_goes_on_below(tmp_path):
    header = FormHeader("中心", "跟踪服务电话登记表", "统计期间：全部", D(2026, 11, 27))
    cols = [Column("序号", 11, False), Column("日期", 19, False), Column("事由", 60),
            Column("备注", 0)]
    long = "".join(f"第{i}句：客户反映车辆在冷车启动后怠速偏高。" for i in range(200))
    form = RegisterForm("call-register", header, cols,
                        [("1", "2026-11-02", long, "短"), ("2", "2026-11-03", "短事由", "")])
    out = tmp_path / "long.xlsx"
    write_form_xlsx(form, out)
    ws = sheet(out)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    body = [r for r in rows if r[2]]
    assert body[0][0] == 1 and body[0][3] == "短"
    cont = body[1:-1]
    assert cont and all(r[2].startswith("（续）") and r[0] is None for r in cont)
    assert "".join([body[0][2]] + [r[2].removeprefix("（续）") for r in cont]) == long
    assert body[-1][0] == 2
    for r in range(5, ws.max_row + 1):
        h = ws.row_dimensions[r].height
        assert h is None or h <= MAX_ROW_PT


def test_split_lines_keeps_every_character():
    text = "甲" * 1000 + "\n" + "乙" * 300
    pieces = split_lines(text, 20, 10)
    assert len(pieces) > 1
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_archive_cells_are_typed(world, tmp_path):
    out = tmp_path / "a.xlsx"
    write_form_xlsx(gather(world, "archive", customer_ids=[world.long_customer]), out)
    ws = sheet(out)
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row}
    created = next(c for c in cells.values() if c.value == "建档日期")
    value = ws.cell(row=created.row, column=created.column + 1)
    assert value.is_date and value.number_format == 'yyyy"年"m"月"d"日"'
    km = [c for c in cells.values() if c.column == 7 and isinstance(c.value, int)]
    assert len(km) == 60 and km[0].value == 10000 and km[0].number_format == "#,##0"
    visit_days = [c for c in cells.values() if c.column == 1 and c.is_date]
    assert len(visit_days) == 60
    phone = next(c for c in cells.values() if c.value == "联系电话")
    assert ws.cell(row=phone.row, column=phone.column + 1).data_type == "s"
    assert ws.print_title_rows == "$1:$2"  # center + title, once a page
    # the print date once a page too: in the footer, not again in the rows
    assert ws.HeaderFooter.oddFooter.right.text == "打印日期：2026-11-27"
    assert not any("打印日期" in str(c.value) for c in cells.values())
    assert ws.HeaderFooter.oddHeader.center.text is None  # no second title in the header


def test_call_record_cells_are_typed_and_a_long_note_continues(world, tmp_path):
    from app.contacts import ContactService

    ContactService(world.store).call(world.complaint_call)
    data = gather(world, "call-record", call_ids=[world.complaint_call])
    c = data.sheets[0]
    data.sheets[0] = type(c)(**{**c.__dict__, "key_points": "怠速抖动。" * 900})
    out = tmp_path / "c.xlsx"
    write_form_xlsx(data, out)
    ws = sheet(out)
    cells = [cell for row in ws.iter_rows() for cell in row]
    when = next(x for x in cells if x.value == "日期时间")
    value = ws.cell(row=when.row, column=2)
    assert value.value == dt.datetime(2026, 11, 20, 10, 5) and value.is_date
    labels = [x.value for x in cells if x.column == 1 and isinstance(x.value, str)]
    assert "通话要点" in labels and "通话要点（续）" in labels
    kept = "".join(ws.cell(row=x.row, column=2).value for x in cells
                   if x.column == 1 and x.value in ("通话要点", "通话要点（续）"))
    assert kept.count("怠速抖动。") == 900
    for r in range(1, ws.max_row + 1):
        h = ws.row_dimensions[r].height
        assert h is None or h <= MAX_ROW_PT
    escalated = next(x for x in cells if x.value == "上报主管日期")
    assert ws.cell(row=escalated.row, column=2).is_date


def test_letter_register_center_with_ampersand(world, tmp_path):
    from app.staff import StaffService

    world.store.actor_id = StaffService(world.store).by_name("admin").id  # the letterhead's
    LetterService(world.store).save_center(name="顺达&合众汽车维修服务中心")
    out = tmp_path / "l.xlsx"
    write_form_xlsx(gather(world, "letter-register", start=NOV[0], end=NOV[1]), out)
    ws = sheet(out)
    assert ws.HeaderFooter.oddHeader.left.text == "顺达&&合众汽车维修服务中心"
    day = ws.cell(row=5, column=[c.value for c in ws[4]].index("发函日期") + 1)
    assert day.is_date and day.value == dt.datetime(2026, 11, 5)
