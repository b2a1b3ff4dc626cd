"""The four forms (R11) as Excel workbooks that print like the PDFs.

One worksheet per form, written in openpyxl's write-only (streaming) mode: page setup, print
titles, margins, header/footer, merged cells, row heights and manual page breaks all work
there, as long as column widths and sheet properties are set before the first row and each
row's height before that row. Cell styles are registered once per kind and then shared
(cell._style), which keeps a 10,000-line register close to the cost of unstyled rows.

Print setup: A4, registers landscape. A register's first page opens with the center, the
title and the period; only the column-header row repeats on the pages after it, whose page
header carries center · title · period instead (a different first-page header keeps page 1
from printing them twice). 第 &P 页 共 &N 页 and the print date are in the footer of every page.
The archive and call-record forms repeat their center + title rows and break pages by hand, as
the PDF does (each customer / call starts a page; a visit history that runs over repeats its
column headers).

A register's columns have fixed widths: the form's millimetres on landscape A4 (a column of
short words widened to its longest word, the 0-width column taking what is left), so a month
prints at 100 % on one page width and never shrinks with the data.

Cells hold what they mean: 序号 and mileage are numbers, dates real dates (yyyy-mm-dd in the
narrow register columns, yyyy年m月d日 on the forms), times real times; phones stay text.
A cell longer than Excel's 409-point row limit continues on the next row, marked （续）.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.contacts import STANDARD_POINTS
from app.files import share
from app.forms import (
    ARCHIVE_VEHICLE_COLUMNS,
    ARCHIVE_VISIT_COLUMNS,
    HANDLING_LABELS,
    SATISFACTION_LABELS,
    ArchiveForm,
    CallRecordForm,
    FormData,
    FormHeader,
    RegisterForm,
)

FONT = "宋体"
BODY_PT = 10
LINE_PT = 14.0  # one line of 10 pt SimSun, with its leading
ROW_PAD = 4.0
MM_PER_UNIT = 1.9  # one column-width unit (a Latin digit of the default font) on paper
PX_PER_UNIT = 7  # a column-width unit is the default font's digit, 7 px at 96 dpi
PX_PER_MM = 96 / 25.4
MARGIN_IN = 0.45  # left / right page margins, inches
LANDSCAPE_MM = 297 - 2 * MARGIN_IN * 25.4  # printable width of landscape A4
MAX_ROW_PT = 409.0  # Excel's highest row
MAX_LINES = int((MAX_ROW_PT - ROW_PAD) // LINE_PT)  # lines of text one row can show
CONTINUED = "（续）"
DATE_FMT = "yyyy-mm-dd"
CN_DATE_FMT = 'yyyy"年"m"月"d"日"'
CN_DATETIME_FMT = 'yyyy"年"m"月"d"日" hh:mm'
TIME_FMT = "hh:mm"
# What a register column holds (by title); the rest is text. Phones are kept text ("@").
COLUMN_KINDS = {"序号": "int", "日期": "date", "发函日期": "date", "时间": "time",
                "联系电话": "phone"}
PORTRAIT_CAPACITY = 690.0  # points of rows below the print titles on portrait A4
TITLE_ROWS = 2  # center + title repeat on every page of the archive / call-record sheets
TICK, BOX = "☑", "☐"


def units(text: str) -> int:
    """Column-width units of text: a Chinese (full-width) character counts as two."""
    return len(text.encode("gbk", "replace"))


_LATIN = re.compile(r"[A-Za-z0-9]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE


def room_units(room: float) -> float:
    """The column width whose room_for() is `room`."""
    return (room * BODY_PT * 96 / 72 / 2 + 2) / 7


def room_for(width_units: float) -> float:
    """GBK bytes of 10 pt text that fit on one line of a column that many units wide."""
    return max((width_units * 7 - 2) / (BODY_PT * 96 / 72 / 2), 1.0)


def lines_in(text: str, width_units: float) -> int:
    """How many lines text wraps to in a column that many units wide.

    A unit is 7 px (the default font's digit) plus 5 px a column; a 10 pt character is
    13.3 px wide for Chinese and half that for Latin, i.e. 6.67 px a GBK byte. Latin words
    wrap whole, so text with them gets a tenth less room.
    """
    room = room_for(width_units)
    if _LATIN.search(text):
        room *= 0.9
    if "\n" not in text:
        n = units(text)
        return 1 if n <= room else math.ceil(n / room)
    return sum(max(1, math.ceil(units(p) / room)) for p in text.split("\n"))


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def hf(text: str) -> str:
    """Text for a page header/footer: `&` starts a code there (&P, &B …), so it is doubled."""
    return text.replace("&", "&&")


def as_int(text: str) -> int | str:
    """"68,542" → 68542; anything else stays as it was."""
    t = text.replace(",", "").strip()
    return int(t) if t.isdigit() else text


def as_date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return text


def as_time(text: str) -> dt.time | str:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        return text


def as_datetime(text: str) -> dt.datetime | str:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text


PARSERS = {"int": as_int, "date": as_date, "time": as_time}


def split_lines(text: str, width_units: float, limit: int) -> list[str]:
    """Text cut into pieces of at most `limit` wrapped lines each (see lines_in)."""
    if lines_in(text, width_units) <= limit:
        return [text]
    room = room_for(width_units) * (0.9 if _LATIN.search(text) else 1.0)
    pieces: list[str] = []
    cur: list[str] = []  # characters of the piece being filled
    used = 0  # lines of the piece, finished ones
    col = 0.0  # GBK bytes on the current line
    for ch in text:
        if ch == "\n":
            used += 1
            col = 0.0
            if used >= limit:
                pieces.append("".join(cur))
                cur, used = [], 0
                continue
            cur.append(ch)
            continue
        w = units(ch)
        if col + w > room:
            used += 1
            col = 0.0
            if used >= limit:
                pieces.append("".join(cur))
                cur, used = [], 0
        cur.append(ch)
        col += w
    if cur:
        pieces.append("".join(cur))
    return [p.strip("\n") for p in pieces if p.strip("\n")] or [text]


@dataclass
class XlsxResult:
    path: Path
    rows: int = 0
    sheets: int = 0
    cancelled: bool = False


class _Styles:
    """Style prototypes: each kind registered once with the workbook, then shared."""

    def __init__(self, ws):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="000000")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        grey = PatternFill("solid", fgColor="E0E0E0")
        body = Font(name=FONT, size=BODY_PT)
        bold = Font(name=FONT, size=BODY_PT, bold=True)

        def make(font, align, border=None, fill=None, number_format=None):
            cell = WriteOnlyCell(ws, "")
            cell.font = font
            cell.alignment = align
            if border is not None:
                cell.border = border
            if fill is not None:
                cell.fill = fill
            if number_format is not None:
                cell.number_format = number_format
            return cell._style

        wrap_l = Alignment(horizontal="left", vertical="center", wrap_text=True)
        wrap_c = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.center = make(Font(name=FONT, size=12), Alignment(horizontal="center"))
        self.title = make(Font(name=FONT, size=17, bold=True),
                          Alignment(horizontal="center", vertical="center"))
        self.meta = make(Font(name=FONT, size=9), Alignment(horizontal="left"))
        self.meta_r = make(Font(name=FONT, size=9), Alignment(horizontal="right"))
        self.head = make(bold, wrap_c, box, grey)
        self.cell = make(body, wrap_l, box)
        self.cell_c = make(body, wrap_c, box)
        # typed cells: the value is a number / date / time, shown as the form writes it
        self.int_c = make(body, wrap_c, box, number_format="0")
        self.km = make(body, Alignment(horizontal="right", vertical="center"), box,
                       number_format="#,##0")
        self.date_c = make(body, wrap_c, box, number_format=DATE_FMT)
        self.time_c = make(body, wrap_c, box, number_format=TIME_FMT)
        self.cn_date = make(body, wrap_l, box, number_format=CN_DATE_FMT)
        self.cn_datetime = make(body, wrap_l, box, number_format=CN_DATETIME_FMT)
        self.text = make(body, wrap_l, box, number_format="@")  # phones: typed, stay text
        self.label = make(bold, wrap_c, box, grey)
        self.section = make(Font(name=FONT, size=11, bold=True),
                            Alignment(horizontal="left", vertical="bottom"))
        self.sign = make(Font(name=FONT, size=11),
                         Alignment(horizontal="left", vertical="bottom"))


class _Sheet:
    """One write-only worksheet with the forms' print setup, written row by row."""

    def __init__(self, wb, title: str, widths: list[float], *, landscape: bool,
                 header: FormHeader, title_rows: str, first_page_heading: bool = False):
        from openpyxl.worksheet.properties import PageSetupProperties

        self.ws = ws = wb.create_sheet(title[:31])
        self.widths = widths
        self.n = len(widths)
        self.r = 0  # the last row written
        self.breaks: list[int] = []  # rows after which a page ends
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[_col(i)].width = round(w, 1)
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.sheet_format.defaultRowHeight = LINE_PT + ROW_PAD
        ws.sheet_format.customHeight = True
        setup = ws.page_setup
        setup.paperSize = "9"  # A4
        setup.orientation = "landscape" if landscape else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0  # as many pages tall as it takes
        setup.scale = 100
        ws.print_options.horizontalCentered = True
        m = ws.page_margins
        m.left = m.right = MARGIN_IN
        m.top, m.bottom, m.header, m.footer = 0.6, 0.6, 0.25, 0.25
        ws.print_title_rows = title_rows
        # Footer on every page: the page number and the print date (the rows do not repeat it).
        hf_ = ws.HeaderFooter
        for footer in (hf_.oddFooter, hf_.firstFooter):
            footer.center.text = "第 &P 页 共 &N 页"
            footer.center.size = 9
            footer.right.text = hf(header.printed_text)
            footer.right.size = 8
        if first_page_heading:
            # Page 1 opens with the heading rows; the pages after it name center, title and
            # period in their page header instead.
            hf_.differentFirst = True
            hf_.oddHeader.left.text = hf(header.center)
            hf_.oddHeader.left.size = 8
            hf_.oddHeader.center.text = hf(header.title)
            hf_.oddHeader.center.size = 8
            hf_.oddHeader.right.text = hf(header.left)
            hf_.oddHeader.right.size = 8
        self.styles = _Styles(ws)
        # Rows go straight to the stream as styled cells: openpyxl's own conversion would
        # try each Cell as a value first (an exception per cell) and make a spare cell.
        self.row_cells: list | None = None
        self.typed_cells: list = []
        ws._values_to_row = self._values_to_row

    def _values_to_row(self, values, row_idx: int):
        from openpyxl.cell.cell import Cell

        ws, cells = self.ws, self.row_cells
        for col, value in enumerate(values, 1):
            if isinstance(value, Cell):
                value.row, value.column = row_idx, col
                yield value
            elif cells:
                # One text cell per column, refilled: each is written out before the next
                # value comes (openpyxl's own write-only rows reuse their cell the same way).
                # The value is a str (RegisterForm's rows are); what openpyxl's value check
                # would refuse, characters XML cannot carry, is dropped here instead.
                # A number / date / time column turns its text into the value it names,
                # in a cell of that type; text that is none (empty, （续）) stays text.
                typed = self.typed_cells[col - 1]
                if typed is not None and value:
                    parse, tcell = typed
                    parsed = parse(value)
                    if parsed is not value:
                        tcell._value = parsed
                        tcell.row = row_idx
                        yield tcell
                        continue
                cell = cells[col - 1]
                if _ILLEGAL.search(value):
                    value = _ILLEGAL.sub("", value)
                cell._value = value
                cell.row = row_idx
                yield cell
            elif value is not None:
                yield Cell(ws, row=row_idx, column=col, value=value)

    def styled_cell(self, style, column: int, data_type: str = "s"):
        """A cell carrying `style`, its style registered once: openpyxl would otherwise
        copy and hash the style array of each of a register's 100,000 cells. A text cell,
        or with data_type "n" / "d" one for numbers / dates and times."""
        from openpyxl.cell.cell import Cell

        style_id = self.ws.parent._cell_styles.add(style)
        kind = type("StyledCell", (Cell,), {"__slots__": (), "style_id": style_id,
                                            "has_style": True})
        cell = kind(self.ws, row=1, column=column, value="")
        cell.data_type = data_type
        return cell

    def write(self, cells: list[tuple[int, int, object, object]], height: float | None = None
              ) -> int:
        """One row: (first column, last column, value, style); a span is merged and every
        cell of it carries the style, so its borders print. Returns the row number."""
        from openpyxl.cell.cell import Cell
        from openpyxl.worksheet.cell_range import CellRange

        ws = self.ws
        self.r += 1
        r = self.r
        if height is not None:
            ws.row_dimensions[r].height = round(height, 1)
        row: list = []
        for first, last, value, style in cells:
            while len(row) < first - 1:
                row.append(None)
            row.append(Cell(ws, value=value, style_array=style))
            for _ in range(first + 1, last + 1):
                row.append(Cell(ws, style_array=style))
            if last > first:
                # Straight into the set: MultiCellRange.add() first scans every range
                # already merged, which is quadratic over 800 customers' sheets.
                ws.merged_cells.ranges.add(
                    CellRange(min_col=first, min_row=r, max_col=last, max_row=r))
        ws.append(row)
        return r

    def span_width(self, first: int, last: int) -> float:
        return sum(self.widths[first - 1:last])

    def heading(self, header: FormHeader, left: str) -> None:
        """Center name, title, and the period line (the print date is in the footer)."""
        s = self.styles
        self.write([(1, self.n, header.center, s.center)], 18)
        self.write([(1, self.n, header.title, s.title)], 28)
        if left is not None:
            self.write([(1, self.n, left, s.meta)], 16)

    def page_break(self) -> None:
        self.breaks.append(self.r)

    def finish(self) -> None:
        """Hand over the page breaks (RowBreak.append copies its list on every call)."""
        from openpyxl.worksheet.pagebreak import Break

        self.ws.row_breaks.brk = [Break(id=r) for r in self.breaks]

    def signatures(self, labels: tuple[str, ...]) -> None:
        text = "　　　　".join(f"{x}：____________" for x in labels) + \
            "　　　　日期：______年____月____日"
        self.write([(1, self.n, text, self.styles.sign)], 34)


# ---------------------------------------------------------------- registers


GBK_MM = BODY_PT * 25.4 / 72 / 2  # a GBK byte of 10 pt text on paper
CELL_PAD_MM = 2.5
SHORT_UNITS = 12  # a column whose every text is this short holds words: never broken
REST_MIN_MM = 30.0


def _register_widths(form: RegisterForm) -> list[float]:
    """Fixed widths in column units: the form's millimetres, a column of short words (or one
    that must not wrap) widened to its longest word, the 0-width column taking what is left
    of the landscape page, so the sheet prints at 100 %."""
    longest = [0] * len(form.columns)
    for row in form.rows:
        for i, text in enumerate(row):
            if len(text) * 2 > longest[i]:  # units() is between len and 2 × len
                n = units(text)
                if n > longest[i]:
                    longest[i] = n
    mm: list[float | None] = []
    for col, n in zip(form.columns, longest, strict=True):
        if not col.width_mm:
            mm.append(None)
            continue
        w = float(col.width_mm)
        if not col.wraps or n <= SHORT_UNITS:
            w = max(w, n * GBK_MM + CELL_PAD_MM)
        mm.append(w)
    fixed = sum(w for w in mm if w is not None)
    rest = max(LANDSCAPE_MM - 1.0 - fixed, REST_MIN_MM)
    return [(w if w is not None else rest) * PX_PER_MM / PX_PER_UNIT for w in mm]


def _wrap_rooms(form: RegisterForm, widths: list[float]) -> list[tuple[int, float, float]]:
    """Per wrapping column: its index, its room, a length below which text surely fits."""
    return [(i, room_for(widths[i]), room_for(widths[i]) * 0.9 / 2)
            for i, c in enumerate(form.columns) if c.wraps]


def _row_lines(values, wraps) -> int:
    most = 1
    for i, room, sure in wraps:
        text = values[i]
        if len(text) <= sure and "\n" not in text:
            continue  # surely one line
        if "\n" in text:
            lines = lines_in(text, room_units(room))
        else:
            size = len(text.encode("gbk", "replace"))
            fits = room * 0.9 if _LATIN.search(text) else room
            lines = 1 if size <= fits else math.ceil(size / fits)
        if lines > most:
            most = lines
    return most


def _continued_rows(values: tuple[str, ...], widths: list[float], wraps) -> list[tuple]:
    """A row too tall for Excel as several: the first carries every column, the next ones
    the rest of the long texts, each marked （续）."""
    pieces = {i: split_lines(values[i], widths[i], MAX_LINES - 1) for i, _r, _s in wraps}
    n = max(len(p) for p in pieces.values())
    rows = [tuple(pieces[i][0] if i in pieces else v for i, v in enumerate(values))]
    for k in range(1, n):
        rows.append(tuple(CONTINUED + pieces[i][k] if i in pieces and k < len(pieces[i])
                          else "" for i in range(len(values))))
    return rows


def _write_register(wb, form: RegisterForm, progress, cancelled) -> int | None:
    widths = _register_widths(form)
    sheet = _Sheet(wb, form.header.title, widths, landscape=True, header=form.header,
                   title_rows="4:4", first_page_heading=True)
    s = sheet.styles
    sheet.heading(form.header, form.header.left)
    head_h = max(lines_in(c.title, w) for c, w in zip(form.columns, widths, strict=True))
    sheet.write([(i, i, c.title, s.head) for i, c in enumerate(form.columns, 1)],
                head_h * LINE_PT + ROW_PAD)
    kinds = [COLUMN_KINDS.get(c.title, "text") for c in form.columns]
    styles = [s.text if k == "phone"
              else s.cell_c if c.title in ("序号", "日期", "时间", "发函日期", "类别", "信函类别",
                                           "寄送方式", "经办人", "编号")
              else s.cell for c, k in zip(form.columns, kinds, strict=True)]
    typed_styles = {"int": (s.int_c, "n"), "date": (s.date_c, "d"), "time": (s.time_c, "d")}
    wraps = _wrap_rooms(form, widths)
    # A row's height as the writer wants it: the attributes RowDimension would give, made
    # once per line count (10,000 RowDimension objects cost more than the rows' text).
    heights: dict[int, dict[str, str]] = {}
    ws = sheet.ws
    sheet.row_cells = [sheet.styled_cell(st, i) for i, st in enumerate(styles, 1)]
    sheet.typed_cells = [
        (PARSERS[k], sheet.styled_cell(typed_styles[k][0], i, typed_styles[k][1]))
        if k in typed_styles else None for i, k in enumerate(kinds, 1)]
    n = len(form.rows)
    r = sheet.r
    dims = ws.row_dimensions
    row_lines = _row_lines

    def append(values, most) -> None:
        nonlocal r
        r += 1
        if most > 1:
            attrs = heights.get(most)
            if attrs is None:
                attrs = heights[most] = {"ht": f"{most * LINE_PT + ROW_PAD:g}",
                                         "customHeight": "1"}
            dims[r] = attrs
        ws.append(values)

    for k, values in enumerate(form.rows):
        if k % 1000 == 0:
            if cancelled and cancelled():
                return None
            if progress:
                progress(k, n)
        most = row_lines(values, wraps)
        if most <= MAX_LINES:
            append(values, most)
        else:  # past Excel's 409 points: the text goes on in the rows below
            for part in _continued_rows(values, widths, wraps):
                append(part, min(row_lines(part, wraps), MAX_LINES))
    sheet.r = r
    sheet.row_cells = None
    sheet.typed_cells = []
    if not form.rows:
        sheet.write([(1, sheet.n, "（本期间没有记录）", s.cell_c)])
    sheet.write([(1, 1, None, None)], 8)
    sheet.signatures(form.signatures)
    if progress:
        progress(n, n)
    return n


# ---------------------------------------------------------------- archive and call record

# Seven columns on portrait A4: label | value (2 cols) | label | value (3 cols)
_GRID_WIDTHS = [14.0, 15.0, 11.0, 16.0, 13.0, 13.0, 13.0]
L1, V1, L2, V2 = (1, 1), (2, 3), (4, 4), (5, 7)
WHOLE_VALUE = (2, 7)


class _Pager:
    """Counts row heights on a portrait page so manual breaks fall where the PDF's do."""

    def __init__(self, sheet: _Sheet):
        self.sheet = sheet
        self.used = 0.0

    def row(self, cells, height: float, repeat=None) -> None:
        if self.used + height > PORTRAIT_CAPACITY and self.used > 0:
            self.sheet.page_break()
            self.used = 0.0
            if repeat is not None:
                repeat()
        self.sheet.write(cells, height)
        self.used += height

    def new_page(self) -> None:
        if self.sheet.r > TITLE_ROWS:
            self.sheet.page_break()
        self.used = 0.0


Pair = tuple  # (label, text) or (label, text, (value, style)): a typed value for the cell


def _pair_row(sheet: _Sheet, pager: _Pager, pairs: list[Pair], min_lines: int = 1) -> None:
    """Label | value (| label | value): the value a typed one where the pair gives it; one
    value longer than a row can be goes on in rows labelled （续）."""
    s = sheet.styles

    def value_of(pair):
        return pair[2] if len(pair) > 2 else (pair[1], s.cell)

    if len(pairs) == 1:
        label, text = pairs[0][:2]
        width = sheet.span_width(*WHOLE_VALUE)
        n = max(lines_in(label, sheet.span_width(*L1)), lines_in(text, width), min_lines)
        if n > MAX_LINES:
            for k, piece in enumerate(split_lines(text, width, MAX_LINES)):
                lines = max(lines_in(piece, width), min_lines if k == 0 else 1)
                pager.row([(*L1, label if k == 0 else label + CONTINUED, s.label),
                           (*WHOLE_VALUE, piece, s.cell)], lines * LINE_PT + ROW_PAD)
            return
        value, style = value_of(pairs[0])
        cells = [(*L1, label, s.label), (*WHOLE_VALUE, value, style)]
    else:
        (l1, v1), (l2, v2) = (p[:2] for p in pairs)
        n = max(lines_in(l1, sheet.span_width(*L1)), lines_in(v1, sheet.span_width(*V1)),
                lines_in(l2, sheet.span_width(*L2)), lines_in(v2, sheet.span_width(*V2)),
                min_lines)
        (x1, st1), (x2, st2) = value_of(pairs[0]), value_of(pairs[1])
        cells = [(*L1, l1, s.label), (*V1, x1, st1), (*L2, l2, s.label), (*V2, x2, st2)]
    pager.row(cells, min(n * LINE_PT + ROW_PAD, MAX_ROW_PT))


def _table_row(sheet: _Sheet, pager: _Pager, spans, values, styles, repeat=None,
               typed=None) -> None:
    """One line of a table; `typed` maps a column to the parser of its value."""
    n = max(lines_in(v, sheet.span_width(a, b)) for (a, b), v in zip(spans, values,
                                                                     strict=True))
    cells = [typed[i](v) if typed and i in typed and v else v for i, v in enumerate(values)]
    pager.row([(a, b, v, st) for (a, b), v, st in zip(spans, cells, styles, strict=True)],
              min(n * LINE_PT + ROW_PAD, MAX_ROW_PT), repeat)


def _write_archive(wb, form: ArchiveForm, progress, cancelled) -> int | None:
    sheet = _Sheet(wb, form.header.title, _GRID_WIDTHS, landscape=False, header=form.header,
                   title_rows=f"1:{TITLE_ROWS}")
    s = sheet.styles
    sheet.heading(form.header, None)
    pager = _Pager(sheet)
    vehicle_spans = [(i, i) for i in range(1, 8)]
    visit_spans = [(1, 1), (2, 2), (3, 3), (4, 6), (7, 7)]
    for k, sh in enumerate(form.sheets):
        if cancelled and k % 10 == 0 and cancelled():
            return None
        pager.new_page()
        pager.row([(1, 7, f"档案编号：{sh.archive_no}", s.meta)], 18)
        _pair_row(sheet, pager, [("档案编号", sh.archive_no),
                                 ("建档日期", sh.created_on, (as_date(sh.created_on), s.cn_date))])
        _pair_row(sheet, pager, [("客户名称", sh.name), ("联系电话", sh.phones,
                                                      (sh.phones, s.text))])
        _pair_row(sheet, pager, [("地址", sh.address)])
        _pair_row(sheet, pager, [("负责人", sh.contact_person), ("跟踪业务员", sh.clerk_name)])
        _pair_row(sheet, pager, [("客户希望得到的服务", sh.services_wanted)], min_lines=2)
        if sh.notes:
            _pair_row(sheet, pager, [("备注", sh.notes)])
        pager.row([(1, 7, "车辆", s.section)], 24)

        def vehicle_head():
            _table_row(sheet, pager, vehicle_spans, ARCHIVE_VEHICLE_COLUMNS, [s.head] * 7)

        vehicle_head()
        for v in sh.vehicles or [("（无）", "", "", "", "", "", "")]:
            _table_row(sheet, pager, vehicle_spans, v, [s.cell_c, s.cell, s.cell_c, s.cell,
                                                        s.date_c, s.date_c, s.date_c],
                       vehicle_head, {4: as_date, 5: as_date, 6: as_date})
        pager.row([(1, 7, "送修、来访记录（维修、保养记录）", s.section)], 24)

        def visit_head(cont: bool = True, sh=sh):
            if cont:
                sheet.write([(1, 7, f"档案编号：{sh.archive_no}　　客户：{sh.name}（续）",
                              s.meta)], 18)
                pager.used += 18
            _table_row(sheet, pager, visit_spans, ARCHIVE_VISIT_COLUMNS, [s.head] * 5)

        visit_head(False)
        for v in sh.visits or [("（无）", "", "", "", "")]:
            _table_row(sheet, pager, visit_spans, v,
                       [s.date_c, s.cell_c, s.cell_c, s.cell, s.km], visit_head,
                       {0: as_date, 4: as_int})
        pager.row([(1, 1, None, None)], 10)
        pager.row([(1, 7, "　　".join(f"{x}：__________" for x in form.signatures),
                    s.sign)], 30)
        if progress and (k % 20 == 0 or k == len(form.sheets) - 1):
            progress(k + 1, len(form.sheets))
    if not form.sheets:
        sheet.write([(1, 7, "（没有要打印的记录）", s.cell_c)])
    sheet.finish()
    return len(form.sheets)


def _write_call_records(wb, form: CallRecordForm, progress, cancelled) -> int | None:
    sheet = _Sheet(wb, form.header.title, _GRID_WIDTHS, landscape=False, header=form.header,
                   title_rows=f"1:{TITLE_ROWS}")
    s = sheet.styles
    sheet.heading(form.header, None)
    pager = _Pager(sheet)
    for k, c in enumerate(form.sheets):
        if cancelled and k % 10 == 0 and cancelled():
            return None
        pager.new_page()
        pager.row([(1, 7, f"记录编号：第 {c.call_id} 号", s.meta)], 18)
        kind = c.call_type + (f"（{c.direction}）" if c.direction else "")
        _pair_row(sheet, pager, [("日期时间", c.called_at,
                                  (as_datetime(c.called_at), s.cn_datetime)), ("通话类别", kind)])
        _pair_row(sheet, pager, [("客户", c.customer), ("联系电话", c.phone, (c.phone, s.text))])
        _pair_row(sheet, pager, [("车号", c.plate), ("经办人", c.clerk_name)])
        if c.reached:
            _pair_row(sheet, pager, [("通话结果", c.reached)])
        points = "\n".join(f"{TICK if p in c.points else BOX} （{p}）{text}"
                           for p, text in STANDARD_POINTS.items())
        _pair_row(sheet, pager, [("通话内容", points)])
        _pair_row(sheet, pager, [("通话要点", c.key_points)], min_lines=4)
        _pair_row(sheet, pager, [("客户要求/希望/投诉", c.customer_request)], min_lines=4)
        handling = "　　".join(f"{TICK if c.handling == key else BOX} {label}"
                              for key, label in HANDLING_LABELS.items())
        _pair_row(sheet, pager, [("处理方式", handling)])
        _pair_row(sheet, pager, [
            ("上报主管日期", c.escalated_on, (as_date(c.escalated_on) or None, s.cn_date)),
            ("答复客户日期", c.replied_on, (as_date(c.replied_on) or None, s.cn_date))])
        _pair_row(sheet, pager, [("解决办法", c.solution)], min_lines=4)
        sat = "　　".join(f"{TICK if c.satisfaction == key else BOX} {label}"
                         for key, label in SATISFACTION_LABELS.items())
        _pair_row(sheet, pager, [("满意度", sat)])
        pager.row([(1, 1, None, None)], 10)
        pager.row([(1, 7, "　　".join(f"{x}：______________" for x in form.signatures)
                    + "　　日期：__________", s.sign)], 30)
        if progress and (k % 20 == 0 or k == len(form.sheets) - 1):
            progress(k + 1, len(form.sheets))
    if not form.sheets:
        sheet.write([(1, 7, "（没有要打印的记录）", s.cell_c)])
    sheet.finish()
    return len(form.sheets)


# ---------------------------------------------------------------- the file


def write_form_xlsx(data: FormData, path: str | os.PathLike, *,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> XlsxResult:
    """Write the form to `path` (appears only when complete; a cancel leaves no file)."""
    from openpyxl import Workbook

    path = Path(path)
    result = XlsxResult(path)
    wb = Workbook(write_only=True)
    wb.properties.creator = "FollowDesk 售后跟踪服务台"
    wb.properties.title = data.header.title
    if isinstance(data, RegisterForm):
        rows = _write_register(wb, data, progress, cancelled)
    elif isinstance(data, ArchiveForm):
        rows = _write_archive(wb, data, progress, cancelled)
    else:
        rows = _write_call_records(wb, data, progress, cancelled)
    if rows is None:
        _discard(wb)
        result.cancelled = True
        return result
    fd, tmp = tempfile.mkstemp(prefix=".form-", suffix=".xlsx.part", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        share(tmp)  # mkstemp made it 0600: others on the PC could not open the export
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    result.rows, result.sheets = rows, 1
    return result


def _discard(wb) -> None:
    """Close a cancelled workbook's streams and drop their temporary files."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):  # nothing of it is kept anyway
            ws.close()
        writer = getattr(ws, "_writer", None)
        out = getattr(writer, "out", None)
        if isinstance(out, str) and os.path.exists(out):
            os.remove(out)
