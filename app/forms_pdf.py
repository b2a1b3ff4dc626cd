"""The four forms (R11) laid out on A4 and drawn as PDF.

The layout is computed first, as a list of pages of plain drawing operations (tuples): it
knows every page's contents before anything is drawn, so 第 N 页 共 M 页 is right, and the
same pages are drawn by reportlab here and by QPainter in the program's preview and printing.
Tables are paginated by hand (row heights from the wrapped text): one huge platypus Table is
several times slower and grows superlinearly. Column headers repeat on every page; a row is
never split; signatures come after the last row, on the same page as at least that row.

Operations, in points with the origin at the bottom left (reportlab's convention):
  (TEXT, x, y, text, size, bold, align)   baseline at y; align "l", "c" or "r" at x
  (LINE, x1, y1, x2, y2, width)
  (FILL, x, y, w, h, gray)                a filled rectangle (header shading)
  (CHECK, x, y, size, checked)            a tick box with its lower left corner at x, y
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.contacts import STANDARD_POINTS
from app.forms import (
    ARCHIVE_VEHICLE_COLUMNS,
    ARCHIVE_VISIT_COLUMNS,
    HANDLING_LABELS,
    SATISFACTION_LABELS,
    ArchiveForm,
    ArchiveSheet,
    CallRecordForm,
    CallRecordSheet,
    FormData,
    FormHeader,
    RegisterForm,
)
from app.letters_pdf import MM, Measure, Op, Painter, printable, publish
from app.pdf_fonts import FontChoice, missing_note, register_fonts

TEXT, LINE, FILL, CHECK = 0, 1, 2, 3
# The tick in a checked box, as fractions of the box from its lower left corner: one path
# for the PDF and the preview/printer alike, its ink centred in the box.
TICK = ((0.2, 0.52), (0.42, 0.24), (0.82, 0.8))

PORTRAIT = (210 * MM, 297 * MM)
LANDSCAPE = (297 * MM, 210 * MM)
MARGIN_X = 12 * MM
MARGIN_TOP = 11 * MM
MARGIN_BOTTOM = 14 * MM  # the page number sits in it
PORTRAIT_MARGIN_X = 15 * MM

BODY = 9.0  # table text
LEADING = 1.36
PAD_X, PAD_Y = 2.5, 2.6
HEAD_GRAY = 0.88
RULE = 0.5
# Signatures: a row each (two side by side on a landscape register), every name with
# SIGN_LINE at least to sign on and its own 日期 line; room above each line to write.
SIGN_SIZE = 10.0
SIGN_LINE = 45 * MM
DATE_LINE = 28 * MM
SIGN_ROW = 12 * MM  # from one signature line to the next
SIGN_GAP = 9 * MM  # from the table to the first line's text


@dataclass(frozen=True)
class Margins:
    """The page's margins in points. The bound edge (the binding margin, 装订边距) is the left
    of a portrait form and the top of a landscape register: a landscape table is filed with
    its head at the binding edge (GB/T 9704), so holes never go through 序号 or the head."""

    left: float
    right: float
    top: float
    bottom: float

    @classmethod
    def of(cls, page_size: tuple[float, float], binding_mm: float) -> Margins:
        bind = max(binding_mm, 0) * MM
        if page_size[0] > page_size[1]:
            return cls(MARGIN_X, MARGIN_X, max(MARGIN_TOP, bind), MARGIN_BOTTOM)
        return cls(max(PORTRAIT_MARGIN_X, bind), PORTRAIT_MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM)

    def width(self, page_size: tuple[float, float]) -> float:
        return page_size[0] - self.left - self.right

_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _lines_of(text: str) -> list[str]:
    if _CTRL.search(text):
        text = printable(text)
    return text.split("\n") if "\n" in text else [text]


class CheckLine(list):
    """One line of tick boxes: a list of (checked, label, label width)."""


@dataclass(slots=True)
class Cell:
    x: float
    w: float
    lines: list  # str or CheckLine items
    bold: bool = False
    align: str = "l"
    shade: bool = False
    size: float = BODY
    min_lines: int = 1


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    h: float
    border: bool = True


@dataclass
class FormLayout:
    """The pages of one print job; each page a list of drawing operations."""

    form: str
    title: str
    page_size: tuple[float, float]
    pages: list[list[tuple]] = field(default_factory=list)
    font: FontChoice | None = None
    rows: int = 0  # register lines, sheets otherwise
    missing: set[str] = field(default_factory=set)  # characters no font on the PC has

    @property
    def font_note(self) -> str:
        """The warning shown with the preview (no embeddable font; characters printed 〓)."""
        notes = [self.font.note if self.font else "", missing_note(self.missing)]
        return "\n".join(n for n in notes if n)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def landscape(self) -> bool:
        return self.page_size[0] > self.page_size[1]


class Typesetter:
    """Wraps cell text with letters_pdf's Chinese line breaking and measures rows."""

    def __init__(self, font: FontChoice, m: Measure | None = None):
        self.font = font
        self.m = m or Measure()

    def wrap(self, text: str, width: float, size: float = BODY, bold: bool = False
             ) -> list[str]:
        name = self.font.bold_name if bold else self.font.name
        out: list[str] = []
        width_of = self.m.width
        for para in _lines_of(text):
            if width_of(para, name, size) <= width:
                out.append(para)
            else:
                out += self.m.wrap(para, name, size, width, hang=False)
        return out

    def check_lines(self, items: list[tuple[bool, str]], width: float, size: float = BODY,
                    inline: bool = True) -> list:
        """Tick boxes side by side (inline) or one a line; a long label wraps under itself."""
        box = size * 1.9
        lines: list = []
        measured = [(checked, label, self.m.width(label, self.font.name, size))
                    for checked, label in items]
        if inline and sum(box + w + size * 1.5 for _, _, w in measured) <= width:
            return [CheckLine(measured)]
        for checked, label in items:
            parts = self.wrap(label, width - box, size)
            lines.append(CheckLine([(checked, parts[0],
                                     self.m.width(parts[0], self.font.name, size))]))
            lines += [_Indent(p) for p in parts[1:]]
        return lines

    def cell(self, x: float, w: float, text: str, *, bold: bool = False, align: str = "l",
             shade: bool = False, size: float = BODY, min_lines: int = 1) -> Cell:
        return Cell(x, w, self.wrap(text, w - 2 * PAD_X, size, bold), bold, align, shade, size,
                    min_lines)

    @staticmethod
    def row(cells: list[Cell], border: bool = True) -> Row:
        return Row(cells, _row_height(cells), border)


class _Indent(str):
    """A wrapped tick-box label's continuation: drawn under the label, not the box."""


CONTINUED = "（续）"


def _row_height(cells: list[Cell]) -> float:
    h = 0.0
    for c in cells:
        h = max(h, max(len(c.lines), c.min_lines) * c.size * LEADING)
    return h + 2 * PAD_Y


def _split_row(row: Row, room: float, least: int = 2) -> tuple[Row, Row] | None:
    """The row cut after the lines that fit in `room`: (this page's part, the rest), or None
    when fewer than `least` lines fit. In the rest a label (shaded) cell is repeated with
    （续） under it, and the first cell (序号) with 续, so the part is never anonymous."""
    lead = max(c.size * LEADING for c in row.cells)
    k = int((room - 2 * PAD_Y) // lead)
    if k < least or all(len(c.lines) <= k and c.min_lines <= k for c in row.cells):
        return None
    head, rest = [], []
    for i, c in enumerate(row.cells):
        head.append(Cell(c.x, c.w, c.lines[:k], c.bold, c.align, c.shade, c.size,
                         min(c.min_lines, k)))
        more = c.lines[k:]
        if not more and c.lines and (c.shade or i == 0):
            marker = CONTINUED if c.w - 2 * PAD_X >= 3 * c.size else "续"
            shown = c.lines if c.shade else c.lines[:1]
            more = [str(x) for x in shown if not isinstance(x, CheckLine)] + [marker]
        rest.append(Cell(c.x, c.w, more, c.bold, c.align, c.shade, c.size,
                         max(c.min_lines - k, 1)))
    return Row(head, _row_height(head), row.border), Row(rest, _row_height(rest), row.border)


# ---------------------------------------------------------------- the page flow


class Flow:
    """Places rows top to bottom, page by page, for one form (one customer, one register…).

    `header(ops, continued)` draws the page head and returns the y below it. Rows set with
    `repeat` are placed again at the top of every following page (column headers).
    """

    def __init__(self, page_size: tuple[float, float], header: Callable[[list, bool], float],
                 bottom: float = MARGIN_BOTTOM):
        self.w, self.h = page_size
        self.header = header
        self.bottom = bottom
        self.pages: list[list[tuple]] = []
        self.ops: list[tuple] = []
        self.y = 0.0
        self.repeat: list[Row] = []
        self._seg_xs: tuple[float, ...] = ()
        self._seg_top = self._seg_bottom = 0.0
        self._fresh_y = 0.0  # y right after a page's head (and repeated rows)
        self.new_page()

    def new_page(self) -> None:
        self._flush()
        self.ops = []
        self.pages.append(self.ops)
        self.y = self._head_y = self.header(self.ops, len(self.pages) > 1)
        for row in self.repeat:
            self._draw(row)
        self._fresh_y = self.y

    def start_table(self, head: Row, keep_with: float = 0.0) -> None:
        """Place a table's header row; it repeats on the following pages until end_table."""
        self.place(head, keep_with)
        self.repeat = [head]

    def end_table(self) -> None:
        self.repeat = []

    def room(self) -> float:
        return self.y - self.bottom

    def space(self, h: float) -> None:
        self._flush()
        self.y -= h

    def fresh_room(self) -> float:
        """The height a row has on a new page (below the head and the repeated headers)."""
        return self._head_y - sum(r.h for r in self.repeat) - self.bottom

    def place(self, row: Row, keep_with: float = 0.0) -> None:
        """Place a row, starting a page first when it (and `keep_with` below it) won't fit.

        A big row (a third of a page or more: a long 通话要点, an address list) is not moved
        whole but split: as many lines as fit here, the rest on the next page, its label or
        序号 marked 续 — nothing runs off the sheet, and no page is left with its headers
        alone. A small row moves to the next page whole.
        """
        if self.y - row.h - keep_with >= self.bottom:
            self._draw(row)
            return
        while self.y - row.h - keep_with < self.bottom:
            fresh = self.fresh_room()
            if row.border and (row.h > fresh / 3 or row.h + keep_with > fresh):
                parts = _split_row(row, self.room())
                if parts is not None:
                    self._draw(parts[0])
                    self.new_page()
                    row = parts[1]
                    continue
            if self.y == self._fresh_y:
                break  # cannot be split (one line taller than a page): drawn as it is
            self.new_page()
        self._draw(row)

    def _draw(self, row: Row) -> None:
        ops = self.ops
        top = self.y
        bottom = top - row.h
        if row.border:
            xs = tuple(c.x for c in row.cells) + (row.cells[-1].x + row.cells[-1].w,)
            if xs != self._seg_xs or abs(self._seg_bottom - top) > 0.01:
                self._flush()
                self._seg_xs, self._seg_top = xs, top
                ops.append((LINE, xs[0], top, xs[-1], top, RULE))
            self._seg_bottom = bottom
            ops.append((LINE, xs[0], bottom, xs[-1], bottom, RULE))
        else:
            self._flush()
        for c in row.cells:
            if c.shade:
                ops.append((FILL, c.x, bottom, c.w, row.h, HEAD_GRAY))
            lead = c.size * LEADING
            n = len(c.lines)
            # Centred vertically in the row; the first baseline a line box down. A box kept
            # tall to be written in by hand starts its text at the top.
            slack = PAD_Y if c.min_lines > n else (row.h - n * lead) / 2
            y = top - slack - lead + (lead - c.size) / 2 + c.size * 0.14
            for line in c.lines:
                if isinstance(line, CheckLine):
                    self._check_line(ops, c, line, y)
                else:
                    if c.align == "l":
                        x = c.x + PAD_X + (c.size * 1.9 if isinstance(line, _Indent) else 0)
                    elif c.align == "c":
                        x = c.x + c.w / 2
                    else:
                        x = c.x + c.w - PAD_X
                    if line:
                        ops.append((TEXT, x, y, line, c.size, c.bold, c.align))
                y -= lead
        self.y = bottom

    @staticmethod
    def _check_line(ops: list, c: Cell, line: CheckLine, y: float) -> None:
        size = c.size
        box = size * 0.95
        x = c.x + PAD_X
        for checked, label, label_w in line:
            ops.append((CHECK, x, y - size * 0.08, box, checked))
            ops.append((TEXT, x + size * 1.9, y, label, size, False, "l"))
            x += size * 1.9 + label_w + size * 1.5

    def _flush(self) -> None:
        if self._seg_xs and self._seg_top > self._seg_bottom:
            for x in self._seg_xs:
                self.ops.append((LINE, x, self._seg_top, x, self._seg_bottom, RULE))
        self._seg_xs = ()

    def finish(self, footer: Callable[[list, int, int], None]) -> list[list[tuple]]:
        self._flush()
        total = len(self.pages)
        for i, ops in enumerate(self.pages, 1):
            footer(ops, i, total)
        return self.pages


# ---------------------------------------------------------------- page head and foot


def _header_fn(ts: Typesetter, page_size: tuple[float, float], mg: Margins,
               head: FormHeader, left_first: str, left_more: str):
    w, h = page_size
    mid = (mg.left + w - mg.right) / 2
    center = "单位：" + (head.center or "汽车维修服务中心")
    size = 11.0
    while size > 7 and ts.m.width(center, ts.font.name, size) > mg.width(page_size):
        size -= 0.5

    def header(ops: list, continued: bool) -> float:
        y = h - mg.top - size
        ops.append((TEXT, mid, y, center, size, False, "c"))
        y -= 8 + 17
        ops.append((TEXT, mid, y, head.title, 17.0, True, "c"))
        y -= 10 + 9
        left = left_more if continued else left_first
        if left:
            ops.append((TEXT, mg.left, y, left, 9.0, False, "l"))
        ops.append((TEXT, w - mg.right, y, head.printed_text, 9.0, False, "r"))
        return y - 6

    return header


def _footer_fn(page_size: tuple[float, float], mg: Margins):
    mid = (mg.left + page_size[0] - mg.right) / 2

    def footer(ops: list, n: int, total: int) -> None:
        ops.append((TEXT, mid, mg.bottom - 16, f"第 {n} 页 共 {total} 页", 9.0, False, "c"))

    return footer


@dataclass
class Signatures:
    """The signature block's operations, relative to the first baseline at y = 0."""

    ops: list[tuple]
    rows: int

    @property
    def height(self) -> float:
        """From the row above to below the last line: what `keep_with` keeps free."""
        return SIGN_GAP + (self.rows - 1) * SIGN_ROW + 6


def _signatures(ts: Typesetter, labels: tuple[str, ...], x0: float, width: float
                ) -> Signatures:
    """Each signer: "label：" and a line of at least SIGN_LINE, then "日期：" and its line;
    as many side by side as fit the width, the rest below."""
    name, size = ts.font.name, SIGN_SIZE
    texts = [label + "：" for label in labels]
    label_w = max(ts.m.width(t, name, size) for t in texts)
    date_w = ts.m.width("日期：", name, size)
    gap = 10 * MM
    one = label_w + SIGN_LINE + 4 * MM + date_w + DATE_LINE
    per_row = max(1, min(len(texts), int((width + gap) // (one + gap))))
    slot = (width + gap) / per_row
    sign_line = slot - gap - label_w - 4 * MM - date_w - DATE_LINE - 2
    ops: list[tuple] = []
    for i, text in enumerate(texts):
        r, col = divmod(i, per_row)
        x, y = x0 + col * slot, -r * SIGN_ROW
        ops.append((TEXT, x, y, text, size, False, "l"))
        line_x = x + label_w + 1
        ops.append((LINE, line_x, y - 2.0, line_x + sign_line, y - 2.0, 0.6))
        date_x = line_x + sign_line + 4 * MM
        ops.append((TEXT, date_x, y, "日期：", size, False, "l"))
        ops.append((LINE, date_x + date_w + 1, y - 2.0, date_x + date_w + DATE_LINE, y - 2.0,
                    0.6))
    return Signatures(ops, -(-len(texts) // per_row))


def _place_signatures(flow: Flow, sig: Signatures) -> None:
    if flow.room() < sig.height:
        flow.new_page()
    y = flow.y - SIGN_GAP
    for op in sig.ops:
        if op[0] == TEXT:
            flow.ops.append((TEXT, op[1], op[2] + y, *op[3:]))
        else:
            flow.ops.append((LINE, op[1], op[2] + y, op[3], op[4] + y, op[5]))
    flow.y = y - (sig.rows - 1) * SIGN_ROW - 6


# ---------------------------------------------------------------- registers


def _column_xs(widths_mm: list[float], x0: float, total: float) -> list[tuple[float, float]]:
    fixed = sum(w * MM for w in widths_mm)
    flex = [i for i, w in enumerate(widths_mm) if not w]
    rest = (total - fixed) / len(flex) if flex else 0.0
    out, x = [], x0
    for w in widths_mm:
        width = w * MM if w else rest
        out.append((x, width))
        x += width
    return out


_CENTRED = {"序号", "日期", "时间", "发函日期", "类别", "信函类别", "寄送方式", "经办人"}
# Column widths by what the column holds. These never wrap: as wide as their longest value
# (up to NO_WRAP_MAX): numbers, dates, times, plates, phones — and the short words of a
# category or a clerk's name, which must not break mid-word (活动通/知).
_NO_WRAP = {"序号", "日期", "时间", "发函日期", "车号", "联系电话", "类别", "信函类别",
            "寄送方式", "经办人"}
NO_WRAP_MAX = 45 * MM
# The free-text columns share the rest by these weights; a column whose longest value
# needs less than its share gets only what it needs (an empty 备注 gives its room away).
_TEXT_WEIGHTS = {"通话要点摘要": 4.0, "地址": 3.0, "事由": 1.6, "处理结果": 1.3, "客户名称": 1.0,
                 "备注": 0.9}
TEXT_MIN = 16 * MM


def _register_widths(form: RegisterForm, ts: Typesetter, total: float) -> list[float]:
    """Each column's width in points, summing to `total` (see _NO_WRAP, _TEXT_WEIGHTS)."""
    m, name, bold = ts.m, ts.font.name, ts.font.bold_name
    pad = 2 * PAD_X + 1.5
    fixed: dict[int, float] = {}
    need: dict[int, float] = {}
    least: dict[int, float] = {}
    for j, col in enumerate(form.columns):
        head = m.width(col.title, bold, BODY) + pad
        widest = 0.0
        for value in {row[j] for row in form.rows}:
            for para in _lines_of(value):
                widest = max(widest, m.width(para, name, BODY))
        if col.title in _NO_WRAP:
            fixed[j] = min(max(widest + pad, head), max(NO_WRAP_MAX, head))
        else:
            least[j] = max(head, TEXT_MIN)
            need[j] = max(widest + pad, least[j])
    alloc: dict[int, float] = {}
    room = total - sum(fixed.values())
    active = list(need)
    while active:
        weight = sum(_TEXT_WEIGHTS.get(form.columns[j].title, 1.0) for j in active)
        shares = {j: room * _TEXT_WEIGHTS.get(form.columns[j].title, 1.0) / weight
                  for j in active}
        small = [j for j in active if need[j] <= shares[j]]
        if not small:
            for j in active:
                alloc[j] = max(shares[j], least[j])
            break
        for j in small:
            alloc[j] = need[j]
            room -= need[j]
            active.remove(j)
    if active == [] and alloc:  # every text fits on one line: the spare room to the widest
        spare = total - sum(fixed.values()) - sum(alloc.values())
        weight = sum(_TEXT_WEIGHTS.get(form.columns[j].title, 1.0) for j in alloc)
        for j in alloc:
            alloc[j] += spare * _TEXT_WEIGHTS.get(form.columns[j].title, 1.0) / weight
    widths = [fixed.get(j, alloc.get(j, 0.0)) for j in range(len(form.columns))]
    over = sum(widths) - total
    if over > 0.01:  # the text columns' minimum did not fit: take it from the widest
        flexible = [j for j in alloc if widths[j] > least[j]]
        spare = sum(widths[j] - least[j] for j in flexible) or 1.0
        for j in flexible:
            widths[j] -= over * (widths[j] - least[j]) / spare
    return widths


def layout_register(form: RegisterForm, ts: Typesetter,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> FormLayout | None:
    page = LANDSCAPE
    mg = Margins.of(page, form.header.binding_mm)
    x0, width = mg.left, mg.width(page)
    if form.rows:
        cols, x = [], x0
        for w in _register_widths(form, ts, width):
            cols.append((x, w))
            x += w
    else:  # a blank register (filled in by hand): the columns' usual widths
        cols = _column_xs([c.width_mm for c in form.columns], x0, width)
    flow = Flow(page, _header_fn(ts, page, mg, form.header, form.header.left,
                                 form.header.left + "（续）"), mg.bottom)
    flow.start_table(ts.row([ts.cell(x, w, c.title, bold=True, align="c", shade=True)
                             for (x, w), c in zip(cols, form.columns, strict=True)]))
    aligns = ["c" if c.title in _CENTRED else "l" for c in form.columns]
    # Per column: (x, width, text width, align), the register's hot loop reads these.
    spec = [(x, w, w - 2 * PAD_X, a) for (x, w), a in zip(cols, aligns, strict=True)]
    name = ts.font.name
    width_of, wrap = ts.m.width, ts.m.wrap
    rows = form.rows
    n = len(rows)
    sig = _signatures(ts, form.signatures, x0, width)
    if not rows:
        flow.place(ts.row([Cell(x0, width, ["（本期间没有记录）"], align="c")]))
    for i, values in enumerate(rows):
        if i % 500 == 0:
            if cancelled and cancelled():
                return None
            if progress:
                progress(i, n)
        cells = []
        most = 1
        for (x, w, tw, align), text in zip(spec, values, strict=True):
            if "\n" in text or _CTRL.search(text):
                lines: list[str] = []
                for para in _lines_of(text):
                    lines += wrap(para, name, BODY, tw, hang=False) \
                        if width_of(para, name, BODY) > tw else [para]
            elif width_of(text, name, BODY) > tw:
                lines = wrap(text, name, BODY, tw, hang=False)
            else:
                lines = [text]
            if len(lines) > most:
                most = len(lines)
            cells.append(Cell(x, w, lines, False, align))
        row = Row(cells, most * BODY * LEADING + 2 * PAD_Y)
        flow.place(row, keep_with=sig.height if i == n - 1 else 0.0)
    _place_signatures(flow, sig)
    pages = flow.finish(_footer_fn(page, mg))
    if progress:
        progress(n, n)
    return FormLayout(form.form, form.header.title, page, pages, ts.font, n,
                      set(ts.m.missing))


# ---------------------------------------------------------------- archive


def _grid(ts: Typesetter, x0: float, widths: list[float], items: list[tuple[str, str]],
          label_flags: list[bool], min_lines: int = 1) -> Row:
    """One row of a label/value grid; `widths` in points, labels shaded and bold."""
    cells, x = [], x0
    for (text, _), w, is_label in zip(items, widths, label_flags, strict=True):
        cells.append(ts.cell(x, w, text, bold=is_label, shade=is_label,
                             align="c" if is_label else "l",
                             min_lines=1 if is_label else min_lines))
        x += w
    return ts.row(cells)


def _label_value(ts: Typesetter, x0: float, total: float, label_w: float,
                 pairs: list[tuple[str, str]], min_lines: int = 1) -> Row:
    """label | value [| label | value]: one or two pairs across the width."""
    if len(pairs) == 1:
        widths = [label_w, total - label_w]
        items = [(pairs[0][0], ""), (pairs[0][1], "")]
        flags = [True, False]
    else:
        half = total / 2
        widths = [label_w, half - label_w, label_w, half - label_w]
        items = [(pairs[0][0], ""), (pairs[0][1], ""), (pairs[1][0], ""), (pairs[1][1], "")]
        flags = [True, False, True, False]
    return _grid(ts, x0, widths, items, flags, min_lines)


def _section(ts: Typesetter, x0: float, total: float, title: str) -> Row:
    return ts.row([ts.cell(x0 - PAD_X, total, title, bold=True, size=10.5)], border=False)


def _table_rows(ts: Typesetter, x0: float, widths_mm: list[float], total: float,
                titles: list[str], rows: list[tuple[str, ...]], centred: set[int]
                ) -> tuple[Row, list[Row]]:
    cols = _column_xs(widths_mm, x0, total)
    head = ts.row([ts.cell(x, w, t, bold=True, align="c", shade=True)
                   for (x, w), t in zip(cols, titles, strict=True)])
    body = [ts.row([ts.cell(x, w, v, align="c" if i in centred else "l")
                    for i, ((x, w), v) in enumerate(zip(cols, values, strict=True))])
            for values in rows]
    return head, body


def layout_archive_sheet(sheet: ArchiveSheet, head: FormHeader, signatures: tuple[str, ...],
                         ts: Typesetter) -> list[list[tuple]]:
    page = PORTRAIT
    mg = Margins.of(page, head.binding_mm)
    x0, total = mg.left, mg.width(page)
    first = f"档案编号：{sheet.archive_no}"
    more = f"档案编号：{sheet.archive_no}　　客户：{sheet.name}（续）"
    flow = Flow(page, _header_fn(ts, page, mg, head, first, more), mg.bottom)
    lw = 31 * MM
    flow.place(_label_value(ts, x0, total, lw, [("档案编号", sheet.archive_no),
                                                ("建档日期", sheet.created_on)]))
    flow.place(_label_value(ts, x0, total, lw, [("客户名称", sheet.name),
                                                ("联系电话", sheet.phones)]))
    flow.place(_label_value(ts, x0, total, lw, [("地址", sheet.address)]))
    flow.place(_label_value(ts, x0, total, lw, [("负责人", sheet.contact_person),
                                                ("跟踪业务员", sheet.clerk_name)]))
    flow.place(_label_value(ts, x0, total, lw, [("客户希望得到的服务", sheet.services_wanted)],
                            min_lines=2))
    if sheet.notes:
        flow.place(_label_value(ts, x0, total, lw, [("备注", sheet.notes)]))

    flow.space(6)
    vhead, vrows = _table_rows(ts, x0, [24, 0, 15, 35, 22, 22, 22], total,
                               ARCHIVE_VEHICLE_COLUMNS, sheet.vehicles, {2, 4, 5, 6})
    flow.place(_section(ts, x0, total, "车辆"), keep_with=vhead.h + 20)
    flow.start_table(vhead)
    if not vrows:
        flow.place(ts.row([Cell(x0, total, ["（无）"], align="c")]))
    for r in vrows:
        flow.place(r)
    flow.end_table()

    flow.space(6)
    head_row, rows = _table_rows(ts, x0, [23, 22, 25, 0, 22], total, ARCHIVE_VISIT_COLUMNS,
                                 sheet.visits, {0, 1, 2, 4})
    flow.place(_section(ts, x0, total, "送修、来访记录（维修、保养记录）"),
               keep_with=head_row.h + 20)
    flow.start_table(head_row)
    sig = _signatures(ts, signatures, x0, total)
    if not rows:
        flow.place(ts.row([Cell(x0, total, ["（无）"], align="c")]), keep_with=sig.height)
    for i, r in enumerate(rows):
        flow.place(r, keep_with=sig.height if i == len(rows) - 1 else 0.0)
    flow.end_table()
    _place_signatures(flow, sig)
    return flow.finish(_footer_fn(page, mg))


# ---------------------------------------------------------------- call record


def layout_call_record(sheet: CallRecordSheet, head: FormHeader, signatures: tuple[str, ...],
                       ts: Typesetter) -> list[list[tuple]]:
    page = PORTRAIT
    mg = Margins.of(page, head.binding_mm)
    x0, total = mg.left, mg.width(page)
    first = f"记录编号：第 {sheet.call_id} 号"
    flow = Flow(page, _header_fn(ts, page, mg, head, first, first + "（续）"), mg.bottom)
    sig = _signatures(ts, signatures, x0, total)
    lw = 31 * MM
    kind = sheet.call_type + (f"（{sheet.direction}）" if sheet.direction else "")

    def boxes(extra: int) -> list[Row]:
        """The record's rows; the three write-in boxes `extra` lines taller than 4."""
        rows = [_label_value(ts, x0, total, lw, [("日期时间", sheet.called_at),
                                                 ("通话类别", kind)]),
                _label_value(ts, x0, total, lw, [("客户", sheet.customer),
                                                 ("联系电话", sheet.phone)]),
                _label_value(ts, x0, total, lw, [("车号", sheet.plate),
                                                 ("经办人", sheet.clerk_name)])]
        if sheet.reached:
            rows.append(_label_value(ts, x0, total, lw, [("通话结果", sheet.reached)]))
        # The seven talking points of 篇二 §3, each ticked when the call covered it.
        items = [(p in sheet.points, f"（{p}）{text}") for p, text in STANDARD_POINTS.items()]
        label = ts.cell(x0, lw, "通话内容", bold=True, shade=True, align="c")
        value = Cell(x0 + lw, total - lw, ts.check_lines(items, total - lw - 2 * PAD_X,
                                                           inline=False))
        rows.append(ts.row([label, value]))
        rows.append(_label_value(ts, x0, total, lw, [("通话要点", sheet.key_points)],
                                 min_lines=4 + extra))
        rows.append(_label_value(ts, x0, total, lw, [("客户要求/希望/投诉",
                                                      sheet.customer_request)],
                                 min_lines=4 + extra))
        handling = [(sheet.handling == k, v) for k, v in HANDLING_LABELS.items()]
        rows.append(ts.row([ts.cell(x0, lw, "处理方式", bold=True, shade=True, align="c"),
                            Cell(x0 + lw, total - lw,
                                 ts.check_lines(handling, total - lw - 2 * PAD_X))]))
        rows.append(_label_value(ts, x0, total, lw, [("上报主管日期", sheet.escalated_on),
                                                     ("答复客户日期", sheet.replied_on)]))
        rows.append(_label_value(ts, x0, total, lw, [("解决办法", sheet.solution)],
                                 min_lines=4 + extra))
        sat = [(sheet.satisfaction == k, v) for k, v in SATISFACTION_LABELS.items()]
        rows.append(ts.row([ts.cell(x0, lw, "满意度", bold=True, shade=True, align="c"),
                            Cell(x0 + lw, total - lw,
                                 ts.check_lines(sat, total - lw - 2 * PAD_X))]))
        return rows

    # A record that fits on one page fills it: the spare room goes to the boxes written in
    # by hand (通话要点, 客户要求, 解决办法), a line each at a time, never past the page.
    rows = boxes(0)
    grow = [len(r.cells[1].lines) for r in rows
            if r.cells[0].lines and r.cells[0].lines[0] in ("通话要点", "客户要求/希望/投诉",
                                                             "解决办法")]
    spare = flow.room() - sum(r.h for r in rows) - sig.height
    lead = BODY * LEADING

    def added(extra: int) -> float:
        return sum(max(n, 4 + extra) - max(n, 4) for n in grow) * lead

    extra = 0
    while spare > 0 and extra < 80 and added(extra + 1) <= spare:
        extra += 1
    if extra:
        rows = boxes(extra)
    for row in rows[:-1]:
        flow.place(row)
    flow.place(rows[-1], keep_with=sig.height)
    _place_signatures(flow, sig)
    return flow.finish(_footer_fn(page, mg))


# ---------------------------------------------------------------- the whole job


def layout_form(data: FormData, progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> FormLayout | None:
    """The pages of a form; None when cancelled. Registers the PDF font on first use."""
    font = register_fonts()
    ts = Typesetter(font)
    if isinstance(data, RegisterForm):
        return layout_register(data, ts, progress, cancelled)
    out = FormLayout(data.form, data.header.title, PORTRAIT, [], font)
    sheets = data.sheets
    for i, sheet in enumerate(sheets):
        if i % 10 == 0:
            if cancelled and cancelled():
                return None
            if progress:
                progress(i, len(sheets))
        if isinstance(data, ArchiveForm):
            out.pages += layout_archive_sheet(sheet, data.header, data.signatures, ts)
        else:
            assert isinstance(data, CallRecordForm)
            out.pages += layout_call_record(sheet, data.header, data.signatures, ts)
    if not sheets:
        head = data.header
        mg = Margins.of(PORTRAIT, head.binding_mm)
        flow = Flow(PORTRAIT, _header_fn(ts, PORTRAIT, mg, head, "", ""), mg.bottom)
        flow.place(ts.row([Cell(mg.left, mg.width(PORTRAIT), ["（没有要打印的记录）"],
                                align="c")]))
        out.pages += flow.finish(_footer_fn(PORTRAIT, mg))
    out.rows = len(sheets)
    out.missing = set(ts.m.missing)
    if progress:
        progress(len(sheets), len(sheets))
    return out


# ---------------------------------------------------------------- drawing with reportlab


@dataclass
class FormPdfResult:
    path: Path
    pages: int = 0
    rows: int = 0
    font: FontChoice | None = None
    cancelled: bool = False
    missing: set[str] = field(default_factory=set)  # characters printed as 〓

    @property
    def font_note(self) -> str:
        notes = [self.font.note if self.font else "", missing_note(self.missing)]
        return "\n".join(n for n in notes if n)


class PdfPainter:
    """Draws a layout's pages on a reportlab canvas."""

    def __init__(self, canvas, font: FontChoice, m: Measure):
        self.c = canvas
        self.font = font
        self.m = m
        self.bold = Painter(canvas, font, m)  # letters_pdf's, with its fake bold
        self.glyphs = self.bold.glyphs
        self.missing = self.bold.missing  # one set: characters no font has

    def draw(self, ops: list[tuple]) -> None:
        c = self.c
        name = self.font.name
        width = self.m.width
        runs_of, missing = self.glyphs.runs, self.missing
        lines: dict[float, list[tuple]] = {}
        fills, checks, bolds = [], [], []
        text = c.beginText()
        current = None
        for op in ops:
            kind = op[0]
            if kind == TEXT:
                if op[5]:
                    bolds.append(Op(op[1], op[2], op[3], op[4], bold=True, align=op[6]))
                    continue
                _, x, y, s, size, _, align = op
                runs = runs_of(s, name, missing)
                if align != "l":
                    w = width(s, name, size)
                    x -= w / 2 if align == "c" else w
                text.setTextOrigin(x, y)
                if len(runs) == 1 and runs[0][0] == name:
                    if current != size:
                        text.setFont(name, size)
                        current = size
                    text.textOut(runs[0][1])
                else:
                    for font, part in runs:  # a character from the fallback chain
                        text.setFont(font, size)
                        text.textOut(part)
                    current = None
            elif kind == LINE:
                lines.setdefault(op[5], []).append(op)
            elif kind == FILL:
                fills.append(op)
            else:
                checks.append(op)
        for _, x, y, w, h, gray in fills:
            c.setFillGray(gray)
            c.rect(x, y, w, h, stroke=0, fill=1)
        c.setFillGray(0)
        c.setStrokeGray(0)
        for lw, group in lines.items():
            c.setLineWidth(lw)
            path = c.beginPath()
            for _, x1, y1, x2, y2, _ in group:
                path.moveTo(x1, y1)
                path.lineTo(x2, y2)
            c.drawPath(path, stroke=1, fill=0)
        if checks:
            c.setLineWidth(0.6)
            for _, x, y, size, _checked in checks:
                c.rect(x, y, size, size, stroke=1, fill=0)
            c.setLineWidth(1.1)
            c.setLineJoin(1)
            for _, x, y, size, checked in checks:
                if checked:
                    p = c.beginPath()
                    (ax, ay), *rest = TICK
                    p.moveTo(x + size * ax, y + size * ay)
                    for px, py in rest:
                        p.lineTo(x + size * px, y + size * py)
                    c.drawPath(p, stroke=1, fill=0)
            c.setLineJoin(0)
        c.drawText(text)
        if bolds:
            self.bold.draw(bolds)


def write_form_pdf(data: FormData | FormLayout, path: str | os.PathLike, *,
                   progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> FormPdfResult:
    """Write the form to `path` (appears only when complete; a cancel leaves no file).

    progress(done, 1000): the layout is the first third, drawing the rest.
    """
    from reportlab.pdfgen.canvas import Canvas

    path = Path(path)
    result = FormPdfResult(path)

    def stage(lo: int, hi: int):
        if progress is None:
            return None
        return lambda done, total: progress(lo + (hi - lo) * done // max(total, 1), 1000)

    layout = data if isinstance(data, FormLayout) else \
        layout_form(data, stage(0, 330), cancelled)
    if layout is None:
        result.cancelled = True
        return result
    font = layout.font or register_fonts()
    result.font, result.rows = font, layout.rows
    fd, tmp = tempfile.mkstemp(prefix=".form-", suffix=".pdf.part", dir=path.parent)
    os.close(fd)
    try:
        c = Canvas(tmp, pagesize=layout.page_size, pageCompression=1,
                   initialFontName=font.name, initialFontSize=BODY, lang="zh-CN")
        c.setTitle(layout.title)
        c.setCreator("FollowDesk 售后跟踪服务台")
        painter = PdfPainter(c, font, Measure())
        draw_stage = stage(330, 1000)
        total = layout.page_count
        for i, ops in enumerate(layout.pages):
            if i % 20 == 0:
                if cancelled and cancelled():
                    result.cancelled = True
                    return result
                if draw_stage:
                    draw_stage(i, total)
            painter.draw(ops)
            c.showPage()
        c.save()
        publish(tmp, path)
        tmp = None
        result.pages = total
        result.missing = painter.missing
        if draw_stage:
            draw_stage(total, total)
        return result
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
