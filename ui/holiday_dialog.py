"""节假日与调休: the supervisor enters next year's 放假/调休 notice and the center's work week.

Each November the State Council publishes the next year's notice; until it is entered the year
is only computed (its 调休上班 days are missing). The rules live in app.workdays and
app.public_days; this page only collects the lines and shows what the service says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QStandardPaths, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app import workdays as W
from app.normalize import ValidationError
from app.public_days import PublicDayService
from app.sheets import ImportFormatError
from app.staff import StaffInfo
from db.models import PublicDayKind
from ui import common
from ui.common import DateField, ErrorForm, tr

TITLE = "节假日与调休"
HEADERS = ["日期", "星期", "类型", "名称"]
RED, GREEN, ORANGE, GREY = "#c0392b", "#1e8449", "#d35400", "#555555"
KIND_COLORS = {PublicDayKind.OFF: QColor(RED), PublicDayKind.WORK: QColor("#2471a3")}
PROBLEM_BACKGROUND = QColor("#fdecea")
CARRY_OVER_TEXT = "整个跟踪期限都是休息日时，顺延到其后第一个工作日（当天拨打算按时）"


def weekday_label(day: dt.date) -> str:
    return tr("周") + W.WEEKDAY_LABELS[day.weekday()]


class NoticeModel(QAbstractTableModel):
    """The year's notice lines, in date order; lines check_notice objects to are tinted."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lines: list[W.NoticeDay] = []
        self.problems: dict[int, str] = {}  # row → message

    def set_lines(self, lines: list[W.NoticeDay]) -> None:
        self.beginResetModel()
        self.lines = sorted(lines, key=lambda d: d.day)
        # Positions as the service numbers them: "第 n 行" is the table's row n.
        self.problems = {p.line - 1: p.message
                         for p in W.check_notice(list(enumerate(self.lines, start=1)))}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return tr(HEADERS[section])
        return str(section + 1)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line, col = self.lines[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return line.day.isoformat()
            if col == 1:
                return weekday_label(line.day)
            if col == 2:
                return tr(W.KIND_LABELS[line.kind])
            return line.name
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return QBrush(KIND_COLORS[line.kind])
        if role == Qt.ItemDataRole.BackgroundRole and index.row() in self.problems:
            return QBrush(PROBLEM_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole and index.row() in self.problems:
            return self.problems[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 2):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class NoticeLineDialog(QDialog):
    """One line of the notice: the date, 休 or 班, and the festival's name."""

    def __init__(self, year: int, line: W.NoticeDay | None,
                 taken: Callable[[dt.date], int | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.year = year
        self.taken = taken  # the table row (1-based) already holding a date, else None
        self.result_line: W.NoticeDay | None = None
        self.setWindowTitle(tr("修改一行") if line else tr("新增一行"))
        self.setMinimumWidth(380)
        f = self.fields = ErrorForm()
        self.date = f.add("day", tr("日期"), DateField())
        self.kind = f.add("kind", tr("类型"), QComboBox())
        self.kind.addItem(tr("休 — 放假"), PublicDayKind.OFF)
        self.kind.addItem(tr("班 — 调休上班"), PublicDayKind.WORK)
        self.name = f.add("name", tr("名称"), QLineEdit())
        self.name.setMaxLength(32)
        self.name.setPlaceholderText(tr("如 春节、国庆节；“班”可留空"))
        self.weekday = QLabel()
        self.weekday.setObjectName("weekdayHint")
        f.form.addRow("", self.weekday)
        if line is not None:
            self.date.set_date(line.day)
            self.kind.setCurrentIndex(self.kind.findData(line.kind))
            self.name.setText(line.name)
        else:
            self.date.setText(f"{year}-")
        self.date.dateChanged.connect(self._hint)
        self.kind.currentIndexChanged.connect(self._hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(f)
        layout.addWidget(buttons)
        self._hint()

    def _hint(self) -> None:
        try:
            day = self.date.date()
        except ValidationError:
            day = None
        if day is None:
            self.weekday.clear()
            return
        text = tr("星期") + W.WEEKDAY_LABELS[day.weekday()]
        if self.kind.currentData() == PublicDayKind.WORK and day.weekday() < 5:
            self.weekday.setStyleSheet(f"color:{RED}")
            text += tr("：“班”只会是周六或周日，请检查。")
        else:
            self.weekday.setStyleSheet(f"color:{GREY}")
        self.weekday.setText(text)

    def accept(self) -> None:
        self.fields.clear_errors()
        try:
            day = self.date.date("day", tr("日期"))
        except ValidationError as e:
            self.fields.show_errors({"day": e.message})
            return
        if day is None:
            self.fields.show_errors({"day": tr("请填写日期。")})
            return
        if day.year != self.year:
            self.fields.show_errors({"day": tr("{d} 不在 {y} 年内。").format(
                d=day.isoformat(), y=self.year)})
            return
        row = self.taken(day)
        if row is not None:
            self.fields.show_errors({"day": tr("{d} 已在第 {n} 行，请修改那一行。").format(
                d=day.isoformat(), n=row)})
            return
        self.result_line = W.NoticeDay(day, self.kind.currentData(), self.name.text().strip())
        super().accept()


class HolidayDialog(QDialog):
    def __init__(self, service: PublicDayService, user: StaffInfo,
                 parent: QWidget | None = None, *, year: int | None = None,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.service = service
        self.user = user
        self.today_fn = today_fn
        self.changed = False  # something was saved: the agenda and month view are stale
        self.editor: NoticeLineDialog | None = None
        self.saved_lines: list[W.NoticeDay] = []
        self.saved_week: tuple[frozenset[int], bool] = (W.DEFAULT_WORK_WEEK, True)
        today = today_fn()
        if year is None:
            year = service.notice_due(today) or today.year
        self.year = year
        self.setWindowTitle(tr(TITLE))
        self.setMinimumSize(680, 520)
        self.resize(880, 620)

        # -- the year and how it is known
        self.year_spin = QSpinBox()
        self.year_spin.setObjectName("year")
        self.year_spin.setRange(min(today.year - 1, year), max(today.year + 5, year))
        self.year_spin.setSuffix(tr(" 年"))
        self.year_spin.setKeyboardTracking(False)
        self.year_spin.setValue(year)
        self.year_spin.valueChanged.connect(self._year_changed)
        self.status = QLabel()
        self.status.setObjectName("status")
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("年份")))
        top.addWidget(self.year_spin)
        top.addSpacing(12)
        top.addWidget(self.status, 1)
        hint = QLabel(tr("录入的通知优先于推算；某年录入任意一天即按通知整年计算"
                         "（未列出的日子按本中心工作日）。国务院一般在每年 11 月发布次年通知。"))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color:{GREY}")

        # -- the notice lines
        self.model = NoticeModel(self)
        self.table = QTableView()
        self.table.setObjectName("noticeTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        for col, width in enumerate((110, 60, 60)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.edit_line())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        def button(text: str, name: str, slot) -> QPushButton:
            b = QPushButton(tr(text))
            b.setObjectName(name)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            return b

        self.add_button = button("新增…", "addLine", self.add_line)
        self.edit_button = button("修改…", "editLine", self.edit_line)
        self.delete_button = button("删除", "deleteLine", self.delete_line)
        self.import_button = button("导入通知…", "importNotice", self.import_notice)
        self.export_button = button("保存为表格…", "exportNotice", self.export_notice)
        self.clear_button = button("恢复为推算", "clearYear", self.clear_year)
        self.import_button.setToolTip(tr("Excel 或 CSV，第一行为 日期、类型（休/班）、名称；"
                                         "文件里的每一年整年替换。"))
        self.export_button.setToolTip(tr("把表中各行存为 Excel，可作导入的模板。"))
        self.clear_button.setToolTip(tr("删除这一年录入的通知，按程序推算。"))
        side = QVBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button):
            side.addWidget(b)
        side.addSpacing(16)
        for b in (self.import_button, self.export_button):
            side.addWidget(b)
        side.addStretch(1)
        side.addWidget(self.clear_button)
        notice_box = QGroupBox(tr("放假与调休上班"))
        nb = QHBoxLayout(notice_box)
        nb.addWidget(self.table, 1)
        nb.addLayout(side)

        # -- the work week
        week_box = QGroupBox(tr("本中心工作日"))
        wb = QVBoxLayout(week_box)
        days_row = QHBoxLayout()
        self.weekdays: list[QCheckBox] = []
        for i, label in enumerate(W.WEEKDAY_LABELS):
            box = QCheckBox(tr("周") + label)
            box.setObjectName(f"weekday{i}")
            box.toggled.connect(self._update_dirty)
            days_row.addWidget(box)
            self.weekdays.append(box)
        days_row.addStretch(1)
        self.carry_over = QCheckBox(tr(CARRY_OVER_TEXT))
        self.carry_over.setObjectName("carryOver")
        self.carry_over.toggled.connect(self._update_dirty)
        wb.addLayout(days_row)
        wb.addWidget(self.carry_over)

        # -- messages and the buttons
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("importProblems")
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(110)
        self.problems.setStyleSheet(f"color:{RED}")
        self.problems.hide()
        self.dirty_label = QLabel(tr("有未保存的修改"))
        self.dirty_label.setObjectName("dirty")
        self.dirty_label.setStyleSheet(f"color:{ORANGE}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.dirty_label)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(hint)
        layout.addWidget(notice_box, 1)
        layout.addWidget(week_box)
        layout.addWidget(self.message)
        layout.addWidget(self.problems)
        layout.addLayout(bottom)

        self.load_work_week()
        self.load_year(year)

    # -- loading

    def load_year(self, year: int) -> None:
        """The year's lines and status as stored (entered, else computed)."""
        self.year = year
        if self.year_spin.value() != year:
            self.year_spin.blockSignals(True)
            self.year_spin.setValue(year)
            self.year_spin.blockSignals(False)
        info = self.service.year(year)
        self.entered = info.entered
        self.status.setText(info.status_text)
        if info.entered:
            color = GREEN
        elif info.source == W.COMPUTED:
            color = ORANGE
        else:
            color = GREY
        self.status.setStyleSheet(f"color:{color}; font-weight:bold")
        self.saved_lines = sorted(self.service.as_notice(year), key=lambda d: d.day)
        self.model.set_lines(self.saved_lines)
        self._update_buttons()
        self._update_dirty()

    def load_work_week(self) -> None:
        days, carry = self.service.work_week()
        self.saved_week = (frozenset(days), bool(carry))
        for i, box in enumerate(self.weekdays):
            box.blockSignals(True)
            box.setChecked(i in days)
            box.blockSignals(False)
        self.carry_over.blockSignals(True)
        self.carry_over.setChecked(bool(carry))
        self.carry_over.blockSignals(False)
        self._update_dirty()

    # -- state

    def lines(self) -> list[W.NoticeDay]:
        return list(self.model.lines)

    def work_week(self) -> tuple[frozenset[int], bool]:
        return (frozenset(i for i, b in enumerate(self.weekdays) if b.isChecked()),
                self.carry_over.isChecked())

    def lines_dirty(self) -> bool:
        return self.model.lines != self.saved_lines

    def week_dirty(self) -> bool:
        return self.work_week() != self.saved_week

    def is_dirty(self) -> bool:
        return self.lines_dirty() or self.week_dirty()

    def _update_dirty(self) -> None:
        self.dirty_label.setVisible(self.is_dirty())

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if rows and 0 <= rows[0].row() < len(self.model.lines):
            return rows[0].row()
        return None

    def select_day(self, day: dt.date) -> None:
        for r, line in enumerate(self.model.lines):
            if line.day == day:
                self.table.selectRow(r)
                self.table.scrollTo(self.model.index(r, 0))
                return

    def _update_buttons(self) -> None:
        has_row = self.selected_row() is not None
        self.edit_button.setEnabled(has_row)
        self.delete_button.setEnabled(has_row)
        self.clear_button.setEnabled(self.entered)

    def say(self, text: str, ok: bool = False) -> None:
        self.message.setStyleSheet(f"color:{GREEN if ok else RED}")
        self.message.setText(text)

    def _clear_messages(self) -> None:
        self.message.clear()
        self.problems.clear()
        self.problems.hide()

    def _set_lines(self, lines: list[W.NoticeDay], select: dt.date | None = None) -> None:
        self.model.set_lines(lines)
        if select is not None:
            self.select_day(select)
        self._update_buttons()
        self._update_dirty()

    def _discard_ok(self, what: str) -> bool:
        """True when nothing is unsaved, or the supervisor agrees to drop it."""
        if not self.is_dirty():
            return True
        return common.confirm(self, tr(TITLE), tr(
            "有未保存的修改，{what}将丢弃这些修改。继续吗？").format(what=what))

    # -- the lines

    def _taken(self, keep: int | None) -> Callable[[dt.date], int | None]:
        def taken(day: dt.date) -> int | None:
            for r, line in enumerate(self.model.lines):
                if line.day == day and r != keep:
                    return r + 1
            return None
        return taken

    def add_line(self) -> None:
        self._open_editor(None)

    def edit_line(self) -> None:
        row = self.selected_row()
        if row is not None:
            self._open_editor(row)

    def _open_editor(self, row: int | None) -> None:
        line = self.model.lines[row] if row is not None else None
        editor = self.editor = NoticeLineDialog(self.year, line, self._taken(row), self)
        editor.accepted.connect(lambda: self._editor_done(editor, row))
        editor.finished.connect(lambda _code: setattr(self, "editor", None))
        editor.finished.connect(editor.deleteLater)
        common.present(editor, window_modal=True)

    def _editor_done(self, editor: NoticeLineDialog, row: int | None) -> None:
        line = editor.result_line
        if line is None:
            return
        lines = self.lines()
        if row is None:
            lines.append(line)
        else:
            lines[row] = line
        self._clear_messages()
        self._set_lines(lines, select=line.day)

    def delete_line(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        lines = self.lines()
        del lines[row]
        self._clear_messages()
        self._set_lines(lines)
        if lines:
            self.table.selectRow(min(row, len(lines) - 1))

    # -- saving

    def save(self) -> None:
        self._clear_messages()
        if not self.is_dirty():
            self.say(tr("没有需要保存的修改。"), ok=True)
            return
        saved = []
        if self.lines_dirty() and not self.model.lines and not common.confirm(
                self, tr(TITLE), tr("表中没有任何一行：保存后 {y} 年恢复为程序推算。继续吗？")
                .format(y=self.year)):
            return
        if self.lines_dirty():
            keep = self.selected_row()
            keep_day = self.model.lines[keep].day if keep is not None else None
            try:
                self.service.save_year(self.year, self.lines(), by=self.user)
            except ValidationError as e:
                self.say(e.message)
                return
            self.changed = True
            saved.append(tr("{y} 年的放假与调休").format(y=self.year))
            self.load_year(self.year)
            if keep_day is not None:
                self.select_day(keep_day)
        if self.week_dirty():
            days, carry = self.work_week()
            try:
                self.service.save_work_week(set(days), carry, by=self.user)
            except ValidationError as e:
                done = tr("已保存：{what}；但").format(what=saved[0]) if saved else ""
                self.say(done + e.message)
                self._update_dirty()
                return
            self.changed = True
            self.saved_week = (days, carry)
            saved.append(tr("本中心工作日"))
        self._update_dirty()
        self.say(tr("已保存：{what}。").format(what=tr("、").join(saved)), ok=True)

    def clear_year(self) -> None:
        if not self.entered:
            return
        self._clear_messages()
        if not common.confirm(self, tr("恢复为推算"), tr(
                "删除录入的 {y} 年通知，恢复为程序推算？\n推算的年份没有调休上班日，"
                "需要在国务院通知发布后重新录入。").format(y=self.year)):
            return
        try:
            self.service.clear_year(self.year, by=self.user)
        except ValidationError as e:
            self.say(e.message)
            return
        self.changed = True
        self.load_year(self.year)
        self.say(tr("{y} 年已恢复为推算。").format(y=self.year), ok=True)

    # -- files

    def _documents(self) -> Path:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(folder) if folder else Path.home()

    def choose_import_file(self) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, tr("导入放假/调休通知"), str(self._documents()),
            tr("Excel 或 CSV (*.xlsx *.xlsm *.csv)"))
        return Path(chosen) if chosen else None

    def choose_export_file(self) -> Path | None:
        name = tr("{y}年节假日与调休.xlsx").format(y=self.year)
        chosen, _ = QFileDialog.getSaveFileName(
            self, tr("保存为表格"), str(self._documents() / name), tr("Excel 工作簿 (*.xlsx)"))
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")

    def import_notice(self) -> None:
        if self.lines_dirty() and not common.confirm(self, tr(TITLE), tr(
                "{y} 年有未保存的修改，导入将丢弃这些修改。继续吗？").format(y=self.year)):
            return
        path = self.choose_import_file()
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> bool:
        """Import a notice sheet; each year in it replaces that year. True when saved."""
        self._clear_messages()
        try:
            result = self.service.import_notice(Path(path), by=self.user)
        except ValidationError as e:
            self.say(e.message)
            return False
        except ImportFormatError as e:
            self.say(str(e))
            return False
        if result.problems:
            self.say(tr("通知有误，没有做任何修改。请改正下列各行后重新导入："))
            self.problems.setPlainText("\n".join(p.message for p in result.problems))
            self.problems.show()
            return False
        self.changed = True
        years = sorted(result.year_days)
        self.load_year(self.year if self.year in years else years[0])
        self.say(tr("已导入：{parts}。").format(parts=tr("；").join(
            tr("{y} 年 {n} 天").format(y=y, n=len(result.year_days[y])) for y in years)),
            ok=True)
        return True

    def export_notice(self) -> None:
        path = self.choose_export_file()
        if path is not None:
            self.export_file(path)

    def export_file(self, path: Path) -> bool:
        self._clear_messages()
        try:
            W.write_notice_template(Path(path), self.lines())
        except OSError as e:
            self.say(tr("无法保存“{p}”：{e}（文件是否在 Excel 中打开？）").format(
                p=Path(path).name, e=e.strerror or e))
            return False
        self.say(tr("已保存到 {p}").format(p=str(path)), ok=True)
        return True

    # -- the year and closing

    def _year_changed(self, year: int) -> None:
        if year == self.year:
            return
        if self.lines_dirty() and not common.confirm(self, tr(TITLE), tr(
                "{y} 年有未保存的修改，切换年份将丢弃这些修改。继续吗？").format(y=self.year)):
            self.year_spin.blockSignals(True)
            self.year_spin.setValue(self.year)
            self.year_spin.blockSignals(False)
            return
        self._clear_messages()
        self.load_year(year)

    def reject(self) -> None:
        if not self._discard_ok(tr("关闭")):
            return
        super().reject()
