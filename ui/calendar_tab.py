"""跟踪日历 tab: today's work (今日工作) and the month, for the clerk or the supervisor.

The agenda table is lazy: TaskService.agenda_ids gives the task ids most urgent first and rows
are fetched a screen at a time (agenda_items). The month is a painted grid (its weeks × 7) over
TaskService.month_counts, with holidays and make-up workdays from app.workdays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.archive import format_archive_no
from app.followup import TASK_KIND_LABELS
from app.normalize import ValidationError
from app.staff import StaffInfo
from app.tasks import (
    TEAM_DONE,
    TEAM_MUST,
    TEAM_ON_TIME,
    TEAM_OVERDUE,
    UNASSIGNED,
    AgendaCounts,
    AgendaItem,
    AgendaPlan,
    DayCounts,
    TaskService,
    TeamRow,
)
from app.workdays import COMPUTED, DEFAULT_CALENDAR, WorkCalendar, provisional_note, tooltip_rule
from db.models import TaskKind, TaskStatus
from ui import common
from ui.common import tr
from ui.lazy_model import LazyIdModel

Index = QModelIndex | QPersistentModelIndex

RED = QColor("#c0392b")
ORANGE = QColor("#d35400")
GREY = QColor("#888888")
BLUE = QColor("#1d4ed8")

WEEKDAYS = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
WEEKDAYS_SHORT = ["一", "二", "三", "四", "五", "六", "日"]

# Short names for the month grid; kinds the app adds later fall back to their full label.
SHORT_KIND = {
    TaskKind.ARCHIVE: "建档",
    TaskKind.FIRST_FOLLOWUP: "跟踪1",
    TaskKind.SECOND_FOLLOWUP: "跟踪2",
    TaskKind.MAINTENANCE: "保养",
    TaskKind.FIRST_SERVICE: "首保",
    TaskKind.INSURANCE: "续保",
    TaskKind.ESCALATION: "要求",
    TaskKind.REPLY: "答复",
    TaskKind.PICKUP: "补出厂",
    TaskKind.EVENT_NOTICE: "通知",
    TaskKind.EVENT_LETTER: "信函",
    TaskKind.RETRY: "重拨",
    TaskKind.LOST_CUSTOMER: "流失",
}
KIND_ORDER = {str(k): n for n, k in enumerate(TaskKind)}


def kind_label(kind: str) -> str:
    label = TASK_KIND_LABELS.get(TaskKind(kind)) if kind in KIND_ORDER else None
    return tr(label) if label else kind


def short_kind(kind: str) -> str:
    if kind in KIND_ORDER and TaskKind(kind) in SHORT_KIND:
        return tr(SHORT_KIND[TaskKind(kind)])
    return kind_label(kind)


def weekday_name(day: dt.date) -> str:
    return tr(WEEKDAYS[day.weekday()])


def short_date(day: dt.date, today: dt.date) -> str:
    return day.strftime("%m-%d") if day.year == today.year else day.isoformat()


def window_text(start: dt.date, due: dt.date, today: dt.date) -> str:
    if start == due:
        return short_date(due, today)
    return f"{short_date(start, today)}～{short_date(due, today)}"


# ---------------------------------------------------------------- the task table


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    sample: str  # the longest usual text: the column is as wide as it is in bold


COLUMNS = [
    Column("status", "状态", "逾期 30 天"),
    Column("kind", "类别", "第二次跟踪 · 保修期"),
    Column("archive_no", "档案编号", "000000"),
    Column("customer", "客户", "欧阳晓明"),
    Column("plate", "车号", "粤AD20170"),
    Column("phone", "电话", "13812345678 等2个"),
    Column("window", "跟踪期限", "11-20～11-24"),
    Column("suggested", "建议拨打日", "12-02 周三"),
    Column("owner", "跟踪业务员", "黄丽华（代理）"),
    Column("topic", "通话要点/内容", ""),
]
PHONE_SEPARATOR = " / "  # how a customer's several numbers are joined (app.search_index)


def phone_text(phone: str) -> str:
    """The first number, and how many there are: the column shows one, the tooltip all."""
    numbers = [p for p in (phone or "").split(PHONE_SEPARATOR) if p.strip()]
    if len(numbers) <= 1:
        return phone or ""
    return tr("{first} 等{n}个").format(first=numbers[0].strip(), n=len(numbers))
COL = {c.key: n for n, c in enumerate(COLUMNS)}
TaskIdRole = Qt.ItemDataRole.UserRole + 1
CustomerIdRole = Qt.ItemDataRole.UserRole + 2
FOLD = -1  # the id of the agenda's 可提前 row: click or Enter folds and unfolds what follows
FOLD_BACKGROUND = QColor("#eef1f5")


def status_text(item: AgendaItem, today: dt.date) -> str:
    text = _status(item, today)
    if item.failed_attempts and item.status == TaskStatus.OPEN:
        text += tr(" · 未接通 {n} 次").format(n=item.failed_attempts)
    return text


def _status(item: AgendaItem, today: dt.date) -> str:
    if item.status == TaskStatus.DONE:
        return tr("已完成")
    if item.status == TaskStatus.CANCELLED:
        return tr("已取消")
    if item.carried_over and item.suggested_day is not None and item.due < today:
        return tr("顺延至 {d}").format(d=short_date(item.suggested_day, today))
    if item.due < today:
        return tr("逾期 {n} 天").format(n=(today - item.due).days)
    if item.due == today:
        return tr("今日到期")
    if item.window_start <= today:
        return tr("可跟踪")
    return tr("未到跟踪期")


class TaskTableModel(LazyIdModel):
    """Tasks as rows: either ids with a fetch function (the agenda) or a short list (one day)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._fetch: Callable[[list[int]], dict[int, AgendaItem]] | None = None
        self._today = clock.today()
        self._stand_in = ""
        self._rule_text = tooltip_rule(DEFAULT_CALENDAR)
        self._early = 0  # tasks under the 可提前 row
        self._expanded = False
        self._bold = QFont()
        self._bold.setBold(True)

    # -- loading

    def set_ids(self, ids: list[int], fetch: Callable[[list[int]], dict[int, AgendaItem]],
                today: dt.date, stand_in: str = "") -> None:
        self._fetch = fetch
        self._today, self._stand_in = today, stand_in
        self.reset_ids(ids)

    def set_plan(self, must_ids: list[int], early_ids: list[int],
                 fetch: Callable[[list[int]], dict[int, AgendaItem]], today: dt.date,
                 stand_in: str = "", *, expanded: bool = False) -> None:
        """今日必做, then the 可提前 row, then (unfolded) the 可提前 tasks."""
        self._early = len(early_ids)
        self._expanded = expanded
        ids = list(must_ids)
        if early_ids:
            ids.append(FOLD)
            if expanded:
                ids.extend(early_ids)
        self.set_ids(ids, fetch, today, stand_in)

    def set_items(self, items: list[AgendaItem], today: dt.date, stand_in: str = "") -> None:
        self._fetch = None
        self._today, self._stand_in = today, stand_in
        self._early = 0
        self.reset_ids([i.task_id for i in items], {i.task_id: i for i in items})

    def fold_row(self) -> int:
        """The row of the 可提前 line, or -1 when there is none."""
        return self.row_of(FOLD) if self._early else -1

    @property
    def expanded(self) -> bool:
        return self._expanded

    def set_calendar(self, calendar: WorkCalendar, daily_calls: int | None = None) -> None:
        """The center's calendar: the suggested-day tooltip says its rule."""
        self._rule_text = tooltip_rule(calendar, daily_calls)

    def item(self, row: int) -> AgendaItem | None:
        return None if self.id_at(row) == FOLD else self.row_data(row)

    def task_id(self, row: int) -> int | None:
        rid = self.id_at(row)
        return None if rid == FOLD else rid

    # -- LazyIdModel

    def headers(self) -> list[str]:
        return [c.header for c in COLUMNS]

    def fetch_rows(self, ids: list[int]) -> dict[int, AgendaItem]:
        ids = [i for i in ids if i != FOLD]
        return self._fetch(ids) if self._fetch is not None else {}

    def fold_text(self) -> str:
        arrow = "▾" if self._expanded else "▸"
        action = tr("单击或按 Enter 收起") if self._expanded else tr("单击或按 Enter 展开")
        return tr("{arrow} 可提前 {n} 项：跟踪期限内、不急，建议拨打日在以后（按到期日排列）　"
                  "— {action}").format(arrow=arrow, n=self._early, action=action)

    def _fold_data(self, index: Index, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return self.fold_text() if index.column() == 0 else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr("今日必做：逾期、今天到期，以及按每天拨打量排到今天的任务。\n"
                      "可提前：其余在跟踪期限内的任务，已按每天拨打量排到以后的工作日，"
                      "有空可以提前打。")
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(FOLD_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#334155"))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if self._ids[index.row()] == FOLD:
            return self._fold_data(index, role)
        if role == TaskIdRole:
            return self._ids[index.row()]
        item = self.item(index.row())
        if item is None:
            return None
        key = COLUMNS[index.column()].key
        if role == CustomerIdRole:
            return item.customer_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.status != TaskStatus.OPEN:
                return QBrush(GREY)
            if key == "suggested" and (item.no_working_day or item.carried_over):
                return QBrush(ORANGE)
            if item.overdue(self._today):
                return QBrush(RED)
            if key == "owner" and item.proxy_for:
                return QBrush(BLUE)
            return None
        if role == Qt.ItemDataRole.FontRole:
            if item.status == TaskStatus.OPEN and item.due <= self._today:
                return self._bold if item.due == self._today or key == "status" else None
            return None
        return None

    def _text(self, item: AgendaItem, key: str) -> str:
        today = self._today
        if key == "status":
            return status_text(item, today)
        if key == "kind":
            label = kind_label(item.kind)
            return label + tr(" · 保修期") if item.under_warranty else label
        if key == "archive_no":
            return format_archive_no(item.archive_no)
        if key == "customer":
            return item.customer_name
        if key == "plate":
            return item.plate or ""
        if key == "phone":
            return phone_text(item.phone)
        if key == "window":
            return window_text(item.window_start, item.due, today)
        if key == "suggested":
            if item.no_working_day:
                return tr("期限内无工作日")
            if item.overdue(today):
                return tr("尽快")
            if item.suggested_day is None:
                overdue = item.status == TaskStatus.OPEN and item.due < today
                return tr("尽快") if overdue else ""
            day = item.suggested_day
            text = f"{short_date(day, today)} {tr('周' + WEEKDAYS_SHORT[day.weekday()])}"
            return text + tr("（顺延）") if item.carried_over else text
        if key == "owner":
            if item.proxy_for:
                if self._stand_in:
                    return tr("{owner}（{me} 代理）").format(owner=item.owner_name,
                                                          me=self._stand_in)
                return tr("{owner}（代理）").format(owner=item.owner_name)
            return item.owner_name or tr("（未分配）")
        if key == "topic":
            return " ".join((item.topic or "").split())
        return ""

    def _tooltip(self, item: AgendaItem, key: str) -> str:
        if key == "phone":
            return item.phone or ""
        if key in ("status", "window"):
            text = tr("跟踪期限 {a} 至 {b}").format(a=item.window_start.isoformat(),
                                              b=item.due.isoformat())
            if key == "status":
                text = status_text(item, self._today) + "\n" + text
            if item.status == TaskStatus.OPEN and item.window_start <= self._today <= item.due:
                text += tr("，还剩 {n} 天").format(n=(item.due - self._today).days)
            if item.done_on:
                text += tr("；{d} 完成").format(d=item.done_on.isoformat())
            return text
        if key == "suggested":
            lines = []
            if item.no_working_day:
                lines.append(tr("跟踪期限内剩下的每一天都是节假日或周末，请尽早联系客户。"))
            elif item.carried_over:
                lines.append(tr("跟踪期限 {a} 至 {b} 全在休息日内，顺延到节后第一个工作日；"
                                "当天拨打仍算按时。").format(a=item.window_start.isoformat(),
                                                      b=item.due.isoformat()))
            lines.append(self._rule_text)
            if item.provisional and item.suggested_day is not None:
                lines.append(tr(provisional_note(item.suggested_day.year)) + tr(
                    "：节日按农历推算，调休上班日尚未录入。"))
            return "\n".join(lines)
        if key == "owner" and item.proxy_for:
            return tr("{name} 请假，由代理人跟进").format(name=item.proxy_for)
        if key == "kind" and item.under_warranty:
            return tr("保修期内车辆：第一次跟踪率目标 100%")
        return self._text(item, key)


# ---------------------------------------------------------------- the month grid


@dataclass(frozen=True)
class Token:
    text: str
    color: QColor | None = None
    bold: bool = False


HEADER_H = 26


def flow(tokens: list[Token], width: int, *, small: QFontMetrics, bold: QFontMetrics,
         max_lines: int) -> tuple[list[list[tuple[Token, int]]], bool]:
    """Tokens in lines of at most width pixels; (lines, whether some did not fit)."""
    gap = small.horizontalAdvance("  ")
    lines: list[list[tuple[Token, int]]] = []
    line: list[tuple[Token, int]] = []
    x = 0
    for tok in tokens:
        tw = (bold if tok.bold else small).horizontalAdvance(tok.text)
        if line and x + tw > width:
            lines.append(line)
            line, x = [], 0
        line.append((tok, tw))
        x += tw + gap
    if line:
        lines.append(line)
    if len(lines) <= max_lines:
        return lines, False
    lines = lines[:max_lines]
    if lines:
        last = lines[-1]
        ellipsis = small.horizontalAdvance("…")
        while last and sum(tw + gap for _t, tw in last) + ellipsis > width:
            last.pop()
    return lines, True


def scaled(font: QFont, factor: float) -> QFont:
    out = QFont(font)
    if font.pointSizeF() > 0:
        out.setPointSizeF(max(font.pointSizeF() * factor, 7.5))
    elif font.pixelSize() > 0:
        out.setPixelSize(max(round(font.pixelSize() * factor), 10))
    return out


class MonthGrid(QWidget):
    """A month (Monday first, as many weeks as it touches) with holidays and the open task
    counts of each day."""

    dayClicked = Signal(object)  # datetime.date

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("monthGrid")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.year, self.month = clock.today().year, clock.today().month
        self.today = clock.today()
        self.selected: dt.date | None = None
        self.counts: dict[dt.date, DayCounts] = {}
        self.calendar: WorkCalendar = DEFAULT_CALENDAR

    def set_calendar(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.update()

    def set_month(self, year: int, month: int, counts: dict[dt.date, DayCounts],
                  today: dt.date, selected: dt.date | None) -> None:
        self.year, self.month, self.counts = year, month, counts
        self.today, self.selected = today, selected
        self.update()

    def set_selected(self, day: dt.date) -> None:
        self.selected = day
        self.update()

    # -- geometry

    def first_shown(self) -> dt.date:
        first = dt.date(self.year, self.month, 1)
        return first - dt.timedelta(days=first.weekday())

    def days(self) -> list[dt.date]:
        start = self.first_shown()
        return [start + dt.timedelta(days=n) for n in range(7 * self.weeks())]

    def weeks(self) -> int:
        """The weeks the month touches (4 to 6): no row of the next month's days alone."""
        first = dt.date(self.year, self.month, 1)
        following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return (first.weekday() + (following - first).days + 6) // 7

    def _cell_size(self) -> tuple[float, float]:
        return self.width() / 7, (self.height() - HEADER_H) / self.weeks()

    def day_rect(self, day: dt.date) -> QRect:
        n = (day - self.first_shown()).days
        if not 0 <= n < 7 * self.weeks():
            return QRect()
        w, h = self._cell_size()
        row, col = divmod(n, 7)
        x0, x1 = round(col * w), round((col + 1) * w)
        y0, y1 = HEADER_H + round(row * h), HEADER_H + round((row + 1) * h)
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def day_at(self, x: float, y: float) -> dt.date | None:
        if y < HEADER_H:
            return None
        w, h = self._cell_size()
        col, row = int(x // w), int((y - HEADER_H) // h)
        if not (0 <= col < 7 and 0 <= row < self.weeks()):
            return None
        return self.first_shown() + dt.timedelta(days=row * 7 + col)

    def sizeHint(self) -> QSize:
        return QSize(7 * 150, HEADER_H + 6 * 92)

    def minimumSizeHint(self) -> QSize:
        return QSize(7 * 64, HEADER_H + 6 * 30)

    # -- content

    def tokens(self, day: dt.date) -> list[Token]:
        """The counts written in a day's cell: overdue first, then each kind, then done."""
        c = self.counts.get(day)
        if c is None or (day.year, day.month) != (self.year, self.month):
            return []
        out = []
        if c.overdue:
            out.append(Token(tr("逾期 {n}").format(n=c.overdue), RED, True))
        for kind in sorted(c.by_kind, key=lambda k: KIND_ORDER.get(k, 99)):
            n = c.by_kind[kind]
            if n:
                out.append(Token(f"{short_kind(kind)} {n}"))
        if c.done:
            out.append(Token(tr("完成 {n}").format(n=c.done), GREY))
        return out

    def day_tooltip(self, day: dt.date) -> str:
        info = self.calendar.day_info(day)
        lines = [f"{day.isoformat()} {weekday_name(day)}"]
        if info.holiday_name:
            lines[0] += f"  {tr(info.holiday_name)}"
        if info.makeup_workday:
            lines[0] += tr("  调休上班")
        elif not info.working and not info.holiday_name:
            lines[0] += tr("  休息日")
        c = self.counts.get(day)
        if c is not None and (day.year, day.month) == (self.year, self.month):
            for kind in sorted(c.by_kind, key=lambda k: KIND_ORDER.get(k, 99)):
                lines.append(f"{kind_label(kind)}：{c.by_kind[kind]}")
            if c.overdue:
                lines.append(tr("其中逾期：{n}").format(n=c.overdue))
            if c.done:
                lines.append(tr("已完成：{n}").format(n=c.done))
        lines.append(tr("单击查看当天的任务"))
        return "\n".join(lines)

    # -- painting

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        base_font = QFont(self.font())
        small, day_font = scaled(base_font, 0.88), scaled(base_font, 1.15)
        bold_small = QFont(small)
        bold_small.setBold(True)
        day_font.setBold(True)
        grid_pen = QPen(QColor("#cfd6df"))

        # weekday header
        w, _h = self._cell_size()
        p.setFont(base_font)
        for col in range(7):
            r = QRect(round(col * w), 0, round((col + 1) * w) - round(col * w), HEADER_H)
            p.fillRect(r, QColor("#eef1f5"))
            p.setPen(RED if col >= 5 else QColor("#333"))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, tr("周" + WEEKDAYS_SHORT[col]))

        fm_small = QFontMetrics(small)
        fm_day = QFontMetrics(day_font)
        line_h = fm_small.height()
        for day in self.days():
            r = self.day_rect(day)
            info = self.calendar.day_info(day)
            inside = (day.year, day.month) == (self.year, self.month)
            if not inside:
                bg = QColor("#f6f6f6")
            elif info.makeup_workday:
                bg = QColor("#eef4ff")
            elif not info.working:
                bg = QColor("#fdf0ee")
            else:
                bg = pal.base().color()
            if day == self.selected:
                bg = QColor("#d6e6ff")
            p.fillRect(r, bg)
            p.setPen(grid_pen)
            p.drawRect(r.adjusted(0, 0, -1, -1))
            if day == self.today:
                p.setPen(QPen(BLUE, 2))
                p.drawRect(r.adjusted(1, 1, -2, -2))

            inner = r.adjusted(6, 3, -5, -3)
            # day number, then the holiday name or 班
            p.setFont(day_font)
            p.setPen(GREY if not inside else (RED if not info.working else QColor("#222")))
            number = str(day.day)
            p.drawText(inner.x(), inner.y() + fm_day.ascent(), number)
            x_after = inner.x() + fm_day.horizontalAdvance(number) + 6
            label = ""
            color = RED
            if info.makeup_workday:
                label, color = tr("班"), BLUE
            elif info.holiday_name:
                label = tr(info.holiday_name)
            if label:
                p.setFont(small)
                p.setPen(color if inside else GREY)
                room = inner.right() - x_after
                text = fm_small.elidedText(label, Qt.TextElideMode.ElideRight, room)
                p.drawText(x_after, inner.y() + fm_day.ascent(), text)  # same baseline

            # counts, flowing left to right and wrapping; "…" when the cell is too small
            top = inner.y() + fm_day.height() + 2
            room = max(0, (inner.bottom() + 2 - top) // line_h)
            lines, more = flow(self.tokens(day), inner.width(),
                               small=fm_small, bold=QFontMetrics(bold_small), max_lines=room)
            for n, line in enumerate(lines):
                x, y = inner.x(), top + n * line_h
                for tok, tw in line:
                    p.setFont(bold_small if tok.bold else small)
                    p.setPen(tok.color if tok.color is not None else QColor("#333"))
                    p.drawText(x, y + fm_small.ascent(), tok.text)
                    x += tw + fm_small.horizontalAdvance("  ")
                if more and n == len(lines) - 1:
                    p.setFont(small)
                    p.setPen(GREY)
                    p.drawText(x, y + fm_small.ascent(), "…")
        p.end()

    # -- input

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            day = self.day_at(event.position().x(), event.position().y())
            if day is not None:
                self.setFocus()
                self.dayClicked.emit(day)
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7,
                 Qt.Key.Key_Down: 7}
        key = Qt.Key(event.key())
        if key in steps:
            day = (self.selected or dt.date(self.year, self.month, 1)) + dt.timedelta(
                days=steps[key])
            self.dayClicked.emit(day)
            return
        super().keyPressEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            day = self.day_at(event.pos().x(), event.pos().y())
            if day is not None:
                QToolTip.showText(event.globalPos(), self.day_tooltip(day), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


# ---------------------------------------------------------------- the tab


def make_task_table(model: TaskTableModel, name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has the whole text
    bold = QFont(table.font())
    bold.setBold(True)
    cells, heads = QFontMetrics(bold), QFontMetrics(header.font())
    for col, c in enumerate(COLUMNS[:-1]):  # the last (通话要点) takes what is left
        table.setColumnWidth(col, max(cells.horizontalAdvance(c.sample),
                                      heads.horizontalAdvance(tr(c.header))) + 14)
    return table


# ---------------------------------------------------------------- the supervisor's team view

TEAM_COLUMNS = [
    (None, "业务员", "单击姓名：看这位业务员的今日工作"),
    (TEAM_OVERDUE, "逾期", "已过截止日仍未完成的任务；单击查看"),
    (TEAM_MUST, "今日必做", "逾期、今天到期，以及按每天拨打量排到今天的任务；单击查看"),
    (TEAM_DONE, "本月完成", "本月由通话完成的任务（未通话就“标记完成”的不算）；单击查看"),
    (TEAM_ON_TIME, "及时率",
     "近 30 天第一次跟踪及时率：近 30 天到期（期限已过或已完成）的第一次跟踪中，在跟踪期限内"
     "由通话完成的比例，算法与“统计”相同；单击查看这些任务，未按时的在前"),
]
SUBSET_LABELS = {TEAM_OVERDUE: "逾期", TEAM_MUST: "今日必做", TEAM_DONE: "本月完成",
                 TEAM_ON_TIME: "近 30 天的第一次跟踪（及时率；未按时的在前）"}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class TeamModel(QAbstractTableModel):
    """One row per clerk: 逾期 / 今日必做 / 本月完成 / 及时率 (TaskService.team)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.team: list[TeamRow] = []

    def set_rows(self, rows: list[TeamRow]) -> None:
        self.beginResetModel()
        self.team = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.team)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(TEAM_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(TEAM_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(TEAM_COLUMNS[section][1])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr(TEAM_COLUMNS[section][2])
        return None

    def subset(self, column: int) -> str | None:
        return TEAM_COLUMNS[column][0] if 0 <= column < len(TEAM_COLUMNS) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.team):
            return None
        row, subset = self.team[index.row()], self.subset(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if subset is None:
                return tr(row.name)
            if subset == TEAM_ON_TIME:
                return percent(row.on_time_rate)
            return str({TEAM_OVERDUE: row.overdue, TEAM_MUST: row.must,
                        TEAM_DONE: row.done}[subset])
        if role == Qt.ItemDataRole.ToolTipRole:
            if subset == TEAM_ON_TIME:
                return tr("{name}：本月第一次跟踪 {n} 项，按时 {k} 项").format(
                    name=row.name, n=row.counted, k=row.on_time)
            return tr(TEAM_COLUMNS[index.column()][2])
        if role == Qt.ItemDataRole.TextAlignmentRole and subset is not None:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if subset == TEAM_OVERDUE and row.overdue:
                return QBrush(RED)
            if subset is not None:
                return QBrush(BLUE)  # a number opens its rows
        return None


class CalendarTab(QWidget):
    openCustomer = Signal(int)  # customer id: Enter, double-click or 打开客户
    changed = Signal()  # a task was closed here: counts elsewhere are stale
    callRequested = Signal(object)  # AgendaItem: log the call that does this task (F3)
    holidayNoticeRequested = Signal(int)  # year: the supervisor opens 节假日与调休 for it
    summaryRequested = Signal(str, int, int)  # kind ("month"/"year"), year, month: file it

    AGENDA, MONTH = 0, 1

    def __init__(self, tasks: TaskService, user: StaffInfo, clerks: list[StaffInfo],
                 today_fn: Callable[[], dt.date] = clock.today,
                 parent: QWidget | None = None, *, load: bool = True):
        super().__init__(parent)
        self.tasks = tasks
        self.user = user
        self.today_fn = today_fn
        self.today = today_fn()
        self.work_calendar: WorkCalendar = DEFAULT_CALENDAR
        self.shown_year, self.shown_month = self.today.year, self.today.month
        self.selected_day: dt.date = self.today

        # -- top bar: view, filters, today
        self.agenda_button = QPushButton(tr("今日工作"))
        self.month_button = QPushButton(tr("月历"))
        self.view_group = QButtonGroup(self)
        for n, b in enumerate((self.agenda_button, self.month_button)):
            b.setCheckable(True)
            b.setMinimumWidth(80)
            self.view_group.addButton(b, n)
        self.agenda_button.setChecked(True)
        self.clerk_combo = QComboBox()
        self.clerk_combo.setObjectName("clerkFilter")
        self.clerk_combo.setMinimumContentsLength(6)
        if user.is_supervisor:
            self.clerk_combo.addItem(tr("全部业务员"), None)
            for c in clerks:
                self.clerk_combo.addItem(c.name, c.id)
            # customers with no clerk: their tasks are nobody's until the supervisor assigns
            self.clerk_combo.addItem(tr("未分配"), UNASSIGNED)
        else:
            self.clerk_combo.addItem(user.name, user.id)
            self.clerk_combo.setEnabled(False)
            self.clerk_combo.setToolTip(tr("你的任务，以及请假同事交给你代理的任务"))
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindFilter")
        self.kind_combo.addItem(tr("全部类别"), None)
        for kind, label in TASK_KIND_LABELS.items():
            self.kind_combo.addItem(tr(label), str(kind))
        self.date_label = QLabel()
        self.date_label.setObjectName("todayLabel")
        self.summary_label = QLabel()
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(self.agenda_button)
        top.addWidget(self.month_button)
        top.addSpacing(16)
        top.addWidget(QLabel(tr("业务员")))
        top.addWidget(self.clerk_combo)
        top.addSpacing(8)
        top.addWidget(QLabel(tr("类别")))
        top.addWidget(self.kind_combo)
        top.addStretch(1)
        top.addWidget(self.summary_label)
        top.addSpacing(16)
        top.addWidget(self.date_label)
        for label in (self.summary_label, self.date_label):
            label.setMinimumWidth(1)

        # -- 今日工作
        self.agenda_model = TaskTableModel(self)
        self.agenda_table = make_task_table(self.agenda_model, "agendaTable")
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color:#666; font-size: 14pt; padding: 40px;")
        self.empty_label.hide()
        # A year computed, not yet entered from the State Council's notice: say so, and give
        # the supervisor the task of entering it.
        self.calendar_note = QLabel()
        self.calendar_note.setObjectName("agendaCalendarNote")
        self.calendar_note.setWordWrap(True)
        # The supervisor's 小结/总结 to file (R10), as links that open 统计 on the period.
        self.chores_label = QLabel()
        self.chores_label.setObjectName("supervisorChores")
        self.chores_label.setTextFormat(Qt.TextFormat.RichText)
        self.chores_label.linkActivated.connect(self._chore_link)
        self.chores_label.hide()
        self.notice_button = QPushButton(tr("录入通知…"))
        self.notice_button.setObjectName("enterNotice")
        self.notice_button.clicked.connect(
            lambda: self.holidayNoticeRequested.emit(self._notice_year or self.today.year))
        self.calendar_banner = QWidget()
        self.calendar_banner.setObjectName("calendarBanner")
        self.calendar_banner.setStyleSheet(
            "#calendarBanner { background:#fff4d6; border:1px solid #f0c36d; }"
            " QLabel { color:#8a4b00; }")
        bl = QHBoxLayout(self.calendar_banner)
        bl.setContentsMargins(8, 3, 8, 3)
        bl.addWidget(self.calendar_note, 1)
        bl.addWidget(self.notice_button)
        self.calendar_banner.hide()
        self._notice_year: int | None = None
        # The supervisor's team view: a number opens its rows in the agenda below.
        self.clerks = list(clerks)
        self.subset: str | None = None
        self.team_model = TeamModel(self)
        self.team_table = QTableView()
        self.team_table.setObjectName("teamTable")
        self.team_table.setModel(self.team_model)
        self.team_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.team_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.team_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.team_table.verticalHeader().hide()
        self.team_table.verticalHeader().setDefaultSectionSize(22)
        self.team_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.team_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        for col, width in enumerate((110, 64, 76, 76, 64)):
            self.team_table.setColumnWidth(col, width)
        self.team_table.horizontalHeader().setStretchLastSection(True)
        self.team_table.setFixedWidth(110 + 64 + 76 + 76 + 64 + 6)
        self.team_table.clicked.connect(self._team_clicked)
        self.team_table.installEventFilter(self)
        team_title = QLabel(tr("<b>团队一览</b><br>单击（或按 Enter）<br>数字查看这些任务"))
        team_title.setStyleSheet("color:#555")
        team_title.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.team_box = QWidget()
        self.team_box.setObjectName("teamBox")
        tb = QHBoxLayout(self.team_box)
        tb.setContentsMargins(0, 0, 0, 4)
        tb.addWidget(self.team_table)
        tb.addWidget(team_title)
        tb.addStretch(1)
        self.team_box.setVisible(user.is_supervisor)
        self.subset_label = QLabel()
        self.subset_label.setObjectName("subsetLabel")
        self.subset_clear = QPushButton(tr("显示全部"))
        self.subset_clear.setObjectName("subsetClear")
        self.subset_clear.clicked.connect(self.clear_subset)
        self.subset_bar = QWidget()
        self.subset_bar.setObjectName("subsetBar")
        self.subset_bar.setStyleSheet("#subsetBar { background:#e8f0fe; }")
        sb = QHBoxLayout(self.subset_bar)
        sb.setContentsMargins(8, 2, 8, 2)
        sb.addWidget(self.subset_label, 1)
        sb.addWidget(self.subset_clear)
        self.subset_bar.hide()
        agenda_page = QWidget()
        av = QVBoxLayout(agenda_page)
        av.setContentsMargins(0, 0, 0, 0)
        av.addWidget(self.team_box)
        av.addWidget(self.subset_bar)
        av.addWidget(self.calendar_banner)
        av.addWidget(self.chores_label)
        av.addWidget(self.agenda_table, 1)
        av.addWidget(self.empty_label, 1)

        # -- 月历
        self.prev_button = QPushButton(tr("‹ 上月"))
        self.next_button = QPushButton(tr("下月 ›"))
        self.this_month_button = QPushButton(tr("今天"))
        self.month_label = QLabel()
        self.month_label.setObjectName("monthLabel")
        self.month_label.setStyleSheet("font-size: 13pt; font-weight: bold; padding: 0 12px;")
        self.month_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.month_label.setText(tr("{y} 年 {m} 月").format(y=2026, m=12))
        self.month_label.ensurePolished()
        self.month_label.setMinimumWidth(self.month_label.sizeHint().width() + 8)
        legend = QLabel(tr("<span style='background:#fdf0ee'>&nbsp;休&nbsp;</span> 周末/节假日　"
                           "<span style='color:#1d4ed8'>班</span> 调休上班　"
                           "<span style='color:#c0392b'>逾期</span>　"
                           "跟踪1/跟踪2 = 第一次/第二次跟踪"))
        legend.setStyleSheet("color:#555")
        legend.setMinimumWidth(1)  # a narrow window clips the legend, not the grid
        # every short name the grid uses, spelt out where the legend has no room
        legend.setToolTip(tr("格子里的简称：") + "；".join(
            f"{tr(short)} = {tr(TASK_KIND_LABELS.get(kind, short))}"
            for kind, short in SHORT_KIND.items()))
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.month_label)
        nav.addWidget(self.next_button)
        nav.addWidget(self.this_month_button)
        nav.addStretch(1)
        nav.addWidget(legend)
        self.note_label = QLabel()
        self.note_label.setObjectName("holidayNote")
        self.note_label.setStyleSheet(
            "color:#8a4b00; background:#fff4d6; border:1px solid #f0c36d; padding:3px 8px;")
        self.note_label.hide()
        self.grid = MonthGrid()
        self.day_label = QLabel()
        self.day_label.setObjectName("dayLabel")
        self.day_label.setStyleSheet("font-weight: bold; padding: 4px 0 2px 0;")
        self.day_model = TaskTableModel(self)
        self.day_table = make_task_table(self.day_model, "dayTable")
        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(0)
        lv.addWidget(self.day_label)
        lv.addWidget(self.day_table)
        self.month_split = QSplitter(Qt.Orientation.Vertical)
        self.month_split.addWidget(self.grid)
        self.month_split.addWidget(lower)
        # The day's list gets room for a dozen rows at 768 px; the grid keeps 2 lines a day.
        self.month_split.setStretchFactor(0, 1)
        self.month_split.setStretchFactor(1, 1)
        self.month_split.setChildrenCollapsible(False)
        self.month_split.setSizes([330, 300])
        month_page = QWidget()
        mv = QVBoxLayout(month_page)
        mv.setContentsMargins(0, 0, 0, 0)
        mv.addLayout(nav)
        mv.addWidget(self.note_label)
        mv.addWidget(self.month_split, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(agenda_page)
        self.pages.addWidget(month_page)

        # -- actions on the selected task
        self.open_button = QPushButton(tr("打开客户"))
        self.open_button.setToolTip(tr("在“客户档案”中打开这位客户（Enter 或双击）"))
        self.call_button = QPushButton(tr("记录通话… (F3)"))
        self.call_button.setToolTip(tr("打电话并记录：通话完成后任务自动关闭，第二次跟踪自动安排"))
        self.call_button.clicked.connect(self.call_current)
        call_key = QShortcut(QKeySequence(Qt.Key.Key_F3), self)
        call_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        call_key.activated.connect(self.call_current)
        self.done_button = QPushButton(tr("标记完成…"))
        self.done_button.setToolTip(tr("没有通话也关闭选中的任务（电话任务须说明原因，统计中单列）"))
        hint = QLabel(tr("Enter 或双击：打开客户　·　F3：记录通话　·　F5：刷新"))
        hint.setStyleSheet("color:#777")
        bottom = QHBoxLayout()
        bottom.addWidget(self.call_button)
        bottom.addWidget(self.open_button)
        bottom.addWidget(self.done_button)
        bottom.addSpacing(12)
        bottom.addWidget(hint)
        bottom.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)

        # -- wiring
        self.view_group.idClicked.connect(self.show_view)
        # The status bar counts what the tab shows: a filter change tells the window too.
        self.clerk_combo.currentIndexChanged.connect(lambda _i: (self._drop_subset(),
                                                                 self.refresh(),
                                                                 self.changed.emit()))
        self.kind_combo.currentIndexChanged.connect(lambda _i: (self.refresh(),
                                                                self.changed.emit()))
        self.prev_button.clicked.connect(lambda: self.shift_month(-1))
        self.next_button.clicked.connect(lambda: self.shift_month(1))
        self.this_month_button.clicked.connect(self.go_today)
        self.grid.dayClicked.connect(self.select_day)
        self.open_button.clicked.connect(self.open_current)
        self.done_button.clicked.connect(self.mark_done)
        for table in (self.agenda_table, self.day_table):
            table.doubleClicked.connect(lambda _i: self.open_current())
            table.installEventFilter(self)
            table.selectionModel().currentRowChanged.connect(
                lambda _c, _p: self._update_buttons())
        refresh = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.refresh)
        # A front-desk PC stays on overnight: at the first minute of a new day, start it.
        self.clock = QTimer(self)
        self.clock.setInterval(60_000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()
        # The month view loads when it is first looked at: the day starts with the agenda.
        # With load=False nothing is read until the tab is first shown (the window may open
        # on another tab).
        self._loaded = False
        self._month_stale = True
        self.early_expanded = False  # 可提前 folded: the day starts with what must be done
        self.plan: AgendaPlan | None = None
        self.counts = AgendaCounts(0, 0, 0)
        self.agenda_table.clicked.connect(self._agenda_clicked)
        if load:
            self.refresh()

    def _tick(self) -> None:
        if self.today_fn() != self.today:
            self.refresh()
            self.changed.emit()

    # -- filters

    def clerk_id(self) -> int | None:
        return self.clerk_combo.currentData() if self.user.is_supervisor else None

    def kinds(self) -> set[str] | None:
        kind = self.kind_combo.currentData()
        return {kind} if kind else None

    def stand_in_name(self) -> str:
        """Whose 代理 work is shown: the clerk's own, or the one the supervisor picked."""
        if not self.user.is_supervisor:
            return self.user.name
        return self.clerk_combo.currentText() if self.clerk_id() is not None else ""

    def set_clerk(self, clerk_id: int | None) -> None:
        i = self.clerk_combo.findData(clerk_id)
        if i >= 0:
            self.clerk_combo.setCurrentIndex(i)

    def set_kind(self, kind: str | None) -> None:
        i = self.kind_combo.findData(kind)
        if i >= 0:
            self.kind_combo.setCurrentIndex(i)

    # -- loading

    def refresh(self) -> None:
        """Reload the agenda, the month and the chosen day (after any change anywhere)."""
        today = self.today_fn()
        if today != self.today:  # the program stayed open past midnight
            if (self.shown_year, self.shown_month) == (self.today.year, self.today.month):
                self.shown_year, self.shown_month = today.year, today.month
            if self.selected_day == self.today:
                self.selected_day = today
        self.today = today
        self.work_calendar = self.tasks.work_calendar()
        self.grid.set_calendar(self.work_calendar)
        daily_calls = self.tasks.rules().daily_calls
        self.agenda_model.set_calendar(self.work_calendar, daily_calls)
        self.day_model.set_calendar(self.work_calendar, daily_calls)
        text = tr("今天：{d} {w}").format(d=today.isoformat(), w=weekday_name(today))
        info = self.work_calendar.day_info(today)
        if info.holiday_name:
            text += f"（{tr(info.holiday_name)}）"
        elif info.makeup_workday:
            text += tr("（调休上班）")
        self.date_label.setText(text)
        self._show_calendar_banner()
        self._loaded = True
        if self.user.is_supervisor:
            self.load_team()
        self.load_agenda()
        if self.pages.currentIndex() == self.MONTH:
            self.load_month()
        else:
            self._month_stale = True

    def provisional_years(self) -> list[int]:
        """Years the agenda reaches into (today and the next 60 days) known only by computation."""
        return self.work_calendar.provisional_years(self.today,
                                                    self.today + dt.timedelta(days=60))

    def _chore_link(self, link: str) -> None:
        kind, year, month = link.split(":")
        self.summaryRequested.emit(kind, int(year), int(month))

    def _show_chores(self) -> None:
        chores = [c for c in self.tasks.chores(self.user, self.today)
                  if c.kind in ("month_summary", "year_summary")]
        links = [f"<a href='{'month' if c.kind == 'month_summary' else 'year'}:{c.year}:"
                 f"{c.month}'>{tr(c.text)}</a>" for c in chores]
        self.chores_label.setText(tr("主管待办：") + "　".join(links) if links else "")
        self.chores_label.setVisible(bool(links))

    def _show_calendar_banner(self) -> None:
        self._show_chores()
        years = self.provisional_years()
        due = self.work_calendar.notice_due(self.today) if self.user.is_supervisor else None
        self._notice_year = due
        parts = [tr(provisional_note(y)) for y in years]
        if due is not None:
            parts.append(tr("请录入 {y} 年国务院放假与调休通知").format(y=due))
        elif years:
            parts.append(tr("调休上班日可能不准，请提醒主管录入通知"))
        self.calendar_note.setText("；".join(parts))
        self.notice_button.setVisible(due is not None)
        self.calendar_banner.setVisible(bool(parts))

    def load_team(self) -> None:
        # the clerks; the supervisor's own line only when they have work today (escalations)
        rows = self.tasks.team([(c.id, c.name) for c in self.clerks], self.today)
        clerk_ids = {c.id for c in self.clerks if not c.is_supervisor}
        self.team_model.set_rows([r for r in rows if r.clerk_id in clerk_ids or r.must])
        rows = self.team_model.rowCount()
        frame = 2 * self.team_table.frameWidth()
        header = self.team_table.horizontalHeader().sizeHint().height()
        self.team_table.setFixedHeight(header + frame + 22 * min(max(rows, 1), 8))

    def _team_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row = self.team_model.team[index.row()]
        subset = self.team_model.subset(index.column())
        if subset is None:
            self.set_clerk(row.clerk_id)  # the name: the clerk's whole agenda
            self.agenda_table.setFocus()
        else:
            self.show_subset(row.clerk_id, subset)

    def show_subset(self, clerk_id: int, subset: str) -> None:
        """The rows behind a team number: that clerk, that subset, in the agenda."""
        self.subset = subset
        self.clerk_combo.blockSignals(True)
        self.set_clerk(clerk_id)
        self.clerk_combo.blockSignals(False)
        self.pages.setCurrentIndex(self.AGENDA)
        self.view_group.button(self.AGENDA).setChecked(True)
        self.refresh()
        self.changed.emit()  # the status bar follows the clerk filter
        self.agenda_table.setFocus()

    def _drop_subset(self) -> None:
        self.subset = None

    def clear_subset(self) -> None:
        self.subset = None
        self.load_agenda()

    def load_agenda(self) -> None:
        keep = self._current_task(self.agenda_table)
        keep_row = max(self.agenda_table.currentIndex().row(), 0)
        clerk_id, kinds, today = self.clerk_id(), self.kinds(), self.today
        plan = self.tasks.agenda_plan(self.user, today, clerk_id=clerk_id, kinds=kinds)

        def fetch(chunk: list[int]) -> dict[int, AgendaItem]:
            return self.tasks.agenda_items(self.user, today, chunk, clerk_id=clerk_id, plan=plan)

        self.plan = plan
        subset = self.subset if self.user.is_supervisor and clerk_id is not None else None
        if subset in (TEAM_DONE, TEAM_ON_TIME):
            items = [i for i in self.tasks.team_tasks(clerk_id, subset, today)
                     if not kinds or i.kind in kinds]
            self.agenda_model.set_items(items, today, self.stand_in_name())
            shown = len(items)
        elif subset in (TEAM_OVERDUE, TEAM_MUST):
            must = [i for i in plan.must_ids
                    if subset == TEAM_MUST or plan.days[i].overdue]
            self.agenda_model.set_plan(must, [], fetch, today, self.stand_in_name())
            shown = len(must)
        else:
            self.agenda_model.set_plan(plan.must_ids, plan.early_ids, fetch, today,
                                       self.stand_in_name(), expanded=self.early_expanded)
            shown = len(plan.ids)
        self.subset_bar.setVisible(subset is not None)
        if subset is not None:
            self.subset_label.setText(tr("只看 {name} 的{what}：{n} 项").format(
                name=self.clerk_combo.currentText(), what=tr(SUBSET_LABELS[subset]), n=shown))
        self._span_fold_row()
        self.counts = plan.counts
        must, overdue, early = plan.counts
        red = "color:#c0392b; font-weight:bold" if overdue else "color:#555"
        self.summary_label.setText(
            f"<b>{tr('今日必做 {n}').format(n=must)}</b>"
            f"（<span style='{red}'>{tr('逾期 {n}').format(n=overdue)}</span>）"
            f" · {tr('可提前 {n}').format(n=early)}")
        self.summary_label.setToolTip(tr(
            "今日必做：逾期、今天到期，以及按每天拨打量排到今天的任务\n"
            "可提前：其余在跟踪期限内的任务，建议拨打日在以后，有空可以提前打"))
        empty = not shown
        self.agenda_table.setVisible(not empty)
        self.empty_label.setVisible(empty)
        if empty:
            self.empty_label.setText(tr("没有这样的任务。") if subset is not None
                                     else tr("今天没有待办的跟踪任务。"))
        row = self.agenda_model.row_of(keep) if keep is not None else -1
        self._select_row(self.agenda_table,
                         row if row >= 0 else min(keep_row, self.agenda_model.rowCount() - 1))
        self._update_buttons()

    def _span_fold_row(self) -> None:
        self.agenda_table.clearSpans()
        fold = self.agenda_model.fold_row()
        if fold >= 0:
            self.agenda_table.setSpan(fold, 0, 1, len(COLUMNS))

    def toggle_early(self) -> None:
        """Fold or unfold the 可提前 rows; the 可提前 line stays the current row."""
        self.early_expanded = not self.early_expanded
        self.load_agenda()
        fold = self.agenda_model.fold_row()
        if fold >= 0:
            self._select_row(self.agenda_table, fold)

    @property
    def loaded(self) -> bool:
        return self._loaded

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    def load_month(self) -> None:
        self._month_stale = False
        year, month = self.shown_year, self.shown_month
        counts = self.tasks.month_counts(self.user, year, month, self.today,
                                         clerk_id=self.clerk_id(), kinds=self.kinds())
        self.month_label.setText(tr("{y} 年 {m} 月").format(y=year, m=month))
        if self.work_calendar.year_source(year) == COMPUTED:
            self.note_label.setText(tr(provisional_note(year)) + tr(
                "：节日按农历推算，调休上班日尚未录入"))
            self.note_label.show()
        else:
            self.note_label.hide()
        if (self.selected_day.year, self.selected_day.month) != (year, month):
            self.selected_day = dt.date(year, month, 1)
        self.grid.set_month(year, month, counts, self.today, self.selected_day)
        self.load_day()

    def load_day(self) -> None:
        day = self.selected_day
        items = self.tasks.day_tasks(self.user, day, self.today, clerk_id=self.clerk_id(),
                                     kinds=self.kinds())
        keep = self._current_task(self.day_table)
        self.day_model.set_items(items, self.today, self.stand_in_name())
        info = self.work_calendar.day_info(day)
        extra = ""
        if info.holiday_name:
            extra = f"　{tr(info.holiday_name)}"
        elif info.makeup_workday:
            extra = tr("　调休上班")
        open_n = sum(1 for i in items if i.status == TaskStatus.OPEN)
        self.day_label.setText(tr("{d} {w}{extra}　到期任务 {n} 项（未完成 {o} 项）").format(
            d=day.isoformat(), w=weekday_name(day), extra=extra, n=len(items), o=open_n))
        row = self.day_model.row_of(keep) if keep is not None else -1
        self._select_row(self.day_table, max(row, 0) if items else -1)
        self._update_buttons()

    # -- navigation

    def show_view(self, view: int) -> None:
        if not self._loaded:
            self.refresh()
        self.pages.setCurrentIndex(view)
        if view == self.MONTH and self._month_stale:
            self.load_month()
        self.view_group.button(view).setChecked(True)
        (self.agenda_table if view == self.AGENDA else self.grid).setFocus()
        self._update_buttons()

    def shift_month(self, delta: int) -> None:
        n = self.shown_year * 12 + self.shown_month - 1 + delta
        self.shown_year, self.shown_month = divmod(n, 12)
        self.shown_month += 1
        if (self.today.year, self.today.month) == (self.shown_year, self.shown_month):
            self.selected_day = self.today
        self.load_month()

    def show_month(self, year: int, month: int) -> None:
        self.shown_year, self.shown_month = year, month
        self.load_month()

    def go_today(self) -> None:
        self.selected_day = self.today
        self.show_month(self.today.year, self.today.month)

    def select_day(self, day: dt.date) -> None:
        self.selected_day = day
        if (day.year, day.month) != (self.shown_year, self.shown_month):
            self.show_month(day.year, day.month)
        else:
            self.grid.set_selected(day)
            self.load_day()

    # -- the selected task

    def current_table(self) -> QTableView:
        return self.agenda_table if self.pages.currentIndex() == self.AGENDA else self.day_table

    def current_item(self) -> AgendaItem | None:
        table = self.current_table()
        index = table.currentIndex()
        return table.model().item(index.row()) if index.isValid() else None

    def _current_task(self, table: QTableView) -> int | None:
        index = table.currentIndex()
        return table.model().task_id(index.row()) if index.isValid() else None

    def _select_row(self, table: QTableView, row: int) -> None:
        if row < 0:
            table.clearSelection()
            table.setCurrentIndex(QModelIndex())
            return
        index = table.model().index(row, 0)
        table.setCurrentIndex(index)
        table.selectRow(row)
        table.scrollTo(index)

    def _update_buttons(self) -> None:
        item = self.current_item()
        self.open_button.setEnabled(item is not None)
        self.done_button.setEnabled(item is not None and item.status == TaskStatus.OPEN)
        self.call_button.setEnabled(item is not None and item.status == TaskStatus.OPEN)

    def open_current(self) -> None:
        item = self.current_item()
        if item is not None:
            self.openCustomer.emit(item.customer_id)

    def call_current(self) -> None:
        item = self.current_item()
        if item is not None and item.status == TaskStatus.OPEN:
            self.callRequested.emit(item)

    def mark_done(self) -> None:
        item = self.current_item()
        if item is None or item.status != TaskStatus.OPEN:
            return
        reason = note = ""
        if self.tasks.needs_call(item.kind):
            dialog = self.make_close_dialog(item)
            # run() fits it to the screen and deletes it later: chosen() still reads it here
            accepted = common.run(dialog) == QDialog.DialogCode.Accepted
            reason, note = dialog.chosen()
            if not accepted:
                return
        elif not common.confirm(self, tr("标记完成"), tr(
                "把这项任务记为今天（{d}）完成？\n\n{kind}　{name}（档案编号 {no}）\n{topic}"
        ).format(d=self.today.isoformat(), kind=kind_label(item.kind), name=item.customer_name,
                 no=format_archive_no(item.archive_no), topic=item.topic)):
            return
        try:
            self.tasks.complete(item.task_id, self.today, today=self.today, reason=reason,
                                note=note)
        except ValidationError as e:
            common.warning(self, tr("标记完成"), e.message)
        self.refresh()
        self.changed.emit()

    def make_close_dialog(self, item: AgendaItem):
        from ui.close_task_dialog import CloseWithoutCallDialog

        return CloseWithoutCallDialog(item, kind_label(item.kind),
                                      f"{self.today.isoformat()} {weekday_name(self.today)}",
                                      self)

    def _on_fold_row(self) -> bool:
        fold = self.agenda_model.fold_row()
        return (self.current_table() is self.agenda_table and fold >= 0
                and self.agenda_table.currentIndex().row() == fold)

    def _agenda_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.row() == self.agenda_model.fold_row():
            self.toggle_early()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and obj is self.team_table and event.key() in (
                Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._team_clicked(self.team_table.currentIndex())
            return True
        if event.type() == QEvent.Type.KeyPress and obj in (self.agenda_table, self.day_table):
            keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
            if obj is self.agenda_table and event.key() in keys and self._on_fold_row():
                self.toggle_early()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_current()
                return True
        return super().eventFilter(obj, event)

    # -- state

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("calendar/agenda_header_v2",
                          self.agenda_table.horizontalHeader().saveState())
        settings.setValue("calendar/day_header_v2", self.day_table.horizontalHeader().saveState())
        settings.setValue("calendar/month_splitter", self.month_split.saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, table in (("calendar/agenda_header_v2", self.agenda_table),
                           ("calendar/day_header_v2", self.day_table)):
            state = settings.value(key)
            if state is not None:
                table.horizontalHeader().restoreState(state)
        split = settings.value("calendar/month_splitter")
        if split is not None:
            self.month_split.restoreState(split)


__all__ = ["COLUMNS", "CalendarTab", "MonthGrid", "TaskTableModel"]
