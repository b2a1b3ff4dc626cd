"""Letters (R8) as one PDF: one letter a page on the center's letterhead, then address labels.

Drawn straight on a reportlab canvas, page by page: each letter is laid out first (so a letter
too long for one page knows its page count), then drawn. Chinese text wraps at any character,
keeps Latin words and numbers (plates, phone numbers) whole, never starts a line with closing
punctuation (it hangs in the margin instead) and never ends one with an opening bracket.

The labels fit the common A4 sheet of 2 × 7 labels of 99.1 × 38.1 mm (e.g. Avery L7163).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app import clock
from app.pdf_fonts import MISSING_MARK, FontChoice, glyphs, missing_note, register_fonts

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM  # A4
MARGIN_X = 25 * MM
MARGIN_TOP = 18 * MM
MARGIN_BOTTOM = 22 * MM
TEXT_W = PAGE_W - 2 * MARGIN_X

BODY_SIZE = 12
BODY_LEADING = BODY_SIZE * 1.75
INK = (0.1, 0.1, 0.1)
GREY = (0.4, 0.4, 0.4)
ACCENT = (0.62, 0.08, 0.08)  # the letterhead's rule and name: a dark red that prints as grey

# The 2 × 7 label sheet (99.1 × 38.1 mm labels).
LABEL_W, LABEL_H = 99.1 * MM, 38.1 * MM
LABEL_COLS, LABEL_ROWS = 2, 7
LABEL_LEFT, LABEL_TOP = 4.65 * MM, 15.15 * MM
LABEL_PITCH_X = 101.6 * MM
LABEL_PAD_X, LABEL_PAD_TOP, LABEL_PAD_BOTTOM = 6 * MM, 4.5 * MM, 3.5 * MM
LABELS_PER_PAGE = LABEL_COLS * LABEL_ROWS

NO_LINE_START = set("，。、；：！？）》」』】〕〉”’,.;:!?)]}%·…—～")
NO_LINE_END = set("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./@:#%+']*|.")


class LetterLike(Protocol):
    recipient: str
    address: str
    subject: str
    body: str


@dataclass
class PdfResult:
    path: Path
    pages: int = 0
    letters: int = 0
    labels: int = 0
    font: FontChoice | None = None
    cancelled: bool = False
    no_address: list[str] = field(default_factory=list)  # recipients left off the labels
    missing: set[str] = field(default_factory=set)  # characters no font on the PC has

    @property
    def font_note(self) -> str:
        """What the user is told after saving: no embeddable font, or characters no font
        has (printed as 〓) and which font to install. Empty when all is well."""
        notes = [self.font.note if self.font else "", missing_note(self.missing)]
        return "\n".join(n for n in notes if n)


def printable(text: str) -> str:
    """Tabs as spaces, other control characters dropped: they would print as boxes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")


@dataclass
class _Clean:
    recipient: str
    address: str
    subject: str
    body: str
    sent_on: dt.date | None = None
    id: int | None = None


def _clean(letter: LetterLike) -> _Clean:
    return _Clean(printable(letter.recipient or ""), printable(letter.address or ""),
                  printable(letter.subject or ""), printable(letter.body or ""),
                  getattr(letter, "sent_on", None), getattr(letter, "id", None))


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def publish(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Put the finished temp file in place, readable by everyone on the PC: mkstemp makes it
    0600, and on a shared PC the supervisor must be able to open the clerk's export."""
    try:
        os.chmod(tmp, 0o644)
    except OSError:  # a file system without modes
        pass
    os.replace(tmp, path)


# ---------------------------------------------------------------- measuring and wrapping


class Measure:
    """String widths with a per-character cache (stringWidth per call is the slow part).

    A character the font lacks is measured in the fallback font that draws it (or as the
    missing mark, and remembered in `missing`), so the layout matches what is drawn.
    """

    def __init__(self):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        self._sw = stringWidth
        self._cache: dict[tuple[str, str], float] = {}
        self.missing: set[str] = set()

    def _char_width(self, font: str, ch: str) -> float:
        g = glyphs()
        drawn_by = g.font_for(font, ch)
        if drawn_by is None:
            self.missing.add(ch)
            ch = MISSING_MARK
            drawn_by = g.font_for(font, ch) or font
        return self._sw(ch, drawn_by, 1000) / 1000

    def width(self, text: str, font: str, size: float) -> float:
        total = 0.0
        cache = self._cache
        for ch in text:
            w = cache.get((font, ch))
            if w is None:
                w = cache[(font, ch)] = self._char_width(font, ch)
            total += w
        return total * size

    def wrap(self, text: str, font: str, size: float, width: float,
             first_width: float | None = None, hang: bool = True) -> list[str]:
        """Lines of at most `width` points (the first at most `first_width`).

        With `hang`, closing punctuation may stand past the width (in a letter's margin);
        without (a table cell, whose rule it would touch), the character before it moves to
        the next line with it instead.
        """
        limit = width if first_width is None else first_width
        lines: list[str] = []
        cur, cur_w = "", 0.0
        for tok in _TOKEN.findall(text):
            if not cur and lines and tok in NO_LINE_START:
                if hang or len(lines[-1]) < 2:
                    lines[-1] += tok  # 。” : the second mark hangs with the first
                    continue
                lines[-1], cur = _pull_down(lines[-1])  # its character keeps it company
                cur_w = self.width(cur, font, size)
            tw = self.width(tok, font, size)
            if cur_w + tw <= limit + 0.01:
                cur, cur_w = cur + tok, cur_w + tw
                continue
            if tok in NO_LINE_START and cur:
                if hang or len(cur) < 2:
                    cur += tok  # hanging punctuation: it may stand in the margin
                    lines.append(cur)
                    cur, cur_w, limit = "", 0.0, width
                    continue
                keep, down = _pull_down(cur)  # the punctuation's character goes down with it
                lines.append(keep)
                cur, limit = down + tok, width
                cur_w = self.width(cur, font, size)
                continue
            carry = ""
            if cur and cur[-1] in NO_LINE_END and len(cur) > 1:
                cur, carry = cur[:-1], cur[-1]
            if cur.strip():
                lines.append(cur.rstrip())
                limit = width
            cur = carry
            cur_w = self.width(cur, font, size)
            if tok.isspace():
                continue
            if cur_w + tw <= limit:
                cur, cur_w = cur + tok, cur_w + tw
                continue
            for ch in tok:  # a word longer than a whole line: break it anywhere
                cw = self.width(ch, font, size)
                if cur and cur_w + cw > limit:
                    lines.append(cur)
                    cur, cur_w, limit = "", 0.0, width
                cur, cur_w = cur + ch, cur_w + cw
        if cur.strip() or not lines:
            lines.append(cur.rstrip())
        return lines


def _pull_down(line: str) -> tuple[str, str]:
    """`line` less its last character (and any closing marks before that one), and those:
    what moves to the next line so that it does not start with punctuation."""
    k = len(line) - 1
    while k > 1 and line[k] in NO_LINE_START:
        k -= 1
    return line[:k], line[k:]


# ---------------------------------------------------------------- drawing operations


@dataclass
class Op:
    """One thing drawn on a page: text (align l/c/r at x) or a horizontal rule (text None)."""

    x: float
    y: float
    text: str | None
    size: float = BODY_SIZE
    bold: bool = False
    align: str = "l"
    color: tuple[float, float, float] = INK
    width: float = 0.0  # rule length or line width
    thickness: float = 0.0


class Painter:
    """Draws Ops; each string in runs of the fonts that have its characters (the fallback
    chain), characters no font has as the missing mark, collected in `missing`."""

    def __init__(self, canvas, font: FontChoice, measure: Measure):
        self.c = canvas
        self.font = font
        self.m = measure
        self.glyphs = glyphs()
        self.missing: set[str] = set()

    def draw(self, ops: list[Op]) -> None:
        c = self.c
        for op in ops:
            c.setFillColorRGB(*op.color)
            if op.text is None:
                c.setStrokeColorRGB(*op.color)
                c.setLineWidth(op.thickness)
                c.line(op.x, op.y, op.x + op.width, op.y)
                continue
            name = self.font.bold_name if op.bold else self.font.name
            x = op.x
            if op.align != "l":
                w = self.m.width(op.text, name, op.size)
                x -= w / 2 if op.align == "c" else w
            if op.bold and not self.font.has_real_bold:
                # No bold face on this machine: fill and stroke the outline to embolden it.
                # The render mode outlives the text object: keep it inside save/restore.
                c.saveState()
                text = c.beginText(x, op.y)
                text.setTextRenderMode(2)
                c.setStrokeColorRGB(*op.color)
                c.setLineWidth(op.size * 0.03)
                for font, part in self.glyphs.runs(op.text, name, self.missing):
                    text.setFont(font, op.size)
                    text.textOut(part)
                c.drawText(text)
                c.restoreState()
            else:
                runs = self.glyphs.runs(op.text, name, self.missing)
                if len(runs) == 1:
                    c.setFont(runs[0][0], op.size)
                    c.drawString(x, op.y, runs[0][1])
                    continue
                text = c.beginText(x, op.y)
                for font, part in runs:
                    text.setFont(font, op.size)
                    text.textOut(part)
                c.drawText(text)


# ---------------------------------------------------------------- one letter


def _letterhead(center: dict, m: Measure, font: FontChoice) -> tuple[list[Op], float]:
    """The letterhead's ops and the y below it."""
    ops: list[Op] = []
    y = PAGE_H - MARGIN_TOP
    name = center.get("name", "").strip() or "汽车维修服务中心"
    size = 22.0
    while size > 12 and m.width(name, font.bold_name, size) > TEXT_W:
        size -= 1
    y -= size
    ops.append(Op(PAGE_W / 2, y, name, size, bold=True, align="c", color=ACCENT))
    parts = []
    if center.get("address", "").strip():
        parts.append("地址：" + center["address"].strip())
    if center.get("phone", "").strip():
        parts.append("电话：" + center["phone"].strip())
    if parts:
        small = 9.5
        line = "　　".join(parts)
        lines = [line] if m.width(line, font.name, small) <= TEXT_W else [
            text for p in parts for text in m.wrap(p, font.name, small, TEXT_W)]
        y -= 6
        for text in lines:
            y -= small * 1.4
            ops.append(Op(PAGE_W / 2, y, text, small, align="c", color=GREY))
    y -= 8
    ops.append(Op(MARGIN_X, y, None, color=ACCENT, width=TEXT_W, thickness=1.6))
    y -= 2.6
    ops.append(Op(MARGIN_X, y, None, color=ACCENT, width=TEXT_W, thickness=0.5))
    return ops, y


def _continuation_head(center: dict, recipient: str) -> tuple[list[Op], float]:
    y = PAGE_H - MARGIN_TOP - 10
    text = f"{center.get('name', '').strip()}　致 {recipient} 的信函（续）"
    ops = [Op(MARGIN_X, y, text, 9, color=GREY)]
    y -= 5
    ops.append(Op(MARGIN_X, y, None, color=GREY, width=TEXT_W, thickness=0.5))
    return ops, y - 8


def _body_lines(body: str, m: Measure, font: FontChoice) -> list[str | None]:
    """Wrapped body lines; None is a blank line. Paragraphs get the customary 2-character
    indent, except the salutation (尊敬的…：) and lines the template already indents."""
    out: list[str | None] = []
    indent = "\u3000\u3000"
    salutation_seen = False
    for raw in body.split("\n"):
        line = raw.rstrip()
        if not line.strip():
            out.append(None)
            continue
        first = not salutation_seen
        salutation_seen = True
        if (first and line.endswith(("：", ":"))) or line[0].isspace():
            out += m.wrap(line, font.name, BODY_SIZE, TEXT_W)
            continue
        indent_w = m.width(indent, font.name, BODY_SIZE)
        wrapped = m.wrap(line, font.name, BODY_SIZE, TEXT_W, TEXT_W - indent_w)
        out.append(indent + wrapped[0])
        out += wrapped[1:]
    while out and out[-1] is None:  # the template's trailing newlines
        out.pop()
    while out and out[0] is None:
        out.pop(0)
    return out


def layout_letter(letter: LetterLike, center: dict, day: dt.date, m: Measure,
                  font: FontChoice, number: int | None = None) -> list[list[Op]]:
    """The pages of one letter, as lists of drawing operations."""
    head_ops, y = _letterhead(center, m, font)
    page = list(head_ops)
    pages = [page]

    # Recipient and address on the left, number and date on the right.
    y -= 22
    right = PAGE_W - MARGIN_X
    meta = []
    if number:
        # a register number (2026-0003) reads as it stands; a bare draft id as 第 N 号
        meta.append(f"编号：{number}" if isinstance(number, str) else f"编号：第 {number} 号")
    meta.append(f"日期：{chinese_date(day)}")
    left = [f"收件人：{letter.recipient}"]
    if letter.address.strip():
        left += m.wrap("地址：" + letter.address.strip(), font.name, 10.5, TEXT_W * 0.62)
    for i in range(max(len(left), len(meta))):
        if i < len(left):
            page.append(Op(MARGIN_X, y, left[i], 10.5))
        if i < len(meta):
            page.append(Op(right, y, meta[i], 10.5, align="r"))
        y -= 10.5 * 1.55

    # The subject, centred, as a heading.
    y -= 14
    if letter.subject.strip():
        for text in m.wrap(letter.subject.strip(), font.bold_name, 16, TEXT_W - 40):
            y -= 16
            page.append(Op(PAGE_W / 2, y, text, 16, bold=True, align="c"))
            y -= 6
        y -= 14

    def new_page() -> float:
        nonlocal page
        ops, top = _continuation_head(center, letter.recipient)
        page = list(ops)
        pages.append(page)
        return top

    y -= BODY_SIZE * 0.5
    for text in _body_lines(letter.body, m, font):
        if y - BODY_LEADING < MARGIN_BOTTOM:
            y = new_page()
        y -= BODY_LEADING
        if text is not None:
            page.append(Op(MARGIN_X, y, text, BODY_SIZE))

    # The signature block: the center's name and the date, flush right.
    sign_h = BODY_LEADING * 4
    if y - sign_h < MARGIN_BOTTOM:
        y = new_page()
    y -= BODY_LEADING * 2
    name = center.get("name", "").strip()
    if name:
        page.append(Op(right - BODY_SIZE, y, name, BODY_SIZE, align="r"))
        y -= BODY_LEADING
    page.append(Op(right - BODY_SIZE, y, chinese_date(day), BODY_SIZE, align="r"))

    if len(pages) > 1:
        for i, ops in enumerate(pages, 1):
            ops.append(Op(PAGE_W / 2, MARGIN_BOTTOM / 2, f"第 {i} 页 共 {len(pages)} 页", 8.5,
                          align="c", color=GREY))
    return pages


# ---------------------------------------------------------------- labels


def layout_label(letter: LetterLike, center: dict, col: int, row: int, m: Measure,
                 font: FontChoice) -> list[Op]:
    """One 99.1 × 38.1 mm label: the postal address, the recipient's name + 收, the sender."""
    x0 = LABEL_LEFT + col * LABEL_PITCH_X
    top = PAGE_H - LABEL_TOP - row * LABEL_H
    bottom = top - LABEL_H
    inner_w = LABEL_W - 2 * LABEL_PAD_X
    ops: list[Op] = []

    sender = center.get("name", "").strip()
    sender_size = 7.5
    name_size = 15.0
    name_text = f"{letter.recipient}　收"
    while name_size > 9 and m.width(name_text, font.bold_name, name_size) > inner_w:
        name_size -= 1
    # The address takes what the name and sender leave; it shrinks rather than being cut off.
    room = LABEL_H - LABEL_PAD_TOP - LABEL_PAD_BOTTOM - name_size * 1.9 - sender_size * 1.6
    size = 10.5
    while True:
        lines = m.wrap(letter.address.strip(), font.name, size, inner_w)
        if len(lines) * size * 1.3 <= room or size <= 6:
            break
        size -= 0.5
    y = top - LABEL_PAD_TOP
    for text in lines:
        y -= size * 1.3
        ops.append(Op(x0 + LABEL_PAD_X, y + size * 0.25, text, size))
    # The name, centred in the space between the address and the sender line.
    sender_y = bottom + LABEL_PAD_BOTTOM
    mid = (y + sender_y + sender_size * 1.2) / 2
    ops.append(Op(x0 + LABEL_W / 2, mid - name_size * 0.35, name_text, name_size, bold=True,
                  align="c"))
    if sender:
        ops.append(Op(x0 + LABEL_W - LABEL_PAD_X, sender_y, f"寄件：{sender}", sender_size,
                      align="r", color=GREY))
    return ops


# ---------------------------------------------------------------- the file


def write_letters_pdf(letters: Sequence[LetterLike], center: dict, path: str | os.PathLike, *,
                      labels: bool = True, sent_on: dt.date | None = None,
                      outlines: bool = False,
                      progress: Callable[[int, int], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> PdfResult:
    """Write the letters (and, with labels, the address labels) to one PDF at `path`.

    Each letter's date is its own `sent_on` (a registered LetterInfo), else `sent_on`, else
    today. Labels are made for letters with an address. The file appears only when complete:
    a cancelled run (cancelled() true) leaves any existing file alone.
    `outlines` draws faint label borders, for plain paper cut by hand.
    """
    from reportlab.pdfgen.canvas import Canvas

    path = Path(path)
    letters = [_clean(x) for x in letters]
    center = {k: printable(str(v or "")) for k, v in center.items()}
    font = register_fonts()
    m = Measure()
    default_day = sent_on or clock.today()
    with_address = [x for x in letters if x.address.strip()] if labels else []
    result = PdfResult(path, font=font, letters=len(letters),
                       no_address=[x.recipient for x in letters if not x.address.strip()]
                       if labels else [])
    label_pages = -(-len(with_address) // LABELS_PER_PAGE)
    total = len(letters) + label_pages

    fd, tmp = tempfile.mkstemp(prefix=".letters-", suffix=".pdf.part", dir=path.parent)
    os.close(fd)
    try:
        c = Canvas(tmp, pagesize=(PAGE_W, PAGE_H), pageCompression=1,
                   initialFontName=font.name, initialFontSize=BODY_SIZE, lang="zh-CN")
        c.setTitle("信函")
        c.setAuthor(center.get("name", ""))
        c.setCreator("FollowDesk 售后跟踪服务台")
        painter = Painter(c, font, m)
        pages = 0
        for i, letter in enumerate(letters):
            if cancelled and cancelled():
                result.cancelled = True
                return result
            day = letter.sent_on or default_day
            for ops in layout_letter(letter, center, day, m, font, letter.id):
                painter.draw(ops)
                c.showPage()
                pages += 1
            if progress and (i % 10 == 9 or i == len(letters) - 1):
                progress(i + 1, total)
        for p in range(label_pages):
            if cancelled and cancelled():
                result.cancelled = True
                return result
            chunk = with_address[p * LABELS_PER_PAGE:(p + 1) * LABELS_PER_PAGE]
            for k, letter in enumerate(chunk):
                col, row = k % LABEL_COLS, k // LABEL_COLS
                if outlines:
                    c.setStrokeColorRGB(0.8, 0.8, 0.8)
                    c.setLineWidth(0.3)
                    c.roundRect(LABEL_LEFT + col * LABEL_PITCH_X,
                                PAGE_H - LABEL_TOP - (row + 1) * LABEL_H, LABEL_W, LABEL_H,
                                2 * MM)
                painter.draw(layout_label(letter, center, col, row, m, font))
            c.showPage()
            pages += 1
            if progress:
                progress(len(letters) + p + 1, total)
        if pages == 0:  # nothing to print still makes a valid (blank) file
            c.showPage()
            pages = 1
        c.save()
        publish(tmp, path)
        tmp = None
        result.pages = pages
        result.labels = len(with_address)
        result.missing = painter.missing
        return result
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
