"""The supervisor's summary (R10) as a print-ready A4 PDF: figures against targets, charts, text.

Print-ready as the forms are: on every page the center's name, the title, the period and the
print date, and 第 N 页 共 M 页 at the foot; long text wraps inside its cell (never clipped);
the CJK TrueType font is embedded (app.pdf_fonts); signature lines (业务主管 / 日期) at the end.

A filed summary prints its frozen copy: the figures, the monthly trend and the complaints by
department as they were when it was filed, whatever happened to the records since.

`Flow` lays a document out page by page (the weekly feedback of app.feedback uses it too):
everything is placed first, so the page count is known before the page numbers are drawn.
reportlab is imported only when a PDF is written.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app import clock
from app.dates import chinese_period
from app.letters_pdf import (
    ACCENT,
    GREY,
    INK,
    MM,
    PAGE_H,
    PAGE_W,
    Measure,
    Op,
    Painter,
    chinese_date,
    printable,
    publish,
)
from app.pdf_fonts import FontChoice, missing_note, register_fonts
from app.summary import (
    GROUPS,
    LABELS,
    NOTES,
    SUMMARY_KINDS,
    TARGETS,
    TREND_LINES,
    Figures,
    FiledInfo,
    Period,
    SummaryService,
    TrendRow,
    count_axis,
    department_counts,
    format_value,
    misses,
    summary_title,
    target_text,
    trend_axis,
)

MARGIN_X = 20 * MM
MARGIN_TOP = 14 * MM
MARGIN_BOTTOM = 18 * MM
TEXT_W = PAGE_W - 2 * MARGIN_X
RED = (0.75, 0.15, 0.12)
GREEN = (0.10, 0.45, 0.20)
RULE = (0.55, 0.55, 0.55)
HEAD_FILL = (0.90, 0.90, 0.90)
GROUP_FILL = (0.96, 0.96, 0.96)
# The trend lines: blue for the follow-ups, green for satisfaction, purple for CSI (told apart
# in a grey print by their markers: circle, square, diamond).
ON_TIME_COLOR = (0.12, 0.36, 0.70)
SATISFACTION_COLOR = (0.15, 0.55, 0.25)
CSI_COLOR = (0.50, 0.25, 0.62)
TREND_COLORS = (ON_TIME_COLOR, SATISFACTION_COLOR, CSI_COLOR)
BAR_COLOR = (0.75, 0.30, 0.20)
TREND_NAMES = tuple(name for _, name, _ in TREND_LINES)
TREND_TARGETS = tuple(target for _, _, target in TREND_LINES)
TREND_SHORT = ("及时率", "满意率", "CSI")


# ---------------------------------------------------------------- what gets printed


@dataclass
class SummaryDoc:
    """A summary ready to print: a filed one (frozen) or the live figures with a draft text."""

    title: str
    kind: str  # week / month / year / custom
    period: Period
    values: dict[str, float | int | None]
    text: str
    clerk_name: str = ""  # "" = the whole department
    trend_year: int | None = None
    trend: list[TrendRow] | None = None
    departments: dict[str, int] | None = None
    filed_at: dt.datetime | None = None  # local time
    filed_by: str = ""

    @property
    def filed(self) -> bool:
        return self.filed_at is not None

    @classmethod
    def from_filed(cls, f: FiledInfo, clerk_name: str = "") -> SummaryDoc:
        local = f.filed_at.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
        return cls(f.title, f.kind, f.period, f.values, f.text, clerk_name, f.trend_year,
                   f.trend, f.departments, local, f.filed_by)

    @classmethod
    def live(cls, figures: Figures, text: str, kind: str, *, title: str = "",
             clerk_name: str = "", trend: list | None = None, trend_year: int | None = None,
             departments: dict[str, int] | None = None) -> SummaryDoc:
        p = figures.period
        return cls(title or summary_title(p, kind), kind, p, dict(figures.values), text,
                   clerk_name, trend_year or p.end.year, trend, departments)


def summary_doc(service: SummaryService, p: Period, kind: str, *, clerk_id: int | None = None,
                text: str = "", today: dt.date | None = None,
                prefer_filed: bool = True) -> SummaryDoc:
    """What `followdesk print summary` prints: the latest summary filed for exactly this period
    (and clerk), else the live figures with `text` (a draft, marked 未存档)."""
    clerk_name = service.staff_name(clerk_id)
    if prefer_filed:
        for f in service.filed():  # newest first
            if (f.period_start, f.period_end, f.clerk_id) == (p.start, p.end, clerk_id):
                return SummaryDoc.from_filed(f, clerk_name)
    today = today or clock.today()
    return SummaryDoc.live(
        service.figures(p, clerk_id=clerk_id), text, kind, clerk_name=clerk_name,
        trend=service.monthly_trend(p.end.year, clerk_id=clerk_id, until=today),
        trend_year=p.end.year,
        departments=service.complaints_by_department(p, clerk_id=clerk_id))


@dataclass
class SummaryPdfResult:
    path: Path
    pages: int = 0
    font: FontChoice | None = None
    missing: set[str] = field(default_factory=set)  # characters printed as 〓

    @property
    def font_note(self) -> str:
        notes = [self.font.note if self.font else "", missing_note(self.missing)]
        return "\n".join(n for n in notes if n)


# ---------------------------------------------------------------- page layout


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: tuple[float, float, float] | None = None
    stroke: tuple[float, float, float] | None = RULE
    width: float = 0.5


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: tuple[float, float, float] = RULE
    width: float = 0.5


@dataclass
class Graphic:
    """A reportlab Drawing placed with its lower-left corner at (x, y)."""

    drawing: object
    x: float
    y: float


@dataclass
class Column:
    header: str
    width: float  # points
    align: str = "l"  # l / c / r


@dataclass
class Row:
    cells: list[str]
    colors: list[tuple[float, float, float] | None] | None = None
    bold: list[bool] | None = None
    fill: tuple[float, float, float] | None = None
    span: bool = False  # one cell across the whole table (a group heading)
    keep_with_next: bool = False  # never the last row of a page (a group heading)


class Flow:
    """Places text, tables and drawings down the pages; a new page starts with `head`."""

    def __init__(self, m: Measure, font: FontChoice, head: Callable[[Flow], None],
                 bottom: float = MARGIN_BOTTOM + 4):
        self.m, self.font, self.head = m, font, head
        self.bottom = bottom
        self.pages: list[list] = []
        self.page: list = []
        self.y = PAGE_H - MARGIN_TOP
        self._table_head: Callable[[], None] | None = None
        self.new_page()

    # -- pages

    def new_page(self) -> None:
        self.page = []
        self.pages.append(self.page)
        self.y = PAGE_H - MARGIN_TOP
        self.head(self)
        if self._table_head is not None:
            self._table_head()

    def room(self) -> float:
        return self.y - self.bottom

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` fits below y."""
        if self.y - height < self.bottom:
            self.new_page()

    def space(self, height: float) -> None:
        self.y -= height
        if self.y < self.bottom:
            self.new_page()

    def add(self, *items) -> None:
        self.page.extend(items)

    # -- text

    def font_name(self, bold: bool) -> str:
        return self.font.bold_name if bold else self.font.name

    def text_at(self, x: float, y: float, text: str, size: float, *, bold: bool = False,
                align: str = "l", color=INK) -> None:
        self.add(Op(x, y, text, size, bold=bold, align=align, color=color))

    def paragraph(self, text: str, size: float = 11, *, leading: float | None = None,
                  bold: bool = False, indent: int = 0, color=INK, x: float = MARGIN_X,
                  width: float = TEXT_W) -> None:
        """One paragraph (newlines start new ones), wrapped and flowed across pages;
        `indent` full-width spaces before each paragraph's first line."""
        leading = leading or size * 1.6
        name = self.font_name(bold)
        pad = "\u3000" * indent
        for raw in printable(text).split("\n"):
            line = raw.rstrip()
            if not line.strip():
                self.space(leading * 0.6)
                continue
            first_w = width - self.m.width(pad, name, size) if indent and not line[0].isspace() \
                else width
            lines = self.m.wrap(line.strip() if indent else line, name, size, width, first_w)
            if first_w != width:
                lines[0] = pad + lines[0]
            for text_line in lines:
                self.ensure(leading)
                self.y -= leading
                self.text_at(x, self.y + (leading - size) * 0.45, text_line, size, bold=bold,
                             color=color)

    def paragraph_height(self, text: str, size: float = 11, *, leading: float | None = None,
                         bold: bool = False, indent: int = 0, width: float = TEXT_W) -> float:
        """The height paragraph() would take (page breaks aside)."""
        leading = leading or size * 1.6
        name = self.font_name(bold)
        pad_w = self.m.width("\u3000" * indent, name, size)
        h = 0.0
        for raw in printable(text).split("\n"):
            if not raw.strip():
                h += leading * 0.6
                continue
            h += leading * len(self.m.wrap(raw.strip(), name, size, width, width - pad_w))
        return h

    def heading(self, text: str, size: float = 12.5, keep: float = 60) -> None:
        """A section heading kept with at least `keep` points of what follows."""
        self.ensure(size * 2.2 + keep)
        self.y -= size * 1.9
        self.text_at(MARGIN_X, self.y, text, size, bold=True)
        self.y -= size * 0.6

    def rule(self, color=RULE, width: float = 0.6) -> None:
        self.add(Line(MARGIN_X, self.y, MARGIN_X + TEXT_W, self.y, color, width))

    # -- tables

    def table(self, columns: Sequence[Column], rows: Sequence[Row], size: float = 9.5,
              x: float = MARGIN_X) -> None:
        """A bordered table; the header row repeats on every page it runs onto; a row too
        tall for what is left of the page moves to the next (or splits, if taller than a page)."""
        leading = size * 1.42
        pad_x, pad_y = 3.0, 2.6
        total_w = sum(c.width for c in columns)
        bold_name = self.font_name(True)

        def wrap(text: str, width: float, bold: bool) -> list[str]:
            out: list[str] = []
            for part in printable(text).split("\n"):
                out += self.m.wrap(part, self.font_name(bold), size, max(width - 2 * pad_x, 8))
            return out or [""]

        head_lines = [wrap(c.header, c.width, True) for c in columns]
        head_h = max(len(h) for h in head_lines) * leading + 2 * pad_y

        def draw_head() -> None:
            top = self.y
            cx = x
            for col, lines in zip(columns, head_lines, strict=True):
                self.add(Box(cx, top - head_h, col.width, head_h, HEAD_FILL))
                for i, text in enumerate(lines):
                    self._cell_text(cx, col.width, top - pad_y - i * leading, text, size,
                                    leading, "c", True, INK, bold_name, pad_x)
                cx += col.width
            self.y -= head_h

        self.ensure(head_h + leading + 2 * pad_y)
        draw_head()
        self._table_head = draw_head
        try:
            for row in rows:
                if row.span:
                    cells = [wrap(row.cells[0], total_w, bool(row.bold and row.bold[0]))]
                    widths = [total_w]
                    aligns = ["l"]
                else:
                    cells = [wrap(text, col.width, bool(row.bold and row.bold[i]))
                             for i, (text, col) in enumerate(zip(row.cells, columns,
                                                                 strict=True))]
                    widths = [c.width for c in columns]
                    aligns = [c.align for c in columns]
                n = max(len(c) for c in cells)
                if row.keep_with_next and self.room() < (n + 1) * leading + 4 * pad_y:
                    self.new_page()
                done = 0
                while done < n:
                    fit = int((self.room() - 2 * pad_y) // leading)
                    full = int((PAGE_H - MARGIN_TOP - self.bottom - 120 - 2 * pad_y) // leading)
                    if fit < n - done and (fit < 1 or n - done <= full):
                        self.new_page()  # keep the row whole on the next page
                        continue
                    take = min(n - done, fit)
                    h = take * leading + 2 * pad_y
                    top = self.y
                    cx = x
                    for i, (lines, w, align) in enumerate(zip(cells, widths, aligns,
                                                              strict=True)):
                        self.add(Box(cx, top - h, w, h, row.fill))
                        color = (row.colors[i] if row.colors and i < len(row.colors) else None) \
                            or INK
                        bold = bool(row.bold and i < len(row.bold) and row.bold[i])
                        for k, text in enumerate(lines[done:done + take]):
                            self._cell_text(cx, w, top - pad_y - k * leading, text, size,
                                            leading, align, bold, color, self.font_name(bold),
                                            pad_x)
                        cx += w
                    self.y -= h
                    done += take
        finally:
            self._table_head = None

    def _cell_text(self, cx, w, line_top, text, size, leading, align, bold, color, name,
                   pad_x) -> None:
        baseline = line_top - leading + (leading - size) * 0.5 + size * 0.14
        if align == "c":
            self.text_at(cx + w / 2, baseline, text, size, bold=bold, align="c", color=color)
        elif align == "r":
            self.text_at(cx + w - pad_x, baseline, text, size, bold=bold, align="r", color=color)
        else:
            self.text_at(cx + pad_x, baseline, text, size, bold=bold, color=color)

    # -- drawings and signatures

    def graphic(self, drawing, height: float, x: float = MARGIN_X) -> None:
        self.ensure(height)
        self.y -= height
        self.add(Graphic(drawing, x, self.y))

    def signatures(self, labels: Sequence[str], size: float = 11) -> None:
        """Lines to sign on, e.g. 业务主管（签字）：____  日期：____ 年 __ 月 __ 日."""
        self.ensure(size * 5)
        self.y -= size * 3.2
        x = MARGIN_X
        slot = TEXT_W / len(labels)
        for label in labels:
            w = self.m.width(label, self.font.name, size)
            self.text_at(x, self.y, label, size)
            end = x + slot - 14
            self.add(Line(x + w + 2, self.y - 2, end, self.y - 2, INK, 0.6))
            x += slot

    # -- finishing

    def number_pages(self, left: str = "", right: str = "") -> list[list]:
        total = len(self.pages)
        y = MARGIN_BOTTOM / 2
        for i, page in enumerate(self.pages, 1):
            page.append(Op(PAGE_W / 2, y, f"第 {i} 页 共 {total} 页", 9, align="c",
                           color=GREY))
            if left:
                page.append(Op(MARGIN_X, y, left, 8, color=GREY))
            if right:
                page.append(Op(PAGE_W - MARGIN_X, y, right, 8, align="r", color=GREY))
        return self.pages


def draw_pages(pages: list[list], font: FontChoice, m: Measure, path: str | os.PathLike, *,
               title: str, author: str, missing: set[str] | None = None) -> int:
    """Write the laid-out pages; the file appears only when complete (a temp file replaced).
    Characters no font has (printed as 〓) are added to `missing`."""
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".summary-", suffix=".pdf.part", dir=path.parent)
    os.close(fd)
    try:
        c = Canvas(tmp, pagesize=(PAGE_W, PAGE_H), pageCompression=1,
                   initialFontName=font.name, initialFontSize=11, lang="zh-CN")
        c.setTitle(title)
        c.setAuthor(author)
        c.setCreator("FollowDesk 售后跟踪服务台")
        painter = Painter(c, font, m)
        for page in pages:
            for item in page:
                if isinstance(item, Op):
                    painter.draw([item])
                elif isinstance(item, Box):
                    c.saveState()
                    c.setLineWidth(item.width)
                    if item.fill:
                        c.setFillColorRGB(*item.fill)
                    if item.stroke:
                        c.setStrokeColorRGB(*item.stroke)
                    c.rect(item.x, item.y, item.w, item.h, stroke=1 if item.stroke else 0,
                           fill=1 if item.fill else 0)
                    c.restoreState()
                elif isinstance(item, Line):
                    c.saveState()
                    c.setStrokeColorRGB(*item.color)
                    c.setLineWidth(item.width)
                    c.line(item.x1, item.y1, item.x2, item.y2)
                    c.restoreState()
                elif isinstance(item, Graphic):
                    renderPDF.draw(item.drawing, c, item.x, item.y)
            c.showPage()
        c.save()
        publish(tmp, path)
        tmp = None
        if missing is not None:
            missing |= painter.missing
        return len(pages)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def page_head(center: dict, title: str, meta_left: str, meta_right: str
              ) -> Callable[[Flow], None]:
    """The running head of every page: the center's name, the title, period and print date."""

    def head(flow: Flow) -> None:
        m, font = flow.m, flow.font
        name = center.get("name", "").strip() or "汽车维修服务中心"
        size = 15.0
        while size > 10 and m.width(name, font.bold_name, size) > TEXT_W:
            size -= 0.5
        flow.y -= size
        flow.text_at(PAGE_W / 2, flow.y, name, size, bold=True, align="c", color=ACCENT)
        tsize = 13.5
        lines = m.wrap(title, font.bold_name, tsize, TEXT_W)
        for line in lines:
            flow.y -= tsize * 1.55
            flow.text_at(PAGE_W / 2, flow.y, line, tsize, bold=True, align="c")
        msize = 9.0
        flow.y -= msize * 2.2
        right_w = m.width(meta_right, font.name, msize)
        left_lines = m.wrap(meta_left, font.name, msize, TEXT_W - right_w - 12)
        flow.text_at(PAGE_W - MARGIN_X, flow.y, meta_right, msize, align="r", color=GREY)
        for i, line in enumerate(left_lines):
            if i:
                flow.y -= msize * 1.4
            flow.text_at(MARGIN_X, flow.y, line, msize, color=GREY)
        flow.y -= 5
        flow.add(Line(MARGIN_X, flow.y, MARGIN_X + TEXT_W, flow.y, ACCENT, 1.2))
        flow.y -= 4

    return head


# ---------------------------------------------------------------- charts (reportlab graphics)


def _rgb(c):
    from reportlab.lib.colors import Color

    return Color(*c)


def _marker(kind: int, x: float, y: float, color, r: float = 2.4) -> object:
    """The point of a trend line: circle (及时率), square (满意率), diamond (CSI)."""
    from reportlab.graphics.shapes import Circle, Polygon, Rect

    if kind == 1:
        return Circle(x, y, r, fillColor=color, strokeColor=color)
    if kind == 2:
        return Rect(x - r + 0.2, y - r + 0.2, 2 * r - 0.4, 2 * r - 0.4, fillColor=color,
                    strokeColor=color)
    d = r * 1.3
    return Polygon([x, y + d, x + d, y, x, y - d, x - d, y], fillColor=color,
                   strokeColor=color)


def trend_title(year: int) -> str:
    return f"{year}年 各月{TREND_NAMES[0]}、{TREND_NAMES[1]}与{TREND_NAMES[2]}"


def trend_drawing(trend: list[TrendRow], year: int,
                  font: FontChoice, m: Measure, width: float, height: float,
                  highlight: tuple[int, int] | None = None):
    """Each month's first-follow-up on-time rate, satisfaction rate and CSI, with the targets."""
    from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String

    d = Drawing(width, height)
    d.initialFontName = font.name  # else renderPDF starts in (unembedded) Helvetica
    fs = 8.5
    left, right, bottom, top = 34.0, 78.0, 20.0, 34.0
    pw, ph = width - left - right, height - bottom - top
    lo, step = trend_axis(trend)
    grey, ink = _rgb((0.45, 0.45, 0.45)), _rgb(INK)

    def ypos(v: float) -> float:
        return bottom + (v - lo) / (1 - lo) * ph

    def xpos(month: int) -> float:
        return left + (month - 0.5) / 12 * pw

    d.add(String(left, height - 11, trend_title(year),
                 fontName=font.bold_name, fontSize=10, fillColor=ink))
    if highlight:  # the printed period's months, lightly shaded
        a, b = highlight
        d.add(Rect(left + (a - 1) / 12 * pw, bottom, (b - a + 1) / 12 * pw, ph,
                   fillColor=_rgb((0.93, 0.95, 0.99)), strokeColor=None))
    k = 0
    while lo + k * step <= 1.0 + 1e-9:
        v = lo + k * step
        y = ypos(v)
        d.add(Line(left, y, left + pw, y, strokeColor=_rgb((0.85, 0.85, 0.85)),
                   strokeWidth=0.4))
        d.add(String(left - 4, y - fs * 0.35, f"{v:.0%}", fontName=font.name, fontSize=fs,
                     fillColor=grey, textAnchor="end"))
        k += 1
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=grey, strokeWidth=0.8))
    d.add(Line(left, bottom, left, bottom + ph, strokeColor=grey, strokeWidth=0.8))
    for month in range(1, 13):
        d.add(String(xpos(month), bottom - fs - 4, f"{month}月", fontName=font.name,
                     fontSize=fs, fillColor=grey, textAnchor="middle"))
    # the targets: dashed, labelled in the right margin (kept apart when they are close)
    label_ys: list[float] = []
    for target, color, name in zip(TREND_TARGETS, TREND_COLORS, TREND_SHORT, strict=True):
        y = ypos(target)
        d.add(Line(left, y, left + pw, y, strokeColor=_rgb(color), strokeWidth=0.9,
                   strokeDashArray=[4, 3]))
        ly = y - fs * 0.35
        if label_ys and abs(label_ys[-1] - ly) < fs * 1.2:
            ly = label_ys[-1] - fs * 1.2
        label_ys.append(ly)
        d.add(String(left + pw + 4, ly, f"{name}目标 {target:.0%}", fontName=font.name,
                     fontSize=fs - 0.5, fillColor=_rgb(color)))
    # the lines, broken where a month has nothing to measure
    drawn = False
    for idx, color in enumerate(TREND_COLORS, 1):
        segment: list[float] = []
        for row in [*trend, (13, None, None, None)]:
            value = row[idx] if idx < len(row) else None
            if value is None:
                if len(segment) >= 4:
                    d.add(PolyLine(segment, strokeColor=_rgb(color), strokeWidth=1.6))
                segment = []
                continue
            x, y = xpos(row[0]), ypos(value)
            segment += [x, y]
            drawn = True
            d.add(_marker(idx, x, y, _rgb(color)))
    if not drawn:
        d.add(String(left + pw / 2, bottom + ph / 2, "本年尚无可计算的数据", fontName=font.name,
                     fontSize=10, fillColor=grey, textAnchor="middle"))
    # the legend, under the title
    lx, ly = left, height - 26
    for i, (name, color) in enumerate(zip(TREND_NAMES, TREND_COLORS, strict=True), 1):
        d.add(Line(lx, ly + 3, lx + 18, ly + 3, strokeColor=_rgb(color), strokeWidth=1.6))
        d.add(_marker(i, lx + 9, ly + 3, _rgb(color)))
        d.add(String(lx + 22, ly, name, fontName=font.name, fontSize=fs, fillColor=ink))
        lx += 22 + m.width(name, font.name, fs) + 18
    d.add(Line(lx, ly + 3, lx + 18, ly + 3, strokeColor=grey, strokeWidth=0.9,
               strokeDashArray=[4, 3]))
    d.add(String(lx + 22, ly, "目标", fontName=font.name, fontSize=fs, fillColor=ink))
    return d


def department_drawing(counts: dict[str, int], title: str, font: FontChoice, width: float,
                       height: float):
    """Complaints per department as bars, with the count over each bar."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String

    d = Drawing(width, height)
    d.initialFontName = font.name  # else renderPDF starts in (unembedded) Helvetica
    fs = 8.5
    left, right, bottom, top = 34.0, 12.0, 20.0, 30.0
    pw, ph = width - left - right, height - bottom - top
    bars = department_counts(counts)
    total = sum(n for _, n in bars)
    grey, ink = _rgb((0.45, 0.45, 0.45)), _rgb(INK)
    d.add(String(left, height - 11, f"{title}（共 {total} 件）", fontName=font.bold_name,
                 fontSize=10, fillColor=ink))
    top_n, step = count_axis(max((n for _, n in bars), default=0))
    for v in range(0, top_n + 1, step):
        y = bottom + v / top_n * ph
        d.add(Line(left, y, left + pw, y, strokeColor=_rgb((0.85, 0.85, 0.85)),
                   strokeWidth=0.4))
        d.add(String(left - 4, y - fs * 0.35, str(v), fontName=font.name, fontSize=fs,
                     fillColor=grey, textAnchor="end"))
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=grey, strokeWidth=0.8))
    slot = pw / len(bars)
    bar_w = min(slot * 0.55, 42)
    for i, (name, n) in enumerate(bars):
        cx = left + (i + 0.5) * slot
        h = n / top_n * ph
        if n:
            d.add(Rect(cx - bar_w / 2, bottom, bar_w, h, fillColor=_rgb(BAR_COLOR),
                       strokeColor=None))
        d.add(String(cx, bottom + h + 3, str(n), fontName=font.name, fontSize=fs,
                     fillColor=ink, textAnchor="middle"))
        d.add(String(cx, bottom - fs - 4, name, fontName=font.name, fontSize=fs,
                     fillColor=grey, textAnchor="middle"))
    if total == 0:
        d.add(String(left + pw / 2, bottom + ph * 0.6, "本期没有投诉", fontName=font.name,
                     fontSize=10, fillColor=grey, textAnchor="middle"))
    return d


# ---------------------------------------------------------------- the summary


def _figure_rows(values: dict[str, float | int | None]) -> list[Row]:
    rows: list[Row] = []
    for group, names in GROUPS:
        rows.append(Row([group], bold=[True], fill=GROUP_FILL, span=True, keep_with_next=True))
        for name in names:
            value = values.get(name)
            missed = misses(name, value)  # type: ignore[arg-type]
            if name not in TARGETS:
                verdict = ""
            elif value is None:
                verdict = "—"
            else:
                verdict = "未达标" if missed else "达标"
            color = RED if missed else None
            vcolor = RED if missed else (GREEN if verdict == "达标" else None)
            label = LABELS[name] + (f"\n{NOTES[name]}" if name in NOTES else "")
            rows.append(Row([label, format_value(name, value), target_text(name),
                             verdict], colors=[None, color, None, vcolor],
                            bold=[False, missed, False, missed]))
    return rows


def write_summary_pdf(summary: FiledInfo | SummaryDoc, center: dict,
                      path: str | os.PathLike, *, charts: bool = True,
                      printed_on: dt.date | None = None,
                      clerk_name: str = "") -> SummaryPdfResult:
    """Write the summary (a FiledInfo prints its frozen copy; a SummaryDoc as given) to `path`.

    `clerk_name` names the clerk of a FiledInfo filed for one clerk (a SummaryDoc carries it).
    """
    doc = summary if isinstance(summary, SummaryDoc) else SummaryDoc.from_filed(summary,
                                                                                   clerk_name)
    center = {k: printable(str(v or "")) for k, v in center.items()}
    printed_on = printed_on or clock.today()
    font = register_fonts()
    m = Measure()
    p = doc.period
    title = printable(doc.title or summary_title(p, doc.kind))
    who = f"业务员：{doc.clerk_name}" if doc.clerk_name else "全部业务员"
    meta_left = f"统计期间：{chinese_period(p.start, p.end)}　{who}"
    meta_right = f"打印日期：{chinese_date(printed_on)}"
    flow = Flow(m, font, page_head(center, title, meta_left, meta_right))

    flow.heading("一、主要指标（对照目标）")
    widths = (0.42, 0.2, 0.18, 0.2)
    columns = [Column("指标", TEXT_W * widths[0]), Column("数值", TEXT_W * widths[1], "r"),
               Column("目标", TEXT_W * widths[2], "c"),
               Column("达标情况", TEXT_W * widths[3], "c")]
    flow.table(columns, _figure_rows(doc.values))
    flow.space(4)
    flow.paragraph("注：比率在没有可计数据时记为“无数据”，不计入达标或未达标；已回访只计有通话记录"
                   "的跟踪，没有通话就标记完成的单列为“未通话关闭”；忠诚客户为近一年来访三次及"
                   "以上，流失客户为超过“流失客户月数”（跟踪规则设置，默认 12 个月）未再来访。",
                   8.5, color=GREY)

    kind_name = SUMMARY_KINDS.get(doc.kind, "小结")
    body = doc.text.strip()
    sign_h = 11 * 5
    numbers = iter("二三四")
    # Nothing written yet: one line and the signature, where there is room for them now
    # (before the charts), rather than a page of its own after them.
    unwritten_early = not body and charts and flow.room() >= 12.5 * 2.2 + 20 + sign_h + 40

    def supervisor_section() -> None:
        if body:
            text_h = flow.paragraph_height(body, 11.5, leading=11.5 * 1.75, indent=2)
            # A short text stays on one page with its signature lines; a long one keeps a
            # few lines with its heading.
            keep = text_h + sign_h if text_h + sign_h < 260 else 60
            flow.heading(f"{next(numbers)}、业务主管{kind_name}", keep=keep)
            flow.paragraph(body, 11.5, leading=11.5 * 1.75, indent=2)
        else:
            own_page = flow.room() < 12.5 * 2.2 + sign_h
            flow.heading(f"{next(numbers)}、业务主管{kind_name}（未填写）", keep=sign_h)
            if own_page:  # a page anyway: make it the form to write the summary by hand
                flow.paragraph("请在下列横线上手写小结，签字后归档。", 10, color=GREY)
                pitch = 11.5 * 1.75 * 1.2
                while flow.room() - pitch >= sign_h + 12:
                    flow.space(pitch)
                    flow.rule(width=0.4)
        flow.signatures(["业务主管（签字）：", "日期："])

    if unwritten_early:
        supervisor_section()
    if charts:
        flow.heading(f"{next(numbers)}、图表", keep=200)
        year = doc.trend_year or p.end.year
        if doc.trend is None:
            flow.paragraph("（此小结存档时未保存各月趋势，图表从略。）", 10, color=GREY)
        else:
            highlight = None
            if p.start.year == p.end.year == year:
                highlight = (p.start.month, p.end.month)
            flow.graphic(trend_drawing(doc.trend, year, font, m, TEXT_W, 190,
                                       highlight=highlight), 190)
            flow.space(10)
        if doc.departments is not None:
            flow.graphic(department_drawing(doc.departments, "统计期间投诉按部门", font,
                                            TEXT_W, 150), 150)
    if not unwritten_early:
        supervisor_section()

    footer_left = (f"已存档：{doc.filed_at:%Y-%m-%d %H:%M}" + (f" {doc.filed_by}"
                                                              if doc.filed_by else "")
                   if doc.filed_at else "未存档（草稿）")
    pages = flow.number_pages(left=footer_left)
    path = Path(path)
    missing: set[str] = set()
    n = draw_pages(pages, font, m, path, title=title, author=center.get("name", ""),
                   missing=missing)
    return SummaryPdfResult(path, n, font, missing)

