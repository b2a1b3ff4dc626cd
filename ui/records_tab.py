"""电话/信函记录 tab: the call register and the letter register (R7, R8).

Each list is a lazy model like ui/archive_model.py: it holds only the record ids the filters
select (ContactService.call_ids / LetterService.letter_ids, newest first) and fetches rows a page
at a time. Filters: period, type, clerk, customer (name, pinyin initials, phone or plate, through
the archive search), and the deleted records for 恢复.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.archive import ArchiveService, format_archive_no
from app.contacts import (
    CALL_TYPES,
    NO_ANSWER,
    SATISFACTION,
    STANDARD_POINTS,
    CallInfo,
    ContactService,
)
from app.dates import add_months
from app.letters import LETTER_KINDS, LetterInfo, LetterService
from app.normalize import ValidationError
from app.staff import RoleRefused, StaffInfo
from ui import common
from ui.common import DateField, tr
from ui.lazy_model import LazyIdModel

Index = QModelIndex | QPersistentModelIndex
RecordIdRole = Qt.ItemDataRole.UserRole + 1
# A customer filter matching more customers than this (one letter typed) lists the records of
# the first ones only: each customer is one indexed query.
CUSTOMER_CAP = 200
DIRECTIONS = {"out": "去电", "in": "来电"}


# ---------------------------------------------------------------- periods


PERIODS = [("all", "全部"), ("week", "本周"), ("month", "本月"), ("last_month", "上月"),
           ("custom", "自定义")]


def period_range(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """[start, end] of 本周 (Monday to Sunday), 本月, 上月; (None, None) for 全部."""
    if period == "week":
        start = today - dt.timedelta(days=today.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        start = today.replace(day=1)
        return start, add_months(start, 1) - dt.timedelta(days=1)
    if period == "last_month":
        start = add_months(today.replace(day=1), -1)
        return start, today.replace(day=1) - dt.timedelta(days=1)
    return None, None


# ---------------------------------------------------------------- models


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _RecordModel(LazyIdModel):
    """Ids from the service, rows fetched a page at a time; filters live in SQL."""

    COLUMNS: list[tuple[str, str]] = []
    CENTERED: frozenset[str] = frozenset()
    TOOLTIP: frozenset[str] = frozenset()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.kind: str | None = None
        self.clerk_id: int | None = None
        self.customer_ids: list[int] | None = None  # None: any customer
        self.deleted = False

    # -- what the service is asked

    def _ids_for(self, **filters) -> list[int]:
        raise NotImplementedError

    def _rows_for(self, ids: list[int]) -> dict[int, object]:
        raise NotImplementedError

    def _value(self, info, key: str) -> str:
        raise NotImplementedError

    def set_filters(self, *, start: dt.date | None, end: dt.date | None, kind: str | None,
                    clerk_id: int | None, customer_ids: list[int] | None,
                    deleted: bool) -> None:
        self.start, self.end, self.kind = start, end, kind
        self.clerk_id, self.customer_ids, self.deleted = clerk_id, customer_ids, deleted
        self.refresh()

    def _query(self) -> list[int]:
        base = dict(start=self.start, end=self.end, kind=self.kind, clerk_id=self.clerk_id,
                    deleted=self.deleted)
        if self.customer_ids is None:
            return self._ids_for(**base)
        if not self.customer_ids:
            return []
        if len(self.customer_ids) == 1:
            return self._ids_for(**base, customer_id=self.customer_ids[0])
        # Several customers match: keep the register's order, only their records.
        wanted: set[int] = set()
        for cid in self.customer_ids[:CUSTOMER_CAP]:
            wanted.update(self._ids_for(**base, customer_id=cid))
        return [i for i in self._ids_for(**base) if i in wanted] if wanted else []

    def refresh(self) -> None:
        self.reset_ids(self._query())

    # 还没有…, 没有符合条件的…, 没有已删除的…: drawn over the empty register
    EMPTY: tuple[str, str, str] = ("", "", "")

    def empty_text(self) -> str:
        none, no_match, none_deleted = self.EMPTY
        if self.deleted:
            return tr(none_deleted)
        filtered = (self.start, self.end, self.kind, self.clerk_id, self.customer_ids) \
            != (None, None, None, None, None)
        return tr(no_match) if filtered else tr(none)

    def record_id(self, row: int) -> int | None:
        return self.id_at(row)

    def record(self, row: int):
        return self.row_data(row)

    # -- LazyIdModel

    def headers(self) -> list[str]:
        return [header for _key, header in self.COLUMNS]

    def fetch_rows(self, ids: list[int]) -> dict[int, object]:
        return self._rows_for(ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        key = self.COLUMNS[index.column()][0]
        if role == RecordIdRole:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in self.CENTERED:
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self.deleted:
            return QColor("#888888")
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if key == "serial":
            return None if role == Qt.ItemDataRole.ToolTipRole else str(index.row() + 1)
        info = self.row_data(index.row())
        if info is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(info, key) if key in self.TOOLTIP else None
        return self._value(info, key)

    def _tooltip(self, info, key: str) -> str | None:
        return None


class CallTableModel(_RecordModel):
    """跟踪服务电话登记表: one line per call."""

    EMPTY = ("还没有通话记录", "没有符合条件的通话记录", "没有已删除的通话记录")
    COLUMNS = [
        ("serial", "序号"), ("date", "日期"), ("time", "时间"), ("customer", "客户名称"),
        ("plate", "车号"), ("phone", "联系电话"), ("type", "类别"),
        ("key_points", "通话要点摘要"), ("result", "处理结果"), ("clerk", "经办人"),
        ("satisfaction", "满意度"),
    ]
    CENTERED = frozenset({"serial", "date", "time", "type", "clerk", "satisfaction"})
    TOOLTIP = frozenset({"key_points", "result", "customer"})

    def __init__(self, contacts: ContactService, archive: ArchiveService | None = None,
                 parent=None):
        super().__init__(parent)
        self.contacts = contacts
        self.archive = archive if archive is not None else ArchiveService(contacts.store)

    def _ids_for(self, *, kind: str | None = None, **filters) -> list[int]:
        return self.contacts.call_ids(call_type=kind, **filters)

    def _rows_for(self, ids: list[int]) -> dict[int, object]:
        return dict(self.contacts.call_rows(ids))

    def _value(self, c: CallInfo, key: str) -> str:
        if key == "date":
            return c.called_at.strftime("%Y-%m-%d")
        if key == "time":
            return c.called_at.strftime("%H:%M")
        if key == "customer":
            return c.customer_name
        if key == "plate":
            return c.plate
        if key == "phone":
            return c.phone
        if key == "type":
            return tr(c.type_label)
        if key == "key_points":
            return _one_line(c.key_points)
        if key == "result":
            return _one_line(c.result)
        if key == "clerk":
            return c.clerk_name
        if key == "satisfaction":
            return tr(c.outcome_label)
        return ""

    def _tooltip(self, c: CallInfo, key: str) -> str | None:
        if key == "customer":
            return f"{format_archive_no(c.archive_no)} {c.customer_name}" \
                if c.archive_no is not None else c.customer_name
        return (c.key_points if key == "key_points" else c.result) or None


class LetterTableModel(_RecordModel):
    """跟踪服务信函登记表: one line per letter."""

    EMPTY = ("还没有信函", "没有符合条件的信函", "没有已删除的信函")
    COLUMNS = [
        ("serial", "序号"), ("letter_no", "编号"), ("date", "发函日期"), ("customer", "客户名称"),
        ("address", "地址"), ("kind", "信函类别"), ("subject", "事由"), ("way", "寄送方式"),
        ("clerk", "经办人"), ("note", "备注"),
    ]
    CENTERED = frozenset({"serial", "letter_no", "date", "kind", "way", "clerk"})
    TOOLTIP = frozenset({"address", "subject", "note"})

    def __init__(self, letters: LetterService, parent=None):
        super().__init__(parent)
        self.letters = letters

    def _ids_for(self, **filters) -> list[int]:
        return self.letters.letter_ids(**filters)

    def _rows_for(self, ids: list[int]) -> dict[int, object]:
        return dict(self.letters.letter_rows(ids))

    def _value(self, x: LetterInfo, key: str) -> str:
        if key == "letter_no":
            return x.letter_no
        if key == "date":
            return x.sent_on.isoformat()
        if key == "customer":
            return x.recipient
        if key == "address":
            return _one_line(x.address)
        if key == "kind":
            return tr(x.kind_label)
        if key == "subject":
            return _one_line(x.subject)
        if key == "way":
            return tr(x.way_label)
        if key == "clerk":
            return x.clerk_name
        if key == "note":
            return _one_line(x.note)
        return ""

    def _tooltip(self, x: LetterInfo, key: str) -> str | None:
        return getattr(x, key) or None


# ---------------------------------------------------------------- the detail dialog


def _e(text) -> str:
    return html.escape(str(text)).replace("\n", "<br>") if text not in (None, "") else "—"


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table cellspacing=0>" + "".join(
        f"<tr><td class='k'>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


_STYLE = ("<style>td { padding: 3px 8px; vertical-align: top; } "
          "td.k { color:#555; white-space:nowrap; } h2 { margin: 0 0 6px 0; } "
          "h3 { margin: 12px 0 4px 0; }</style>")


def _customer_text(archive_no: int | None, name: str) -> str:
    if archive_no is None:
        return _e(name) + f"<span style='color:#888'>（{tr('未建档')}）</span>"
    return f"{_e(name)}　<span style='color:#555'>{format_archive_no(archive_no)}</span>"


def _deleted_note(deleted: bool) -> str:
    return (f"<p style='color:#c0392b'><b>{tr('已删除（勾选“显示已删除”可恢复）')}</b></p>"
            if deleted else "")


def call_html(c: CallInfo) -> str:
    """The call as 跟踪服务电话记录表 lists it: every field, the seven points ticked."""
    if c.reached:
        reached = tr("已接通")
    else:
        reached = tr("未接通：{why}").format(why=tr(NO_ANSWER.get(c.no_answer_reason, "")))
    rows = [
        (tr("日期时间"), c.called_at.strftime("%Y-%m-%d %H:%M")),
        (tr("客户"), _customer_text(c.archive_no, c.customer_name)),
        (tr("联系电话"), _e(c.phone)),
        (tr("车号"), _e(c.plate)),
        (tr("通话类别"), f"{_e(tr(c.type_label))}（{tr(DIRECTIONS.get(c.direction, ''))}）"),
        (tr("接通情况"), reached),
        (tr("满意度"), _e(tr(SATISFACTION.get(c.satisfaction, "")))),
        (tr("处理结果"), _e(c.result)),
        (tr("经办人"), _e(c.clerk_name)),
        (tr("跟踪任务"), tr("完成了一项跟踪任务") if c.task_id else "—"),
    ]
    points = "".join(
        f"<tr><td>{'☑' if n in c.points_covered else '☐'}</td>"
        f"<td{' style=color:#999' if n not in c.points_covered else ''}>"
        f"（{n}）{html.escape(tr(text))}</td></tr>"
        for n, text in STANDARD_POINTS.items())
    return f"""{_STYLE}
<h2>{tr('电话记录')}</h2>{_deleted_note(c.deleted)}
{_table(rows)}
<h3>{tr('通话内容（七项）')}</h3>
<table cellspacing=0>{points}</table>
<h3>{tr('通话要点')}</h3><p>{_e(c.key_points)}</p>
<h3>{tr('客户要求/希望/投诉')}</h3><p>{_e(c.customer_request)}</p>
"""


def letter_html(x: LetterInfo) -> str:
    rows = [
        (tr("编号"), _e(x.letter_no)),
        (tr("发函日期"), x.sent_on.isoformat()),
        (tr("客户"), _customer_text(x.archive_no, x.recipient)),
        (tr("地址"), _e(x.address)),
        (tr("信函类别"), _e(tr(x.kind_label))),
        (tr("事由"), _e(x.subject)),
        (tr("寄送方式"), _e(tr(x.way_label))),
        (tr("经办人"), _e(x.clerk_name)),
        (tr("备注"), _e(x.note)),
    ]
    return f"""{_STYLE}
<h2>{tr('信函记录')}</h2>{_deleted_note(x.deleted)}
{_table(rows)}
<h3>{tr('正文')}</h3><p>{_e(x.body)}</p>
"""


class RecordDialog(QDialog):
    """Read-only: one call or letter, with a way to its customer."""

    openCustomer = Signal(int)

    def __init__(self, title: str, body: str, customer_id: int | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.customer_id = customer_id
        self.text = QTextBrowser()
        self.text.setObjectName("recordDetail")
        self.text.setHtml(body)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        self.open_button = self.buttons.addButton(tr("打开客户"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setEnabled(customer_id is not None)
        self.open_button.clicked.connect(self._open_customer)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.resize(560, 620)

    def _open_customer(self) -> None:
        if self.customer_id is not None:
            self.openCustomer.emit(self.customer_id)
        self.accept()


# ---------------------------------------------------------------- the tab


CALL_WIDTHS = [44, 86, 50, 96, 88, 108, 64, 300, 120, 70, 70]
LETTER_WIDTHS = [44, 80, 86, 96, 240, 70, 240, 70, 70, 130]
CALL_STRETCH = 7  # 通话要点摘要 takes the room a wide window has
LETTER_STRETCH = 6  # 事由
# Header states are kept under a key per column set: an older state would misplace columns.
LETTER_STATE_KEY = "records/letters-2"


class _Pane(QWidget):
    """One register: its table; the tab's filter bar drives it."""

    def __init__(self, model: _RecordModel, widths: list[int], stretch: int, name: str,
                 parent=None):
        super().__init__(parent)
        self.model = model
        self.table = common.EmptyStateTable()
        self.table.setObjectName(name)
        self.table.setModel(model)
        self.table.empty_text = model.empty_text
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        for col, width in enumerate(widths):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.record_id(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.selectRow(row)


class RecordsTab(QWidget):
    openCustomer = Signal(int)  # 打开客户: the main window shows the archive
    printCallRecord = Signal(int)  # call id: print its 跟踪服务电话记录表
    changed = Signal()  # a record was deleted or restored here

    def __init__(self, contacts: ContactService, letters: LetterService,
                 clerks: list[StaffInfo], parent: QWidget | None = None, *,
                 archive: ArchiveService | None = None,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.contacts = contacts
        self.letters = letters
        self.archive = archive if archive is not None else ArchiveService(contacts.store)
        self.today_fn = today_fn
        self.detail_dialog: RecordDialog | None = None

        # -- filter bar
        self.period = QComboBox()
        self.period.setObjectName("recordsPeriod")
        for key, label in PERIODS:
            self.period.addItem(tr(label), key)
        self.date_from = DateField()
        self.date_to = DateField()
        for field in (self.date_from, self.date_to):
            field.setFixedWidth(104)
        self._enable_dates(False)
        self.call_type = QComboBox()
        self.call_type.addItem(tr("全部类别"), None)
        for key, label in CALL_TYPES.items():
            self.call_type.addItem(tr(label), key)
        self.letter_kind = QComboBox()
        self.letter_kind.addItem(tr("全部类别"), None)
        for key, label in LETTER_KINDS.items():
            self.letter_kind.addItem(tr(label), key)
        self.type_stack = QStackedWidget()
        self.type_stack.addWidget(self.call_type)
        self.type_stack.addWidget(self.letter_kind)
        self.type_stack.setSizePolicy(self.call_type.sizePolicy())
        self.clerk = QComboBox()
        self.clerk.setObjectName("recordsClerk")
        self.set_clerks(clerks)
        self.customer = QLineEdit()
        self.customer.setObjectName("recordsCustomer")
        self.customer.setPlaceholderText(tr("客户：姓名、拼音首字母、电话或车号"))
        self.customer.setClearButtonEnabled(True)
        self.customer.setMinimumWidth(160)
        self.show_deleted = QCheckBox(tr("显示已删除"))
        self.count_label = QLabel()
        self.count_label.setObjectName("recordsCount")
        self.filter_error = QLabel()
        self.filter_error.setStyleSheet("color: #c0392b;")
        self.filter_error.hide()

        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("期间")))
        bar.addWidget(self.period)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel(tr("至")))
        bar.addWidget(self.date_to)
        bar.addSpacing(8)
        bar.addWidget(QLabel(tr("类别")))
        bar.addWidget(self.type_stack)
        bar.addSpacing(8)
        bar.addWidget(QLabel(tr("经办人")))
        bar.addWidget(self.clerk)
        bar.addStretch(1)
        # The customer filter on a row of its own keeps the tab usable in a narrow window.
        bar2 = QHBoxLayout()
        bar2.addWidget(self.customer, 1)
        bar2.addWidget(self.show_deleted)

        # -- the two registers
        self.call_model = CallTableModel(contacts, self.archive, self)
        self.letter_model = LetterTableModel(letters, self)
        self.calls = _Pane(self.call_model, CALL_WIDTHS, CALL_STRETCH, "callTable")
        self.letter_pane = _Pane(self.letter_model, LETTER_WIDTHS, LETTER_STRETCH,
                                 "letterTable")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("recordsTabs")
        self.tabs.addTab(self.calls, tr("电话记录"))
        self.tabs.addTab(self.letter_pane, tr("信函记录"))

        # -- buttons
        self.view_button = QPushButton(tr("查看"))
        self.open_button = QPushButton(tr("打开客户"))
        self.delete_button = QPushButton(tr("删除"))
        self.restore_button = QPushButton(tr("恢复"))
        self.print_button = QPushButton(tr("打印记录表…"))
        self.print_button.setToolTip(tr("打印这次通话的《跟踪服务电话记录表》"))
        self.print_button.clicked.connect(self._print_current)
        # A letter is printed again from its register line, as it was written.
        self.reprint_action = QAction(tr("重新打印…"), self)
        self.reprint_action.setToolTip(tr("按登记时的内容重新打印这封信函（带编号）"))
        self.reprint_action.triggered.connect(self.reprint_current)
        self.letter_pane.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.letter_pane.table.addAction(self.reprint_action)
        buttons = QHBoxLayout()
        for b in (self.view_button, self.open_button, self.print_button, self.delete_button,
                  self.restore_button):
            b.setMinimumWidth(80)
            buttons.addWidget(b)
        buttons.addSpacing(12)
        buttons.addWidget(self.filter_error)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(bar2)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        self._customer_timer = QTimer(self)
        self._customer_timer.setSingleShot(True)
        self._customer_timer.setInterval(300)
        self._customer_timer.timeout.connect(self.apply_filters)
        self._customer_text: str | None = None
        self._customer_ids: list[int] | None = None
        self._capped = False
        self._last_period: tuple[dt.date | None, dt.date | None] = (None, None)

        self.period.currentIndexChanged.connect(self._period_changed)
        self.date_from.editingFinished.connect(self.apply_filters)
        self.date_to.editingFinished.connect(self.apply_filters)
        self.call_type.currentIndexChanged.connect(self.apply_filters)
        self.letter_kind.currentIndexChanged.connect(self.apply_filters)
        self.clerk.currentIndexChanged.connect(self.apply_filters)
        self.customer.textChanged.connect(lambda _t: self._customer_timer.start())
        self.customer.returnPressed.connect(self.apply_filters)
        self.show_deleted.toggled.connect(self._deleted_toggled)
        self.tabs.currentChanged.connect(self._pane_changed)
        self.view_button.clicked.connect(self.open_detail)
        self.open_button.clicked.connect(self._open_customer)
        self.delete_button.clicked.connect(self.delete_current)
        self.restore_button.clicked.connect(self.restore_current)
        for pane in (self.calls, self.letter_pane):
            pane.table.doubleClicked.connect(lambda _i: self.open_detail())
            pane.table.installEventFilter(self)
            pane.table.selectionModel().currentRowChanged.connect(
                lambda *_a: self._update_buttons())
            pane.model.modelReset.connect(self._after_reset)
        self._show_delete_or_restore(False)
        # The registers load when the tab is first shown: the window opens on another tab,
        # and 200k calls should not cost every start.
        self._loaded = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.apply_filters()

    # -- public

    @property
    def current_pane(self) -> _Pane:
        return self.calls if self.tabs.currentIndex() == 0 else self.letter_pane

    def set_clerks(self, clerks: list[StaffInfo]) -> None:
        keep = self.clerk.currentData()
        self.clerk.blockSignals(True)
        self.clerk.clear()
        self.clerk.addItem(tr("全部经办人"), None)
        for c in clerks:
            self.clerk.addItem(c.name, c.id)
        i = self.clerk.findData(keep)
        self.clerk.setCurrentIndex(max(i, 0))
        self.clerk.blockSignals(False)

    def show_customer_records(self, text: str) -> None:
        """Filter both registers to one customer (e.g. from the archive: its name or phone)."""
        self.customer.setText(text)
        self.apply_filters()

    def reload(self) -> None:
        """Re-read both registers (a call or letter was logged elsewhere)."""
        self._customer_text = None  # search again: there may be new customers
        if self._loaded or self.isVisible():
            self.apply_filters()

    def apply_filters(self) -> None:
        self._loaded = True
        self._customer_timer.stop()
        try:
            start, end = self._period()
        except ValidationError as e:
            # Said at the field; the other filters still apply, over the last good period,
            # so the list always matches 类别, 经办人, 客户 and 显示已删除 as shown.
            self._show_filter_error(e.message)
            start, end = self._last_period
        else:
            self._show_filter_error("")
            self._last_period = (start, end)
        ids = self._resolve_customer()
        deleted = self.show_deleted.isChecked()
        clerk = self.clerk.currentData()
        for pane, kind in ((self.calls, self.call_type.currentData()),
                           (self.letter_pane, self.letter_kind.currentData())):
            keep = pane.current_id()
            pane.model.set_filters(start=start, end=end, kind=kind, clerk_id=clerk,
                                   customer_ids=ids, deleted=deleted)
            row = pane.model.row_of(keep) if keep is not None else -1
            pane.select_row(row if row >= 0 else 0)
        self._update_count()

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("records/calls", self.calls.table.horizontalHeader().saveState())
        settings.setValue(LETTER_STATE_KEY,
                          self.letter_pane.table.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, pane in (("records/calls", self.calls), (LETTER_STATE_KEY, self.letter_pane)):
            state = settings.value(key)
            if state is not None:
                pane.table.horizontalHeader().restoreState(state)

    # -- filters

    def _period(self) -> tuple[dt.date | None, dt.date | None]:
        key = self.period.currentData()
        if key != "custom":
            return period_range(key, self.today_fn())
        start = self.date_from.date("date_from", tr("开始日期"))
        end = self.date_to.date("date_to", tr("结束日期"))
        if start and end and end < start:
            raise ValidationError("date_to", tr("结束日期早于开始日期。"))
        return start, end

    def _show_filter_error(self, message: str) -> None:
        self.filter_error.setText(message)
        self.filter_error.setVisible(bool(message))
        bad = "border: 1px solid #c0392b;"
        for field in (self.date_from, self.date_to):
            field.setStyleSheet(bad if message else "")

    def _resolve_customer(self) -> list[int] | None:
        text = self.customer.text().strip()
        if text == self._customer_text:
            return self._customer_ids
        self._customer_text = text
        if not text:
            self._customer_ids, self._capped = None, False
        else:
            ids = self.archive.search_ids(text)
            self._capped = len(ids) > CUSTOMER_CAP
            self._customer_ids = ids[:CUSTOMER_CAP]
        return self._customer_ids

    def _period_changed(self) -> None:
        custom = self.period.currentData() == "custom"
        self._enable_dates(custom)
        if custom and not (self.date_from.text() or self.date_to.text()):
            today = self.today_fn()
            self.date_from.set_date(today.replace(day=1))
            self.date_to.set_date(today)
        elif not custom:
            start, end = period_range(self.period.currentData(), self.today_fn())
            self.date_from.set_date(start)
            self.date_to.set_date(end)
        self.apply_filters()

    def _enable_dates(self, custom: bool) -> None:
        for field in (self.date_from, self.date_to):
            field.setEnabled(custom)
            # A greyed-out example date would read as a filter that is set.
            field.setPlaceholderText(tr("如 2026-03-05") if custom else "")

    def _show_delete_or_restore(self, deleted: bool) -> None:
        self.delete_button.setVisible(not deleted)
        self.restore_button.setVisible(deleted)

    def _deleted_toggled(self, deleted: bool) -> None:
        self._show_delete_or_restore(deleted)
        self.apply_filters()

    def _pane_changed(self, index: int) -> None:
        self.type_stack.setCurrentIndex(index)
        self._update_count()

    def _after_reset(self) -> None:
        self._update_count()

    def _update_count(self) -> None:
        n = self.current_pane.model.rowCount()
        what = tr("条通话") if self.current_pane is self.calls else tr("封信函")
        text = tr("共 {n} {what}").format(n=n, what=what)
        if self.show_deleted.isChecked():
            text = tr("已删除：") + text
        if self._capped:
            text += tr("（匹配的客户太多，只列出前 {cap} 位的记录）").format(cap=CUSTOMER_CAP)
        self.count_label.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_pane.current_id() is not None
        for b in (self.view_button, self.open_button, self.delete_button, self.restore_button):
            b.setEnabled(has)
        calls = self.current_pane is self.calls
        self.print_button.setText(tr("打印记录表…") if calls else tr("重新打印…"))
        self.print_button.setToolTip(tr("打印这次通话的《跟踪服务电话记录表》") if calls
                                     else self.reprint_action.toolTip())
        self.print_button.setEnabled(False)
        self.reprint_action.setEnabled(False)
        if has:
            info = self._current_record()
            self.open_button.setEnabled(info is not None and info.customer_id is not None)
            self.print_button.setEnabled(info is not None)
            self.reprint_action.setEnabled(isinstance(info, LetterInfo))

    def _print_current(self) -> None:
        info = self._current_record()
        if isinstance(info, CallInfo):
            self.printCallRecord.emit(info.id)
        elif isinstance(info, LetterInfo):
            self.reprint_current()

    def reprint_current(self) -> Path | None:
        """重新打印: the chosen letter's PDF from its stored words, with its 编号."""
        from ui.letter_dialog import reprint_letters

        info = self._current_record()
        if not isinstance(info, LetterInfo):
            return None
        return reprint_letters(self, self.letters, [info.id])

    # -- actions

    def _current_record(self):
        pane = self.current_pane
        index = pane.table.currentIndex()
        return pane.model.record(index.row()) if index.isValid() else None

    def open_detail(self) -> RecordDialog | None:
        info = self._current_record()
        if info is None:
            return None
        if isinstance(info, CallInfo):
            dialog = RecordDialog(tr("电话记录"), call_html(info), info.customer_id, self)
        else:
            dialog = RecordDialog(tr("信函记录"), letter_html(info), info.customer_id, self)
        dialog.openCustomer.connect(self.openCustomer)
        if self.detail_dialog is not None:
            self.detail_dialog.close()
            self.detail_dialog.deleteLater()
        self.detail_dialog = dialog
        common.present(dialog, window_modal=True)
        return dialog

    def _open_customer(self) -> None:
        info = self._current_record()
        if info is not None and info.customer_id is not None:
            self.openCustomer.emit(info.customer_id)

    def _describe(self, info) -> str:
        if isinstance(info, CallInfo):
            return tr("{when} 与 {name} 的通话记录").format(
                when=info.called_at.strftime("%Y-%m-%d %H:%M"), name=info.customer_name)
        return tr("{day} 寄给 {name} 的{kind}").format(
            day=info.sent_on.isoformat(), name=info.recipient, kind=tr(info.kind_label))

    def delete_current(self) -> None:
        info = self._current_record()
        if info is None or self.show_deleted.isChecked():
            return
        title = tr("删除电话记录") if isinstance(info, CallInfo) else tr("删除信函记录")
        if not common.confirm(self, title, tr("删除{what}？\n删除后可勾选“显示已删除”找回并恢复。")
                              .format(what=self._describe(info))):
            return
        try:
            if isinstance(info, CallInfo):
                self.contacts.delete_call(info.id)
            else:
                self.letters.delete(info.id)
        except RoleRefused as e:
            common.warning(self, title, e.message)
            return
        self._refresh_current()

    def restore_current(self) -> None:
        info = self._current_record()
        if info is None or not self.show_deleted.isChecked():
            return
        try:
            if isinstance(info, CallInfo):
                self.contacts.restore_call(info.id)
            else:
                self.letters.restore(info.id)
        except RoleRefused as e:
            common.warning(self, tr("恢复记录"), e.message)
            return
        self._refresh_current()

    def _refresh_current(self) -> None:
        pane = self.current_pane
        row = pane.table.currentIndex().row()
        pane.model.refresh()
        pane.select_row(min(row, pane.model.rowCount() - 1))
        self._update_count()
        self.changed.emit()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == event.Type.KeyPress and obj in (self.calls.table,
                                                           self.letter_pane.table):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_detail()
                return True
            if event.key() == Qt.Key.Key_Delete:
                self.delete_current()  # nothing in the deleted view
                return True
        return super().eventFilter(obj, event)


__all__ = ["CallTableModel", "LetterTableModel", "RecordDialog", "RecordsTab", "call_html",
           "letter_html", "period_range"]
