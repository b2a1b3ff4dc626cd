"""Paper for the binder (issue 13): every character prints, the preview draws what the PDF
draws, the forms can be punched and signed, long text is never lost. No Qt here except the
preview comparison (tests/test_paper_preview.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import stat

import pytest

from app import pdf_fonts
from app.archive import CustomerInput, VehicleInput
from app.contacts import CallInput, ContactService
from app.forms import (
    CALL_REGISTER_COLUMNS,
    ArchiveForm,
    ArchiveSheet,
    CallRecordForm,
    CallRecordSheet,
    Column,
    FormHeader,
    FormInputError,
    FormRequest,
    FormsService,
    RegisterForm,
)
from app.forms_pdf import CHECK, FILL, LINE, TEXT, layout_form, write_form_pdf
from app.letters import LetterDraft, LetterService
from app.letters_pdf import MM, Measure, write_letters_pdf
from app.staff import StaffService
from db.models import Role

pdfium = pytest.importorskip("pypdfium2")

D = dt.date
TODAY = D(2026, 11, 27)
CENTER = {"name": "广州市天河区顺达汽车维修服务中心", "phone": "020-38881234"}
RARE = ["吉𠮷田", "刘䶮", "𪚥𪚥"]  # 𠮷 U+20BB7, 䶮 U+4DAE, 𪚥 U+2A6A5: not in WenQuanYi


HEAD = FormHeader("广州市天河区顺达汽车维修服务中心", "客户档案基本资料表", "",
                  dt.date(2026, 11, 27))


def archive_form() -> ArchiveForm:
    visits = [(f"2025-{m:02d}-10", "保养", "粤A12345", "更换机油、机油滤清器",
               f"{10000 + m * 5000:,}") for m in range(1, 13)]
    sheet = ArchiveSheet(1, "000001", "2024-03-01", "吉𠮷田", "13812340000",
                         "广州市天河区体育西路 1 号",
                         "陈经理", "王芳", "保养前电话预约；免费检测活动通知", "",
                         [("粤A12345", "丰田卡罗拉", "轿车", "6 个月", "2027-01-05", "", "")],
                         visits)
    return ArchiveForm("archive", HEAD, [sheet])


def call_record_form() -> CallRecordForm:
    sheet = CallRecordSheet(7, "2026-11-20 10:05", "刘䶮（000003）", "13812340002", "粤A12342",
                            "投诉", "来电", "", frozenset({1, 2, 6}), "客户反映保养后怠速抖动。",
                            "要求免费复查", "escalated", "2026-11-20", "免费清洗节气门", "",
                            "unsatisfied", "王芳")
    head = FormHeader(HEAD.center, "跟踪服务电话记录表", "", HEAD.printed_on)
    return CallRecordForm("call-record", head, [sheet])


def register_form() -> RegisterForm:
    rows = [(str(i), "2026-11-20", "10:05", "张伟", "粤A12345", "13812340000", "跟踪",
             "车况良好，已提醒保养", "满意", "王芳", "") for i in range(1, 30)]
    head = FormHeader(HEAD.center, "跟踪服务电话登记表", "统计期间：2026年11月", HEAD.printed_on)
    return RegisterForm("call-register", head,
                        [Column(t, w, wraps) for t, w, wraps in CALL_REGISTER_COLUMNS], rows)


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    frozen_clock.freeze(TODAY)


def pdf_text(path) -> list[str]:
    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for page in doc:
            tp = page.get_textpage()
            out.append(tp.get_text_range())
            tp.close()
            page.close()
        return out
    finally:
        doc.close()


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def need_rare_glyphs() -> None:
    """Skip (saying why) only when no TrueType font on this machine has the characters."""
    choice = pdf_fonts.register_fonts()
    if not choice.embedded:
        pytest.skip("no TrueType Chinese font on this machine")
    g = pdf_fonts.glyphs()
    lacking = g.missing("".join(RARE), choice.name)
    if lacking:
        pytest.skip(f"no font on this machine has {''.join(sorted(lacking))}: "
                    "install fonts-hanazono (Linux) or SimSun-ExtB (Windows)")


@pytest.fixture
def rare_world(store, archive):
    staff = StaffService(store)
    wang = staff.create("wangfang", "王芳", Role.CLERK, "secret12")
    LetterService(store).save_center(name=CENTER["name"], phone=CENTER["phone"])  # as admin
    store.actor_id = wang.id
    ids = []
    for i, name in enumerate(RARE):
        ids.append(archive.create_customer(
            CustomerInput(name=name, phone=f"1381234{i:04d}",
                          address=f"广州市天河区{name}路 {i + 1} 号", clerk_id=wang.id),
            [VehicleInput(plate=f"粤A5678{i}", model="丰田卡罗拉")]))
    contacts = ContactService(store)
    calls = [contacts.log_call(CallInput(
        customer_id=cid, called_at=dt.datetime(2026, 11, 20 + i, 10, 5), call_type="followup",
        points_covered=[1], key_points=f"与{name}先生通话，车况良好。", satisfaction="satisfied",
        result="满意")).call_id for i, (cid, name) in enumerate(zip(ids, RARE, strict=True))]
    return FormsService(store), ids, calls


def gather(forms: FormsService, form: str, **kw):
    return forms.gather(FormRequest(form, today=TODAY, **kw))


def test_rare_characters_print_on_the_archive_form(rare_world, tmp_path):
    need_rare_glyphs()
    forms, ids, _ = rare_world
    out = tmp_path / "archive.pdf"
    result = write_form_pdf(gather(forms, "archive", customer_ids=ids), out)
    text = flat("".join(pdf_text(out)))
    for name in RARE:
        assert name in text and f"广州市天河区{name}路" in text, name
    assert result.missing == set() and result.font_note == ""


def test_rare_characters_print_on_the_call_register_and_record(rare_world, tmp_path):
    need_rare_glyphs()
    forms, _, calls = rare_world
    out = tmp_path / "register.pdf"
    write_form_pdf(gather(forms, "call-register", start=D(2026, 11, 1), end=D(2026, 11, 30)),
                   out)
    text = flat("".join(pdf_text(out)))
    for name in RARE:
        assert text.count(name) == 2, name  # the 客户名称 column and the 通话要点
    out = tmp_path / "record.pdf"
    write_form_pdf(gather(forms, "call-record", call_ids=calls), out)
    pages = [flat(t) for t in pdf_text(out)]
    for name, page in zip(RARE, pages, strict=True):
        assert f"与{name}先生通话" in page


def test_rare_characters_print_in_a_letter_and_on_its_label(tmp_path):
    need_rare_glyphs()
    letters = [LetterDraft(i, name, f"广州市天河区{name}路 1 号", "保养提醒",
                           f"尊敬的{name}：\n\n您的爱车该保养了。\n")
               for i, name in enumerate(RARE, 1)]
    out = tmp_path / "letters.pdf"
    result = write_letters_pdf(letters, CENTER, out)
    pages = [flat(t) for t in pdf_text(out)]
    assert len(pages) == len(RARE) + 1  # a letter each, one sheet of labels
    for name, page in zip(RARE, pages, strict=False):
        assert f"收件人：{name}" in page and f"尊敬的{name}：" in page
    for name in RARE:
        assert f"{name}收" in pages[-1] and f"广州市天河区{name}路1号" in pages[-1]
    assert result.font_note == ""


def test_a_character_no_font_has_is_marked_and_reported(tmp_path):
    """U+F0001 (a private-use plane character) is in no font: a 〓 and a warning, not a gap."""
    if not pdf_fonts.register_fonts().embedded:
        pytest.skip("no TrueType Chinese font on this machine")
    odd = "\U000F0001"
    out = tmp_path / "letters.pdf"
    result = write_letters_pdf([LetterDraft(1, f"张{odd}", "广州市天河区 1 号", "通知",
                                            f"尊敬的张{odd}：\n\n您好。\n")], CENTER, out)
    pages = [flat(t) for t in pdf_text(out)]
    assert f"收件人：张{pdf_fonts.MISSING_MARK}" in pages[0]
    assert f"张{pdf_fonts.MISSING_MARK}收" in pages[-1]
    assert result.missing == {odd}
    assert odd in result.font_note and "fonts-hanazono" in result.font_note \
        and "SimSun-ExtB" in result.font_note


def test_fallback_fonts_are_only_read_when_a_character_needs_them(monkeypatch):
    if not pdf_fonts.register_fonts().embedded:
        pytest.skip("no TrueType Chinese font on this machine")
    g = pdf_fonts.Glyphs(pdf_fonts.register_fonts())
    asked = []
    monkeypatch.setattr(pdf_fonts, "fallback_candidates",
                        lambda: asked.append(1) or [])
    name = g.choice.name
    assert g.runs("客户张伟 13812345678", name) == [(name, "客户张伟 13812345678")]
    assert asked == []
    missing: set[str] = set()
    runs = g.runs("吉\U000F0001田", name, missing)
    assert asked == [1] and missing == {"\U000F0001"}
    assert "".join(part for _, part in runs) == f"吉{pdf_fonts.MISSING_MARK}田"


def test_characters_beyond_ffff_extract_as_themselves():
    """reportlab's ToUnicode map cut U+20BB7 to U+20BB; the patch writes surrogate pairs."""
    assert pdf_fonts._utf16_hex(0x4DAE) == "4DAE"
    assert pdf_fonts._utf16_hex(0x20BB7) == "D842DFB7"
    assert chr(0x20BB7).encode("utf-16-be").hex().upper() == "D842DFB7"


# ---------------------------------------------------------------- punching and signing


def ink_box(layout) -> tuple[float, float, float, float]:
    """left, bottom, right, top of everything drawn on any page, in points."""
    m, name = Measure(), layout.font.name
    xs, ys = [], []
    for ops in layout.pages:
        for op in ops:
            if op[0] == TEXT:
                _, x, y, text, size, _, align = op
                w = m.width(text, name, size)
                left = x - (w / 2 if align == "c" else w if align == "r" else 0)
                xs += [left, left + w]
                ys += [y, y + size]
            elif op[0] == LINE:
                xs += [op[1], op[3]]
                ys += [op[2], op[4]]
            elif op[0] in (FILL, CHECK):
                size_w = op[3]
                size_h = op[4] if op[0] == FILL else op[3]
                xs += [op[1], op[1] + size_w]
                ys += [op[2], op[2] + size_h]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("make", [archive_form, call_record_form])
def test_portrait_forms_keep_the_binding_margin_on_the_left(make):
    layout = layout_form(make())
    left, bottom, right, top = ink_box(layout)
    w, h = layout.page_size
    assert left >= 25 * MM - 0.01  # the holes (12 mm in, 6 mm wide) stay in the margin
    assert w - right >= 15 * MM - 0.5 and bottom > 5 * MM and h - top >= 10 * MM


def test_landscape_registers_keep_the_binding_margin_at_the_top():
    layout = layout_form(register_form())
    left, _, right, top = ink_box(layout)
    w, h = layout.page_size
    assert w > h and h - top >= 25 * MM - 0.01  # the head goes to the binding edge
    # the full width stays for the columns: 序号 is as wide as before
    assert left == pytest.approx(12 * MM, abs=0.01) and w - right >= 12 * MM - 0.01


def test_the_binding_margin_is_a_setting(store):
    forms = FormsService(store)
    assert forms.binding_mm() == 25
    forms.save_binding_mm(30)
    assert forms.binding_mm() == 30
    head = forms.gather(FormRequest("call-register", start=D(2026, 11, 1), end=D(2026, 11, 30),
                                    today=TODAY)).header
    assert head.binding_mm == 30
    with pytest.raises(FormInputError, match="装订边距"):
        forms.save_binding_mm(80)
    form = archive_form()
    form.header = dataclasses.replace(form.header, binding_mm=0)
    left = ink_box(layout_form(form))[0]
    assert left == pytest.approx(15 * MM, abs=0.01)  # no punching: the plain margin


@pytest.mark.parametrize("make", [archive_form, call_record_form, register_form])
def test_every_signature_has_40_mm_and_a_date_line(make):
    form = make()
    layout = layout_form(form)
    ops = layout.pages[-1]
    lines = [op for op in ops if op[0] == LINE and op[2] == op[4]]
    m = Measure()

    def line_after(op):
        """The signature line starting right after this label, on its baseline."""
        end = op[1] + m.width(op[3], layout.font.name, op[4])
        found = [ln for ln in lines if abs(ln[2] - (op[2] - 2)) < 0.1 and ln[1] >= end]
        assert found, op
        return min(found, key=lambda ln: ln[1])

    labels = [op for op in ops if op[0] == TEXT and "（签字）" in op[3]]
    assert [op[3] for op in labels] == [s + "：" for s in form.signatures]
    for label in labels:
        sign = line_after(label)
        assert sign[3] - sign[1] >= 40 * MM, label[3]
        dates = [op for op in ops if op[0] == TEXT and op[3] == "日期：" and op[2] == label[2]
                 and op[1] > sign[3]]
        assert dates, label[3]
        date = min(dates, key=lambda op: op[1])
        others = [op[1] for op in labels if op[2] == label[2] and op[1] > label[1]]
        assert not others or date[1] < min(others)  # its own date, before the next name
        date_line = line_after(date)
        assert date_line[3] - date_line[1] >= 25 * MM
    # room above each line to write: rows at least 10 mm apart
    ys = sorted({op[2] for op in labels}, reverse=True)
    assert all(a - b >= 10 * MM for a, b in zip(ys, ys[1:], strict=False))


# ---------------------------------------------------------------- long text is never lost


def long_text(n: int) -> str:
    """n characters of numbered sentences: a lost or repeated piece shows."""
    parts, i = [], 1
    while sum(map(len, parts)) < n:
        parts.append(f"第{i:03d}句，客户反映冷车启动后怠速偏高、方向盘轻微抖动。")
        i += 1
    return "".join(parts)[:n - 1] + "完"


def column_text(layout, x: float) -> tuple[str, list[int]]:
    """The left-aligned text drawn at x on every page, in reading order, and the pages."""
    out, pages = [], []
    for p, ops in enumerate(layout.pages):
        got = [op for op in ops if op[0] == TEXT and abs(op[1] - x) < 0.01 and op[6] == "l"]
        got.sort(key=lambda op: -op[2])
        out += [op[3] for op in got]
        pages += [p] * bool(got)
    return "".join(out), pages


@pytest.mark.parametrize("n", [720, 800, 2000])
def test_a_long_call_record_continues_on_the_next_page(n):
    form = call_record_form()
    text = long_text(n)
    form.sheets[0] = dataclasses.replace(form.sheets[0], key_points=text)
    layout = layout_form(form)
    w, h = layout.page_size
    from app.forms_pdf import PAD_X, Margins

    x = Margins.of(layout.page_size, 25).left + 31 * MM + PAD_X
    drawn, pages = column_text(layout, x)
    assert text in drawn  # every character, once, in order (the other boxes follow it)
    assert drawn.count("完") == 1
    # page 1 carries the start of it: no page of headers alone
    assert text[:20] in "".join(op[3] for op in layout.pages[0] if op[0] == TEXT)
    for ops in layout.pages:
        assert all(op[2] > 5 * MM for op in ops if op[0] == TEXT)  # nothing off the sheet
    if len(layout.pages) > 1:
        more = [op[3] for op in layout.pages[1] if op[0] == TEXT]
        assert any("（续）" in t for t in more)


def test_a_long_register_row_continues_marked_continued():
    form = register_form()
    text = long_text(2000)
    form.rows[5] = form.rows[5][:7] + (text,) + form.rows[5][8:]
    layout = layout_form(form)
    head = layout.pages[0]
    title_x = next(op[1] for op in head if op[0] == TEXT and op[3] == "通话要点摘要")
    # the column's cells start PAD_X right of its left rule: find the rule left of the title
    rules = sorted({op[1] for op in head if op[0] == LINE and op[1] == op[3] and op[1] < title_x})
    from app.forms_pdf import PAD_X

    drawn, pages = column_text(layout, rules[-1] + PAD_X)
    assert text in drawn and len(set(pages)) >= 2
    for ops in layout.pages:  # every page has rows under its headers
        numbers = [op[3] for op in ops if op[0] == TEXT and re.fullmatch(r"\d+|续", op[3])]
        assert numbers, ops[:3]
        assert all(op[2] > 5 * MM for op in ops if op[0] == TEXT)
    second = [op[3] for op in layout.pages[1] if op[0] == TEXT]
    assert "6" in second and "续" in second  # 序号 6 continued


def cell_lines(layout, title: str) -> list[list[str]]:
    """The text lines of every cell under the column `title` (by its centred header x)."""
    out = []
    for ops in layout.pages:
        heads = [op for op in ops if op[0] == TEXT and op[3] == title and op[5]]
        if not heads:
            continue
        rules = sorted({op[1] for op in ops if op[0] == LINE and op[1] == op[3]})
        x = heads[0][1]
        left = max(r for r in rules if r < x)
        right = min(r for r in rules if r > x)
        body = [op for op in ops if op[0] == TEXT and left < op[1] < right and not op[5]]
        rows_y = sorted({op[2] for op in body}, reverse=True)
        out += [[op[3] for op in body if op[2] == y] for y in rows_y]
    return out


def test_columns_are_sized_by_what_they_hold():
    form = register_form()
    long_address = ("广州市天河区中山大道西 88 号 天河软件园 B 栋 1203 室"
                    "（请前台转交本人，工作日在岗）")
    rows = []
    for i, row in enumerate(form.rows):
        kind = ["活动通知", "跟踪", "投诉处理", "保险续保"][i % 4]
        rows.append(row[:1] + ("2026-11-20", "10:05", row[3], "粤AD12345", "020-87913935",
                               kind) + row[7:])
    form.rows = rows
    layout = layout_form(form)
    for title in ["日期", "时间", "车号", "联系电话", "类别"]:
        cells = cell_lines(layout, title)
        assert cells and all(len(c) == 1 for c in cells), (title, cells[:3])
    assert {c[0] for c in cell_lines(layout, "类别")} == {"活动通知", "跟踪", "投诉处理",
                                                         "保险续保"}
    # the letter register: a long address gets the room, a short 事由 gives it away
    from app.forms import LETTER_REGISTER_COLUMNS

    letters = RegisterForm("letter-register", form.header,
                           [Column(t, w, wr) for t, w, wr in LETTER_REGISTER_COLUMNS],
                           [(str(i), f"2026-{i:04d}", "2026-11-05", "张伟", long_address,
                             "通知", "保养提醒", "邮寄", "王芳", "") for i in range(1, 6)])
    layout = layout_form(letters)
    assert all(len(c) <= 2 for c in cell_lines(layout, "地址"))
    assert all(c == ["保养提醒"] for c in cell_lines(layout, "事由"))


# ---------------------------------------------------------------- the small things


def test_cell_text_never_hangs_punctuation_onto_the_rule():
    """In a table cell a closing mark takes its character to the next line instead of
    standing past the cell's text width (where it touched the ruled line)."""
    import random

    from app.letters_pdf import NO_LINE_START

    font = pdf_fonts.register_fonts().name
    m = Measure()
    rng = random.Random(5)
    source = "客户反映车辆怠速偏高，方向盘抖动。“担心”是脚胶老化！）已约定。”、；A12 345"
    for _ in range(2000):
        text = "".join(rng.choice(source) for _ in range(rng.randint(1, 90)))
        width = rng.uniform(25, 200)
        lines = m.wrap(text, font, 9, width, hang=False)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for i, line in enumerate(lines):
            marks_only = all(ch in NO_LINE_START for ch in line[1:])  # “。。！”: no choice
            assert marks_only or m.width(line, font, 9) <= width + 0.01, (text, lines)
            if i and line[0] in NO_LINE_START:  # only when the line before is all marks
                assert all(ch in NO_LINE_START for ch in lines[i - 1][1:]), (text, lines)
    # a letter keeps hanging punctuation in its margin
    line = "感" * 9 + "。"
    assert m.wrap(line, font, 9, 9 * 9)[0] == line


def test_the_tick_is_centred_in_its_box_in_the_pdf_and_the_preview():
    from app.forms_pdf import TICK

    xs, ys = [p[0] for p in TICK], [p[1] for p in TICK]
    assert abs((min(xs) + max(xs)) / 2 - 0.5) < 0.03
    assert abs((min(ys) + max(ys)) / 2 - 0.5) < 0.03
    import ui.forms_tab as ft

    assert ft.TICK == TICK  # one tick for the PDF, the preview and the printer
    assert ft.MISSING_MARK == pdf_fonts.MISSING_MARK


def test_a_call_record_fills_its_page():
    layout = layout_form(call_record_form())
    assert layout.page_count == 1
    w, h = layout.page_size
    ys = [op[2] for op in layout.pages[0] if op[0] == LINE]
    used = (h - 11 * MM - min(ys)) / (h - 11 * MM - 14 * MM)
    assert used > 0.9, used  # was 55 %


def test_forms_name_the_unit_and_write_the_period_in_chinese():
    from app.dates import chinese_period
    from app.forms import period_text

    assert chinese_period(D(2026, 11, 1), D(2026, 11, 30)) == "2026年11月"
    assert chinese_period(D(2026, 1, 1), D(2026, 12, 31)) == "2026年"
    assert chinese_period(D(2026, 11, 2), D(2026, 11, 8)) == "2026年11月2日 至 2026年11月8日"
    assert chinese_period(D(2026, 10, 1), D(2026, 12, 31)) == "2026年10月 至 2026年12月"
    assert period_text(D(2026, 2, 1), D(2026, 2, 28)) == "2026年2月"
    layout = layout_form(register_form())
    texts = [op[3] for op in layout.pages[0] if op[0] == TEXT]
    assert "单位：" + HEAD.center in texts


@pytest.mark.parametrize("charts", [True, False])
def test_an_unwritten_summary_does_not_take_a_page_of_its_own(store, archive, monkeypatch,
                                                               tmp_path, charts):
    from app.summary import Period, SummaryService
    from app.summary_pdf import summary_doc, write_summary_pdf
    from tests.worlds import november_2026

    monkeypatch.setattr("app.staff.hash_password", lambda password: "unused")
    clerk = StaffService(store).create("wangfang", "王芳", Role.CLERK, "secret12")
    november_2026(store, archive, clerk.id, TODAY)
    doc = summary_doc(SummaryService(store), Period.month(2026, 11), "month", text="",
                      today=TODAY)
    result = write_summary_pdf(doc, CENTER, tmp_path / "s.pdf", charts=charts,
                               printed_on=TODAY)
    pages = [flat(t) for t in pdf_text(result.path)]
    where = [p for p in pages if "（未填写）" in p]
    assert len(where) == 1 and "业务主管（签字）" in where[0]
    # the page also carries figures or charts, or else it is the form to write the summary
    # by hand: not a page spent on （未填写）
    if charts:
        assert "图表" in where[0]
    else:
        assert "图表" in where[0] or "流失客户" in where[0] or "请在下列横线上手写小结" in where[0]
    assert "统计期间：2026年11月" in pages[0]


def test_without_the_fallback_fonts_the_preview_and_pdf_mark_and_name_the_characters(
        monkeypatch, tmp_path):
    """A PC with only the primary font: 𠮷 prints as 〓 on the form, and the preview's and
    the saved file's note say which character and which font to install."""
    if not pdf_fonts.register_fonts().embedded:
        pytest.skip("no TrueType Chinese font on this machine")
    pdf_fonts.clear_cache()
    monkeypatch.setattr(pdf_fonts, "fallback_candidates", lambda: [])
    try:
        g = pdf_fonts.glyphs()
        if g.font_for(g.choice.name, "𠮷") is not None:
            pytest.skip("the primary font itself has 𠮷")
        layout = layout_form(archive_form())  # the customer is 吉𠮷田
        assert "𠮷" in layout.missing and "𠮷" in layout.font_note
        out = tmp_path / "archive.pdf"
        result = write_form_pdf(layout, out)
        assert result.missing == {"𠮷"} and "fonts-hanazono" in result.font_note
        assert f"吉{pdf_fonts.MISSING_MARK}田" in flat(pdf_text(out)[0])
    finally:
        monkeypatch.undo()
        pdf_fonts.clear_cache()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file modes are POSIX")
def test_saved_pdfs_can_be_opened_by_the_other_users_of_the_pc(tmp_path):
    """mkstemp's 0600 kept the supervisor out of the clerk's export on a shared PC."""
    outs = [write_form_pdf(register_form(), tmp_path / "register.pdf").path,
            write_letters_pdf([LetterDraft(1, "张伟", "广州市天河区 1 号", "通知", "您好。")],
                              CENTER, tmp_path / "letters.pdf").path]
    for out in outs:
        assert stat.S_IMODE(out.stat().st_mode) & 0o044 == 0o044, out
