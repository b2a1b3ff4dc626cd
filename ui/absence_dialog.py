"""请假与代理 (R9): the supervisor records a clerk's absence and names the stand-in.

During the absence the stand-in's 今日工作 holds the absent clerk's tasks, marked 代理; they go
back to the clerk when the absence ends. The rules live in app.tasks; this only collects input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.normalize import ValidationError
from app.staff import StaffInfo
from app.tasks import AbsenceInfo, TaskService
from db.models import Role
from ui import common
from ui.common import DateField, ErrorForm, tr

HEADERS = ["请假人", "开始", "结束", "代理人", "备注", "状态"]


class AbsenceDialog(QDialog):
    def __init__(self, tasks: TaskService, staff: list[StaffInfo],
                 parent: QWidget | None = None, *,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.tasks = tasks
        # Clerks first: they are the ones who go on leave and stand in for each other.
        self.staff = sorted(staff, key=lambda m: (m.role != Role.CLERK, m.id))
        self.today_fn = today_fn
        self.changed = False  # an absence was added or cancelled: agendas are stale
        self.absences: list[AbsenceInfo] = []
        self.setWindowTitle(tr("请假与代理"))
        self.setMinimumWidth(640)
        self.resize(720, 560)

        f = self.fields = ErrorForm()
        self.clerk = f.add("staff", tr("请假人"), QComboBox())
        self.start = f.add("start_date", tr("开始日期"), DateField())
        self.end = f.add("end_date", tr("结束日期"), DateField())
        self.stand_in = f.add("stand_in", tr("代理人"), QComboBox())
        self.note = f.add("note", tr("备注"), QLineEdit())
        self.note.setPlaceholderText(tr("如 年假、病假、外出培训"))
        self.note.setMaxLength(200)
        for s in self.staff:
            self.clerk.addItem(s.name, s.id)
            self.stand_in.addItem(s.name, s.id)
        today = today_fn()
        self.start.set_date(today)
        self.end.set_date(today)
        if self.stand_in.count() > 1:
            self.stand_in.setCurrentIndex(1)
        self.clerk.currentIndexChanged.connect(self._clerk_changed)
        self.add_button = QPushButton(tr("登记请假"))
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add)
        explain = QLabel(tr("请假期间，请假人的跟踪任务出现在代理人的“今日工作”中，标为“代理”；"
                            "请假结束后自动交回。"))
        explain.setWordWrap(True)
        explain.setStyleSheet("color:#555")
        new_box = QGroupBox(tr("登记请假"))
        nv = QVBoxLayout(new_box)
        nv.addWidget(explain)
        nv.addWidget(f)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_button)
        nv.addLayout(row)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("absenceTable")
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(
            4, QHeaderView.ResizeMode.Stretch)
        self.cancel_button = QPushButton(tr("取消请假"))
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        list_box = QGroupBox(tr("已登记的请假"))
        lv = QVBoxLayout(list_box)
        lv.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        lv.addLayout(row)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        close.rejected.connect(self.reject)
        self.buttons = close
        layout = QVBoxLayout(self)
        layout.addWidget(new_box)
        layout.addWidget(list_box, 1)
        layout.addWidget(close)
        self.reload()

    # -- the list

    def reload(self) -> None:
        today = self.today_fn()
        self.absences = self.tasks.absences()
        self.table.setRowCount(len(self.absences))
        for r, a in enumerate(self.absences):
            if a.end_date < today:
                state = tr("已结束")
            elif a.start_date <= today:
                state = tr("请假中")
            else:
                state = tr("未开始")
            values = [a.staff_name, a.start_date.isoformat(), a.end_date.isoformat(),
                      a.stand_in_name, a.note, state]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if a.end_date < today:
                    item.setForeground(QColor("#888888"))
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, a.id)
                self.table.setItem(r, c, item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.cancel_button.setEnabled(self.selected() is not None)

    def selected(self) -> AbsenceInfo | None:
        row = self.table.currentRow()
        rows = {i.row() for i in self.table.selectedItems()}
        if row in rows and 0 <= row < len(self.absences):
            return self.absences[row]
        return None

    def _clerk_changed(self) -> None:
        # Someone standing in for themselves makes no sense: move the stand-in along.
        if self.stand_in.currentData() == self.clerk.currentData() and self.stand_in.count() > 1:
            self.stand_in.setCurrentIndex((self.clerk.currentIndex() + 1) % self.stand_in.count())

    # -- commands

    def add(self) -> None:
        self.fields.clear_errors()
        errors: dict[str, str] = {}
        dates: dict[str, dt.date | None] = {}
        for name, field, label in (("start_date", self.start, "开始日期"),
                                   ("end_date", self.end, "结束日期")):
            try:
                dates[name] = field.date(name, tr(label))
            except ValidationError as e:
                errors[e.field] = e.message
                continue
            if dates[name] is None:
                errors[name] = tr("请填写{label}。").format(label=tr(label))
        if self.clerk.currentData() is None:
            errors["staff"] = tr("请选择请假人。")
        if self.stand_in.currentData() is None:
            errors["stand_in"] = tr("请选择代理人。")
        if errors:
            self.fields.show_errors(errors)
            return
        try:
            self.tasks.add_absence(self.clerk.currentData(), dates["start_date"],
                                   dates["end_date"], self.stand_in.currentData(),
                                   self.note.text())
        except ValidationError as e:
            if not self.fields.show_errors({e.field: e.message}):
                common.warning(self, tr("请假与代理"), e.message)
            return
        self.changed = True
        self.note.clear()
        self.reload()

    def cancel_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        if not common.confirm(self, tr("取消请假"), tr(
                "取消 {name} {a} 至 {b} 的请假？\n取消后，这段时间的任务交回 {name} 本人。"
        ).format(name=a.staff_name, a=a.start_date.isoformat(), b=a.end_date.isoformat())):
            return
        self.tasks.cancel_absence(a.id)
        self.changed = True
        self.reload()
