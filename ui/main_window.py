"""The main window: menus, toolbar, status bar and the tabs that work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QTabWidget,
    QToolBar,
    QWidget,
)

from app import __version__, clock
from app.archive import ArchiveService, NotFound, format_archive_no
from app.normalize import ValidationError
from app.staff import StaffInfo, StaffService
from app.store import Store
from app.tasks import TaskService
from app.workdays import provisional_note
from db.models import Role
from ui import common
from ui.archive_tab import ArchiveTab
from ui.calendar_tab import CalendarTab
from ui.common import tr
from ui.customer_dialog import CustomerDialog, VehicleDialog


class ICONS:
    """The actions' icons: Material Design names (qtawesome), each saying what it does."""

    calendar = "mdi6.calendar-today"
    incoming = "mdi6.phone-incoming"
    call = "mdi6.phone-outgoing"
    letter = "mdi6.email-edit-outline"
    new_customer = "mdi6.account-plus"
    visit = "mdi6.car-wrench"
    edit = "mdi6.account-edit"
    import_ = "mdi6.file-import"
    delete = "mdi6.account-remove"
    bin = "mdi6.delete-restore"
    print_ = "mdi6.printer"


DANGER = {ICONS.delete}  # drawn red


class MainWindow(QMainWindow):
    def __init__(self, store: Store, user: StaffInfo, settings: QSettings | None = None,
                 parent: QWidget | None = None, *,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.store = store
        self.user = user
        self.today_fn = today_fn
        store.actor_id = user.id
        self.settings = settings if settings is not None else common.app_settings()
        self.archive = ArchiveService(store)
        self.staff = StaffService(store)
        self.tasks = TaskService(store)
        # Qt adds the application's display name (售后跟踪服务台) after the title itself.
        self.setWindowTitle(tr("{name}（{role}）").format(
            name=user.name, role=tr(user.role_label)))

        self.tabs = QTabWidget()
        self.archive_tab = ArchiveTab(self.archive, history=self._customer_history)
        self.calendar_tab = CalendarTab(self.tasks, user, self.followup_clerks(), today_fn,
                                        load=False)
        self.records_page = common.LazyTab(self._build_records_tab)
        self.tabs.addTab(self.archive_tab, tr("客户档案"))
        self.tabs.addTab(self.calendar_tab, tr("跟踪日历"))
        self.tabs.addTab(self.records_page, tr("电话/信函记录"))
        self.forms_page = common.LazyTab(self._build_forms_tab)
        self.tabs.addTab(self.forms_page, tr("登记表"))
        self.summary_page = common.LazyTab(self._build_summary_tab)
        self.tabs.addTab(self.summary_page, tr("统计"))
        # The day starts with today's calls: open on 跟踪日历 / 今日工作.
        self.tabs.setCurrentWidget(self.calendar_tab)
        self.setCentralWidget(self.tabs)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.archive_tab.customerActivated.connect(self.edit_customer)
        self.archive_tab.vehicleLinkClicked.connect(self.edit_vehicle)
        self.archive_tab.renewalLinkClicked.connect(self.record_renewal)
        self.archive_tab.historyLinkClicked.connect(self.customer_history)
        self.archive_tab.visitLinkClicked.connect(self.edit_visit)
        self.archive_tab.selectionChangedTo.connect(self._selection_changed)
        self.archive_tab.model.modelReset.connect(self._update_counts)
        self.calendar_tab.openCustomer.connect(self.open_customer)
        self.calendar_tab.changed.connect(self._update_task_counts)
        self.calendar_tab.callRequested.connect(self.call_for_task)
        self.calendar_tab.holidayNoticeRequested.connect(self.edit_holidays)
        self.calendar_tab.summaryRequested.connect(self.open_summary_period)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._selection_changed(self.archive_tab.current_customer_id())
        self._update_counts()
        self._update_task_counts(agenda_just_loaded=True)
        self._restore_state()
        self.calendar_tab.agenda_table.setFocus()
        self.restored = False  # 备份与恢复 replaced the database: no exit backup, restart
        self._schema_warned = False
        # A desk left open while another installs a new release learns it within a minute.
        self.schema_timer = QTimer(self)
        self.schema_timer.setInterval(60_000)
        self.schema_timer.timeout.connect(self.check_schema)
        self.schema_timer.start()
        if store.damage:
            self.damage_label = QLabel(tr("数据库已损坏，只能查看"))
            self.damage_label.setToolTip(store.damage)
            self.damage_label.setStyleSheet("color:#b00020; font-weight:bold")
            self.statusBar().addWidget(self.damage_label)

    # -- building

    def _build_records_tab(self):
        from ui.records_tab import RecordsTab

        tab = RecordsTab(self.contacts(), self.letters(), self.clerks(), archive=self.archive,
                         today_fn=self.today_fn)
        tab.openCustomer.connect(self.open_customer)
        tab.changed.connect(self._update_task_counts)
        tab.printCallRecord.connect(self.print_call_record)
        tab.restore_state(self.settings)
        return tab

    def forms(self):
        from app.forms import FormsService

        return FormsService(self.store)

    def _build_forms_tab(self):
        from ui.forms_tab import FormsTab

        return FormsTab(self.forms(), self.clerks(), today_fn=self.today_fn)

    def print_archive_form(self) -> None:
        from ui.forms_tab import print_archive_form

        cid = self.archive_tab.current_customer_id()
        if cid is not None:
            print_archive_form(self, self.forms(), cid)

    def print_call_record(self, call_id: int) -> None:
        from ui.forms_tab import print_call_record

        print_call_record(self, self.forms(), call_id)

    def _build_summary_tab(self):
        from app.summary import SummaryService
        from ui.summary_tab import SummaryTab

        tab = SummaryTab(SummaryService(self.store), self.contacts(), self.archive,
                         self.followup_clerks(), self.user, today_fn=self.today_fn)
        tab.openCustomer.connect(self.open_customer)
        return tab

    @property
    def summary_tab(self):
        return self.summary_page.ensure_built()

    @property
    def records_tab(self):
        return self.records_page.ensure_built()

    def _action(self, text: str, slot, shortcut=None, icon=None, tip: str = "") -> QAction:
        action = QAction(tr(text), self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(common.icon(icon, color=common.ICON_COLOR if icon not in DANGER
                                       else "#c0392b"))
        if tip:
            action.setStatusTip(tr(tip))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        sp = ICONS
        self.act_new_customer = self._action("新建客户…", self.new_customer, "Ctrl+N",
                                             sp.new_customer, "建立新的客户档案")
        self.act_visit = self._action("送修/来访登记…", self.register_visit, "F2",
                                      sp.visit, "登记今天的送修或来访")
        self.act_edit = self._action("编辑客户…", self.edit_current, "Ctrl+E",
                                     sp.edit)
        self.act_vehicle = self._action("新增车辆…", self.add_vehicle, "Ctrl+Shift+V")
        self.act_delete = self._action("删除客户", self.delete_current,
                                       QKeySequence.StandardKey.Delete, sp.delete,
                                       "移入回收站，可恢复")
        self.act_bin = self._action("回收站…", self.open_recycle_bin, None, sp.bin)
        self.act_find = self._action("查找客户", self.focus_search, "Ctrl+F")
        self.act_import = self._action("导入客户档案…", self.import_file, "Ctrl+I",
                                       sp.import_, "从 Excel 或 CSV 导入客户档案")
        self.act_template = self._action("保存导入模板…", self.save_template)
        self.act_password = self._action("修改密码…", self.change_password, None, None,
                                         "修改自己的登录密码")
        self.act_backup = self._action("备份与恢复…", self.open_backups, None, None,
                                       "立即备份、查看备份、用备份恢复")
        self.act_quit = self._action("退出", self.close, QKeySequence.StandardKey.Quit)
        # A clerk neither imports nor deletes (the services refuse it too): not offered.
        for a in (self.act_import, self.act_template, self.act_delete):
            a.setEnabled(self.user.is_supervisor)
        self.act_staff = self._action("员工管理…", self.manage_staff)
        self.act_history = self._action("修改记录…", self.center_history, None, None,
                                        "谁在什么时候改了什么（全部记录）")
        self.act_absence = self._action("请假与代理…", self.manage_absences, None, None,
                                        "登记业务员请假并指定代理人")
        self.act_rules = self._action("跟踪规则设置…", self.edit_rules, None, None,
                                      "建档、跟踪、保养、续保的天数")
        self.act_holidays = self._action("节假日与调休…", self.edit_holidays, None, None,
                                         "录入国务院放假与调休通知；本中心的工作日")
        self.act_calendar = self._action("今日工作", self.show_agenda, "Ctrl+T",
                                         sp.calendar, "跟踪日历：今天要做的事")
        self.act_about = self._action("关于", self.about)
        self.act_incoming = self._action("来电…", self.incoming_call, "F4",
                                         sp.incoming,
                                         "客户打来电话：输入号码找到客户并记录")
        self.act_call = self._action("记录通话…", self.call_current_customer, "Ctrl+Shift+C",
                                     sp.call, "给当前客户打电话并记录")
        self.act_letter = self._action("发信函…", self.letter_current_customer, None,
                                       sp.letter,
                                       "给当前客户写通知、邀请函或答复函")
        self.act_campaigns = self._action("活动管理…", self.manage_campaigns, None, None,
                                          "联谊活动、优惠服务月、免费检测周…：邀请与通知")
        self.act_requests = self._action("客户要求与投诉…", self.open_requests, None, None,
                                         "主管批示上报的要求与投诉")
        self.act_templates = self._action("信函模板与信头…", self.edit_templates)
        self.act_print_archive = self._action("打印客户档案表…", self.print_archive_form, "Ctrl+P",
                                              sp.print_, "打印当前客户的《客户档案基本资料表》")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu(tr("文件(&F)"))
        if self.user.is_supervisor:
            m.addActions([self.act_import, self.act_template])
            m.addSeparator()
        m.addAction(self.act_backup)
        m.addAction(self.act_password)
        m.addSeparator()
        m.addAction(self.act_quit)
        m = bar.addMenu(tr("客户(&C)"))
        m.addActions([self.act_find, self.act_new_customer, self.act_visit, self.act_edit,
                      self.act_vehicle])
        m.addAction(self.act_print_archive)
        m.addSeparator()
        if self.user.is_supervisor:
            m.addAction(self.act_delete)
        m.addAction(self.act_bin)
        m = bar.addMenu(tr("联系(&L)"))
        m.addActions([self.act_incoming, self.act_call, self.act_letter])
        m.addSeparator()
        m.addActions([self.act_campaigns, self.act_requests, self.act_templates])
        if self.user.is_supervisor:
            m = bar.addMenu(tr("管理(&M)"))
            m.addActions([self.act_absence, self.act_rules, self.act_holidays])
            if self.user.role == Role.ADMIN:
                m.addSeparator()
                m.addActions([self.act_staff, self.act_history])
        m = bar.addMenu(tr("帮助(&H)"))
        m.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        tb = QToolBar(tr("常用"))
        tb.setObjectName("mainToolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.setMovable(False)
        tb.addAction(self.act_calendar)
        tb.addAction(self.act_incoming)
        tb.addSeparator()
        tb.addActions([self.act_new_customer, self.act_visit, self.act_edit])
        tb.addSeparator()
        if self.user.is_supervisor:
            tb.addActions([self.act_import, self.act_delete])
        tb.addAction(self.act_bin)
        self.addToolBar(tb)

    def _build_status_bar(self) -> None:
        self.user_label = QLabel(tr("当前用户：{name}（{role}）").format(
            name=self.user.name, role=tr(self.user.role_label)))
        self.count_label = QLabel()
        self.task_label = QLabel()
        self.task_label.setObjectName("taskCounts")
        self.task_label.setTextFormat(Qt.TextFormat.RichText)
        self.task_label.setToolTip(tr("今天到期或在跟踪期限内的待办任务，以及已过截止日的任务"))
        self.db_label = QLabel(self._db_text())
        # the file's name only: at 1024 px the whole path pushed today's counts off the bar
        self.db_label.setToolTip(self.store.url.removeprefix("sqlite:///"))
        sb = self.statusBar()
        sb.addWidget(self.user_label)
        sb.addWidget(self.count_label)
        sb.addPermanentWidget(self.task_label)
        sb.addPermanentWidget(self.db_label)
        m = self.store.migration
        if m is not None and m.backup_path is not None:
            # A label of its own: a temporary message would be painted over the user label.
            self.upgrade_label = QLabel(tr("数据库已升级，升级前的备份：{p}").format(
                p=m.backup_path.name))
            self.upgrade_label.setToolTip(str(m.backup_path))
            self.upgrade_label.setStyleSheet("color:#1a6b2f")
            sb.addWidget(self.upgrade_label)
            QTimer.singleShot(30000, self.upgrade_label, self.upgrade_label.hide)

    def _db_text(self) -> str:
        from pathlib import PurePath

        url = self.store.url
        shown = PurePath(url.removeprefix("sqlite:///")).name if url.startswith("sqlite") \
            else url.rsplit("/", 1)[-1]
        return tr("数据库：{p}").format(p=shown)

    # -- state

    def _restore_state(self) -> None:
        geometry = self.settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            common.fit_to_screen(self, 1200, 720)
        self.archive_tab.restore_state(self.settings)
        self.calendar_tab.restore_state(self.settings)

    def save_state(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.archive_tab.save_state(self.settings)
        self.calendar_tab.save_state(self.settings)
        if self.records_page.widget is not None:
            self.records_page.widget.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if self.forms_page.widget is not None:
            self.forms_page.widget.stop()  # a running export ends before the window does
        self.save_state()
        super().closeEvent(event)

    def _selection_changed(self, customer_id=None) -> None:
        has = self.archive_tab.current_customer_id() is not None
        for a in (self.act_edit, self.act_vehicle, self.act_call, self.act_letter,
                  self.act_print_archive):
            a.setEnabled(has)
        # Delete acts on the archive list: never from another tab, where the key means nothing.
        self.act_delete.setEnabled(has and self.user.is_supervisor
                                   and self.tabs.currentWidget() is self.archive_tab)

    def _tab_changed(self, _index: int) -> None:
        self._selection_changed()
        if self.tabs.currentWidget() is self.calendar_tab:
            self.calendar_tab.refresh()
        self._update_task_counts()

    def _update_task_counts(self, *, agenda_just_loaded: bool = False) -> None:
        cal, today = self.calendar_tab, self.today_fn()
        if agenda_just_loaded and cal.loaded and cal.today == today:
            # The agenda has just counted what it shows: don't ask twice.
            must, overdue, early = cal.counts
        else:
            # the counts of what the 跟踪日历 shows: its clerk and kind filters
            must, overdue, early = self.tasks.status_counts(
                self.user, today, clerk_id=cal.clerk_id(), kinds=cal.kinds())
        red = "color:#c0392b; font-weight:bold;" if overdue else ""
        text = tr("今日必做 {n} 项（<span style='{s}'>逾期 {m} 项</span>）　可提前 {k} 项").format(
            n=must, m=overdue, k=early, s=red)
        self.tabs.setTabText(self.tabs.indexOf(cal), tr("跟踪日历（{n}）").format(n=must))
        years = self.tasks.work_calendar().provisional_years(today, today + dt.timedelta(days=60))
        if years:
            note = "；".join(tr(provisional_note(y)) for y in years)
            text += f"　<span style='color:#d35400'>{note}</span>"
        self.task_label.setText(text)

    def tasks_changed(self) -> None:
        """Records changed (the archive service already re-planned the tasks): show it."""
        self.calendar_tab.refresh()
        if self.records_page.widget is not None:
            self.records_page.widget.reload()
        self._update_task_counts()

    def _update_counts(self) -> None:
        shown = self.archive_tab.model.rowCount()
        total = self.archive.count()
        self.count_label.setText(tr("档案 {total} 份，显示 {shown} 份").format(
            total=total, shown=shown))

    # -- commands

    def clerks(self) -> list[StaffInfo]:
        """Everybody active (filters by who did the work: a supervisor logs calls too)."""
        return [s for s in self.staff.list(include_inactive=False)]

    def followup_clerks(self) -> list[StaffInfo]:
        """Who can be a customer's 跟踪业务员: the active clerks, not the supervisor or admin."""
        return self.staff.clerks()

    def default_clerk_id(self) -> int | None:
        """A clerk's new customers are their own; the supervisor's and admin's nobody's yet."""
        return self.user.id if self.user.role == Role.CLERK else None

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.archive_tab)
        self.archive_tab.search.setFocus()
        self.archive_tab.search.selectAll()

    def new_customer(self) -> CustomerDialog:
        dialog = CustomerDialog(self.archive, self.followup_clerks(), self,
                                default_clerk_id=self.default_clerk_id())
        self._run_customer_dialog(dialog)
        return dialog

    def _run_customer_dialog(self, dialog: CustomerDialog) -> None:
        if common.run(dialog) and dialog.customer_id is not None:
            self.archive_tab.reload(keep=dialog.customer_id)
            self.archive_tab.select_customer(dialog.customer_id)
            self.statusBar().showMessage(tr("已保存客户档案"), 4000)
        elif dialog.open_customer_id is not None:
            self.archive_tab.select_customer(dialog.open_customer_id)
        self._update_counts()
        self.tasks_changed()

    def edit_current(self) -> None:
        cid = self.archive_tab.current_customer_id()
        if cid is not None:
            self.edit_customer(cid)

    def edit_customer(self, customer_id: int) -> None:
        try:
            detail = self.archive.detail(customer_id)
        except NotFound:
            return
        self._run_customer_dialog(CustomerDialog(self.archive, self.followup_clerks(), self,
                                                 customer=detail))

    def add_vehicle(self) -> None:
        cid = self.archive_tab.current_customer_id()
        if cid is not None and common.run(VehicleDialog(self.archive, cid, self)):
            self.archive_tab.reload(keep=cid)
            self.tasks_changed()

    def edit_vehicle(self, customer_id: int, vehicle_id: int) -> None:
        detail = self.archive.detail(customer_id)
        vehicle = next((v for v in detail.vehicles if v.id == vehicle_id), None)
        if vehicle and common.run(VehicleDialog(self.archive, customer_id, self, vehicle=vehicle)):
            self.archive_tab.reload(keep=customer_id)
            self.tasks_changed()

    def customer_history(self, customer_id: int):
        """修改记录 of one customer: the customer, cars, visits, calls, requests, tasks."""
        from app.history import HistoryService
        from ui.history_dialog import HistoryDialog

        name = self.archive.detail(customer_id).name
        dialog = HistoryDialog(tr("修改记录 — {name}").format(name=name),
                               HistoryService(self.store).for_customer(customer_id), self)
        common.run(dialog)
        return dialog

    def center_history(self):
        """The administrator's view of the latest changes in the whole center."""
        from app.history import HistoryService
        from ui.history_dialog import HistoryDialog

        dialog = HistoryDialog(tr("修改记录（最近 2000 条）"),
                               HistoryService(self.store).recent(), self)
        common.run(dialog)
        return dialog

    def record_renewal(self, customer_id: int, vehicle_id: int) -> None:
        """登记续保 from the archive page: the old expiry's reminder closes as done."""
        from app.renewals import RenewalService
        from ui.renewal_dialog import RenewalDialog

        detail = self.archive.detail(customer_id)
        vehicle = next((v for v in detail.vehicles if v.id == vehicle_id), None)
        if vehicle is None:
            return
        if common.run(RenewalDialog(RenewalService(self.store), vehicle, self)):
            self.archive_tab.reload(keep=customer_id)
            self.statusBar().showMessage(tr("已登记续保"), 4000)
            self.tasks_changed()

    def edit_visit(self, customer_id: int, visit_id: int) -> None:
        from ui.visit_dialog import VisitDialog

        try:
            visit = self.archive.visit(visit_id)
        except NotFound:
            return
        dialog = VisitDialog(self.archive, self.followup_clerks(), self,
                             customer_id=customer_id, visit=visit)
        if common.run(dialog):
            self.archive_tab.reload(keep=customer_id)
            self.statusBar().showMessage(tr("已修改来访记录"), 4000)
            self.tasks_changed()

    def register_visit(self) -> None:
        from ui.visit_dialog import VisitDialog

        dialog = VisitDialog(self.archive, self.followup_clerks(), self,
                             customer_id=self.archive_tab.current_customer_id(),
                             default_clerk_id=self.default_clerk_id())
        if common.run(dialog) and dialog.customer is not None:
            self.archive_tab.reload(keep=dialog.customer.id)
            self.statusBar().showMessage(tr("已登记来访"), 4000)
        self._update_counts()
        self.tasks_changed()

    def delete_current(self) -> None:
        cid = self.archive_tab.current_customer_id()
        if cid is None:
            return
        detail = self.archive.detail(cid)
        if not common.confirm(self, tr("删除客户"), tr(
                "把客户“{name}”（档案编号 {no}）移入回收站？\n可以在“客户 → 回收站”中恢复。"
        ).format(name=detail.name, no=format_archive_no(detail.archive_no))):
            return
        try:
            self.archive.delete_customer(cid, by=self.user)
        except ValidationError as e:
            common.warning(self, tr("删除客户"), e.message)
            return
        self.archive_tab.reload()
        self.statusBar().showMessage(tr("已移入回收站：{name}").format(name=detail.name), 6000)
        self.tasks_changed()

    def open_recycle_bin(self) -> None:
        from ui.recycle_bin import RecycleBinDialog

        dialog = RecycleBinDialog(self.archive, self)
        common.run(dialog)
        if dialog.restored:
            self.archive_tab.reload(keep=dialog.restored[-1])
            self.tasks_changed()
        self._update_counts()

    def import_file(self, path: Path | None = None) -> None:
        if not self.user.is_supervisor:  # not offered to a clerk; the service refuses too
            common.warning(self, tr("导入客户档案"),
                           tr("跟踪业务员不能导入客户档案，请联系业务主管。"))
            return
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, tr("导入客户档案"), str(Path.home()),
                tr("Excel 或 CSV (*.xlsx *.xlsm *.csv)"))
            if not chosen:
                return
            path = Path(chosen)
        clerk = self.ask_import_clerk()
        if clerk is False:
            return
        from ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.store, path, self, default_clerk_id=clerk or None)
        common.run(dialog)
        self.archive_tab.reload()
        self._update_counts()
        self.tasks_changed()

    def ask_import_clerk(self) -> int | None | bool:
        """Who follows up the customers the import creates (rows naming no clerk); False:
        the user cancelled."""
        from PySide6.QtWidgets import QInputDialog

        clerks = self.followup_clerks()
        none = tr("（不指定：只按表中的“跟踪业务员”列）")
        names = [none] + [c.name for c in clerks]
        default = next((i + 1 for i, c in enumerate(clerks) if c.id == self.user.id), 0)
        name, ok = QInputDialog.getItem(
            self, tr("导入客户档案"), tr("新建客户的跟踪业务员（表中没有写明业务员的行）："),
            names, default, False)
        if not ok:
            return False
        return next((c.id for c in clerks if c.name == name), None)

    def save_template(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self, tr("保存导入模板"), str(Path.home() / "客户档案导入模板.xlsx"),
            tr("Excel 工作簿 (*.xlsx)"))
        if target:
            from app.template import write_template

            write_template(Path(target))
            self.statusBar().showMessage(tr("模板已保存：{p}").format(p=target), 6000)

    def manage_staff(self) -> None:
        from ui.staff_dialog import StaffDialog

        common.run(StaffDialog(self.staff, self))
        self.archive_tab.reload()
        self.tasks_changed()

    def manage_absences(self) -> None:
        from ui.absence_dialog import AbsenceDialog

        common.run(AbsenceDialog(self.tasks, self.clerks(), self, today_fn=self.today_fn))
        self.tasks_changed()

    def edit_rules(self) -> None:
        from ui.settings_dialog import RulesDialog

        common.run(RulesDialog(self.tasks, self))
        self.tasks_changed()

    def open_summary_period(self, kind: str, year: int, month: int) -> None:
        """主管待办 → 统计 on the month or year whose 小结/总结 is to be filed."""
        self.tabs.setCurrentWidget(self.summary_page)
        self.summary_tab.set_period(kind, dt.date(year, month or 12, 1))

    def edit_holidays(self, year: int | None = None) -> None:
        from app.public_days import PublicDayService
        from ui.holiday_dialog import HolidayDialog

        dialog = HolidayDialog(PublicDayService(self.store), self.user, self,
                               year=year or None, today_fn=self.today_fn)
        common.run(dialog)
        self.tasks_changed()

    # -- the calendar

    def show_agenda(self) -> None:
        self.tabs.setCurrentWidget(self.calendar_tab)
        self.calendar_tab.show_view(CalendarTab.AGENDA)

    # -- calls, letters, campaigns (R2, R4–R8)

    def _customer_history(self, customer_id: int) -> str:
        from ui.archive_tab import history_html

        calls = self.contacts().calls_for_customer(customer_id, limit=20)
        letters = self.letters().letters_for_customer(customer_id)[:20]
        return history_html(calls, letters)

    def contacts(self):
        from app.contacts import ContactService

        return ContactService(self.store)

    def letters(self):
        from app.letters import LetterService

        return LetterService(self.store)

    def _run_call_dialog(self, **kwargs) -> None:
        from ui.call_dialog import CallDialog

        dialog = CallDialog(self.contacts(), self.archive, self, clerks=self.followup_clerks(),
                            **kwargs)
        accepted = common.run(dialog)
        task = kwargs.get("task")
        if dialog.wants_letter and task is not None:
            # the letter instead of the call: about the task's campaign or request, if any
            campaign_id, request_id = self.letters().context_for_task(task.task_id)
            self.write_letters([task.customer_id], kind="reply" if request_id else "notice",
                               campaign_id=campaign_id, request_id=request_id)
        if accepted:
            self.statusBar().showMessage(tr("通话已记录"), 4000)
            cid = self.archive_tab.current_customer_id()
            self.archive_tab.reload(keep=cid)
        self.tasks_changed()

    def call_for_task(self, item) -> None:
        self._run_call_dialog(customer_id=item.customer_id, task=item)

    def call_current_customer(self) -> None:
        cid = self.archive_tab.current_customer_id()
        if cid is not None:
            self._run_call_dialog(customer_id=cid)

    def incoming_call(self) -> None:
        self._run_call_dialog(incoming=True)

    def write_letters(self, customer_ids: list[int], *, kind: str | None = None,
                      campaign_id: int | None = None, request_id: int | None = None) -> None:
        from ui.letter_dialog import LetterDialog

        dialog = LetterDialog(self.letters(), self, customer_ids=customer_ids, kind=kind,
                              campaign_id=campaign_id, request_id=request_id,
                              today_fn=self.today_fn)
        common.run(dialog)
        self.tasks_changed()

    def letter_current_customer(self) -> None:
        cid = self.archive_tab.current_customer_id()
        if cid is not None:
            # a solution waiting to be told to the customer makes it a 答复函
            request_id = self.letters().context_for_customer(cid)
            self.write_letters([cid], kind="reply" if request_id else None,
                               request_id=request_id)

    def manage_campaigns(self) -> None:
        from app.campaigns import CampaignService
        from ui.campaign_dialog import CampaignDialog

        campaigns = CampaignService(self.store)
        dialog = CampaignDialog(campaigns, self, self.today_fn)
        dialog.lettersRequested.connect(lambda cid: (
            self.write_letters(campaigns.invitees(cid), kind="invitation", campaign_id=cid),
            dialog.refresh()))
        dialog.campaignCreated.connect(lambda _cid: self.tasks_changed())
        common.run(dialog)
        self.tasks_changed()

    def open_requests(self) -> None:
        from ui.request_dialog import RequestQueueDialog

        dialog = RequestQueueDialog(self.contacts(), self, today_fn=self.today_fn)
        dialog.changed.connect(self.tasks_changed)
        common.run(dialog)
        self.tasks_changed()

    def edit_templates(self) -> None:
        from ui.template_dialog import TemplateDialog

        common.run(TemplateDialog(self.letters(), self))

    def open_customer(self, customer_id: int) -> None:
        """From a task in 跟踪日历 to the customer's archive page."""
        self.tabs.setCurrentWidget(self.archive_tab)
        self.archive_tab.select_customer(customer_id)
        self.archive_tab.table.setFocus()

    def open_backups(self) -> None:
        from ui.backup_dialog import BackupDialog

        dialog = BackupDialog(self.store, self.user, self)
        common.run(dialog)
        if dialog.restored is not None:
            # The file under this window changed: nothing on screen is true any more.
            self.restored = True
            self.close()

    def check_schema(self) -> None:
        """Another desk upgraded the database to a newer release: say so once, plainly."""
        if self._schema_warned:
            return
        try:
            message = self.store.outdated_message()
        except Exception:  # noqa: BLE001 - a network hiccup is not worth a dialog
            return
        if message:
            self._schema_warned = True
            common.warning(self, tr("请关闭本程序"), message)

    def change_password(self) -> bool:
        from ui.staff_dialog import PasswordDialog

        if common.run(PasswordDialog(self.staff, self.user, self)):
            self.statusBar().showMessage(tr("密码已修改，下次登录请用新密码。"), 6000)
            return True
        return False

    def about(self) -> None:
        common.information(self, tr("关于"), tr(
            "售后跟踪服务台 FollowDesk {v}\n\n客户档案、跟踪回访、电话信函登记。"
        ).format(v=__version__))
