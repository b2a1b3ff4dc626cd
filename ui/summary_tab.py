"""统计 tab: the supervisor's figures against the targets, charts, written summaries (R10) and
the weekly feedback report (篇一 十.1).

The figures come from app.summary (plain functions of the records); clicking a number lists the
records behind it, and every record opens its customer. The charts are painted with QPainter
(PySide6-Essentials has no QtCharts).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDesktopServices, QFont, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.dates import add_months
from app.files import share
from app.normalize import ValidationError
from app.staff import StaffInfo
from app.summary import (
    GROUPS,
    HINTS,
    LABELS,
    NOTES,
    RECORD_HEADERS,
    SUMMARY_KINDS,
    TARGETS,
    TREND_LINES,
    Behind,
    Figures,
    FiledInfo,
    Period,
    RecordRow,
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
from ui import common
from ui.common import DateField, tr
from ui.letterhead import warn_placeholder_center

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
RED = "#c0392b"
GREEN = "#1e7b34"
AMBER = "#a85a00"  # closed without a call: not a miss of a target, but to be looked at
ON_TIME_COLOR = QColor(31, 92, 179)
SATISFACTION_COLOR = QColor(38, 140, 64)
CSI_COLOR = QColor(128, 64, 158)
TREND_COLORS = (ON_TIME_COLOR, SATISFACTION_COLOR, CSI_COLOR)
BAR_COLOR = QColor(191, 77, 51)
KINDS = [("week", "周"), ("month", "月"), ("year", "年"), ("custom", "自定义")]
TREND_TARGETS = tuple(target for _, _, target in TREND_LINES)
TREND_NAMES = tuple(name for _, name, _ in TREND_LINES)
TREND_SHORT = ("及时率目标", "满意率目标", "CSI目标")


def open_file(path: Path) -> None:
    """Open the PDF in the system's viewer, from which it is printed (tests replace this)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def pdf_error_text(path: Path, error: Exception) -> str:
    if isinstance(error, PermissionError):
        return tr("无法写入 {path}：文件可能正被其他程序（如 PDF 阅读器）打开，"
                  "请关闭后重试，或换一个文件名。").format(path=path)
    if isinstance(error, OSError):
        return tr("无法保存 {path}：{e}").format(path=path, e=error.strerror or error)
    return tr("生成 PDF 失败：{e}").format(e=error)


def ask_pdf_path(parent: QWidget, title: str, name: str) -> Path | None:
    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in name)
    target, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / safe),
                                            tr("PDF 文件 (*.pdf)"))
    if not target:
        return None
    path = Path(target)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def write_pdf(parent: QWidget, title: str, name: str, write: Callable[[Path], object]
              ) -> Path | None:
    """Ask where, write (a summary or a week's report takes well under a second), open it."""
    path = ask_pdf_path(parent, title, name)
    if path is None:
        return None
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        result = write(path)
    except Exception as e:  # the user sees why; the log has the traceback
        log.exception("summary PDF failed")
        QApplication.restoreOverrideCursor()
        common.warning(parent, title, pdf_error_text(path, e))
        return None
    QApplication.restoreOverrideCursor()
    share(path)  # others on a shared PC can open it (the PDF writer makes 0600)
    note = getattr(result, "font_note", "")
    if note:
        common.information(parent, title, note)
    open_file(path)
    return path


def local_time(moment: dt.datetime) -> str:
    """Rows store UTC; the supervisor reads local time."""
    return moment.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- charts


class _Chart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor("white"))
        self.setPalette(pal)

    def sizeHint(self) -> QSize:
        return QSize(480, 260)

    def _font(self, painter: QPainter, delta: float = 0, bold: bool = False) -> None:
        f = QFont(self.font())
        size = f.pointSizeF() if f.pointSizeF() > 0 else 9.0
        f.setPointSizeF(max(size + delta, 6.0))
        f.setBold(bold)
        painter.setFont(f)


def draw_marker(p: QPainter, kind: int, pt: QPointF, r: float = 3.5) -> None:
    """A trend line's point: circle (及时率), square (满意率), diamond (CSI)."""
    if kind == 1:
        p.drawEllipse(pt, r, r)
    elif kind == 2:
        p.drawRect(QRectF(pt.x() - r + 0.3, pt.y() - r + 0.3, 2 * r - 0.6, 2 * r - 0.6))
    else:
        d = r * 1.3
        path = QPainterPath(QPointF(pt.x(), pt.y() - d))
        for x, y in ((pt.x() + d, pt.y()), (pt.x(), pt.y() + d), (pt.x() - d, pt.y()),
                     (pt.x(), pt.y() - d)):
            path.lineTo(QPointF(x, y))
        p.drawPath(path)


class TrendChart(_Chart):
    """Each month's first-follow-up on-time rate, satisfaction rate and CSI, with the targets.
    Clicking a month emits monthClicked(month)."""

    monthClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.trend: list[TrendRow] = []
        self.year = clock.today().year
        self.highlight: tuple[int, int] | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tr("点击某月查看该月的指标"))

    def set_data(self, trend, year: int, highlight: tuple[int, int] | None = None) -> None:
        self.trend, self.year, self.highlight = list(trend), year, highlight
        self.update()

    def _plot(self) -> QRectF:
        fm = self.fontMetrics()
        right = max(fm.horizontalAdvance(f"{tr(n)} {t:.0%}")
                    for n, t in zip(TREND_SHORT, TREND_TARGETS, strict=True)) + 14
        return QRectF(44, 16 + fm.height() * 2.6, max(self.width() - 44 - right, 60),
                      max(self.height() - 16 - fm.height() * 2.6 - fm.height() - 14, 40))

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        plot = self._plot()
        lo, step = trend_axis(self.trend or [(1, None, None, None)])
        grey = QColor(110, 110, 110)

        def ypos(v: float) -> float:
            return plot.bottom() - (v - lo) / (1 - lo) * plot.height()

        def xpos(month: int) -> float:
            return plot.left() + (month - 0.5) / 12 * plot.width()

        self._font(p, 1, True)
        p.setPen(QColor(30, 30, 30))
        p.drawText(QPointF(8, 8 + fm.ascent()), tr("{y}年 各月第一次跟踪及时率、服务满意率与CSI")
                   .format(y=self.year))
        self._font(p)
        if self.highlight:
            a, b = self.highlight
            p.fillRect(QRectF(plot.left() + (a - 1) / 12 * plot.width(), plot.top(),
                              (b - a + 1) / 12 * plot.width(), plot.height()),
                       QColor(233, 240, 252))
        k = 0
        while lo + k * step <= 1.0 + 1e-9:
            v = lo + k * step
            y = ypos(v)
            p.setPen(QPen(QColor(222, 222, 222), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(grey)
            label = f"{v:.0%}"
            p.drawText(QPointF(plot.left() - 6 - fm.horizontalAdvance(label),
                               y + fm.ascent() / 2 - 1), label)
            k += 1
        p.setPen(QPen(grey, 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.bottomLeft(), plot.topLeft())
        slot = plot.width() / 12
        short = fm.horizontalAdvance(tr("{m}月").format(m=12)) + 4 > slot
        every = 2 if short and fm.horizontalAdvance("12") + 4 > slot else 1
        for m in range(1, 13, every):
            label = str(m) if short else tr("{m}月").format(m=m)
            p.drawText(QPointF(xpos(m) - fm.horizontalAdvance(label) / 2,
                               plot.bottom() + 4 + fm.ascent()), label)
        if short:
            p.drawText(QPointF(plot.right() + 6, plot.bottom() + 4 + fm.ascent()), tr("月"))
        # targets, labelled at the right, kept apart when close
        last_y = None
        for target, color, name in zip(TREND_TARGETS, TREND_COLORS, TREND_SHORT, strict=True):
            name = tr(name)
            y = ypos(target)
            pen = QPen(color, 1.2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            ly = y + fm.ascent() / 2 - 1
            if last_y is not None and abs(ly - last_y) < fm.height():
                ly = last_y + fm.height()
            last_y = ly
            p.setPen(color)
            p.drawText(QPointF(plot.right() + 6, ly), f"{name} {target:.0%}")
        drawn = False
        for idx, color in enumerate(TREND_COLORS, 1):
            path = QPainterPath()
            started = False
            points = []
            for row in self.trend:
                value = row[idx] if idx < len(row) else None
                if value is None:
                    started = False
                    continue
                pt = QPointF(xpos(row[0]), ypos(value))
                points.append(pt)
                if started:
                    path.lineTo(pt)
                else:
                    path.moveTo(pt)
                    started = True
            if not points:
                continue
            drawn = True
            p.setPen(QPen(color, 2.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            p.setBrush(color)
            p.setPen(QPen(color, 1))
            for pt in points:
                draw_marker(p, idx, pt)
        if not drawn:
            p.setPen(grey)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, tr("本年尚无可计算的数据"))
        # legend under the title
        x, y = 8.0, 8 + fm.height() * 1.5
        for i, (name, color) in enumerate(zip(TREND_NAMES, TREND_COLORS, strict=True), 1):
            name = tr(name)
            p.setPen(QPen(color, 2.2))
            mid = y + fm.height() / 2
            p.drawLine(QPointF(x, mid), QPointF(x + 22, mid))
            p.setBrush(color)
            p.setPen(QPen(color, 1))
            draw_marker(p, i, QPointF(x + 11, mid))
            p.setPen(QColor(30, 30, 30))
            p.drawText(QPointF(x + 28, y + fm.ascent()), name)
            x += 28 + fm.horizontalAdvance(name) + 20
        p.setPen(QPen(grey, 1.2, Qt.PenStyle.DashLine))
        mid = y + fm.height() / 2
        p.drawLine(QPointF(x, mid), QPointF(x + 22, mid))
        p.setPen(QColor(30, 30, 30))
        p.drawText(QPointF(x + 28, y + fm.ascent()), tr("目标"))
        p.end()

    def month_at(self, x: float) -> int | None:
        plot = self._plot()
        if not plot.left() <= x <= plot.right():
            return None
        return min(12, int((x - plot.left()) / plot.width() * 12) + 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        month = self.month_at(event.position().x())
        if month is not None and event.button() == Qt.MouseButton.LeftButton:
            self.monthClicked.emit(month)
        super().mousePressEvent(event)


class DepartmentChart(_Chart):
    """Complaints per department as bars; clicking a bar emits departmentClicked(name)."""

    departmentClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts: dict[str, int] = {}
        self.title = tr("投诉按部门")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tr("点击柱子查看该部门的投诉"))

    def sizeHint(self) -> QSize:
        return QSize(340, 260)

    def set_data(self, counts: dict[str, int], title: str | None = None) -> None:
        self.counts = dict(counts)
        if title:
            self.title = title
        self.update()

    def _bars(self) -> tuple[QRectF, list[tuple[str, int]]]:
        fm = self.fontMetrics()
        plot = QRectF(36, 16 + fm.height() * 2.2, max(self.width() - 36 - 12, 60),
                      max(self.height() - 16 - fm.height() * 2.2 - fm.height() - 14, 40))
        return plot, department_counts(self.counts)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        plot, bars = self._bars()
        total = sum(n for _, n in bars)
        grey = QColor(110, 110, 110)
        self._font(p, 1, True)
        p.setPen(QColor(30, 30, 30))
        p.drawText(QPointF(8, 8 + fm.ascent()),
                   tr("{t}（共 {n} 件）").format(t=self.title, n=total))
        self._font(p)
        top, step = count_axis(max((n for _, n in bars), default=0))
        for v in range(0, top + 1, step):
            y = plot.bottom() - v / top * plot.height()
            p.setPen(QPen(QColor(222, 222, 222), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(grey)
            p.drawText(QPointF(plot.left() - 6 - fm.horizontalAdvance(str(v)),
                               y + fm.ascent() / 2 - 1), str(v))
        p.setPen(QPen(grey, 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        slot = plot.width() / len(bars)
        bar_w = min(slot * 0.55, 46)
        for i, (name, n) in enumerate(bars):
            cx = plot.left() + (i + 0.5) * slot
            h = n / top * plot.height()
            if n:
                p.fillRect(QRectF(cx - bar_w / 2, plot.bottom() - h, bar_w, h), BAR_COLOR)
            p.setPen(QColor(30, 30, 30))
            p.drawText(QPointF(cx - fm.horizontalAdvance(str(n)) / 2, plot.bottom() - h - 3),
                       str(n))
            p.setPen(grey)
            p.drawText(QPointF(cx - fm.horizontalAdvance(name) / 2,
                               plot.bottom() + 4 + fm.ascent()), name)
        if total == 0:
            p.setPen(grey)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, tr("本期没有投诉"))
        p.end()

    def department_at(self, x: float) -> str | None:
        plot, bars = self._bars()
        if not plot.left() <= x <= plot.right():
            return None
        i = int((x - plot.left()) / plot.width() * len(bars))
        return bars[min(i, len(bars) - 1)][0]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        name = self.department_at(event.position().x())
        if name is not None and event.button() == Qt.MouseButton.LeftButton:
            self.departmentClicked.emit(name)
        super().mousePressEvent(event)


# ---------------------------------------------------------------- the figures


class FiguresPanel(QWidget):
    """The figures in their groups: label, value (a button listing the records behind it),
    target, 达标 / 未达标. A missed target shows in red; a rate with nothing to measure shows
    无数据; a figure's definition (NOTES) is written under it, its hint (HINTS) on hover."""

    figureClicked = Signal(str)

    # Three columns of about equal height: group names per column.
    COLUMNS = (("跟踪回访", "返修"), ("满意度", "保养与首保", "续保", "信函与活动"),
               ("投诉与要求", "客户"))

    def __init__(self, parent: QWidget | None = None, *, clickable: bool = True):
        super().__init__(parent)
        self.clickable = clickable
        self.values: dict[str, float | int | None] = {}
        self.value_buttons: dict[str, QPushButton] = {}
        self.verdicts: dict[str, QLabel] = {}
        self.group_boxes: dict[str, QGroupBox] = {}
        self.labels: dict[str, QLabel] = {}
        self.notes: dict[str, QLabel] = {}
        row_layout = QHBoxLayout(self)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.setSpacing(8)
        stacks = []
        for _ in self.COLUMNS:
            stack = QVBoxLayout()
            stack.setSpacing(4)
            row_layout.addLayout(stack, 1)
            stacks.append(stack)
        column_of = {g: c for c, groups in enumerate(self.COLUMNS) for g in groups}
        for group, names in GROUPS:
            col = column_of.get(group, len(self.COLUMNS) - 1)
            box = QGroupBox(tr(group))
            box.setObjectName(f"group_{group}")
            form = QGridLayout(box)
            form.setContentsMargins(8, 4, 6, 4)
            form.setVerticalSpacing(0)
            form.setHorizontalSpacing(4)
            form.setColumnStretch(0, 1)
            r = 0
            for name in names:
                label = QLabel(tr(LABELS[name]))
                if name.endswith("_closed_without_call"):
                    label.setIndent(12)  # beside the done count it is kept apart from
                if name in HINTS:
                    label.setToolTip(tr(HINTS[name]))
                button = QPushButton("—")
                button.setObjectName(f"value_{name}")
                button.setFlat(True)
                if not clickable:
                    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setCursor(Qt.CursorShape.PointingHandCursor if clickable
                                 else Qt.CursorShape.ArrowCursor)
                button.clicked.connect(lambda _c=False, n=name: self._clicked(n))
                target = QLabel(target_text(name))
                target.setStyleSheet("color: #777;")
                if name in TARGETS:
                    target.setToolTip(tr("目标：{l} {t}").format(l=tr(LABELS[name]),
                                                                t=target_text(name)))
                verdict = QLabel("")
                form.addWidget(label, r, 0)
                form.addWidget(button, r, 1, Qt.AlignmentFlag.AlignRight)
                form.addWidget(target, r, 2, Qt.AlignmentFlag.AlignRight)
                form.addWidget(verdict, r, 3)
                self.labels[name] = label
                self.value_buttons[name] = button
                self.verdicts[name] = verdict
                r += 1
                if name in NOTES:
                    note = QLabel(tr(NOTES[name]))
                    note.setObjectName(f"note_{name}")
                    note.setWordWrap(True)
                    note.setIndent(12)
                    note.setStyleSheet("color: #666; font-size: 8pt;")
                    form.addWidget(note, r, 0, 1, 4)
                    self.notes[name] = note
                    r += 1
            self.group_boxes[group] = box
            stacks[col].addWidget(box)
        for stack in stacks:
            stack.addStretch(1)

    def _clicked(self, name: str) -> None:
        if self.clickable:
            self.figureClicked.emit(name)

    def set_values(self, values: dict[str, float | int | None]) -> None:
        self.values = dict(values)
        for name, button in self.value_buttons.items():
            value = values.get(name)
            missed = misses(name, value)  # type: ignore[arg-type]
            button.setText(format_value(name, value))
            style = "text-align: right; padding: 1px 3px;"
            if missed:
                style += f" color: {RED}; font-weight: bold;"
            elif name.endswith("_closed_without_call") and value:
                style += f" color: {AMBER}; font-weight: bold;" + (
                    " text-decoration: underline;" if self.clickable else " border: none;")
            elif self.clickable and value not in (None, 0):
                style += " color: #1f5cb3; text-decoration: underline;"
            elif not self.clickable:
                style += " color: #222; border: none;"
            button.setStyleSheet(style)
            button.setProperty("missed", missed)
            has_records = value not in (None, 0) or name in TARGETS and value is not None
            button.setEnabled(bool(has_records) or not self.clickable)
            button.setToolTip(tr("点击查看明细") if self.clickable and has_records else "")
            verdict = self.verdicts[name]
            if name not in TARGETS:
                verdict.setText("")
            elif value is None:
                verdict.setText("—")
                verdict.setStyleSheet("color: #666;")
                verdict.setToolTip(tr("没有可计的数据，不计达标与否"))
                button.setToolTip(tr("本期没有可计的数据（不是 0%，也不是 100%）"))
            else:
                verdict.setText(tr("未达标") if missed else tr("达标"))
                verdict.setToolTip("")
                verdict.setStyleSheet(f"color: {RED if missed else GREEN}; font-weight: bold;")

    def is_missed(self, name: str) -> bool:
        return bool(self.value_buttons[name].property("missed"))


# ---------------------------------------------------------------- the records behind a figure


CustomerIdRole = Qt.ItemDataRole.UserRole + 1
COLUMN_WIDTHS = {"通话要点": 260, "内容": 260, "维修养护项目": 220, "事由": 260, "联系电话": 190,
                 "车号": 110, "车型": 130, "通话时间": 130, "客户名称": 100, "状态": 100,
                 "未通话原因": 150, "说明": 220, "结果": 120}
PAGE = 100


class RecordsModel(QAbstractTableModel):
    """Record ids, their rows fetched a page at a time (as the archive list does)."""

    def __init__(self, ids: list[int], headers: list[str],
                 fetch: Callable[[list[int]], dict[int, RecordRow]], parent=None):
        super().__init__(parent)
        self.ids = list(ids)
        self.headers = headers
        self.fetch = fetch
        self._rows: dict[int, RecordRow] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            return tr(self.headers[section])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def row(self, i: int) -> RecordRow | None:
        if not 0 <= i < len(self.ids):
            return None
        rid = self.ids[i]
        hit = self._rows.get(rid)
        if hit is None:
            start = i - i % PAGE
            self._rows.update(self.fetch(self.ids[start:start + PAGE]))
            hit = self._rows.get(rid)
        return hit

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        if role == CustomerIdRole:
            return row.customer_id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            cells = row.cells
            return cells[index.column()] if index.column() < len(cells) else ""
        return None


class RecordsDialog(QDialog):
    """The records behind a figure; double-click (or 打开客户档案) opens the customer."""

    openCustomer = Signal(int)

    def __init__(self, title: str, subtitle: str, model: RecordsModel,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(900, 520)
        self.model = model
        layout = QVBoxLayout(self)
        head = QLabel(f"<b>{title}</b>　{subtitle}")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.count = QLabel(tr("共 {n} 条。双击一行打开客户档案。").format(n=len(model.ids))
                            if model.ids else tr("没有记录。"))
        self.count.setStyleSheet("color: #555;")
        layout.addWidget(self.count)
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, h in enumerate(model.headers):
            self.table.setColumnWidth(col, COLUMN_WIDTHS.get(h, 90))
        # wide enough for every column (the reason and note of a task closed without a call
        # are the point of that list), within the screen
        need = sum(COLUMN_WIDTHS.get(h, 90) for h in model.headers) + 70
        self.resize(max(900, min(need, common.room(parent).width())), 520)
        self.table.doubleClicked.connect(self._activated)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.open_button = QPushButton(tr("打开客户档案"))
        self.open_button.clicked.connect(self.open_current)
        self.open_button.setEnabled(bool(model.ids))
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        if model.ids:
            self.table.selectRow(0)

    def _activated(self, index: QModelIndex) -> None:
        cid = self.model.data(index, CustomerIdRole)
        if cid is not None:
            self.openCustomer.emit(int(cid))

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._activated(index)


# ---------------------------------------------------------------- a filed summary


class FiledSummaryDialog(QDialog):
    """A filed summary, read-only: the frozen figures and charts, the text; printable."""

    def __init__(self, filed: FiledInfo, print_fn: Callable[[FiledInfo], None],
                 clerk_name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.filed = filed
        self.setWindowTitle(filed.title)
        self.resize(1000, 860)
        layout = QVBoxLayout(self)
        p = filed.period
        who = tr("业务员：{n}").format(n=clerk_name) if clerk_name else tr("全部业务员")
        meta = QLabel(tr("<b>{t}</b>　统计期间 {a} 至 {b}　{who}　存档：{at} {by}").format(
            t=filed.title, a=p.start, b=p.end, who=who, at=local_time(filed.filed_at),
            by=filed.filed_by))
        meta.setWordWrap(True)
        layout.addWidget(meta)
        note = QLabel(tr("存档时的数字（冻结，不随记录的修改而变）"))
        note.setStyleSheet("color: #666;")
        layout.addWidget(note)
        split = QSplitter(Qt.Orientation.Vertical)
        self.figures = FiguresPanel(clickable=False)
        self.figures.set_values(filed.values)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.figures)
        split.addWidget(scroll)
        charts = QWidget()
        cl = QHBoxLayout(charts)
        cl.setContentsMargins(0, 0, 0, 0)
        self.trend_chart = TrendChart()
        self.trend_chart.setToolTip("")
        self.trend_chart.setCursor(Qt.CursorShape.ArrowCursor)
        if filed.trend is not None:
            hl = (p.start.month, p.end.month) if p.start.year == p.end.year == \
                filed.trend_year else None
            self.trend_chart.set_data(filed.trend, filed.trend_year, hl)
        self.dept_chart = DepartmentChart()
        self.dept_chart.setToolTip("")
        self.dept_chart.setCursor(Qt.CursorShape.ArrowCursor)
        self.dept_chart.set_data(filed.departments or {}, tr("统计期间投诉按部门"))
        cl.addWidget(self.trend_chart, 3)
        cl.addWidget(self.dept_chart, 2)
        split.addWidget(charts)
        text_box = QGroupBox(tr(SUMMARY_KINDS.get(filed.kind, "小结")))
        tl = QVBoxLayout(text_box)
        self.text = QPlainTextEdit(filed.text)
        self.text.setReadOnly(True)
        tl.addWidget(self.text)
        split.addWidget(text_box)
        split.setSizes([self.figures.sizeHint().height() + 6, 250, 220])
        layout.addWidget(split, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.print_button = QPushButton(tr("打印 / 保存 PDF…"))
        self.print_button.clicked.connect(lambda: print_fn(self.filed))
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)


# ---------------------------------------------------------------- the tab


class SummaryTab(QWidget):
    """统计: period and clerk, the figures against the targets, charts, written summaries."""

    openCustomer = Signal(int)
    summaryFiled = Signal(int)

    def __init__(self, summary: SummaryService, contacts, archive, clerks: list[StaffInfo],
                 user: StaffInfo, parent: QWidget | None = None, *,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.summary = summary
        self.contacts = contacts
        self.archive = archive
        self.clerks = list(clerks)
        self.user = user
        self.today_fn = today_fn
        self.kind = "month"
        self.anchor = today_fn()
        self.custom: tuple[dt.date, dt.date] = (self.anchor.replace(day=1), self.anchor)
        self.figures: Figures | None = None
        self.records_dialog: RecordsDialog | None = None
        self.filed_dialog: FiledSummaryDialog | None = None
        self.trend: list[TrendRow] = []
        self.departments: dict[str, int] = {}
        self._dirty = True
        self._title_edited = False
        self._build()
        self._update_period_widgets()
        self.reload_filed()

    # -------------------------------------------------------------- building

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("统计期间：")))
        self.kind_combo = QComboBox()
        for key, label in KINDS:
            self.kind_combo.addItem(tr(label), key)
        self.kind_combo.setCurrentIndex(1)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        bar.addWidget(self.kind_combo)
        self.prev_button = QToolButton()
        self.prev_button.setText("◀")
        self.prev_button.setToolTip(tr("上一期"))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip(tr("下一期"))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.period_label = QLabel()
        self.period_label.setMinimumWidth(220)
        self.period_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        f = self.period_label.font()
        f.setBold(True)
        self.period_label.setFont(f)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.period_label)
        bar.addWidget(self.next_button)
        self.from_field = DateField()
        self.to_field = DateField()
        self.from_field.setMaximumWidth(110)
        self.to_field.setMaximumWidth(110)
        self.to_label = QLabel(tr("至"))
        self.apply_button = QPushButton(tr("统计"))
        self.apply_button.clicked.connect(self.apply_custom)
        self.from_field.returnPressed.connect(self.apply_custom)
        self.to_field.returnPressed.connect(self.apply_custom)
        for w in (self.from_field, self.to_label, self.to_field, self.apply_button):
            bar.addWidget(w)
        self.this_button = QPushButton(tr("本期"))
        self.this_button.setToolTip(tr("回到包含今天的一期"))
        self.this_button.clicked.connect(self.to_today)
        bar.addWidget(self.this_button)
        bar.addSpacing(16)
        bar.addWidget(QLabel(tr("业务员：")))
        self.clerk_combo = QComboBox()
        if self.user.is_supervisor:
            self.clerk_combo.addItem(tr("全部"), None)
            for c in self.clerks:
                self.clerk_combo.addItem(c.name, c.id)
        else:  # a clerk sees their own figures only (the service refuses the others)
            self.clerk_combo.addItem(self.user.name, self.user.id)
            self.clerk_combo.setEnabled(False)
            self.clerk_combo.setToolTip(tr("你自己的统计数字"))
        self.clerk_combo.currentIndexChanged.connect(lambda _i: self._changed())
        bar.addWidget(self.clerk_combo)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(f"color: {RED};")
        bar.addWidget(self.error_label)
        bar.addStretch(1)
        self.feedback_button = QPushButton(tr("周报…"))
        self.feedback_button.clicked.connect(self.print_feedback)
        bar.addWidget(self.feedback_button)
        self.feedback_button.setVisible(self.user.is_supervisor)  # every clerk's feedback
        self.print_live_button = QPushButton(tr("打印本期…"))
        self.print_live_button.setToolTip(tr("打印本期指标、图表和正在写的小结（未存档的草稿）"))
        self.print_live_button.clicked.connect(self.print_live)
        bar.addWidget(self.print_live_button)
        outer.addLayout(bar)

        # left: the figures over the charts; right: the written summary over the filed ones
        self.split = QSplitter(Qt.Orientation.Horizontal)
        left = QSplitter(Qt.Orientation.Vertical)
        self.figures_panel = FiguresPanel()
        self.figures_panel.figureClicked.connect(self.show_records)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.figures_panel)
        left.addWidget(scroll)
        charts = QWidget()
        cl = QHBoxLayout(charts)
        cl.setContentsMargins(0, 0, 0, 0)
        self.trend_chart = TrendChart()
        self.trend_chart.monthClicked.connect(self.show_month)
        self.dept_chart = DepartmentChart()
        self.dept_chart.departmentClicked.connect(self.show_department)
        self.dept_chart.setMinimumWidth(220)  # five bars; the trend needs the room more
        cl.addWidget(self.trend_chart, 2)
        cl.addWidget(self.dept_chart, 1)
        cl.addWidget(self._loyal_box(), 1)
        left.addWidget(charts)
        left.setStretchFactor(0, 0)  # the figures keep their height; the charts take the rest
        left.setStretchFactor(1, 1)
        self.left_split = left
        self._sized = False
        self.split.addWidget(left)

        right = QSplitter(Qt.Orientation.Vertical)
        editor_box = QGroupBox(tr("书面小结"))
        self.editor_box = editor_box
        el = QVBoxLayout(editor_box)
        self.title_edit = QLineEdit()
        self.title_edit.textEdited.connect(self._title_typed)
        el.addWidget(self.title_edit)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText(tr(
            "写下本期工作的小结：目标完成情况、未达标的原因、客户反映的主要问题、下期的改进措施…"))
        el.addWidget(self.text_edit, 1)
        row = QHBoxLayout()
        self.text_error = QLabel()
        self.text_error.setStyleSheet(f"color: {RED};")
        self.text_error.setWordWrap(True)
        row.addWidget(self.text_error, 1)
        self.file_button = QPushButton(tr("提交存档"))
        self.file_button.setToolTip(tr("保存正文和此刻的数字；存档后数字不再随记录变化"))
        self.file_button.clicked.connect(self.file_summary)
        row.addWidget(self.file_button)
        el.addLayout(row)
        if not self.user.is_supervisor:
            self.text_edit.setReadOnly(True)
            self.title_edit.setReadOnly(True)
            self.file_button.setEnabled(False)
            self.text_edit.setPlaceholderText(tr("小结由业务主管撰写并存档。"))
        right.addWidget(editor_box)

        filed_box = QGroupBox(tr("已存档的小结 / 总结"))
        fl = QVBoxLayout(filed_box)
        self.filed_list = QListWidget()
        self.filed_list.itemDoubleClicked.connect(lambda _item: self.open_filed())
        self.filed_list.currentRowChanged.connect(lambda _r: self._filed_selected())
        fl.addWidget(self.filed_list, 1)
        fb = QHBoxLayout()
        self.open_filed_button = QPushButton(tr("打开"))
        self.open_filed_button.clicked.connect(lambda: self.open_filed())
        self.print_filed_button = QPushButton(tr("打印…"))
        self.print_filed_button.clicked.connect(lambda: self.print_filed())
        fb.addStretch(1)
        fb.addWidget(self.open_filed_button)
        fb.addWidget(self.print_filed_button)
        fl.addLayout(fb)
        right.addWidget(filed_box)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([940, 440])
        if not self.user.is_supervisor:
            # a clerk neither writes nor files the summary: the figures get the whole width
            # (at 1024 px the third column of figures was cut off beside an unusable editor)
            right.hide()
        outer.addWidget(self.split, 1)

    # -------------------------------------------------------------- the period

    def period(self) -> Period:
        if self.kind == "week":
            return Period.week(self.anchor)
        if self.kind == "month":
            return Period.month(self.anchor.year, self.anchor.month)
        if self.kind == "year":
            return Period.year(self.anchor.year)
        a, b = self.custom
        return Period(a, b, f"{a:%Y-%m-%d} 至 {b:%Y-%m-%d}")

    def clerk_id(self) -> int | None:
        return self.clerk_combo.currentData()

    def clerk_name(self, clerk_id: int | None = None) -> str:
        cid = self.clerk_id() if clerk_id is None else clerk_id
        for c in self.clerks:
            if c.id == cid:
                return c.name
        return self.summary.staff_name(cid) if cid is not None else ""

    def set_period(self, kind: str, anchor: dt.date | None = None,
                   end: dt.date | None = None) -> None:
        """Show a week / month / year containing `anchor`, or the custom anchor..end."""
        self.kind = kind
        if anchor is not None:
            if kind == "custom":
                self.custom = (anchor, end or anchor)
            else:
                self.anchor = anchor
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex([k for k, _ in KINDS].index(kind))
        self.kind_combo.blockSignals(False)
        self._update_period_widgets()
        self._changed()

    def _kind_changed(self, _index: int) -> None:
        kind = self.kind_combo.currentData()
        if kind == "custom":
            p = self.period()
            self.custom = (p.start, p.end)
        self.kind = kind
        self._update_period_widgets()
        self._changed()

    def step(self, direction: int) -> None:
        if self.kind == "week":
            self.anchor += dt.timedelta(days=7 * direction)
        elif self.kind == "month":
            self.anchor = add_months(self.anchor, direction)
        elif self.kind == "year":
            self.anchor = add_months(self.anchor, 12 * direction)
        else:
            a, b = self.custom
            span = (b - a).days + 1
            self.custom = (a + dt.timedelta(days=span * direction),
                           b + dt.timedelta(days=span * direction))
        self._update_period_widgets()
        self._changed()

    def to_today(self) -> None:
        self.anchor = self.today_fn()
        if self.kind == "custom":
            self.kind = "month"
            self.kind_combo.blockSignals(True)
            self.kind_combo.setCurrentIndex(1)
            self.kind_combo.blockSignals(False)
        self._update_period_widgets()
        self._changed()

    def apply_custom(self) -> None:
        self.error_label.clear()
        try:
            a = self.from_field.date("start", "开始日期")
            b = self.to_field.date("end", "结束日期")
        except ValidationError as e:
            self.error_label.setText(e.message)
            return
        if a is None or b is None:
            self.error_label.setText(tr("请填写开始和结束日期。"))
            return
        if b < a:
            self.error_label.setText(tr("结束日期早于开始日期。"))
            return
        self.custom = (a, b)
        self._update_period_widgets()
        self._changed()

    def _update_period_widgets(self) -> None:
        custom = self.kind == "custom"
        for w in (self.from_field, self.to_label, self.to_field, self.apply_button):
            w.setVisible(custom)
        p = self.period()
        if custom:
            self.from_field.set_date(p.start)
            self.to_field.set_date(p.end)
        self.period_label.setText(p.label if self.kind != "week" else
                                  tr("{a} 至 {b}").format(a=f"{p.start:%Y-%m-%d}",
                                                         b=f"{p.end:%m-%d}"))
        self.period_label.setToolTip(f"{p.start} 至 {p.end}")
        week = Period.week(self._feedback_day())
        self.feedback_button.setToolTip(tr("打印 {a} 至 {b} 的客户反馈周报（各部门分页）").format(
            a=week.start, b=week.end))
        kind_name = SUMMARY_KINDS.get(self.kind, "小结")
        self.editor_box.setTitle(tr("书面{k}").format(k=kind_name)
                                 if not kind_name.startswith("周") else tr("书面周小结"))
        if not self._title_edited:
            self.title_edit.setText(summary_title(p, self.kind))

    def _title_typed(self, _text: str) -> None:
        self._title_edited = bool(self.title_edit.text().strip())

    def _feedback_day(self) -> dt.date:
        """The week the 周报 button prints: the chosen week, else the anchor's week (today's
        week for the current month or year)."""
        if self.kind == "custom":
            return min(self.custom[1], self.today_fn())
        p = self.period()
        today = self.today_fn()
        if self.kind == "week":
            return p.start
        return today if p.start <= today <= p.end else p.end

    # -------------------------------------------------------------- the figures

    def _changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._fit_figures)

    def _fit_figures(self) -> None:
        """The figures as tall as they need (once laid out), the charts the rest; on a narrow
        screen the figures' three columns first, the summary's editor what is left."""
        width = sum(self.split.sizes())
        want = self.figures_panel.sizeHint().width() + 24
        if self.split.count() > 1 and self.split.widget(1).isVisible():
            editor = max(width - want, 190)  # drag the handle to write at length
            self.split.setSizes([width - editor, editor])
        total = sum(self.left_split.sizes())
        need = self.figures_panel.sizeHint().height() + 4
        if total > need + 200:
            self.left_split.setSizes([need, total - need])

    def _loyal_box(self) -> QGroupBox:
        """篇三 (一)1: 根据客户回厂次数 … 找出我们的忠诚客户 — the ranking, most visits first."""
        box = QGroupBox(tr("忠诚客户排行（近一年回厂次数）"))
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 2, 4, 4)
        table = self.loyal_table = QTableWidget(0, 3)
        table.setObjectName("loyalRanking")
        table.setHorizontalHeaderLabels([tr("名次"), tr("客户名称"), tr("回厂")])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.itemActivated.connect(self._loyal_activated)
        layout.addWidget(table)
        box.setMaximumWidth(230)  # the trend chart keeps the room its title needs
        return box

    def _loyal_activated(self, item: QTableWidgetItem) -> None:
        cid = self.loyal_table.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)
        if cid is not None:
            self.openCustomer.emit(int(cid))

    def _fill_loyal(self) -> None:
        ranking = self.figures.loyal_ranking if self.figures else []
        table = self.loyal_table
        table.setRowCount(len(ranking))
        for row, r in enumerate(ranking):
            place = QTableWidgetItem(str(row + 1))
            place.setData(Qt.ItemDataRole.UserRole, r.customer_id)
            visits = QTableWidgetItem(tr("{n} 次").format(n=r.visits))
            visits.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            tip = tr("档案 {no:06d}，最近来访 {d}；双击打开档案").format(no=r.archive_no,
                                                                  d=r.last_visit.isoformat())
            for col, item in enumerate((place, QTableWidgetItem(r.name), visits)):
                item.setToolTip(tip)
                table.setItem(row, col, item)

    def refresh(self) -> None:
        """Recompute the figures and charts for the period and clerk."""
        self._dirty = False
        p = self.period()
        clerk = self.clerk_id()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.figures = self.summary.figures(p, clerk_id=clerk, as_of=self.today_fn(),
                                                by=self.user)
            year = p.end.year
            trend = self.summary.monthly_trend(year, clerk_id=clerk, until=self.today_fn(),
                                               by=self.user)
            depts = self.summary.complaints_by_department(p, clerk_id=clerk, by=self.user)
        finally:
            QApplication.restoreOverrideCursor()
        self.figures_panel.set_values(self.figures.values)
        self._fill_loyal()
        hl = (p.start.month, p.end.month) if p.start.year == p.end.year else None
        self.trend_chart.set_data(trend, year, hl)
        self.dept_chart.set_data(depts, tr("{p} 投诉按部门").format(
            p=p.label if self.kind != "custom" else tr("统计期间")))
        self.trend = trend
        self.departments = depts

    def value_text(self, name: str) -> str:
        return self.figures_panel.value_buttons[name].text()

    def show_records(self, name: str) -> RecordsDialog:
        """List what the figure `name` counted (customers for 忠诚/流失客户)."""
        p = self.period()
        behind = self.summary.records_behind(name, p, self.clerk_id(),
                                              as_of=self.today_fn(), by=self.user)
        return self._records_dialog(behind, p)

    def _fetch(self, kind: str) -> Callable[[list[int]], dict[int, RecordRow]]:
        return lambda ids: self.summary.record_rows(kind, ids)

    def _records_dialog(self, behind: Behind, p: Period,
                        ids: list[int] | None = None) -> RecordsDialog:
        model = RecordsModel(behind.ids if ids is None else ids, RECORD_HEADERS[behind.kind],
                             self._fetch(behind.kind))
        who = self.clerk_name()
        subtitle = f"{p.start} 至 {p.end}" + (f"　{tr('业务员')}：{who}" if who else "")
        if self.records_dialog is not None:
            self.records_dialog.close()
            self.records_dialog.deleteLater()
        dialog = RecordsDialog(tr(behind.title), subtitle, model, self)
        dialog.openCustomer.connect(self.openCustomer)
        dialog.setModal(False)
        common.present(dialog)
        self.records_dialog = dialog
        return dialog

    def show_month(self, month: int) -> None:
        """A click on the trend chart: that month's figures."""
        self.set_period("month", dt.date(self.trend_chart.year, month, 1))

    def show_department(self, department: str) -> RecordsDialog:
        """A click on a department's bar: its complaints of the period."""
        p = self.period()
        behind = self.summary.records_behind("complaints", p, self.clerk_id(),
                                              as_of=self.today_fn(), by=self.user)
        rows = self.summary.record_rows("requests", behind.ids)
        ids = [i for i in behind.ids if i in rows and rows[i].cells[4] == department]
        titled = Behind(behind.name, behind.kind, ids,
                        tr("{d}的投诉").format(d=department))
        return self._records_dialog(titled, p, ids)

    # -------------------------------------------------------------- written summaries

    def file_summary(self) -> int | None:
        """提交存档: the text with the figures frozen as they are now."""
        self.text_error.clear()
        text = self.text_edit.toPlainText()
        if not text.strip():
            self.text_error.setText(tr("请填写小结/总结的正文。"))
            self.text_edit.setFocus()
            return None
        p = self.period()
        title = self.title_edit.text().strip() or summary_title(p, self.kind)
        if not common.confirm(self, tr("提交存档"), tr(
                "将“{t}”连同此刻的统计数字一起存档。\n存档后数字不再随记录的修改而变化。\n"
                "确定提交吗？").format(t=title)):
            return None
        try:
            sid = self.summary.file(self.kind, title, p, text, clerk_id=self.clerk_id(),
                                    today=self.today_fn())
        except ValidationError as e:
            self.text_error.setText(e.message)
            return None
        self.text_edit.clear()
        self._title_edited = False
        self._update_period_widgets()
        self.reload_filed(select_id=sid)
        self.text_error.setStyleSheet(f"color: {GREEN};")
        self.text_error.setText(tr("已存档。"))
        self.summaryFiled.emit(sid)
        return sid

    def reload_filed(self, select_id: int | None = None) -> None:
        self.filed_list.clear()
        for f in self.summary.filed():
            who = self.clerk_name(f.clerk_id) if f.clerk_id is not None else ""
            text = f"{f.title}" + (f"（{who}）" if who else "")
            item = QListWidgetItem(text)
            item.setToolTip(tr("存档：{at} {by}").format(at=local_time(f.filed_at),
                                                       by=f.filed_by))
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            self.filed_list.addItem(item)
            if f.id == select_id:
                self.filed_list.setCurrentItem(item)
        if self.filed_list.currentItem() is None and self.filed_list.count():
            self.filed_list.setCurrentRow(0)
        self._filed_selected()

    def _filed_selected(self) -> None:
        has = self.filed_list.currentItem() is not None
        self.open_filed_button.setEnabled(has)
        self.print_filed_button.setEnabled(has)

    def _current_filed(self, summary_id: int | None) -> FiledInfo | None:
        if summary_id is None:
            item = self.filed_list.currentItem()
            if item is None:
                return None
            summary_id = item.data(Qt.ItemDataRole.UserRole)
        try:
            return self.summary.filed_one(int(summary_id))
        except LookupError:
            self.reload_filed()
            return None

    def open_filed(self, summary_id: int | None = None) -> FiledSummaryDialog | None:
        filed = self._current_filed(summary_id)
        if filed is None:
            return None
        if self.filed_dialog is not None:
            self.filed_dialog.close()
            self.filed_dialog.deleteLater()
        dialog = FiledSummaryDialog(filed, self._print_filed_info,
                                    self.clerk_name(filed.clerk_id)
                                    if filed.clerk_id is not None else "", self)
        dialog.setModal(False)
        common.present(dialog)
        self.filed_dialog = dialog
        return dialog

    # -------------------------------------------------------------- printing

    def print_filed(self, summary_id: int | None = None) -> Path | None:
        filed = self._current_filed(summary_id)
        return self._print_filed_info(filed) if filed is not None else None

    def _print_filed_info(self, filed: FiledInfo) -> Path | None:
        from app.summary_pdf import write_summary_pdf

        center = self.summary.center()
        warn_placeholder_center(self, center)
        clerk = self.clerk_name(filed.clerk_id) if filed.clerk_id is not None else ""
        return write_pdf(self, tr("保存小结 PDF"), f"{filed.title}.pdf",
                         lambda path: write_summary_pdf(filed, center, path, clerk_name=clerk,
                                                        printed_on=self.today_fn()))

    def print_live(self) -> Path | None:
        """This period's figures, charts and the text being written (a draft, not filed)."""
        from app.summary_pdf import SummaryDoc, write_summary_pdf

        if self.figures is None or self._dirty:
            self.refresh()
        assert self.figures is not None
        p = self.period()
        doc = SummaryDoc.live(self.figures, self.text_edit.toPlainText(), self.kind,
                              title=self.title_edit.text().strip(),
                              clerk_name=self.clerk_name(), trend=self.trend,
                              trend_year=p.end.year, departments=self.departments)
        center = self.summary.center()
        warn_placeholder_center(self, center)
        return write_pdf(self, tr("保存统计 PDF"), f"{doc.title}（草稿）.pdf",
                         lambda path: write_summary_pdf(doc, center, path,
                                                        printed_on=self.today_fn()))

    def print_feedback(self) -> Path | None:
        """周报: the chosen week's follow-up results and customer feedback, by department."""
        from app.feedback import weekly_feedback, write_feedback_pdf

        week = Period.week(self._feedback_day())
        feedback = weekly_feedback(self.summary.store, week)
        center = self.summary.center()
        warn_placeholder_center(self, center)
        return write_pdf(self, tr("保存客户反馈周报 PDF"),
                         f"客户反馈周报 {week.start:%Y%m%d}-{week.end:%Y%m%d}.pdf",
                         lambda path: write_feedback_pdf(feedback, center, path,
                                                         printed_on=self.today_fn()))
