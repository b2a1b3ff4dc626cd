"""跟踪日历: today's work and the month view, driven through the real widgets on a fixed day."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.staff import StaffService
from app.tasks import TaskService
from db.models import Role, VisitKind

TODAY = dt.date(2026, 11, 27)  # a Friday
D = dt.timedelta


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    """The app's clock reads this file's day, like the services it calls."""
    frozen_clock.freeze(TODAY)


@pytest.fixture
def tasks(store):
    return TaskService(store)


@pytest.fixture
def staff(store, monkeypatch):
    # Nobody logs in here: skip Argon2's deliberate slowness (0.1 s a hash).
    monkeypatch.setattr("app.staff.hash_password", lambda password: "unused")
    s = StaffService(store)
    return {
        "wang": s.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "li": s.create("liqiang", "李强", Role.CLERK, "secret12"),
        "boss": s.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
    }


@pytest.fixture
def people(store, staff):
    return StaffService(store).list(include_inactive=False)


class Book:
    """Customers with a visit picked up on a day relative to TODAY, tasks planned as of TODAY."""

    def __init__(self, archive, tasks):
        self.archive, self.tasks = archive, tasks
        self.n = 0

    def customer(self, clerk, name, pickup_days_ago=None, insurance_in=None, items="更换机油机滤"):
        self.n += 1
        cid = self.archive.create_customer(
            CustomerInput(name=name, phone=f"1381234{self.n:04d}", address="广州市天河区体育西路",
                          clerk_id=clerk.id),
            [VehicleInput(plate=f"粤A1{self.n:04d}", model="丰田卡罗拉", kind="轿车",
                          maintenance_cycle_months=6,
                          next_maintenance_date=TODAY + D(150),
                          insurance_expiry=TODAY + D(insurance_in) if insurance_in else None)])
        if pickup_days_ago is not None:
            pickup = TODAY - D(pickup_days_ago)
            vid = self.archive.detail(cid).vehicles[0].id
            self.archive.register_visit(cid, vid, VisitInput(
                kind=VisitKind.REPAIR, intake_date=pickup - D(1), pickup_date=pickup,
                service_items=items))
        # The service plans as of the real date; the tests live on TODAY.
        self.tasks.sync([cid], TODAY)
        return cid


@pytest.fixture
def book(archive, tasks):
    return Book(archive, tasks)


@pytest.fixture
def three(book, staff):
    """王芳: one overdue, one due today, one in window (first follow-up windows are +3..+7)."""
    return {
        "overdue": book.customer(staff["wang"], "张伟", pickup_days_ago=10),  # due TODAY-3
        "today": book.customer(staff["wang"], "陈静", pickup_days_ago=7),  # due TODAY
        "window": book.customer(staff["wang"], "刘洋", pickup_days_ago=5),  # due TODAY+2
    }


def make_tab(qtbot, tasks, user, people, today=TODAY, show=False):
    from ui.calendar_tab import CalendarTab

    day = {"today": today}
    tab = CalendarTab(tasks, user, people, today_fn=lambda: day["today"])
    tab.day = day  # tests move the clock with tab.day["today"] = …
    qtbot.addWidget(tab)
    if show:
        tab.resize(1200, 700)
        tab.show()
        qtbot.waitExposed(tab)
    return tab


def rows(model):
    """(customer, status) of each task row; the 可提前 line is not a task."""
    from ui.calendar_tab import COL

    return [(model.index(r, COL["customer"]).data(), model.index(r, COL["status"]).data())
            for r in range(model.rowCount()) if r != model.fold_row()]


def unfold(tab):
    """Open the 可提前 rows, as a click on their line does."""
    if not tab.agenda_model.expanded and tab.agenda_model.fold_row() >= 0:
        tab.toggle_early()


def cell(model, row, key, role=Qt.ItemDataRole.DisplayRole):
    from ui.calendar_tab import COL

    return model.index(row, COL[key]).data(role)


def test_agenda_overdue_in_red_first_then_due_today_bold_then_in_window(
        qtbot, tasks, staff, people, three):
    tab = make_tab(qtbot, tasks, staff["wang"], people)
    m = tab.agenda_model
    assert rows(m) == [("张伟", "逾期 3 天"), ("陈静", "今日到期"), ("刘洋", "可跟踪")]
    assert cell(m, 0, "customer", Qt.ItemDataRole.ForegroundRole).color().name() == "#c0392b"
    assert cell(m, 1, "customer", Qt.ItemDataRole.ForegroundRole) is None
    assert cell(m, 1, "customer", Qt.ItemDataRole.FontRole).bold()
    assert cell(m, 2, "customer", Qt.ItemDataRole.FontRole) is None
    assert cell(m, 0, "kind") == "第一次跟踪"
    assert cell(m, 0, "archive_no") == "000001"
    assert cell(m, 0, "plate") == "粤A10001" and cell(m, 0, "phone") == "13812340001"
    assert cell(m, 0, "window") == "11-20～11-24"
    assert cell(m, 0, "suggested") == "尽快"
    assert cell(m, 2, "suggested") == "11-27 周五"  # the first working day left in the window
    assert cell(m, 0, "owner") == "王芳" and cell(m, 0, "topic") == "更换机油机滤"
    assert "逾期 1" in tab.summary_label.text() and "今日必做 3" in tab.summary_label.text()
    assert tab.date_label.text() == "今天：2026-11-27 星期五"
    assert tab.agenda_table.currentIndex().row() == 0 and tab.done_button.isEnabled()


def test_a_window_inside_the_national_day_holiday_moves_to_the_first_working_day_after(
        qtbot, tasks, staff, people, book):
    # Picked up 2026-09-28: window 10-01..10-05, all 国庆节; seen on 2026-10-06.
    cid = book.customer(staff["wang"], "国庆", pickup_days_ago=(TODAY - dt.date(2026, 9, 28)).days)
    tasks.sync([cid], dt.date(2026, 9, 30))
    tab = make_tab(qtbot, tasks, staff["boss"], people, today=dt.date(2026, 10, 6))
    unfold(tab)  # 10-06 is a day off: the call waits for 10-08, so it may be done early
    [row] = [r for r in range(tab.agenda_model.rowCount())
             if cell(tab.agenda_model, r, "customer") == "国庆"]
    assert cell(tab.agenda_model, row, "suggested") == "10-08 周四（顺延）"
    assert cell(tab.agenda_model, row, "status") == "顺延至 10-08"  # not 逾期: still in time
    color = cell(tab.agenda_model, row, "suggested", Qt.ItemDataRole.ForegroundRole)
    assert color.color().name() == "#d35400"
    tip = cell(tab.agenda_model, row, "suggested", Qt.ItemDataRole.ToolTipRole)
    assert "顺延" in tip and "按时" in tip and "第一个工作日" in tip
    assert "调休" in tab.date_label.text()  # 10-06 is a moved rest day of 国庆 2026


def test_without_carry_over_a_holiday_window_says_it_has_no_working_day(
        qtbot, store, tasks, staff, people, book):
    from app.public_days import PublicDayService

    PublicDayService(store).save_work_week({0, 1, 2, 3, 4}, carry_over=False)
    cid = book.customer(staff["wang"], "国庆", pickup_days_ago=(TODAY - dt.date(2026, 9, 28)).days)
    tasks.sync([cid], dt.date(2026, 9, 30))
    tab = make_tab(qtbot, tasks, staff["boss"], people, today=dt.date(2026, 10, 1))
    [row] = [r for r in range(tab.agenda_model.rowCount())
             if cell(tab.agenda_model, r, "customer") == "国庆"]
    assert cell(tab.agenda_model, row, "suggested") == "期限内无工作日"
    assert "国庆节" in tab.date_label.text()


def test_a_provisional_year_is_flagged_and_the_supervisor_gets_the_notice_task(
        qtbot, tasks, staff, people):
    day = dt.date(2026, 12, 10)  # 2027 is computed: from 11-01 the supervisor is asked
    boss = make_tab(qtbot, tasks, staff["boss"], people, today=day)
    assert boss.calendar_banner.isVisibleTo(boss)
    assert "请录入 2027 年国务院放假与调休通知" in boss.calendar_note.text()
    requested = []
    boss.holidayNoticeRequested.connect(requested.append)
    qtbot.mouseClick(boss.notice_button, Qt.MouseButton.LeftButton)
    assert requested == [2027]
    # a clerk is told, late in December when the agenda reaches into 2027, and has no button
    clerk = make_tab(qtbot, tasks, staff["wang"], people, today=dt.date(2026, 12, 10))
    assert "2027 年按推算（未录入国务院通知）" in clerk.calendar_note.text()
    assert not clerk.notice_button.isVisibleTo(clerk)
    clerk.show_view(clerk.MONTH)
    assert not clerk.note_label.isVisibleTo(clerk)  # December 2026 follows the notice
    clerk.shift_month(1)
    assert clerk.note_label.isVisibleTo(clerk)
    assert "2027 年按推算（未录入国务院通知）" in clerk.note_label.text()


def test_kind_filter_narrows_the_agenda_and_the_month(qtbot, tasks, staff, people, three, book):
    book.customer(staff["wang"], "赵敏", insurance_in=20)  # 续保 window TODAY-10..TODAY+20
    tab = make_tab(qtbot, tasks, staff["wang"], people)
    assert tab.agenda_model.rowCount() == 4
    tab.set_kind("insurance")
    assert rows(tab.agenda_model) == [("赵敏", "可跟踪")]
    assert cell(tab.agenda_model, 0, "kind") == "续保提醒"
    assert "今日必做 1" in tab.summary_label.text() and "逾期 0" in tab.summary_label.text()
    assert tab.grid.counts == {}  # due 2026-12-17: nothing in November
    tab.set_kind(None)
    assert tab.agenda_model.rowCount() == 4


def test_clerk_sees_only_own_tasks_while_the_supervisor_sees_all(
        qtbot, tasks, staff, people, three, book):
    book.customer(staff["li"], "李明", pickup_days_ago=5)
    wang = make_tab(qtbot, tasks, staff["wang"], people)
    assert not wang.clerk_combo.isEnabled() and wang.clerk_combo.currentText() == "王芳"
    assert {r[0] for r in rows(wang.agenda_model)} == {"张伟", "陈静", "刘洋"}
    li = make_tab(qtbot, tasks, staff["li"], people)
    assert rows(li.agenda_model) == [("李明", "可跟踪")]
    boss = make_tab(qtbot, tasks, staff["boss"], people)
    assert boss.clerk_combo.isEnabled() and boss.clerk_combo.currentText() == "全部业务员"
    assert {r[0] for r in rows(boss.agenda_model)} == {"张伟", "陈静", "刘洋", "李明"}
    boss.set_clerk(staff["li"].id)
    assert rows(boss.agenda_model) == [("李明", "可跟踪")]
    assert "逾期 0" in boss.summary_label.text() and "今日必做 1" in boss.summary_label.text()


def test_stand_in_works_the_absent_clerks_tasks_only_during_the_absence(
        qtbot, tasks, staff, people, book):
    book.customer(staff["wang"], "张伟", pickup_days_ago=3)  # window TODAY..TODAY+4
    book.customer(staff["li"], "李明", pickup_days_ago=5)
    tasks.add_absence(staff["wang"].id, TODAY - D(1), TODAY + D(1), staff["li"].id, "年假")
    li = make_tab(qtbot, tasks, staff["li"], people)
    shown = {cell(li.agenda_model, r, "customer"): cell(li.agenda_model, r, "owner")
             for r in range(li.agenda_model.rowCount())}
    assert shown == {"张伟": "王芳（李强 代理）", "李明": "李强"}
    li.day["today"] = TODAY + D(2)  # the absence is over: the task goes back to 王芳
    li.refresh()
    assert rows(li.agenda_model) == [("李明", "今日到期")]
    wang = make_tab(qtbot, tasks, staff["wang"], people, today=TODAY + D(2))
    unfold(wang)  # a Sunday: nothing is suggested for today
    assert [cell(wang.agenda_model, r, "owner") for r in range(wang.agenda_model.rowCount())
            if r != wang.agenda_model.fold_row()] == ["王芳"]


def test_month_view_counts_on_the_due_day_and_a_click_lists_that_day(
        qtbot, tasks, staff, people, three, book):
    book.customer(staff["li"], "李明", pickup_days_ago=5)
    tab = make_tab(qtbot, tasks, staff["boss"], people, show=True)
    qtbot.mouseClick(tab.month_button, Qt.MouseButton.LeftButton)
    assert tab.pages.currentIndex() == tab.MONTH
    assert tab.month_label.text() == "2026 年 11 月"
    texts = {day: [t.text for t in tab.grid.tokens(day)] for day in tab.grid.days()}
    assert texts[TODAY - D(3)] == ["逾期 1", "跟踪1 1"]
    assert texts[TODAY] == ["跟踪1 1"]
    assert texts[TODAY + D(2)] == ["跟踪1 2"]
    assert tab.grid.tokens(TODAY - D(3))[0].color.name() == "#c0392b"
    assert tab.note_label.isHidden()
    tab.grid.grab()  # paints every cell
    rect = tab.grid.day_rect(TODAY + D(2))
    qtbot.mouseClick(tab.grid, Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.selected_day == TODAY + D(2)
    assert sorted(r[0] for r in rows(tab.day_model)) == ["刘洋", "李明"]
    assert "2026-11-29 星期日" in tab.day_label.text() and "2 项" in tab.day_label.text()
    qtbot.keyClick(tab.grid, Qt.Key.Key_Left)  # arrows walk the days
    assert tab.selected_day == TODAY + D(1) and tab.day_model.rowCount() == 0
    qtbot.mouseClick(tab.next_button, Qt.MouseButton.LeftButton)
    assert tab.month_label.text() == "2026 年 12 月" and tab.grid.counts == {}
    qtbot.mouseClick(tab.this_month_button, Qt.MouseButton.LeftButton)
    assert tab.selected_day == TODAY and rows(tab.day_model) == [("陈静", "今日到期")]


def test_holidays_and_a_year_without_holiday_data(qtbot, tasks, staff, people):
    tab = make_tab(qtbot, tasks, staff["boss"], people)
    tab.show_view(tab.MONTH)
    tab.select_day(dt.date(2026, 10, 1))
    assert tab.month_label.text() == "2026 年 10 月" and tab.note_label.isHidden()
    assert "国庆节" in tab.day_label.text()
    assert "国庆节" in tab.grid.day_tooltip(dt.date(2026, 10, 1))
    assert "调休上班" in tab.grid.day_tooltip(dt.date(2026, 10, 10))  # a Saturday worked
    tab.show_month(2030, 5)
    assert not tab.note_label.isHidden()
    assert tab.note_label.text().startswith("2030 年按推算（未录入国务院通知）")
    assert "春节" in tab.grid.day_tooltip(dt.date(2030, 2, 4))  # computed for any year
    tab.go_today()
    assert tab.note_label.isHidden()


def answer_close_dialog(qtbot, reason: str, note: str = "", then_cancel: bool = False):
    """Fill the 没有通话，标记完成 dialog the moment it opens, as a clerk would."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    seen = {}

    def act():
        d = QApplication.activeModalWidget()
        seen["dialog"] = d
        d.reason.setCurrentIndex(max(d.reason.findData(reason), 0))
        d.note.setText(note)
        qtbot.mouseClick(d.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
        seen["message"] = d.message.text()
        if then_cancel:
            d.reject()

    QTimer.singleShot(0, act)
    return seen


def test_marking_a_call_done_without_a_call_needs_a_reason_and_plans_no_second_call(
        qtbot, tasks, staff, people, three, msgbox):
    tab = make_tab(qtbot, tasks, staff["wang"], people)
    changed = []
    tab.changed.connect(lambda: changed.append(1))
    tab.agenda_table.selectRow(1)  # 陈静, due today
    tab.agenda_table.setCurrentIndex(tab.agenda_model.index(1, 0))
    seen = answer_close_dialog(qtbot, "", then_cancel=True)
    qtbot.mouseClick(tab.done_button, Qt.MouseButton.LeftButton)
    assert seen["message"] == "请选择没有通话就关闭这项任务的原因。"
    assert tab.agenda_model.rowCount() == 3 and changed == []
    seen = answer_close_dialog(qtbot, "其他", then_cancel=True)
    qtbot.mouseClick(tab.done_button, Qt.MouseButton.LeftButton)
    assert seen["message"] == "选择“其他”时请写明原因。" and changed == []
    answer_close_dialog(qtbot, "客户已到店面谈", "保养时当面问过，满意")
    qtbot.mouseClick(tab.done_button, Qt.MouseButton.LeftButton)
    assert [r[0] for r in rows(tab.agenda_model)] == ["张伟", "刘洋"] and changed == [1]
    followups = {t.kind: t for t in tasks.for_customer(three["today"], TODAY)}
    assert followups["first_followup"].done_on == TODAY
    assert "second_followup" not in followups  # R4 counts from a call, and there was none
    with tasks.store.read() as s:
        from db.models import Task

        row = s.get(Task, followups["first_followup"].task_id)
        assert row.closed_reason == "no_call:客户已到店面谈"
        assert row.close_note == "保养时当面问过，满意"
        assert row.done_by_id is not None and row.done_on == TODAY  # who and when
    assert "今日必做 2" in tab.summary_label.text()  # 张伟 overdue, 刘洋 suggested today


def test_enter_opens_the_customer(qtbot, tasks, staff, people, three):
    tab = make_tab(qtbot, tasks, staff["wang"], people, show=True)
    tab.agenda_table.setFocus()
    tab.agenda_table.setCurrentIndex(tab.agenda_model.index(2, 0))
    with qtbot.waitSignal(tab.openCustomer) as blocker:
        qtbot.keyClick(tab.agenda_table, Qt.Key.Key_Return)
    assert blocker.args == [three["window"]]
    with qtbot.waitSignal(tab.openCustomer) as blocker:
        qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [three["window"]]


def test_model_passes_qtmodeltester(qtmodeltester, tasks, staff, three):
    from ui.calendar_tab import TaskTableModel

    model = TaskTableModel()
    ids = tasks.agenda_ids(staff["wang"], TODAY)
    model.set_ids(ids, lambda chunk: tasks.agenda_items(staff["wang"], TODAY, chunk), TODAY)
    qtmodeltester.check(model)
    assert isinstance(cell(model, 1, "status", Qt.ItemDataRole.FontRole), QFont)
    model.set_items(tasks.day_tasks(staff["wang"], TODAY, TODAY), TODAY)
    qtmodeltester.check(model)
    model.set_items([], TODAY)
    qtmodeltester.check(model)


# ---------------------------------------------------------------- the main window


@pytest.fixture
def window_for(qtbot, store, ui_settings, msgbox):
    def make(user):
        from ui.main_window import MainWindow

        w = MainWindow(store, user, ui_settings, today_fn=lambda: TODAY)
        qtbot.addWidget(w)
        w.show()  # the calendar reads its tasks when it is first shown
        return w
    return make


def test_window_opens_on_todays_work_with_counts_in_the_status_bar(
        qtbot, window_for, staff, three, book, archive):
    w = window_for(staff["wang"])
    assert w.tabs.currentWidget() is w.calendar_tab
    assert w.calendar_tab.pages.currentIndex() == w.calendar_tab.AGENDA
    assert "今日必做 3 项" in w.task_label.text() and "逾期 1 项" in w.task_label.text()
    assert w.tabs.tabText(w.tabs.indexOf(w.calendar_tab)) == "跟踪日历（3）"
    assert not w.act_delete.isEnabled()  # Delete in the calendar never deletes a customer
    w.calendar_tab.agenda_table.setCurrentIndex(w.calendar_tab.agenda_model.index(0, 0))
    answer_close_dialog(qtbot, "号码错误")
    w.calendar_tab.mark_done()
    assert "今日必做 2 项" in w.task_label.text() and "逾期 0 项" in w.task_label.text()
    book.customer(staff["wang"], "李明", pickup_days_ago=5)  # e.g. another desk registers
    w.tabs.setCurrentWidget(w.archive_tab)
    assert "今日必做 3 项" in w.task_label.text()
    assert w.tabs.tabText(w.tabs.indexOf(w.calendar_tab)) == "跟踪日历（3）"
    w.tabs.setCurrentWidget(w.calendar_tab)
    assert w.calendar_tab.agenda_model.rowCount() == 3


def test_open_customer_from_the_calendar_selects_it_in_the_archive(window_for, staff, three):
    w = window_for(staff["wang"])
    w.calendar_tab.openCustomer.emit(three["today"])
    assert w.tabs.currentWidget() is w.archive_tab
    assert w.archive_tab.current_customer_id() == three["today"]
    assert "陈静" in w.archive_tab.detail.toPlainText()
    assert w.act_edit.isEnabled()
    assert not w.act_delete.isEnabled()  # a clerk does not delete customers


def test_admin_menu_by_role(qtbot, window_for, staff, admin, monkeypatch):
    def menu(w):
        bar = [a for a in w.menuBar().actions() if "管理" in a.text()]
        return [a.text() for a in bar[0].menu().actions() if a.text()] if bar else None

    assert menu(window_for(staff["wang"])) is None
    assert menu(window_for(staff["boss"])) == ["请假与代理…", "跟踪规则设置…", "节假日与调休…"]
    w = window_for(admin)
    assert menu(w) == ["请假与代理…", "跟踪规则设置…", "节假日与调休…", "员工管理…", "修改记录…"]
    from ui import settings_dialog

    opened = []
    monkeypatch.setattr(settings_dialog.RulesDialog, "exec", lambda self: opened.append(1) or 0)
    w.act_rules.trigger()
    assert opened == [1]


# ---------------------------------------------------------------- 请假与代理


def test_absence_dialog_validates_at_the_field_lists_and_cancels(
        qtbot, tasks, staff, people, msgbox):
    from ui.absence_dialog import AbsenceDialog

    dialog = AbsenceDialog(tasks, people, today_fn=lambda: TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.clerk.setCurrentIndex(dialog.clerk.findData(staff["wang"].id))
    assert dialog.stand_in.currentData() != staff["wang"].id
    dialog.stand_in.setCurrentIndex(dialog.stand_in.findData(staff["wang"].id))
    dialog.start.setText("2026-11-30")
    dialog.end.setText("2026-11-31")
    dialog.note.setText("年假")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "不存在" in dialog.fields.error_text("end_date")
    dialog.end.setText("2026-11-28")
    dialog.add()
    assert "早于" in dialog.fields.error_text("end_date")
    dialog.end.setText("2026-12-04")
    dialog.add()
    assert "本人" in dialog.fields.error_text("stand_in")
    assert dialog.note.text() == "年假"  # the rest of the form is kept
    dialog.stand_in.setCurrentIndex(dialog.stand_in.findData(staff["li"].id))
    dialog.add()
    assert dialog.changed and dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in range(6)] == [
        "王芳", "2026-11-30", "2026-12-04", "李强", "年假", "未开始"]
    assert dialog.fields.errors["stand_in"].isHidden()
    dialog.start.setText("2026-12-01")
    dialog.add()
    assert "重叠" in dialog.fields.error_text("start_date")
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert msgbox.shown[-1][0] == "confirm"
    assert dialog.table.rowCount() == 0 and tasks.absences() == []


def test_a_new_day_refreshes_the_agenda(qtbot, tasks, staff, people, three):
    tab = make_tab(qtbot, tasks, staff["wang"], people)
    changed = []
    tab.changed.connect(lambda: changed.append(1))
    tab._tick()
    assert changed == []
    tab.day["today"] = TODAY + D(1)  # past midnight, the window still open
    tab._tick()
    assert changed == [1] and tab.date_label.text() == "今天：2026-11-28 星期六"
    assert rows(tab.agenda_model)[1] == ("陈静", "逾期 1 天")


def test_registering_or_correcting_a_visit_refreshes_the_calendar(
        window_for, staff, three, book, monkeypatch):
    from ui import visit_dialog

    w = window_for(staff["wang"])
    assert w.calendar_tab.agenda_model.rowCount() == 3

    def register(dialog):  # the dialog saves; the archive service re-plans the tasks
        book.customer(staff["wang"], "李明", pickup_days_ago=5)
        return 1

    monkeypatch.setattr(visit_dialog.VisitDialog, "exec", register)
    w.act_visit.trigger()
    assert w.calendar_tab.agenda_model.rowCount() == 4 and "今日必做 4 项" in w.task_label.text()
    seen = []
    monkeypatch.setattr(visit_dialog.VisitDialog, "exec",
                        lambda dialog: seen.append(dialog.visit_id) or 0)
    visit = w.archive.detail(three["today"]).visits[0]
    w.archive_tab.visitLinkClicked.emit(three["today"], visit.id)
    assert seen == [visit.id]


def test_the_status_bar_says_when_the_coming_weeks_are_only_computed(
        qtbot, store, window_for, staff, frozen_clock):
    from app.public_days import PublicDayService

    w = window_for(staff["wang"])  # 2026-11-27: the next 60 days reach into 2027
    assert "2027 年按推算（未录入国务院通知）" in w.task_label.text()
    clerk, store.actor_id = store.actor_id, None  # the supervisor enters it at another desk
    PublicDayService(store).save_year(2027, PublicDayService(store).as_notice(2027))
    store.actor_id = clerk
    w.tasks_changed()
    assert "按推算" not in w.task_label.text()
    assert not w.calendar_tab.calendar_banner.isVisibleTo(w.calendar_tab)


def test_the_agenda_notice_button_opens_the_holiday_page_on_that_year(
        qtbot, window_for, staff, monkeypatch):
    from ui import holiday_dialog

    opened = []
    monkeypatch.setattr(holiday_dialog.HolidayDialog, "exec",
                        lambda self: opened.append(self.year_spin.value()) or 0)
    w = window_for(staff["boss"])  # 2026-11-27: from 11-01 the supervisor is asked for 2027
    qtbot.mouseClick(w.calendar_tab.notice_button, Qt.MouseButton.LeftButton)
    w.act_holidays.trigger()
    assert opened == [2027, 2027]


def test_the_supervisor_sees_unassigned_customers_tasks_under_their_own_filter(
        qtbot, archive, tasks, staff, people, book):
    book.customer(staff["wang"], "陈静", pickup_days_ago=5)
    cid = archive.create_customer(
        CustomerInput(name="无主", phone="13800001111", address="广州", clerk_id=None),
        [VehicleInput(plate="粤A99999", model="朗逸", kind="轿车", maintenance_cycle_months=6,
                      next_maintenance_date=TODAY + D(150))])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR,
                                                intake_date=TODAY - D(6),
                                                pickup_date=TODAY - D(5)))
    tab = make_tab(qtbot, tasks, staff["boss"], people)
    assert "无主" in [r[0] for r in rows(tab.agenda_model)]
    tab.set_clerk(-1)
    assert tab.clerk_combo.currentText() == "未分配"
    assert [r[0] for r in rows(tab.agenda_model)] == ["无主"]
    assert cell(tab.agenda_model, 0, "owner") == "（未分配）"


def test_the_status_bar_counts_what_the_calendar_shows(qtbot, window_for, staff, three, book):
    book.customer(staff["wang"], "赵敏", insurance_in=20)
    w = window_for(staff["wang"])
    assert "今日必做 4 项" in w.task_label.text() and "逾期 1 项" in w.task_label.text()
    w.calendar_tab.set_kind("insurance")
    assert "今日必做 1 项" in w.task_label.text() and "逾期 0 项" in w.task_label.text()
    w.calendar_tab.set_kind(None)
    assert "今日必做 4 项" in w.task_label.text()


@pytest.fixture
def five(book, staff, tasks):
    """王芳 with three calls a day: overdue, due today, and three open windows."""
    import dataclasses

    tasks.save_rules(dataclasses.replace(tasks.rules(), daily_calls=3), TODAY)
    return {
        "overdue": book.customer(staff["wang"], "张伟", pickup_days_ago=10),  # due 11-24
        "today": book.customer(staff["wang"], "陈静", pickup_days_ago=7),  # due 11-27
        "sun": book.customer(staff["wang"], "刘洋", pickup_days_ago=5),  # 11-25..11-29
        "mon": book.customer(staff["wang"], "赵敏", pickup_days_ago=4),  # 11-26..11-30
        "tue": book.customer(staff["wang"], "孙丽", pickup_days_ago=3),  # 11-27..12-01
    }


def test_the_headline_is_what_must_be_done_today_and_the_rest_folds_under_early(
        qtbot, tasks, staff, people, five):
    tab = make_tab(qtbot, tasks, staff["wang"], people, show=True)
    m = tab.agenda_model
    # overdue, due today, and the soonest-due open window fill today's three calls
    assert rows(m) == [("张伟", "逾期 3 天"), ("陈静", "今日到期"), ("刘洋", "可跟踪")]
    assert cell(m, 2, "suggested") == "11-27 周五"
    text = tab.summary_label.text()
    assert "今日必做 3" in text and "逾期 1" in text and "可提前 2" in text
    fold = m.fold_row()
    assert fold == 3 and m.rowCount() == 4 and not m.expanded
    assert "可提前 2 项" in m.index(fold, 0).data() and m.task_id(fold) is None
    assert tab.agenda_table.columnSpan(fold, 0) == len(m.headers())
    # a click on the line unfolds the two calls planned for Monday, by due date
    rect = tab.agenda_table.visualRect(m.index(fold, 0))
    qtbot.mouseClick(tab.agenda_table.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert m.expanded and m.rowCount() == 6
    assert rows(m)[3:] == [("赵敏", "可跟踪"), ("孙丽", "可跟踪")]
    assert [cell(m, r, "suggested") for r in (4, 5)] == ["11-30 周一", "11-30 周一"]
    assert "每人每天按 3 个电话安排" in cell(m, 4, "suggested", Qt.ItemDataRole.ToolTipRole)
    assert not tab.done_button.isEnabled()  # the 可提前 line is not a task
    # Enter on the line folds them again; Enter on a task still opens the customer
    tab.agenda_table.setFocus()
    qtbot.keyClick(tab.agenda_table, Qt.Key.Key_Return)
    assert not m.expanded and m.rowCount() == 4
    opened = []
    tab.openCustomer.connect(opened.append)
    qtbot.keyClick(tab.agenda_table, Qt.Key.Key_Up)
    qtbot.keyClick(tab.agenda_table, Qt.Key.Key_Return)
    assert opened == [five["sun"]]


def test_capacity_for_a_day_exactly_reached_has_no_early_line(
        qtbot, tasks, staff, people, five):
    import dataclasses

    tasks.save_rules(dataclasses.replace(tasks.rules(), daily_calls=5), TODAY)
    tab = make_tab(qtbot, tasks, staff["wang"], people)
    assert tab.agenda_model.fold_row() == -1 and len(rows(tab.agenda_model)) == 5
    assert "今日必做 5" in tab.summary_label.text() and "可提前 0" in tab.summary_label.text()


def test_status_bar_tab_title_headline_and_command_line_count_the_same(
        qtbot, window_for, store, staff, five, capsys):
    import json

    from app.cli import main

    w = window_for(staff["wang"])
    assert "今日必做 3 项" in w.task_label.text() and "逾期 1 项" in w.task_label.text()
    assert "可提前 2 项" in w.task_label.text()
    assert w.tabs.tabText(w.tabs.indexOf(w.calendar_tab)) == "跟踪日历（3）"
    assert "今日必做 3" in w.calendar_tab.summary_label.text()
    url = str(store.engine.url).removeprefix("sqlite:///")
    assert main(["--db", url, "tasks", "--today", "--owner", "wangfang", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["customer"], t["agenda"]) for t in listed] == [
        ("张伟", "must"), ("陈静", "must"), ("刘洋", "must"), ("赵敏", "early"), ("孙丽", "early")]
    assert [t["suggested_day"] for t in listed][3:] == ["2026-11-30", "2026-11-30"]
    assert main(["--db", url, "tasks", "--today", "--owner", "wangfang"]) == 0
    assert "今日必做 3 项（逾期 1 项），可提前 2 项" in capsys.readouterr().out


def test_the_supervisors_team_view_counts_each_clerk_and_a_number_opens_its_rows(
        qtbot, store, tasks, staff, people, five, book):
    from app.contacts import CallInput, ContactService
    from ui.calendar_tab import TEAM_COLUMNS

    li_cid = book.customer(staff["li"], "李明", pickup_days_ago=5)
    store.actor_id = staff["wang"].id
    contacts = ContactService(store)
    now = dt.datetime.combine(TODAY, dt.time(10))
    for cid in (five["today"], five["sun"]):  # 陈静 and 刘洋 called in their windows
        [first] = [t for t in tasks.for_customer(cid, TODAY) if t.kind == "first_followup"]
        contacts.log_call(CallInput(customer_id=cid, called_at=now, task_id=first.task_id,
                                    points_covered=[1], satisfaction="satisfied"))
    [li_task] = [t for t in tasks.for_customer(li_cid, TODAY) if t.kind == "first_followup"]
    tasks.complete(li_task.task_id, TODAY, TODAY, reason="号码错误")  # no call: not 完成
    clerk_tab = make_tab(qtbot, tasks, staff["wang"], people)
    assert not clerk_tab.team_box.isVisibleTo(clerk_tab)

    tab = make_tab(qtbot, tasks, staff["boss"], people, show=True)
    assert tab.team_box.isVisibleTo(tab)
    m, table = tab.team_model, tab.team_table
    assert [m.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            for c in range(m.columnCount())] == ["业务员", "逾期", "今日必做", "本月完成", "及时率"]
    shown = [[m.index(r, c).data() for c in range(len(TEAM_COLUMNS))] for r in range(m.rowCount())]
    # 王芳: 张伟 overdue, 赵敏 and 孙丽 fill today's three calls; two calls made; of the three
    # first follow-ups counted this month (张伟 late, 陈静 and 刘洋 in time) two were on time
    assert shown == [["王芳", "1", "3", "2", "67%"], ["李强", "0", "0", "0", "0%"]]

    def click(row, col):
        rect = table.visualRect(m.index(row, col))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    changed = []
    tab.changed.connect(lambda: changed.append(1))
    click(0, 1)  # 王芳's 逾期
    assert tab.clerk_combo.currentText() == "王芳" and changed
    assert rows(tab.agenda_model) == [("张伟", "逾期 3 天")]
    assert tab.subset_bar.isVisibleTo(tab) and "只看 王芳 的逾期：1 项" in tab.subset_label.text()
    click(0, 2)  # 今日必做: no 可提前 line under it
    assert [r[0] for r in rows(tab.agenda_model)] == ["张伟", "赵敏", "孙丽"]
    assert tab.agenda_model.fold_row() == -1
    click(0, 3)  # 本月完成: the two calls
    assert sorted(rows(tab.agenda_model)) == [("刘洋", "已完成"), ("陈静", "已完成")]
    # Enter on 及时率 lists the counted first follow-ups, the late one first
    table.setFocus()
    table.setCurrentIndex(m.index(0, 4))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert [r[0] for r in rows(tab.agenda_model)][0] == "张伟"
    assert {r[0] for r in rows(tab.agenda_model)} == {"张伟", "陈静", "刘洋"}
    click(1, 3)  # 李强 closed his without a call: nothing done
    assert tab.clerk_combo.currentText() == "李强" and tab.empty_label.isVisibleTo(tab)
    assert tab.empty_label.text() == "没有这样的任务。"
    qtbot.mouseClick(tab.subset_clear, Qt.MouseButton.LeftButton)
    assert not tab.subset_bar.isVisibleTo(tab) and rows(tab.agenda_model) == []
    click(0, 0)  # a name: that clerk's whole agenda
    assert tab.clerk_combo.currentText() == "王芳" and tab.subset is None
    assert [r[0] for r in rows(tab.agenda_model)] == ["张伟", "赵敏", "孙丽"]


def test_the_month_draws_only_its_own_weeks_and_the_day_list_has_room(
        qtbot, tasks, staff, people):
    from ui.calendar_tab import MonthGrid

    grid = MonthGrid()
    qtbot.addWidget(grid)
    for (year, month), weeks in {(2026, 12): 5, (2026, 11): 6, (2027, 2): 4,
                                 (2026, 8): 6, (2026, 9): 5}.items():
        grid.set_month(year, month, {}, TODAY, None)
        days = grid.days()
        assert grid.weeks() == weeks and len(days) == 7 * weeks
        assert days[0].weekday() == 0 and days[-1].weekday() == 6
        # the last row holds a day of the month: no week of the next month alone
        assert any(d.month == month for d in days[-7:])
    grid.set_month(2026, 12, {}, TODAY, None)
    grid.resize(700, 26 + 5 * 60)
    assert grid.day_at(10, 26 + 4 * 60 + 30) == dt.date(2026, 12, 28)  # the fifth row
    assert grid.day_rect(dt.date(2027, 1, 4)).isNull()  # not drawn
    tab = make_tab(qtbot, tasks, staff["wang"], people, show=True)
    tab.resize(1000, 620)  # what a 1024×768 window leaves the tab
    tab.show_view(tab.MONTH)
    qtbot.wait(10)
    rows_shown = tab.day_table.viewport().height() // tab.day_table.verticalHeader(
        ).defaultSectionSize()
    assert rows_shown >= 8


def test_agenda_columns_fit_their_text_and_a_second_phone_is_in_the_tooltip(
        qtbot, archive, tasks, staff, people, book):
    from PySide6.QtGui import QFontMetrics

    from app.archive import CustomerInput
    from ui.calendar_tab import COL

    cid = book.customer(staff["wang"], "陈静", pickup_days_ago=7)
    archive.update_customer(cid, CustomerInput(
        name="陈静", phone="13240368954", phone2="020-80190575", address="广州市天河区体育西路",
        clerk_id=staff["wang"].id))
    tab = make_tab(qtbot, tasks, staff["wang"], people, show=True)
    m, table = tab.agenda_model, tab.agenda_table
    bold = QFont(table.font())
    bold.setBold(True)
    fm = QFontMetrics(bold)
    for key, text in (("kind", "第二次跟踪 · 保修期"), ("phone", "13240368954 等2个"),
                      ("window", "11-20～11-24"), ("status", "逾期 12 天")):
        assert table.columnWidth(COL[key]) > fm.horizontalAdvance(text), key
    from ui.calendar_tab import phone_text

    assert phone_text("13240368954 / 020-80190575") == "13240368954 等2个"
    assert phone_text("13240368954") == "13240368954" and phone_text("") == ""
    assert cell(m, 0, "phone") == "13240368954 等2个"
    assert cell(m, 0, "phone", Qt.ItemDataRole.ToolTipRole) == "13240368954 / 020-80190575"
    assert cell(m, 0, "status", Qt.ItemDataRole.ToolTipRole).startswith("今日到期\n跟踪期限")
