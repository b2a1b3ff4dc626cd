"""Letters as PDF (R8): one letter a page on the letterhead, address labels, the font embedded."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from app import pdf_fonts
from app.letters import LetterDraft, LetterInfo
from app.letters_pdf import (
    LABELS_PER_PAGE,
    NO_LINE_START,
    TEXT_W,
    Measure,
    write_letters_pdf,
)

pypdf = pytest.importorskip("pypdf")

CENTER = {"name": "广州顺达汽车维修服务中心", "address": "广州市白云区机场路 1688 号",
          "phone": "020-86661234"}
BODY = ("尊敬的{name}：\n\n感谢您一直以来对我中心的信任与支持。我中心将于2026年12月3日举办"
        "“冬季免费检测周”，免费检测空调、电瓶、轮胎和刹车系统，诚邀您届时光临。\n\n"
        "活动地点：本中心维修车间\n\n如有疑问，欢迎致电 020-86661234。\n")
PEOPLE = [("张伟", "广州市天河区体育西路 1 号"),
          ("王芳", "广州市越秀区中山五路 8 号富力盈通大厦 26 楼 2608 室（近地铁站 B1 出口）"),
          ("欧阳建国", "广州市白云区机场路 99 号")]


def drafts(people=PEOPLE):
    return [LetterDraft(i, name, address, "邀请您参加冬季免费检测周", BODY.format(name=name))
            for i, (name, address) in enumerate(people, 1)]


def flat(text: str) -> str:
    return "".join(text.split())


def page_texts(path: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(str(path)).pages]


def font_descriptors(path: Path):
    """(BaseFont, FontDescriptor or None) of every font the pages use."""
    out = []
    for page in pypdf.PdfReader(str(path)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if "/DescendantFonts" in font:  # Type0 (CID) fonts keep it one level down
                font = font["/DescendantFonts"][0].get_object()
            fd = font.get("/FontDescriptor")
            out.append((str(font.get("/BaseFont")), fd.get_object() if fd else None))
    return out


@pytest.fixture
def fresh_fonts():
    pdf_fonts.clear_cache()
    yield
    pdf_fonts.clear_cache()


def test_three_letters_and_their_labels(tmp_path):
    out = tmp_path / "letters.pdf"
    calls = []
    result = write_letters_pdf(drafts(), CENTER, out, sent_on=dt.date(2026, 12, 1),
                               progress=lambda done, total: calls.append((done, total)))
    assert (result.pages, result.letters, result.labels) == (4, 3, 3)
    assert calls[-1] == (4, 4) and not result.cancelled
    texts = page_texts(out)
    assert len(texts) == 4
    for (name, address), text in zip(PEOPLE, texts[:3], strict=True):
        t = flat(text)
        assert CENTER["name"] in t and "020-86661234" in t
        assert f"收件人：{name}" in t and f"尊敬的{name}：" in t
        assert flat(address) in t
        assert "邀请您参加冬季免费检测周" in t and "2026年12月1日" in t
        others = [n for n, _ in PEOPLE if n != name and n not in name]
        assert not any(f"收件人：{n}" in t for n in others)
    labels = flat(texts[3])
    for name, address in PEOPLE:
        assert flat(address) in labels and f"{name}收" in labels
    assert labels.count("寄件：" + CENTER["name"]) == 3


def test_the_chinese_font_is_embedded(tmp_path):
    choice = pdf_fonts.register_fonts()
    if not choice.embedded:
        pytest.skip("no TrueType CJK font on this machine")
    out = tmp_path / "letters.pdf"
    result = write_letters_pdf(drafts(), CENTER, out)
    assert result.font_note == ""
    fonts = font_descriptors(out)
    assert fonts and all(fd is not None and "/FontFile2" in fd for _, fd in fonts), fonts
    # subset-embedded: the ABCDEF+ tag, and the file stays small
    assert all(name[7] == "+" for name, _ in fonts)
    assert out.stat().st_size < 200_000


def test_without_a_truetype_font_the_builtin_cid_font_is_used_and_said(
        tmp_path, monkeypatch, fresh_fonts):
    monkeypatch.setattr(pdf_fonts, "regular_candidates", lambda: [])
    monkeypatch.setattr(pdf_fonts, "bold_candidates", lambda: [])
    out = tmp_path / "letters.pdf"
    result = write_letters_pdf(drafts(PEOPLE[:1]), CENTER, out)
    assert result.font.name == "STSong-Light" and not result.font.embedded
    assert "STSong-Light" in result.font_note and "未找到可嵌入的中文字体" in result.font_note
    fonts = font_descriptors(out)
    assert any("STSong-Light" in name for name, _ in fonts)
    assert not any(fd is not None and "/FontFile2" in fd for _, fd in fonts)


def test_unreadable_and_cff_fonts_are_skipped(tmp_path, monkeypatch, fresh_fonts):
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all" * 100)
    candidates = [junk, tmp_path / "missing.ttc"]
    cff = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if cff.exists():
        candidates.append(cff)  # CFF outlines: reportlab raises TTFError
    monkeypatch.setattr(pdf_fonts, "regular_candidates", lambda: candidates)
    assert pdf_fonts.cjk_font().name == "STSong-Light"


def test_shipped_font_comes_first_and_lazy_import():
    assert pdf_fonts.regular_candidates()[0].parent.name in ("fonts", "Fonts")
    code = ("import sys, app.pdf_fonts, app.letters_pdf;"
            "print(any(m.startswith('reportlab') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_wrapping_keeps_words_and_punctuation_rules():
    font = pdf_fonts.register_fonts().name
    m = Measure()
    text = ("感谢您对我中心工作的关心和监督，关于您反映的问题，我们经认真研究，答复如下：" * 4
            + "配件型号 ABCDEFGHIJ0123456789 为原厂正品。")
    lines = m.wrap(text, font, 12, TEXT_W)
    assert "".join(lines) == text
    assert len(lines) > 3
    for line in lines:
        assert line[0] not in NO_LINE_START
        body = line.rstrip("".join(NO_LINE_START))
        assert m.width(body, font, 12) <= TEXT_W + 0.01
    assert any("ABCDEFGHIJ0123456789" in line for line in lines)  # not cut in the middle


def test_a_long_letter_continues_on_a_numbered_page(tmp_path):
    long = "尊敬的张伟：\n\n" + "\n\n".join(
        f"第{i}段：感谢您对我中心工作的关心和监督。关于您反映的问题，我们经认真研究，答复如下。"
        for i in range(1, 40))
    out = tmp_path / "long.pdf"
    result = write_letters_pdf([LetterDraft(1, "张伟", "", "答复函", long)], CENTER, out,
                               sent_on=dt.date(2026, 12, 1))
    n = result.pages
    assert n >= 3 and result.labels == 0 and result.no_address == ["张伟"]
    texts = [flat(t) for t in page_texts(out)]
    assert f"第1页共{n}页" in texts[0]
    assert all("致张伟的信函（续）" in t for t in texts[1:])
    assert texts[-1].endswith(f"2026年12月1日第{n}页共{n}页") and "第39段" in texts[-1]
    for i in range(1, 40):
        assert sum(f"第{i}段：" in t for t in texts) == 1  # every paragraph, once


def test_labels_fill_sheets_of_fourteen(tmp_path):
    people = [(f"客户{i}", f"广州市天河区体育西路 {i} 号") for i in range(LABELS_PER_PAGE + 3)]
    out = tmp_path / "many.pdf"
    result = write_letters_pdf(drafts(people), CENTER, out)
    assert result.pages == len(people) + 2 and result.labels == len(people)
    texts = page_texts(out)
    assert flat(texts[-2]).count("收") == LABELS_PER_PAGE
    assert flat(texts[-1]).count("寄件") == 3
    without = write_letters_pdf(drafts(people[:2]), CENTER, tmp_path / "no-labels.pdf",
                                labels=False)
    assert (without.pages, without.labels) == (2, 0)


def test_registered_letters_print_their_own_date_and_number(tmp_path):
    info = LetterInfo(id=42, customer_id=1, archive_no=7, kind="notice",
                      sent_on=dt.date(2026, 3, 5), recipient="张伟", address="广州市天河区",
                      subject="车辆保养提醒", body="尊敬的张伟：\n\n请按期保养。", way="mail",
                      clerk_name="王芳", campaign_id=None, request_id=None, note="")
    out = tmp_path / "one.pdf"
    write_letters_pdf([info], CENTER, out, labels=False, sent_on=dt.date(2026, 12, 1))
    text = flat(page_texts(out)[0])
    assert "2026年3月5日" in text and "2026年12月1日" not in text and "第42号" in text


def test_cancelling_leaves_no_file_and_keeps_an_old_one(tmp_path):
    out = tmp_path / "letters.pdf"
    result = write_letters_pdf(drafts(), CENTER, out, cancelled=lambda: True)
    assert result.cancelled and not out.exists()
    out.write_bytes(b"old")
    write_letters_pdf(drafts(), CENTER, out, cancelled=lambda: True)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["letters.pdf"]  # no .part left behind


def test_tabs_and_control_characters_do_not_print_as_boxes(tmp_path):
    from app.letters_pdf import printable

    assert printable("活动\t日期\x0b：\r\n12月3日\x00") == "活动    日期：\n12月3日"
    out = tmp_path / "ctl.pdf"
    letter = LetterDraft(1, "张伟\x07", "广州市\t天河区", "通知\x1b",
                         "尊敬的张伟：\r\n\t请按期保养。")
    write_letters_pdf([letter], CENTER, out)
    text = page_texts(out)[0]
    assert not any(ord(ch) < 32 and ch not in "\n " for ch in text)
    assert "请按期保养。" in text and "收件人：张伟" in text
