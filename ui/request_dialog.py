"""客户要求与投诉: the supervisor's queue (R5).

Escalated requests first, then those still being studied, then the ones waiting for the reply
to the customer. The supervisor writes the solution here (a reply task due the same day is
opened for the clerk); a clerk can report a studied request to the supervisor. Overdue steps
are red.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.archive import format_archive_no
from app.contacts import HANDLING, ContactService, RequestInfo
from app.normalize import ValidationError
from ui.common import tr

OVERDUE = QColor("#c0392b")
COLUMNS = ["状态", "客户", "要求 / 投诉内容", "部门", "提出", "上报主管", "期限"]
FILTERS = [("open", "未结案（含近 30 天投诉）"), ("escalated", "待主管批示"),
           ("all", "全部（含已结案）")]


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


class RequestQueueDialog(QDialog):
    """The queue of customer requests and complaints. `changed` is emitted after a solution
    is written or a request is escalated (agenda and calendar need a refresh)."""

    changed = Signal()

    def __init__(self, contacts: ContactService, parent: QWidget | None = None, *,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.contacts = contacts
        self.today_fn = today_fn
        self.rows: list[RequestInfo] = []
        self.setWindowTitle(tr("客户要求与投诉"))

        self.filter = QComboBox()
        for key, label in FILTERS:
            self.filter.addItem(tr(label), key)
        self.filter.currentIndexChanged.connect(self.refresh)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("显示")))
        top.addWidget(self.filter)
        top.addSpacing(12)
        top.addWidget(self.count_label)
        top.addStretch(1)

        table = self.table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(False)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.currentCellChanged.connect(self._selected)

        detail_box = QGroupBox(tr("详情"))
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(detail_box).addWidget(self.detail)

        action_box = QGroupBox(tr("解决办法"))
        self.solution = QPlainTextEdit()
        self.solution.setTabChangesFocus(True)
        self.solution.setPlaceholderText(tr("写下解决办法；保存后，业务员当天须答复客户"))
        self.solution_error = QLabel()
        self.solution_error.setObjectName("error_solution")
        self.solution_error.setStyleSheet("color: #c0392b;")
        self.solution_error.setWordWrap(True)
        self.solution_error.hide()
        self.solve_button = QPushButton(tr("写解决办法"))
        self.solve_button.clicked.connect(self.solve)
        self.escalate_button = QPushButton(tr("上报主管"))
        self.escalate_button.setToolTip(tr("研究后仍解决不了的，两日内报告业务主管"))
        self.escalate_button.clicked.connect(self.escalate)
        self.close_button = QPushButton(tr("结案…"))
        self.close_button.setObjectName("closeRequest")
        self.close_button.setToolTip(tr("客户仍不满意但已无法再处理时，由主管写明原因后结案"))
        self.close_button.clicked.connect(self.close_request)
        for b in (self.solve_button, self.escalate_button, self.close_button):
            b.setAutoDefault(False)
        actions = QHBoxLayout()
        actions.addWidget(self.escalate_button)
        actions.addWidget(self.close_button)
        actions.addStretch(1)
        actions.addWidget(self.solve_button)
        action_layout = QVBoxLayout(action_box)
        action_layout.addWidget(self.solution, 1)
        action_layout.addWidget(self.solution_error)
        action_layout.addLayout(actions)

        lower = QWidget()
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(detail_box, 3)
        lower_layout.addWidget(action_box, 2)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.status = QLabel()
        self.status.setStyleSheet("color: #1e8449;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.resize(1060, 640)
        self.refresh()

    # -- the list

    def refresh(self, *_args, keep_id: int | None = None) -> None:
        mode = self.filter.currentData()
        today = self.today_fn()
        self.rows = self.contacts.requests(
            open_only=mode != "all", escalated_only=mode == "escalated",
            complaints_since=today - dt.timedelta(days=30) if mode == "open" else None)
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(self.rows))
        overdue = 0
        for row, r in enumerate(self.rows):
            late = r.overdue(today)
            overdue += late
            tag = tr("【回访不满意】") if r.source == "unsatisfied" else (
                tr("【投诉】") if r.is_complaint else "")
            content = tag + r.content.replace("\n", " ")
            cells = [r.status_label,
                     f"{r.customer_name}（{format_archive_no(r.archive_no)}）",
                     content, r.department, _day(r.raised_on), _day(r.escalated_on),
                     _day(r.due) + (tr("  已逾期") if late else "")]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                if col == 2:
                    item.setToolTip(r.content)
                if late:
                    item.setForeground(QBrush(OVERDUE))
                    if col in (0, 6):
                        font = QFont(item.font())
                        font.setBold(True)
                        item.setFont(font)
                table.setItem(row, col, item)
        table.blockSignals(False)
        text = tr("共 {n} 项").format(n=len(self.rows))
        if overdue:
            text += tr("，<span style='color:#c0392b'>{n} 项已逾期</span>").format(n=overdue)
        self.count_label.setText(text)
        index = next((i for i, r in enumerate(self.rows) if r.id == keep_id), 0)
        if self.rows:
            table.setCurrentCell(index, 0)
        self._selected(table.currentRow() if self.rows else -1)

    def current(self) -> RequestInfo | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def select_request(self, request_id: int) -> bool:
        for i, r in enumerate(self.rows):
            if r.id == request_id:
                self.table.setCurrentCell(i, 0)
                return True
        return False

    def _selected(self, *_args) -> None:
        r = self.current()
        self.solution_error.hide()
        if r is None:
            self.detail.setText(tr("没有待处理的要求或投诉。"))
            self.solution.clear()
            for w in (self.solution, self.solve_button, self.escalate_button, self.close_button):
                w.setEnabled(False)
            return
        self.detail.setText(self._detail_html(r))
        can_solve = r.status in ("open", "escalated")
        self.solution.setEnabled(can_solve)
        self.solve_button.setEnabled(can_solve)
        self.escalate_button.setEnabled(r.status == "open")
        self.close_button.setEnabled(r.status != "closed")
        self.solution.setPlainText("" if can_solve else r.solution)

    def _detail_html(self, r: RequestInfo) -> str:
        today = self.today_fn()

        def row(label: str, value: str, style: str = "") -> str:
            return (f"<tr><td style='color:#566573; padding-right:10px'>{label}</td>"
                    f"<td style='{style}'>{value}</td></tr>")

        kind = tr("回访不满意（书面通知相关部门，再次联系确认满意）") if r.source == "unsatisfied" \
            else (tr("投诉") if r.is_complaint else tr("要求 / 希望"))
        parts = [
            row(tr("客户"), escape(f"{r.customer_name}　{format_archive_no(r.archive_no)}　"
                                  f"{r.phone}")),
            row(tr("类别"), kind),
            row(tr("内容"), escape(r.content).replace("\n", "<br>")),
            row(tr("涉及部门"), escape(r.department) or "—"),
            row(tr("处理方式"), HANDLING.get(r.handling, r.handling)),
            row(tr("状态"), r.status_label),
            row(tr("提出日期"), _day(r.raised_on)),
        ]
        if r.escalated_on:
            parts.append(row(tr("上报主管"), _day(r.escalated_on)))
        if r.solution:
            parts.append(row(tr("解决办法"), escape(r.solution).replace("\n", "<br>")
                             + f"（{_day(r.solved_on)}）"))
        if r.replied_on:
            parts.append(row(tr("答复客户"), _day(r.replied_on)))
        if r.closed_on:
            parts.append(row(tr("结案"), _day(r.closed_on) + (
                f"　{escape(r.close_note)}" if r.close_note else "")))
        if r.due:
            late = r.overdue(today)
            parts.append(row(tr("本步期限"), _day(r.due) + (tr("（已逾期）") if late else ""),
                             "color:#c0392b; font-weight:bold" if late else ""))
        return "<table cellspacing='0' cellpadding='2'>" + "".join(parts) + "</table>"

    # -- actions

    def solve(self) -> None:
        r = self.current()
        if r is None:
            return
        try:
            self.contacts.solve(r.id, self.solution.toPlainText(), self.today_fn())
        except ValidationError as e:
            self.solution_error.setText(e.message)
            self.solution_error.show()
            self.solution.setFocus()
            return
        self.status.setText(tr("已写入解决办法：业务员须在今天答复{name}。").format(
            name=r.customer_name))
        self.changed.emit()
        self.refresh(keep_id=r.id)

    def ask_close_reason(self, r: RequestInfo) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(self, tr("结案"), tr(
            "{name}：{content}\n\n结案原因（客户已确认满意的，请用“记录通话”确认）：").format(
                name=r.customer_name, content=r.content))
        return text if ok else None

    def close_request(self) -> None:
        r = self.current()
        if r is None:
            return
        reason = self.ask_close_reason(r)
        if reason is None:
            return
        try:
            self.contacts.close_request(r.id, reason, self.today_fn())
        except ValidationError as e:
            self.solution_error.setText(e.message)
            self.solution_error.show()
            return
        self.status.setText(tr("已结案：{name}").format(name=r.customer_name))
        self.changed.emit()
        self.refresh(keep_id=r.id)

    def escalate(self) -> None:
        r = self.current()
        if r is None:
            return
        try:
            self.contacts.escalate(r.id, self.today_fn())
        except ValidationError as e:
            self.solution_error.setText(e.message)
            self.solution_error.show()
            return
        self.status.setText(tr("已上报业务主管：{name}的{what}。").format(
            name=r.customer_name, what=tr("投诉") if r.is_complaint else tr("要求")))
        self.changed.emit()
        self.refresh(keep_id=r.id)
