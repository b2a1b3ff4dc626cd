"""跟踪服务电话记录: log a call from a task, from a customer, or as an incoming call (来电).

Left: who the customer is, the task, what the last calls covered (R4: the second call must not
repeat the first) and what this call could offer (R2). Right: the form of 跟踪服务电话记录表 —
the seven standard items, 通话要点, the customer's 要求/希望/投诉 and how it is handled,
satisfaction, or why nobody answered and when to try again. Ctrl+Enter saves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.archive import ArchiveService, CustomerDetail, format_archive_no
from app.contacts import (
    CALL_TYPES,
    DEPARTMENTS,
    HANDLING,
    NO_ANSWER,
    SATISFACTION,
    STANDARD_POINTS,
    CallInfo,
    CallInput,
    CallOutcome,
    ContactService,
    RequestInput,
)
from app.normalize import ValidationError, is_valid_phone, normalize_phone
from app.rules import LOST_REASONS
from app.staff import StaffInfo
from app.tasks import AgendaItem
from ui import common
from ui.common import fit_to_screen, tr
from ui.visit_dialog import MATCHES_SHOWN, CustomerPicker

# The call a task asks for; every other kind is a follow-up call.
TASK_CALL_TYPES = {"first_followup": "followup", "second_followup": "followup",
                   "event_notice": "notice", "reply": "reply"}
ERROR_STYLE = "color: #c0392b;"
NOTE_STYLE = "color: #7f8c8d;"
DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


def points_text(points) -> str:
    return "".join(f"({p})" for p in sorted(points))


def set_note(label: QLabel, text: str) -> None:
    """A note line that takes no room while it has nothing to say."""
    label.setText(text)
    label.setVisible(bool(text))


# The satisfaction choices' Alt keys (pinyin initials); Alt+1 … Alt+7 tick the talking points
# and Alt+N the box of calls that did not get through: unique in the dialog.
SATISFACTION_KEYS = {"satisfied": "M", "basic": "J", "unsatisfied": "B"}


class FieldErrors:
    """Red message lines placed under the fields, keyed by ValidationError.field."""

    BORDERED = (QLineEdit, QPlainTextEdit, QComboBox, QDateTimeEdit)

    def __init__(self) -> None:
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}

    def label(self, name: str, widget: QWidget) -> QLabel:
        label = QLabel()
        label.setObjectName(f"error_{name}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.labels[name] = label
        self.widgets[name] = widget
        return label

    def clear(self) -> None:
        for name, label in self.labels.items():
            label.clear()
            label.hide()
            if isinstance(self.widgets[name], self.BORDERED):
                self.widgets[name].setStyleSheet("")

    def show(self, name: str, message: str) -> bool:
        if name not in self.labels:
            return False
        self.labels[name].setText(message)
        self.labels[name].show()
        widget = self.widgets[name]
        if isinstance(widget, self.BORDERED):
            widget.setStyleSheet("border: 1px solid #c0392b;")
        widget.setFocus()
        return True

    def text(self, name: str) -> str:
        return self.labels[name].text()


class CallerPicker(CustomerPicker):
    """来电: the caller's number (any 4+ digits of it), or a name or plate, lists customers."""

    def __init__(self, contacts: ContactService, archive: ArchiveService,
                 parent: QWidget | None = None):
        super().__init__(archive, parent)
        self.contacts = contacts
        self.search.setPlaceholderText(tr("来电号码：输入 4 位以上即查找；也可输入姓名或车号"))

    @staticmethod
    def is_number(text: str) -> bool:
        return bool(text.strip()) and all(ch.isdigit() or ch in " -+()" for ch in text.strip())

    def _update(self, text: str) -> None:
        self.matches.clear()
        if not text.strip():
            self.matches.hide()
            return
        if self.is_number(text):
            if sum(ch.isdigit() for ch in text) < 4:
                self.matches.hide()
                return
            ids = self.contacts.customers_by_phone(text)[:MATCHES_SHOWN]
        else:
            ids = self.archive.search_ids(text)[:MATCHES_SHOWN]
        rows = self.archive.summary_rows(ids)
        for cid in ids:
            r = rows[cid]
            item = QListWidgetItem(
                f"{format_archive_no(r.archive_no)}  {r.name}  {r.phone}  {r.plates}")
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.matches.addItem(item)
        if not ids:
            self.matches.addItem(tr("没有找到：可按未建档来电登记，请填写来电人"))
        self.matches.setCurrentRow(0)
        self.matches.show()


class CallDialog(QDialog):
    """Log one call. After exec(): `outcome` (CallOutcome) when saved; `wants_letter` when the
    clerk chose 改发信函 for an unreachable customer (the dialog is then rejected)."""

    def __init__(
        self,
        contacts: ContactService,
        archive: ArchiveService,
        parent: QWidget | None = None,
        *,
        customer_id: int | None = None,
        task: AgendaItem | None = None,
        incoming: bool = False,
        now_fn: Callable[[], dt.datetime] = clock.now,
        clerks: list[StaffInfo] | None = None,
    ):
        super().__init__(parent)
        self.contacts = contacts
        self.archive = archive
        self.task = task
        self.incoming = incoming and task is None
        self.now_fn = now_fn
        self.clerks = clerks
        self.customer: CustomerDetail | None = None
        self.covered: set[int] = set()
        self.history: list[CallInfo] = []
        self.outcome: CallOutcome | None = None
        self.wants_letter = False
        self.errors = FieldErrors()
        self.started = now_fn().replace(second=0, microsecond=0)

        if task is not None:
            title = tr("跟踪电话：{kind} — {name}").format(kind=task.kind_label,
                                                        name=task.customer_name)
        elif self.incoming:
            title = tr("来电登记")
        else:
            title = tr("通话记录")
        self.setWindowTitle(title)

        left = QVBoxLayout()
        left.setSpacing(8)
        self.caller_box: QGroupBox | None = None
        self.picker: CustomerPicker | None = None
        if self.incoming:
            left.addWidget(self._caller_box())
        elif task is None and customer_id is None:
            left.addWidget(self._picker_box())
        left.addWidget(self._summary_box())
        self.task_box: QGroupBox | None = None
        self.unreachable_notice: QFrame | None = None  # 已 N 次联系不上 + 改发信函
        self.letter_button: QPushButton | None = None
        if task is not None:
            left.addWidget(self._task_box(task))
        left.addWidget(self._history_box())
        left.addWidget(self._talking_box(), 1)

        right = QVBoxLayout()
        right.setSpacing(6)
        right.addLayout(self._header_row())
        right.addWidget(self._points_box())
        right.addWidget(self._content_box())
        right.addWidget(self._satisfaction_row())
        right.addWidget(self._unreached_box())
        self.unreached.setVisible(not self.incoming)  # someone rang: the call was answered
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        right.addWidget(self.message)
        right.addStretch(1)  # room to spare goes below the form, not between its rows

        # The form scrolls inside the dialog and the buttons stay below it, so a 1024×768
        # screen shows 保存 however much the form holds.
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(12)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)
        left_widget.setMinimumWidth(330)
        left_widget.setMaximumWidth(470)
        columns.addWidget(left_widget, 2)
        columns.addLayout(right, 3)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self._buttons())
        fit_to_screen(self, 1180, 700)

        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self.save)

        self._set_reached_enabled(False)
        self._request_changed()
        if task is not None:
            self.set_customer(task.customer_id)
        elif customer_id is not None:
            self.set_customer(customer_id)
        QTimer.singleShot(0, self, self._initial_focus)

    def _initial_focus(self) -> None:
        if self.incoming:
            self.caller.search.setFocus()
        elif self.picker is not None and self.customer is None:
            self.picker.search.setFocus()
        else:
            self.key_points.setFocus()

    # ------------------------------------------------------------------ left column

    def _caller_box(self) -> QGroupBox:
        box = self.caller_box = QGroupBox(tr("来电"))
        self.caller = CallerPicker(self.contacts, self.archive)
        self.caller.picked.connect(self.set_customer)
        self.caller_name = QLineEdit()
        self.caller_name.setPlaceholderText(tr("未建档的来电：记下来电人姓名"))
        self.clear_customer_button = QPushButton(tr("不是此客户"))
        self.clear_customer_button.setAutoDefault(False)
        self.clear_customer_button.clicked.connect(self.clear_customer)
        self.clear_customer_button.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("来电人")))
        row.addWidget(self.caller_name, 1)
        row.addWidget(self.clear_customer_button)
        self.new_customer_button: QPushButton | None = None
        if self.clerks is not None:
            self.new_customer_button = QPushButton(tr("新建客户"))
            self.new_customer_button.setAutoDefault(False)
            self.new_customer_button.clicked.connect(self.create_customer)
            row.addWidget(self.new_customer_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.caller)
        layout.addLayout(row)
        layout.addWidget(self.errors.label("customer", self.caller.search))
        return box

    def _picker_box(self) -> QGroupBox:
        box = QGroupBox(tr("客户"))
        self.picker = CustomerPicker(self.archive)
        self.picker.picked.connect(self.set_customer)
        layout = QVBoxLayout(box)
        layout.addWidget(self.picker)
        layout.addWidget(self.errors.label("customer", self.picker.search))
        return box

    def _summary_box(self) -> QGroupBox:
        box = QGroupBox(tr("客户档案"))
        form = QFormLayout(box)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        self.summary: dict[str, QLabel] = {}
        for key, label in (("name", tr("客户")), ("phone", tr("电话")),
                           ("vehicles", tr("车辆")), ("clerk", tr("跟踪业务员")),
                           ("wanted", tr("希望的服务"))):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
            self.summary[key] = value
        self.summary["name"].setText(tr("尚未选择客户"))
        return box

    def _task_box(self, task: AgendaItem) -> QGroupBox:
        box = self.task_box = QGroupBox(tr("本次任务"))
        layout = QVBoxLayout(box)
        head = QLabel(tr("{kind}　期限 {start} 至 {due}{owner}").format(
            kind=task.kind_label, start=task.window_start, due=task.due,
            owner=tr("　（代理 {name}）").format(name=task.proxy_for) if task.proxy_for else ""))
        head.setStyleSheet("font-weight: bold;")
        head.setWordWrap(True)  # a narrow column breaks the line instead of hiding the dates
        head_row = QHBoxLayout()
        head_row.addWidget(head, 1)
        today = self.now_fn().date()
        if task.overdue(today):
            late = QLabel(tr("已逾期 {n} 天").format(n=(today - task.due).days))
            late.setStyleSheet("color: #c0392b; font-weight: bold;")
            head_row.addWidget(late)
        if task.kind == "insurance":
            # the customer says they renewed: record it here, the figures count it (续保)
            renew = self.renew_button = QPushButton(tr("登记续保…"))
            renew.setObjectName("renewButton")
            renew.setToolTip(tr("记下新的保险到期日、保险公司、是否在本店续保"))
            renew.clicked.connect(self.record_renewal)
            head_row.addWidget(renew)
        layout.addLayout(head_row)
        self.task_topic = QLabel(task.topic)
        self.task_topic.setWordWrap(True)
        self.task_topic.setVisible(bool(task.topic))
        layout.addWidget(self.task_topic)
        n = task.failed_attempts
        if n >= self.contacts.unreachable_after:
            notice = self.unreachable_notice = QFrame()
            notice.setObjectName("unreachable")
            notice.setStyleSheet("#unreachable { background: #fdecea; border: 1px solid #e6a19a;"
                                 " border-radius: 3px; }")
            row = QHBoxLayout(notice)
            row.setContentsMargins(8, 4, 4, 4)
            text = QLabel(tr("已 {n} 次联系不上，建议改发信函。").format(n=n))
            text.setStyleSheet("color: #a93226; font-weight: bold;")
            self.unreachable_label = text
            self.letter_button = QPushButton(tr("改发信函"))
            self.letter_button.setAutoDefault(False)
            self.letter_button.clicked.connect(self.choose_letter)
            row.addWidget(text, 1)
            row.addWidget(self.letter_button)
            layout.addWidget(notice)
        elif n:
            tries = QLabel(tr("已 {n} 次未接通。").format(n=n))
            tries.setStyleSheet(NOTE_STYLE)
            layout.addWidget(tries)
        return box

    def _history_box(self) -> QGroupBox:
        box = QGroupBox(tr("最近通话"))
        layout = QVBoxLayout(box)
        self.history_table = QTableWidget(0, 5)
        self.history_table.setHorizontalHeaderLabels(
            [tr("日期"), tr("类别"), tr("结果"), tr("已谈"), tr("通话要点")])
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history_table.setWordWrap(False)
        header = self.history_table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.history_table.verticalHeader().setDefaultSectionSize(24)
        # Five calls at most: room for them, the rest of the column for the talking points.
        self.history_table.setFixedHeight(self.history_table.horizontalHeader().sizeHint()
                                          .height() + 5 * 24 + 4)
        self.history_table.currentCellChanged.connect(self._history_selected)
        self.covered_label = QLabel()
        self.covered_label.setWordWrap(True)
        self.covered_label.setStyleSheet("color: #a04000;")
        self.covered_label.hide()
        self.history_detail = QLabel()
        self.history_detail.setWordWrap(True)
        self.history_detail.setStyleSheet(NOTE_STYLE)
        self.history_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_detail.hide()
        layout.addWidget(self.history_table)
        layout.addWidget(self.history_detail)
        layout.addWidget(self.covered_label)
        return box

    def _talking_box(self) -> QGroupBox:
        box = QGroupBox(tr("建议话题（勾选即加入通话要点）"))
        layout = QVBoxLayout(box)
        self.talking = QListWidget()
        self.talking.setWordWrap(True)
        self.talking.itemChanged.connect(self._talking_ticked)
        self.talking.itemActivated.connect(self._talking_activated)
        self._talking_placeholder(tr("选出客户后，这里列出可以谈的话题"))
        layout.addWidget(self.talking)
        return box

    # ------------------------------------------------------------------ right column

    def _header_row(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.call_type = QComboBox()
        for key, label in CALL_TYPES.items():
            self.call_type.addItem(tr(label), key)
        if self.task is not None:
            default = TASK_CALL_TYPES.get(self.task.kind, "followup")
        else:
            default = "consultation" if self.incoming else "followup"
        self.call_type.setCurrentIndex(self.call_type.findData(default))
        self.call_type.currentIndexChanged.connect(self._call_type_changed)
        self.called_at = QDateTimeEdit(QDateTime(self.started))
        self.called_at.setDisplayFormat(DATETIME_FORMAT)
        self.called_at.setCalendarPopup(True)
        self.vehicle = QComboBox()
        # As wide as the row allows, not as its longest item: the row fits 1024 px.
        self.vehicle.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.vehicle.setMinimumContentsLength(8)
        self.vehicle.setMinimumWidth(120)  # at 1024 px 来电/去电 beside it stays in view
        self.vehicle.addItem(tr("（不涉及车辆）"), None)
        self.direction_label = QLabel(tr("来电") if self.incoming else tr("去电"))
        bold = self.direction_label.font()
        bold.setBold(True)  # a font, not a style sheet: the layout then gives it its width
        self.direction_label.setFont(bold)
        # 来电/去电 first: at the row's right end a narrow screen cut it off
        grid.addWidget(self.direction_label, 0, 0)
        grid.addWidget(QLabel(tr("通话类别")), 0, 1)
        grid.addWidget(self.call_type, 0, 2)
        grid.addWidget(QLabel(tr("通话时间")), 0, 3)
        grid.addWidget(self.called_at, 0, 4)
        grid.addWidget(QLabel(tr("车辆")), 0, 5)
        grid.addWidget(self.vehicle, 0, 6)
        grid.setColumnStretch(6, 1)
        grid.addWidget(self.errors.label("call_type", self.call_type), 1, 0, 1, 7)
        grid.addWidget(self.errors.label("called_at", self.called_at), 2, 0, 1, 7)
        return grid

    def _points_box(self) -> QGroupBox:
        box = self.points_box = QGroupBox(tr("通话内容（七项，勾选本次谈到的）"))
        grid = QGridLayout(box)
        grid.setVerticalSpacing(2)
        grid.setContentsMargins(9, 6, 9, 6)
        self.points: dict[int, QCheckBox] = {}
        self.point_notes: dict[int, QLabel] = {}
        for row, (number, text) in enumerate(STANDARD_POINTS.items()):
            check = QCheckBox(f"(&{number}) {tr(text)}")  # Alt+1 … Alt+7
            note = QLabel(tr("已谈过"))
            note.setStyleSheet("color: #95a5a6; font-style: italic;")
            note.hide()
            grid.addWidget(check, row, 0)
            grid.addWidget(note, row, 1, Qt.AlignmentFlag.AlignRight)
            self.points[number] = check
            self.point_notes[number] = note
        grid.setColumnStretch(0, 1)
        grid.addWidget(self.errors.label("points_covered", box), len(STANDARD_POINTS), 0, 1, 2)
        return box

    def _content_box(self) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(QLabel(tr("通话要点")))
        self.key_points = QPlainTextEdit()
        self.key_points.setTabChangesFocus(True)
        self.key_points.setMinimumHeight(56)
        self.key_points.setMaximumHeight(96)  # the form must fit a 1024×768 screen
        layout.addWidget(self.key_points, 3)
        layout.addWidget(self.errors.label("key_points", self.key_points))

        layout.addWidget(QLabel(tr("客户要求 / 希望 / 投诉")))
        self.request_text = QPlainTextEdit()
        self.request_text.setTabChangesFocus(True)
        self.request_text.setPlaceholderText(tr("客户提出的要求、希望或投诉；没有可不填"))
        self.request_text.setMinimumHeight(44)
        self.request_text.setMaximumHeight(60)
        self.request_text.textChanged.connect(self._request_changed)
        layout.addWidget(self.request_text, 2)
        layout.addWidget(self.errors.label("request", self.request_text))
        layout.addWidget(self._request_panel())
        return holder

    def _request_panel(self) -> QWidget:
        panel = self.request_panel = QFrame()
        panel.setObjectName("requestPanel")
        panel.setStyleSheet("#requestPanel { border-left: 3px solid #d5dbdb; }")
        grid = QGridLayout(panel)
        grid.setContentsMargins(10, 2, 0, 2)
        grid.setVerticalSpacing(2)
        self.is_complaint = QCheckBox(tr("是投诉"))
        self.department = QComboBox()
        self.department.addItem(tr("（不涉及）"), "")
        for d in DEPARTMENTS:
            self.department.addItem(tr(d), d)
        top = QHBoxLayout()
        top.addWidget(self.is_complaint)
        top.addSpacing(24)
        top.addWidget(QLabel(tr("涉及部门")))
        top.addSpacing(6)
        top.addWidget(self.department)
        top.addStretch(1)
        grid.addLayout(top, 0, 0, 1, 2)
        grid.addWidget(self.errors.label("department", self.department), 1, 0, 1, 2)

        handling_row = QWidget()
        row = QHBoxLayout(handling_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(14)
        row.addWidget(QLabel(tr("处理方式")))
        self.handling = QButtonGroup(self)
        self.handling_buttons: dict[str, QRadioButton] = {}
        for key, label in HANDLING.items():
            button = QRadioButton(tr(label))
            self.handling.addButton(button)
            self.handling_buttons[key] = button
            row.addWidget(button)
            button.toggled.connect(self._handling_changed)
        row.addStretch(1)
        grid.addWidget(handling_row, 2, 0, 1, 2)
        grid.addWidget(self.errors.label("handling", handling_row), 3, 0, 1, 2)

        self.solution_label = QLabel(tr("答复内容"))
        self.solution = QPlainTextEdit()
        self.solution.setTabChangesFocus(True)
        self.solution.setFixedHeight(44)
        self.solution.setPlaceholderText(tr("当场答复的，写下答复客户的内容"))
        grid.addWidget(self.solution_label, 4, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.solution, 4, 1)
        grid.addWidget(self.errors.label("solution", self.solution), 5, 1)
        return panel

    def _satisfaction_row(self) -> QWidget:
        holder = self.satisfaction_row = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        row = QHBoxLayout()
        row.setSpacing(14)
        row.addWidget(QLabel(tr("满意度")))
        self.satisfaction = QButtonGroup(self)
        self.satisfaction_buttons: dict[str, QRadioButton] = {}
        for key, label in SATISFACTION.items():
            button = QRadioButton(f"{tr(label)}(&{SATISFACTION_KEYS[key]})")
            self.satisfaction.addButton(button)
            self.satisfaction_buttons[key] = button
            row.addWidget(button)
        row.addSpacing(12)
        row.addWidget(QLabel(tr("服务评分")))
        # 请您为本次服务打分 (CSI, 篇三): optional, 0–10
        self.score = QComboBox()
        self.score.setObjectName("score")
        self.score.addItem(tr("未打分"), None)
        for n in range(10, -1, -1):
            self.score.addItem(tr("{n} 分").format(n=n), n)
        self.score.setToolTip(tr("请客户为本次服务打分（0–10 分），用于计算 CSI"))
        row.addWidget(self.score)
        row.addStretch(1)
        layout.addLayout(row)
        # 流失回访 (篇三 (一)2 流失客户 … 分析): why the customer stopped coming
        self.lost_reason_row = QWidget()
        lrow = QHBoxLayout(self.lost_reason_row)
        lrow.setContentsMargins(0, 2, 0, 0)
        lrow.addWidget(QLabel(tr("流失原因")))
        self.lost_reason = QComboBox()
        self.lost_reason.setObjectName("lostReason")
        self.lost_reason.addItem(tr("请选择"), "")
        for code, label in LOST_REASONS.items():
            self.lost_reason.addItem(tr(label), code)
        self.lost_reason.setToolTip(tr("问明客户为什么不再来本店，用于统计流失原因"))
        lrow.addWidget(self.lost_reason)
        lrow.addStretch(1)
        self.lost_reason_row.setVisible(self.task is not None
                                        and self.task.kind == "lost_customer")
        layout.addWidget(self.lost_reason_row)
        layout.addWidget(self.errors.label("lost_reason", holder))
        layout.addWidget(self.errors.label("satisfaction", holder))
        layout.addWidget(self.errors.label("score", holder))
        # A follow-up call logged from the archive or F4 still does the customer's follow-up.
        self.followup_row = QWidget()
        frow = QHBoxLayout(self.followup_row)
        frow.setContentsMargins(0, 2, 0, 0)
        frow.addWidget(QLabel(tr("完成跟踪任务")))
        self.followup_task = QComboBox()
        self.followup_task.setObjectName("followupTask")
        self.followup_task.setToolTip(tr(
            "这次跟踪电话完成客户的哪项跟踪任务（默认最早到期的一项），完成后自动安排下一次跟踪"))
        frow.addWidget(self.followup_task, 1)
        self.followup_row.hide()
        layout.addWidget(self.followup_row)
        return holder

    def _load_followups(self, customer_id: int) -> None:
        self.followup_task.clear()
        found = [] if self.task is not None else self.contacts.open_followups(
            customer_id, self.called_at.dateTime().toPython().date())
        for task_id, label in found:
            self.followup_task.addItem(label, task_id)
        if found:
            self.followup_task.addItem(tr("不完成任何跟踪任务"), 0)
        self.followup_row.setVisible(bool(found) and self.call_type.currentData() == "followup")

    def _unreached_box(self) -> QGroupBox:
        # Not 未接通: that is the first reason inside the box.
        box = self.unreached = QGroupBox(tr("没有通上话(&N)"))
        box.setCheckable(True)
        box.setChecked(False)
        box.toggled.connect(self._set_reached_enabled)
        layout = QVBoxLayout(box)
        layout.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(14)
        self.no_answer = QButtonGroup(self)
        self.no_answer_buttons: dict[str, QRadioButton] = {}
        for key, label in NO_ANSWER.items():
            button = QRadioButton(tr(label))
            self.no_answer.addButton(button)
            self.no_answer_buttons[key] = button
            button.toggled.connect(self._reason_changed)
            row.addWidget(button)
        row.addStretch(1)
        reasons = QWidget()
        reasons.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(reasons)
        layout.addWidget(self.errors.label("no_answer_reason", reasons))
        retry_row = QHBoxLayout()
        self.retry_enabled = QCheckBox(tr("约定再次联系时间"))
        self.retry_at = QDateTimeEdit(QDateTime(self.contacts.suggested_retry(self.started)))
        self.retry_at.setDisplayFormat(DATETIME_FORMAT)
        self.retry_at.setCalendarPopup(True)
        self.retry_at.setEnabled(False)
        self.retry_enabled.toggled.connect(self.retry_at.setEnabled)
        retry_row.addWidget(self.retry_enabled)
        retry_row.addWidget(self.retry_at)
        hint = QLabel(tr("（默认下个工作日 10:00）"))
        hint.setStyleSheet(NOTE_STYLE)
        retry_row.addWidget(hint)
        retry_row.addStretch(1)
        layout.addLayout(retry_row)
        layout.addWidget(self.errors.label("retry_at", self.retry_at))
        return box

    def _buttons(self) -> QDialogButtonBox:
        buttons = self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("保存 (Ctrl+Enter)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        for b in buttons.buttons():
            b.setAutoDefault(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        return buttons

    # ------------------------------------------------------------------ the customer

    def set_customer(self, customer_id: int) -> None:
        c = self.customer = self.archive.detail(customer_id)
        if "customer" in self.errors.labels:
            self.errors.labels["customer"].hide()
        phones = "　".join(p for p in (c.phone, c.phone2) if p)
        number = tr("档案编号 {no}").format(no=format_archive_no(c.archive_no))
        self.summary["name"].setText(f"<b>{escape(c.name)}</b>　{number}")
        self.summary["phone"].setText(phones or tr("（无）"))
        lines = []
        for v in c.vehicles:
            line = f"{v.plate}　{v.model}".strip()
            if v.next_maintenance_date:
                line += tr("　下次保养 {date}").format(date=v.next_maintenance_date)
            lines.append(line)
        self.summary["vehicles"].setText("\n".join(lines) or tr("（无车辆）"))
        self.summary["clerk"].setText(c.clerk_name or tr("（未指定）"))
        self.summary["wanted"].setText(c.services_wanted or "—")

        self.vehicle.clear()
        for v in c.vehicles:
            self.vehicle.addItem(f"{v.plate} {v.model}".strip(), v.id)
        self.vehicle.addItem(tr("（不涉及车辆）"), None)
        if self.task is not None and self.task.plate:
            index = next((i for i, v in enumerate(c.vehicles) if v.plate == self.task.plate), 0)
            self.vehicle.setCurrentIndex(index)

        if self.picker is not None:
            self.picker.search.setText(c.name)
            self.picker.matches.hide()
        if self.incoming:
            self.caller.matches.hide()
            self.caller_name.setText(c.name)
            self.clear_customer_button.show()
        self._load_history(customer_id)
        self._load_talking_points(customer_id)
        self._load_followups(customer_id)
        if self.incoming or self.picker is not None:
            self.call_type.setFocus()

    def clear_customer(self) -> None:
        """来电: the number matched someone else; log the caller as not in the archive."""
        self.customer = None
        self.covered = set()
        self.history = []
        for label in self.summary.values():
            label.clear()
        self.summary["name"].setText(tr("尚未选择客户"))
        self.vehicle.clear()
        self.vehicle.addItem(tr("（不涉及车辆）"), None)
        self.history_table.setRowCount(0)
        set_note(self.history_detail, "")
        set_note(self.covered_label, "")
        self.talking.clear()
        self._talking_placeholder(tr("选出客户后，这里列出可以谈的话题"))
        for n in self.points:
            self.point_notes[n].hide()
            self.points[n].setStyleSheet("")
        if self.incoming:
            self.caller_name.clear()
            self.clear_customer_button.hide()
            self.caller.search.setFocus()

    def create_customer(self) -> None:
        from ui.customer_dialog import CustomerDialog

        dialog = CustomerDialog(self.archive, self.clerks or [], self)
        typed = self.caller.search.text().strip()
        if CallerPicker.is_number(typed):
            dialog.phone.setText(typed)
        if self.caller_name.text().strip():
            dialog.name.setText(self.caller_name.text().strip())
        if common.run(dialog) and dialog.customer_id is not None:
            self.set_customer(dialog.customer_id)
        elif dialog.open_customer_id is not None:
            self.set_customer(dialog.open_customer_id)

    def _load_history(self, customer_id: int) -> None:
        self.history = self.contacts.calls_for_customer(customer_id, limit=5)
        self.covered = self.contacts.covered_before(customer_id)
        table = self.history_table
        table.setRowCount(len(self.history))
        for row, call in enumerate(self.history):
            outcome = call.outcome_label or call.result
            summary = call.key_points or call.customer_request or call.result
            cells = [call.called_at.strftime("%Y-%m-%d %H:%M"), call.type_label, outcome,
                     points_text(call.points_covered), summary.replace("\n", " ")]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(self._call_text(call))
                if not call.reached:
                    item.setForeground(Qt.GlobalColor.darkGray)
                table.setItem(row, col, item)
        if self.history:
            table.setCurrentCell(0, 0)
            self._history_selected(0)
        else:
            set_note(self.history_detail, tr("这是与该客户的第一次通话记录。"))
        for n, check in self.points.items():
            done = n in self.covered
            self.point_notes[n].setVisible(done)
            check.setStyleSheet("color: #7f8c8d;" if done else "")
            check.setToolTip(tr("前几次通话已谈过这一项，本次可换个话题") if done else "")
        if self.covered:
            set_note(self.covered_label,
                tr("前几次已谈过：{points}。本次请换个话题，不要重复。").format(
                    points=points_text(self.covered)))
        else:
            set_note(self.covered_label, "")

    def _call_text(self, call: CallInfo) -> str:
        parts = [f"{call.called_at:%Y-%m-%d %H:%M}　{call.type_label}　"
                 f"{call.outcome_label or call.result}　{call.clerk_name}"]
        if call.points_covered:
            parts.append(tr("谈及：") + "；".join(
                f"({p}) {STANDARD_POINTS[p]}" for p in call.points_covered
                if p in STANDARD_POINTS))
        if call.key_points:
            parts.append(tr("要点：") + call.key_points)
        if call.customer_request:
            parts.append(tr("客户要求：") + call.customer_request)
        return "\n".join(parts)

    def _history_selected(self, row: int, *_args) -> None:
        if 0 <= row < len(self.history):
            call = self.history[row]
            lines = []
            if call.key_points:
                lines.append(tr("要点：") + call.key_points)
            if call.customer_request:
                lines.append(tr("客户要求：") + call.customer_request)
            if not lines:
                lines.append(call.result or call.outcome_label)
            text = "；".join(line.replace("\n", " ") for line in lines)
            set_note(self.history_detail, f"{call.called_at:%m-%d}　{text}")

    def _load_talking_points(self, customer_id: int) -> None:
        self.talking.blockSignals(True)
        self.talking.clear()
        for text in self.contacts.talking_points(customer_id, self.now_fn().date()):
            item = QListWidgetItem(text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.talking.addItem(item)
        if not self.talking.count():
            self._talking_placeholder(tr("档案中暂无可提的话题"))
        self.talking.blockSignals(False)

    def _talking_placeholder(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.talking.addItem(item)

    def _talking_activated(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def _talking_ticked(self, item: QListWidgetItem) -> None:
        """A ticked topic becomes a line of 通话要点; unticking takes the line out again."""
        line = item.text()
        lines = self.key_points.toPlainText().splitlines()
        if item.checkState() == Qt.CheckState.Checked:
            if line not in lines:
                lines.append(line)
        else:
            lines = [x for x in lines if x != line]
        self.key_points.setPlainText("\n".join(x for x in lines if x.strip()))

    # ------------------------------------------------------------------ form state

    def _call_type_changed(self) -> None:
        if self.call_type.currentData() == "complaint":
            self.is_complaint.setChecked(True)
        if hasattr(self, "followup_task"):
            self.followup_row.setVisible(self.followup_task.count() > 0
                                         and self.call_type.currentData() == "followup")

    def _request_changed(self) -> None:
        has_request = bool(self.request_text.toPlainText().strip())
        self.request_panel.setEnabled(has_request and not self.unreached.isChecked())
        self._handling_changed()

    def _handling_changed(self) -> None:
        answered = self.handling_buttons["answered"].isChecked()
        self.solution.setEnabled(answered)
        self.solution_label.setEnabled(answered)

    def _set_reached_enabled(self, unreached: bool) -> None:
        reached = not unreached
        # What a save asked of the other state (通话要点, 满意度 …) no longer applies.
        self.errors.clear()
        self.message.hide()
        for w in (self.points_box, self.request_text, self.satisfaction_row):
            w.setEnabled(reached)
        self.request_panel.setEnabled(
            reached and bool(self.request_text.toPlainText().strip()))
        for button in self.no_answer_buttons.values():
            button.setEnabled(unreached)
        self.retry_enabled.setEnabled(unreached)
        self.retry_at.setEnabled(unreached and self.retry_enabled.isChecked())
        self.key_points.setPlaceholderText(
            tr("可记下情况，如“客户说在开会”") if unreached
            else tr("本次通话的要点；可勾选左侧建议话题加入"))

    def _reason_changed(self) -> None:
        if self.no_answer_buttons["reschedule"].isChecked():
            self.retry_enabled.setChecked(True)
        elif self.no_answer_buttons["invalid_number"].isChecked():
            self.retry_enabled.setChecked(False)

    @staticmethod
    def _checked(buttons: dict[str, QRadioButton]) -> str:
        return next((key for key, b in buttons.items() if b.isChecked()), "")

    def has_input(self) -> bool:
        return bool(self.key_points.toPlainText().strip()
                    or self.request_text.toPlainText().strip()
                    or any(c.isChecked() for c in self.points.values()))

    # ------------------------------------------------------------------ saving

    def read(self) -> CallInput:
        """The form as a CallInput; raises ValidationError for what only the form can tell."""
        reached = not self.unreached.isChecked()
        request_text = self.request_text.toPlainText().strip() if reached else ""
        request = None
        result = ""
        if request_text:
            request = RequestInput(
                content=request_text,
                handling=self._checked(self.handling_buttons),
                is_complaint=self.is_complaint.isChecked(),
                department=self.department.currentData() or "",
                solution=self.solution.toPlainText().strip()
                if self.handling_buttons["answered"].isChecked() else "",
            )
        customer_id = self.customer.id if self.customer else None
        phone = self.customer.phone if self.customer else ""
        caller_name = ""
        if self.incoming:
            typed = normalize_phone(self.caller.search.text())
            # The whole number the caller rang from; a few digits typed to find them are not.
            if CallerPicker.is_number(typed) and (self.customer is None
                                                  or is_valid_phone(typed)):
                phone = typed
            caller_name = self.caller_name.text().strip()
        if customer_id is None and request is not None:
            # Only an archived customer's request can be followed up (escalation, reply).
            if request.handling and request.handling != "answered":
                raise ValidationError("request", tr(
                    "未建档的来电无法跟踪这项要求：请先选出客户或新建客户档案；"
                    "或当场答复。"))
            if request.handling == "answered" and request.solution:
                result = tr("当场答复：{text}").format(text=request.solution)
        retry_at = None
        if not reached and self.retry_enabled.isChecked():
            retry_at = self.retry_at.dateTime().toPython()
        task_id = self.task.task_id if self.task else None
        close_followup = True
        if task_id is None and self.followup_row.isVisible():
            picked = self.followup_task.currentData()
            task_id, close_followup = (picked or None), bool(picked)
        return CallInput(
            customer_id=customer_id,
            called_at=self.called_at.dateTime().toPython(),
            direction="in" if self.incoming else "out",
            call_type=self.call_type.currentData() or "",
            task_id=task_id,
            close_followup=close_followup,
            vehicle_id=self.vehicle.currentData() if self.customer else None,
            phone=phone,
            caller_name=caller_name,
            reached=reached,
            no_answer_reason="" if reached else self._checked(self.no_answer_buttons),
            retry_at=retry_at,
            points_covered=[n for n, c in self.points.items() if c.isChecked()] if reached
            else [],
            key_points=self.key_points.toPlainText(),
            customer_request=request_text,
            satisfaction=self._checked(self.satisfaction_buttons) if reached else "",
            result=result,
            request=request,
            score=self.score.currentData() if reached else None,
            department=self.department.currentData() or "",
            lost_reason=(self.lost_reason.currentData() or "")
            if reached and self.lost_reason_row.isVisibleTo(self) else "",
        )

    def record_renewal(self) -> bool:
        from app.renewals import RenewalService
        from ui.renewal_dialog import RenewalDialog

        if self.customer is None or not self.customer.vehicles:
            return False
        vehicle_id = self.vehicle.currentData()
        vehicle = next((v for v in self.customer.vehicles if v.id == vehicle_id),
                       self.customer.vehicles[0])
        dialog = RenewalDialog(RenewalService(self.contacts.store), vehicle, self)
        if not common.run(dialog):
            return False
        # reread the archive: the new expiry shows in the summary
        self.customer = self.archive.detail(self.customer.id)
        self.renew_button.setText(tr("已登记续保"))
        self.renew_button.setEnabled(False)
        line = tr("已登记续保")
        if line not in self.key_points.toPlainText():
            self.key_points.appendPlainText(line)
        return True

    def show_error(self, field: str, message: str) -> None:
        self.errors.clear()
        self.message.hide()
        if not self.errors.show(field, message):
            self.message.setText(message)
            self.message.show()
        elif field == "retry_at" and not self.retry_enabled.isChecked():
            self.retry_enabled.setFocus()  # the time field is off until this is ticked

    def save(self) -> None:
        if self.outcome is not None:
            return
        self.errors.clear()
        self.message.hide()
        try:
            data = self.read()
            if data.customer_id is None and data.request is not None:
                data.check()  # answered on the spot: the answer must be written
                data.request = None  # the service tracks archived customers' requests only
            self.outcome = self.contacts.log_call(data, self.now_fn().date())
        except ValidationError as e:
            self.show_error(e.field, e.message)
            return
        if self.outcome.unreachable:
            common.information(self, tr("联系不上"), tr(
                "已 {n} 次联系不上{name}，建议改发信函。").format(
                    n=self.outcome.failed_attempts,
                    name=self.customer.name if self.customer else ""))
        self.accept()

    def choose_letter(self) -> None:
        """改发信函: nothing is logged; the caller opens the letter dialog for this task."""
        self.wants_letter = True
        super().reject()

    def reject(self) -> None:
        if self.outcome is None and self.has_input() and not common.confirm(
                self, tr("放弃通话记录"), tr("已填写的通话记录尚未保存，确定放弃吗？")):
            return
        super().reject()

    def keyPressEvent(self, event) -> None:
        """Ctrl+Enter saves; a plain Enter moves to the next field, as on paper forms."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.save()
            else:
                self.focusNextChild()
            return
        super().keyPressEvent(event)
