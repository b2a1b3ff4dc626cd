"""Paper for the binder (issue 13): every character prints, the preview draws what the PDF
draws, the forms can be punched and signed, long text is never lost. No Qt here except the
preview comparison (tests/test_paper_preview.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app import pdf_fonts
from app.archive import CustomerInput, VehicleInput
from app.contacts import CallInput, ContactService
from app.forms import FormRequest, FormsService
from app.forms_pdf import write_form_pdf
from app.letters import LetterDraft, LetterService
from app.letters_pdf import write_letters_pdf
from app.staff import StaffService
from db.models import Role

pdfium = pytest.importorskip("pypdfium2")

D = dt.date
TODAY = D(2026, 11, 27)
CENTER = {"name": "广州市天河区顺达汽车维修服务中心", "phone": "020-38881234"}
RARE = ["吉𠮷田", "刘䶮", "𪚥𪚥"]  # 𠮷 U+20BB7, 䶮 U+4DAE, 𪚥 U+2A6A5: not in WenQuanYi


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
    wang = staff.create("wangfang", "王芳", Role.CLERK, "secret1")
    store.actor_id = wang.id
    LetterService(store).save_center(name=CENTER["name"], phone=CENTER["phone"])
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
