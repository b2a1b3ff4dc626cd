"""活动 (R6): create a campaign for the customers a filter chooses; the campaigns so far."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.campaigns import (
    CAMPAIGN_KINDS,
    CONTENT_REQUIRED,
    PLACE_REQUIRED,
    CampaignInfo,
    CampaignService,
    InviteeFilter,
    NoticePlan,
)
from app.normalize import ValidationError
from app.staff import acting
from ui import common
from ui.common import DateField, ErrorForm, tr
from ui.letter_dialog import show_errors

Index = QModelIndex | QPersistentModelIndex
_SPLIT = re.compile(r"[\s,，、;；]+")


def split_terms(text: str) -> list[str]:
    """卡罗拉, 雅阁 / 卡罗拉 雅阁 / 卡罗拉、雅阁 → ['卡罗拉', '雅阁']."""
    return [t for t in _SPLIT.split(text.strip()) if t]


class CampaignModel(QAbstractTableModel):
    COLUMNS = ["活动日期", "类别", "活动名称", "地点", "邀请", "已通知", "已发信", "邀请条件"]

    def __init__(self, campaigns: CampaignService, today_fn: Callable[[], dt.date],
                 parent=None):
        super().__init__(parent)
        self.campaigns = campaigns
        self.today_fn = today_fn
        self.rows: list[CampaignInfo] = []

    def refresh(self) -> None:
        self.beginResetModel()
        self.rows = self.campaigns.list()
        self.endResetModel()

    def campaign(self, row: int) -> CampaignInfo | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.COLUMNS)):
            return tr(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        c = self.campaign(index.row()) if index.isValid() else None
        if c is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return [c.event_date.isoformat(), c.kind, c.title, c.place, str(c.invitees),
                    str(c.notified), str(c.letters), c.filter_text][col]
        if role == Qt.ItemDataRole.ToolTipRole and col in (2, 3, 7):
            return c.content if col == 2 else (c.place if col == 3 else c.filter_text)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (4, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and c.event_date < self.today_fn():
            return QBrush(QColor("#888888"))  # already held
        if role == Qt.ItemDataRole.UserRole:
            return c.id
        return None


class CampaignDialog(QDialog):
    """Create a campaign (its notice-call tasks follow) and manage the existing ones.

    发信函… sets `letters_requested_id` and emits `lettersRequested(campaign_id)`: the
    caller opens the letter dialog for the invitees. `campaignCreated(id)` follows a new
    campaign (its tasks are on the calendar); `created_ids` lists them.
    """

    lettersRequested = Signal(int)
    campaignCreated = Signal(int)

    def __init__(self, campaigns: CampaignService, parent: QWidget | None = None,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.campaigns = campaigns
        self.today_fn = today_fn
        self.letters_requested_id: int | None = None
        self.created_ids: list[int] = []
        self.invitee_count: int | None = None
        self.notice_plan: NoticePlan | None = None
        self.setWindowTitle(tr("活动与邀请"))
        # 760 high, less on a 1024×768 screen so the buttons stay above the taskbar
        screen = self.screen().availableGeometry() if self.screen() else None
        self.resize(1000, min(760, screen.height() - 40) if screen else 760)

        # ---- a new campaign
        new = QGroupBox(tr("新建活动"))
        self.form = ErrorForm()
        self.kind = QComboBox()
        self.kind.setEditable(True)
        self.kind.addItems(CAMPAIGN_KINDS)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(100)
        self.title_edit.setPlaceholderText(tr("如 冬季免费检测周"))
        self.content = QPlainTextEdit()
        self.content.setMaximumHeight(64)
        self.content.setPlaceholderText(tr("通知客户时要讲清楚的内容，如 免费检测空调、电瓶"))
        self.event_date = DateField()
        self.place = QLineEdit()
        self.place.setMaxLength(200)
        self.place.setPlaceholderText(tr("如 本中心维修车间"))
        self.form.add("kind", tr("活动类别"), self.kind)
        self.form.add("title", tr("活动名称"), self.title_edit)
        self.form.add("content", tr("活动内容"), self.content)
        self.form.add("event_date", tr("活动日期"), self.event_date)
        self.form.add("place", tr("活动地点"), self.place)

        self.models = QLineEdit()
        self.models.setPlaceholderText(tr("车型，多个用逗号或空格隔开；空着表示不限"))
        self.regions = QLineEdit()
        self.regions.setPlaceholderText(tr("地区或地址中的字，多个用逗号或空格隔开；空着表示不限"))
        self.visit_from = DateField()
        self.visit_to = DateField()
        self.visit_from.setPlaceholderText(tr("从（不限）"))
        self.visit_to.setPlaceholderText(tr("至（不限）"))
        visits = QWidget()
        row = QHBoxLayout(visits)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.visit_from)
        row.addWidget(QLabel(tr("至")))
        row.addWidget(self.visit_to)
        self.clerk = QComboBox()
        self.clerk.addItem(tr("全部业务员"), None)
        from app.staff import StaffService

        for s in StaffService(campaigns.store).list(include_inactive=False):
            self.clerk.addItem(s.name, s.id)
        self.count_label = QLabel()
        self.count_label.setObjectName("invitee_count")
        self.count_label.setStyleSheet("font-weight: bold;")
        self.form.add("models", tr("邀请车型"), self.models)
        self.form.add("regions", tr("邀请地区"), self.regions)
        self.form.add("last_visit", tr("最近来访"), visits)
        self.form.add("clerk", tr("跟踪业务员"), self.clerk)
        self.form.add("invitees", tr("邀请对象"), self.count_label)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("notice_plan")
        self.plan_label.setWordWrap(True)
        # A wrapped label does not grow past its narrow size hint in a form unless it expands.
        self.plan_label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                      QSizePolicy.Policy.Preferred)
        self.form.add("notice_plan", tr("电话通知"), self.plan_label)

        self.create_button = QPushButton(tr("创建活动"))
        self.create_button.clicked.connect(self.create)
        user = acting(campaigns.store)
        if user is not None and not user.is_supervisor:
            self.create_button.setEnabled(False)  # the supervisor's (the service refuses too)
            self.create_button.setToolTip(tr("活动由业务主管安排"))
        self.create_status = QLabel()
        self.create_status.setObjectName("create_status")
        self.create_status.setWordWrap(True)
        foot = QHBoxLayout()
        foot.addWidget(self.create_status, 1)
        foot.addWidget(self.create_button)
        box = QVBoxLayout(new)
        box.addWidget(self.form)
        box.addLayout(foot)

        # ---- the campaigns so far
        existing = QGroupBox(tr("已有活动"))
        self.model = CampaignModel(campaigns, today_fn, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.letters_button = QPushButton(tr("发信函…"))
        self.letters_button.clicked.connect(self.request_letters)
        self.cancel_button = QPushButton(tr("取消活动"))
        self.cancel_button.clicked.connect(self.cancel_campaign)
        self.close_button = QPushButton(tr("关闭"))
        self.close_button.clicked.connect(self.accept)
        actions = QHBoxLayout()
        actions.addWidget(self.letters_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        actions.addWidget(self.close_button)
        box = QVBoxLayout(existing)
        box.addWidget(self.table, 1)
        box.addLayout(actions)

        layout = QVBoxLayout(self)
        layout.addWidget(new)
        layout.addWidget(existing, 1)

        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(250)
        self._count_timer.timeout.connect(self.update_count)
        for edit in (self.models, self.regions):
            edit.textChanged.connect(self._count_timer.start)
        for edit in (self.visit_from, self.visit_to):
            edit.dateChanged.connect(self._count_timer.start)
        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(250)
        self._plan_timer.timeout.connect(self.update_plan)
        self.event_date.dateChanged.connect(self._plan_timer.start)
        self.clerk.currentIndexChanged.connect(self._count_timer.start)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.refresh()
        self.update_count()

    # -------------------------------------------------------------- the filter

    def invitee_filter(self) -> InviteeFilter:
        """The filter typed; raises ValidationError (field last_visit) for a bad date."""
        start = self.visit_from.date("last_visit", "最近来访起始日期")
        end = self.visit_to.date("last_visit", "最近来访截止日期")
        if start and end and start > end:
            raise ValidationError("last_visit", "最近来访的起始日期晚于截止日期。")
        return InviteeFilter(models=split_terms(self.models.text()),
                             regions=split_terms(self.regions.text()),
                             last_visit_from=start, last_visit_to=end,
                             clerk_id=self.clerk.currentData())

    def update_count(self) -> None:
        self._count_timer.stop()
        self.form.errors["last_visit"].hide()
        self.form.fields["last_visit"].setStyleSheet("")
        try:
            f = self.invitee_filter()
        except ValidationError as e:
            self.invitee_count = None
            self.count_label.setText(tr("预计邀请 — 位客户"))
            self.form.errors["last_visit"].setText(e.message)
            self.form.errors["last_visit"].show()
            self.update_plan()
            return
        self.invitee_count = len(self.campaigns.preview(f))
        self.count_label.setText(tr("预计邀请 {n} 位客户（{who}）").format(
            n=self.invitee_count, who=f.describe()))
        self.count_label.setStyleSheet("font-weight: bold;" + (
            " color: #c0392b;" if self.invitee_count == 0 else ""))
        self.update_plan()

    def update_plan(self) -> None:
        """The notice deadline (event − the rule's lead days) before creating; a warning, and
        how the calls will be spread, when it has already passed."""
        self._plan_timer.stop()
        self.notice_plan = None
        today = self.today_fn()
        try:
            event_date = self.event_date.date("event_date", "活动日期")
        except ValidationError as e:
            self._show_plan(e.message, warn=True)
            return
        if event_date is None:
            self._show_plan(tr("填写活动日期后，这里显示电话通知的截止日。"), muted=True)
            return
        if event_date < today:
            self._show_plan(tr("活动日期已经过去。"), warn=True)
            return
        plan = self.notice_plan = self.campaigns.notice_plan(event_date, today)
        if not plan.late:
            window = plan.window()
            self._show_plan(tr("{start} 至 {due} 打电话通知（截止日为活动前 {lead} 天）。").format(
                start=window.start, due=window.due, lead=plan.lead_days))
            return
        text = tr("注意：电话通知截止日 {due}（活动前 {lead} 天）已过。创建后，通知任务从 "
                  "{first} 起尽快安排，分摊到活动前剩余的 {k} 个工作日（至 {last}）").format(
            due=plan.deadline, lead=plan.lead_days, first=plan.first_day, k=len(plan.days),
            last=plan.last_day)
        if self.invitee_count:
            text += tr("，合计每天约 {n} 位").format(n=plan.per_day(self.invitee_count))
        self._show_plan(text + tr("。"), warn=True)

    def _show_plan(self, text: str, *, warn: bool = False, muted: bool = False) -> None:
        self.plan_label.setText(text)
        self.plan_label.setStyleSheet(
            "color: #c0392b; font-weight: bold;" if warn else ("color: #777;" if muted else ""))

    # -------------------------------------------------------------- creating

    def create(self) -> int | None:
        self.form.clear_errors()
        errors: dict[str, str] = {}
        event_date = None
        try:
            event_date = self.event_date.date("event_date", "活动日期")
            if event_date is None:
                errors["event_date"] = tr("请填写活动日期。")
            elif event_date < self.today_fn():
                errors["event_date"] = tr("活动日期已经过去。")
        except ValidationError as e:
            errors[e.field] = e.message
        f = None
        try:
            f = self.invitee_filter()
        except ValidationError as e:
            errors[e.field] = e.message
        if not self.title_edit.text().strip():
            errors["title"] = tr("请填写活动名称。")
        if not self.content.toPlainText().strip():
            errors["content"] = tr(CONTENT_REQUIRED)
        if not self.place.text().strip():
            errors["place"] = tr(PLACE_REQUIRED)
        if errors:  # in the form's order, so the first field wrong gets the focus
            show_errors(self.form, {k: errors[k] for k in self.form.fields if k in errors})
            return None
        title = self.title_edit.text().strip()
        try:
            cid = self.campaigns.create(
                kind=self.kind.currentText().strip(), title=title,
                content=self.content.toPlainText(), event_date=event_date,
                place=self.place.text(), invitees=f, today=self.today_fn())
        except ValidationError as e:
            show_errors(self.form, {e.field: e.message})
            return None
        info = self.campaigns.get(cid)
        plan = self.campaigns.notice_plan(info.event_date, self.today_fn())
        self.created_ids.append(cid)
        if plan.late:
            self.create_status.setText(tr(
                "已创建活动“{title}”：邀请 {n} 位客户。通知截止日已过，电话通知任务已从 {first} "
                "起分摊到 {k} 个工作日（至 {last}），合计每天约 {per} 位。").format(
                title=info.title, n=info.invitees, first=plan.first_day, k=len(plan.days),
                last=plan.last_day, per=plan.per_day(info.invitees)))
        else:
            self.create_status.setText(
                tr("已创建活动“{title}”：邀请 {n} 位客户，电话通知任务已排入日程（{due} 前打完）。")
                .format(title=info.title, n=info.invitees, due=plan.deadline))
        for w in (self.title_edit, self.place):
            w.clear()
        self.content.clear()
        self.event_date.clear()
        self.update_plan()
        self.refresh(select_id=cid)
        self.campaignCreated.emit(cid)
        return cid

    # -------------------------------------------------------------- the list

    def refresh(self, select_id: int | None = None) -> None:
        current = select_id or self.selected_id()
        self.model.refresh()
        rows = [r for r in range(self.model.rowCount()) if self.model.rows[r].id == current]
        if rows or self.model.rowCount():
            self.table.selectRow(rows[0] if rows else 0)
        self._selection_changed()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        c = self.model.campaign(rows[0].row()) if rows else None
        return c.id if c else None

    def _selection_changed(self, *_args) -> None:
        chosen = self.selected_id() is not None
        self.letters_button.setEnabled(chosen)
        self.cancel_button.setEnabled(chosen)

    def request_letters(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        self.letters_requested_id = cid
        self.lettersRequested.emit(cid)

    def cancel_campaign(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        info = self.campaigns.get(cid)
        if not common.confirm(self, tr("取消活动"), tr(
                "取消活动“{title}”（{day}）？尚未完成的通知电话和信函任务将一并取消。").format(
                title=info.title, day=info.event_date)):
            return
        self.campaigns.cancel(cid, self.today_fn())
        self.create_status.setText(tr("已取消活动“{title}”。").format(title=info.title))
        self.refresh()
