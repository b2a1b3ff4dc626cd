"""Reminders that bring cars back (篇三): 流失回访 with a reason, 续保 recorded and counted,
首保 counted by month, loyal customers ranked by visits."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app import clock, rules
from app.archive import CustomerInput, FormErrors, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService
from app.normalize import ValidationError
from app.renewals import RenewalInput, RenewalService
from app.rules import RuleSettings
from app.summary import Period, SummaryService
from app.tasks import TaskService
from db.models import Task, TaskKind, TaskStatus, Vehicle, VisitKind

D = dt.date
TODAY = D(2026, 12, 15)
DEC = Period.month(2026, 12)


@pytest.fixture(autouse=True)
def on_the_day(frozen_clock):
    frozen_clock.freeze(dt.datetime(2026, 12, 15, 10, 0))


def add_customer(archive, name, phone, *, visits=(), purchase=None, expiry=None):
    cid = archive.create_customer(
        CustomerInput(name=name, phone=phone),
        [VehicleInput(plate=f"粤A{phone[-5:]}", model="丰田卡罗拉", kind="轿车",
                      purchase_date=purchase, insurance_expiry=expiry)])
    vid = archive.detail(cid).vehicles[0].id
    for day, kind in visits:
        archive.register_visit(cid, vid, VisitInput(kind=kind, intake_date=day, pickup_date=day,
                                                    service_items="更换机油机滤"))
    return cid, vid


def tasks_of(store, cid, kind):
    with store.read() as s:
        return s.scalars(select(Task).where(Task.customer_id == cid, Task.kind == kind)
                         .order_by(Task.id)).all()


# ---------------------------------------------------------------- the rule, without a DB


def test_lost_window_starts_the_day_the_months_have_passed():
    r = RuleSettings()  # 12 months, called within 14 days
    w = rules.lost_customer_window(D(2025, 12, 1), r)
    assert (w.start, w.due) == (D(2026, 12, 1), D(2026, 12, 15))
    assert not rules.is_lost(D(2025, 12, 1), D(2026, 11, 30), r)
    assert rules.is_lost(D(2025, 12, 1), D(2026, 12, 1), r)
    # month ends and leap days clamp: away since 2023-02-28 / 2024-02-29
    assert rules.lost_customer_window(D(2024, 2, 29), r).start == D(2025, 2, 28)
    six = RuleSettings(lost_customer_months=6)
    assert rules.lost_customer_window(D(2026, 8, 31), six).start == D(2027, 2, 28)
    assert rules.lost_customer_window(D(2027, 8, 31), six).start == D(2028, 2, 29)
    assert rules.is_lost(D(2026, 8, 31), D(2027, 2, 28), six)
    assert not rules.is_lost(D(2026, 8, 31), D(2027, 2, 27), six)
    assert not rules.is_lost(None, TODAY, r)
    with pytest.raises(ValueError):
        RuleSettings(lost_customer_months=0)


# ---------------------------------------------------------------- 流失回访


def test_a_customer_away_twelve_months_gets_one_lost_call_and_coming_back_closes_it(
        store, archive):
    away, _ = add_customer(archive, "钱多多", "13800000001",
                           visits=[(D(2025, 12, 1), VisitKind.MAINTENANCE)])
    [task] = tasks_of(store, away, TaskKind.LOST_CUSTOMER)
    assert (task.window_start, task.due, task.status) == (D(2026, 12, 1), D(2026, 12, 15),
                                                          TaskStatus.OPEN)
    assert "12 个月未回厂" in task.topic
    items = [i for i in TaskService(store).agenda(None, TODAY) if i.kind == "lost_customer"]
    assert [i.customer_name for i in items] == ["钱多多"] and items[0].kind_label == "流失回访"
    # the customer comes back: the reminder did its job (done, not cancelled) …
    vid = archive.detail(away).vehicles[0].id
    archive.register_visit(away, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=TODAY,
                                                 pickup_date=TODAY))
    old, new = tasks_of(store, away, TaskKind.LOST_CUSTOMER)
    assert (old.status, old.closed_reason, old.done_on) == (TaskStatus.DONE, "auto:achieved",
                                                            TODAY)
    # … and the next absence is counted from this visit
    assert (new.status, new.window_start) == (TaskStatus.OPEN, D(2027, 12, 15))
    assert SummaryService(store).figures(DEC).values["lost_came_back"] == 1


def test_a_visit_before_the_customer_was_lost_supersedes_the_future_lost_call(store, archive):
    cid, vid = add_customer(archive, "孙悟", "13800000002",
                            visits=[(D(2026, 6, 1), VisitKind.MAINTENANCE)])
    [future] = tasks_of(store, cid, TaskKind.LOST_CUSTOMER)
    assert future.window_start == D(2027, 6, 1)
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR,
                                                intake_date=D(2026, 12, 10),
                                                pickup_date=D(2026, 12, 10)))
    old, new = tasks_of(store, cid, TaskKind.LOST_CUSTOMER)
    assert (old.status, old.closed_reason) == (TaskStatus.CANCELLED, "auto:superseded")
    assert new.window_start == D(2027, 12, 10)
    assert SummaryService(store).figures(DEC).values["lost_came_back"] == 0


def test_a_lost_call_records_why_and_the_figures_count_the_reasons(store, archive):
    cid, _ = add_customer(archive, "钱多多", "13800000001",
                          visits=[(D(2025, 12, 1), VisitKind.MAINTENANCE)])
    [task] = tasks_of(store, cid, TaskKind.LOST_CUSTOMER)
    contacts = ContactService(store)
    call = CallInput(customer_id=cid, called_at=dt.datetime(2026, 12, 15, 10, 30),
                     task_id=task.id, key_points="客户说保养太贵")
    with pytest.raises(ValidationError) as refused:
        contacts.log_call(call)
    assert refused.value.field == "lost_reason" and "流失的原因" in refused.value.message
    call.lost_reason = "price"
    contacts.log_call(call)
    [task] = tasks_of(store, cid, TaskKind.LOST_CUSTOMER)
    assert task.status == TaskStatus.DONE and not task.closed_reason.startswith("auto")
    summary = SummaryService(store)
    v = summary.figures(DEC).values
    assert (v["lost_followups_due"], v["lost_followups_done"]) == (1, 1)
    assert v["lost_reason_price"] == 1 and v["lost_reason_service"] == 0
    assert len(summary.records_behind("lost_reason_price", DEC).ids) == 1
    # a reason code nobody knows is refused before anything is written
    with pytest.raises(ValidationError):
        contacts.log_call(CallInput(customer_id=cid, called_at=dt.datetime(2026, 12, 15, 11),
                                    key_points="x", lost_reason="weather"))


def test_loyal_customers_rank_by_visits_in_the_year(store, archive):
    add_customer(archive, "一次", "13800000011", visits=[(D(2026, 11, 1), VisitKind.REPAIR)])
    two, _ = add_customer(archive, "两次", "13800000012", visits=[
        (D(2026, 3, 1), VisitKind.MAINTENANCE), (D(2026, 9, 1), VisitKind.REPAIR)])
    three, _ = add_customer(archive, "三次", "13800000013", visits=[
        (D(2026, 1, 5), VisitKind.MAINTENANCE), (D(2026, 6, 1), VisitKind.REPAIR),
        (D(2026, 12, 1), VisitKind.MAINTENANCE)])
    old, _ = add_customer(archive, "去年", "13800000014", visits=[
        (D(2025, 6, 1), VisitKind.MAINTENANCE), (D(2025, 9, 1), VisitKind.REPAIR),
        (D(2025, 11, 1), VisitKind.REPAIR)])
    figures = SummaryService(store).figures(DEC)
    assert [(r.name, r.visits) for r in figures.loyal_ranking] == [("三次", 3), ("两次", 2)]
    assert figures.loyal == [three]
    flat = figures.as_flat_dict()
    assert flat["loyal_ranking"][0] == {"archive_no": figures.loyal_ranking[0].archive_no,
                                        "name": "三次", "visits": 3, "last_visit": "2026-12-01"}


# ---------------------------------------------------------------- 续保


def test_a_renewal_moves_the_expiry_closes_the_reminder_as_done_and_is_counted(store, archive):
    here, car = add_customer(archive, "周续保", "13800000021", expiry=D(2026, 12, 31))
    elsewhere, _ = add_customer(archive, "吴未续", "13800000022", expiry=D(2026, 12, 20))
    [reminder] = tasks_of(store, here, TaskKind.INSURANCE)
    assert reminder.status == TaskStatus.OPEN
    renewals = RenewalService(store)
    with pytest.raises(FormErrors) as bad:
        renewals.record(car, RenewalInput(D(2026, 12, 31), "平安", True))
    assert "晚于原到期日 2026-12-31" in bad.value.errors["new_expiry"]
    renewals.record(car, RenewalInput(D(2027, 12, 31), "平安保险", True))
    with store.read() as s:
        assert s.get(Vehicle, car).insurance_expiry == D(2027, 12, 31)
    old, new = tasks_of(store, here, TaskKind.INSURANCE)
    assert (old.status, old.closed_reason, old.done_on) == (TaskStatus.DONE, "auto:achieved",
                                                            TODAY)
    assert (new.status, new.due) == (TaskStatus.OPEN, D(2027, 12, 31))
    assert archive.detail(here).vehicles[0].last_renewal == "2026-12-15 平安保险 本店续保"
    # the other policy: the customer was reached, but renewed nowhere yet
    [other] = tasks_of(store, elsewhere, TaskKind.INSURANCE)
    ContactService(store).log_call(CallInput(
        customer_id=elsewhere, called_at=dt.datetime(2026, 12, 15, 11), task_id=other.id,
        key_points="提醒续保，客户说再考虑"))
    v = SummaryService(store).figures(DEC).values
    assert (v["insurance_expiring"], v["insurance_contacted"], v["insurance_renewed_here"]) == (
        2, 1, 1)
    assert v["insurance_renewal_rate"] == pytest.approx(0.5)
    behind = SummaryService(store).records_behind("insurance_renewal_rate", DEC)
    assert behind.ids == [other.id]


# ---------------------------------------------------------------- 首保


def test_first_service_figures_by_month(store, archive):
    # 首保 3 months after purchase
    served, car = add_customer(archive, "首保到", "13800000031", purchase=D(2026, 9, 10))
    late, _ = add_customer(archive, "首保未", "13800000032", purchase=D(2026, 9, 20))
    add_customer(archive, "新车", "13800000033", purchase=D(2026, 12, 1))
    [reminder] = tasks_of(store, served, TaskKind.FIRST_SERVICE)
    archive.register_visit(served, car, VisitInput(kind=VisitKind.MAINTENANCE,
                                                   intake_date=D(2026, 12, 5),
                                                   pickup_date=D(2026, 12, 5),
                                                   service_items="首保"))
    [reminder] = tasks_of(store, served, TaskKind.FIRST_SERVICE)
    assert (reminder.status, reminder.closed_reason) == (TaskStatus.DONE, "auto:achieved")
    summary = SummaryService(store)
    v = summary.figures(DEC, as_of=TODAY).values
    # the car due 12-20 is not late on 12-15: not counted yet
    assert (v["new_cars"], v["first_services_due"], v["first_services_done"]) == (1, 1, 1)
    assert v["first_service_rate"] == 1.0
    v = summary.figures(DEC, as_of=D(2027, 1, 2)).values
    assert (v["first_services_due"], v["first_services_done"]) == (2, 1)
    assert v["first_service_rate"] == pytest.approx(0.5)
    missed = summary.records_behind("first_service_rate", DEC, as_of=D(2027, 1, 2))
    assert missed.ids == [late]


# ---------------------------------------------------------------- the window and the CLI


def test_the_call_dialog_asks_a_lost_customer_why(qtbot, msgbox, store, archive):
    from ui.call_dialog import CallDialog

    cid, _ = add_customer(archive, "钱多多", "13800000001",
                          visits=[(D(2025, 12, 1), VisitKind.MAINTENANCE)])
    [item] = [i for i in TaskService(store).agenda(None, TODAY) if i.kind == "lost_customer"]
    dialog = CallDialog(ContactService(store), archive, task=item, now_fn=clock.now)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.lost_reason_row.isVisible()
    dialog.key_points.setPlainText("客户搬家了，离得远")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "流失的原因" in dialog.errors.labels["lost_reason"].text()
    dialog.lost_reason.setCurrentIndex(dialog.lost_reason.findText("距离"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert SummaryService(store).figures(DEC).values["lost_reason_distance"] == 1


def test_renewal_recorded_from_the_insurance_call(qtbot, msgbox, store, archive, monkeypatch):
    from ui import common
    from ui.call_dialog import CallDialog
    from ui.renewal_dialog import RenewalDialog

    cid, car = add_customer(archive, "周续保", "13800000021", expiry=D(2026, 12, 31))
    [item] = [i for i in TaskService(store).agenda(None, TODAY) if i.kind == "insurance"]
    dialog = CallDialog(ContactService(store), archive, task=item, now_fn=clock.now)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.lost_reason_row.isVisible()

    def fill(renewal: RenewalDialog) -> int:
        assert renewal.new_expiry.text() == "2027-12-31"  # a year on, typed over if not
        renewal.insurer.setText("人保")
        renewal.at_our_shop.click()  # renewed elsewhere
        renewal.save()
        return renewal.result()

    monkeypatch.setattr(common, "run", fill)
    assert dialog.record_renewal()
    assert dialog.renew_button.text() == "已登记续保"
    assert "已登记续保" in dialog.key_points.toPlainText()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    v = SummaryService(store).figures(DEC).values
    assert (v["insurance_expiring"], v["insurance_contacted"], v["insurance_renewed_here"]) == (
        1, 1, 0)
    assert archive.detail(cid).vehicles[0].last_renewal == "2026-12-15 人保 他店续保"


def test_cli_lists_lost_customer_calls_and_summary_json_has_the_new_figures(
        store, archive, capsys):
    from app.cli import main

    add_customer(archive, "钱多多", "13800000001",
                 visits=[(D(2025, 12, 1), VisitKind.MAINTENANCE)])
    url = str(store.engine.url)
    store.close()
    assert main(["--db", url, "tasks", "--kind", "lost_customer", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["customer"] == "钱多多" and row["due"] == "2026-12-15"
    assert main(["--db", url, "summary", "--month", "2026-12", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name in ("new_cars", "first_service_rate", "insurance_expiring", "insurance_renewal_rate",
                 "lost_followups_due", "lost_reason_price", "lost_came_back", "loyal_ranking"):
        assert name in out, name


def test_the_statistics_tab_ranks_loyal_customers_and_opens_one(qtbot, store, archive, admin):
    from app.staff import StaffService
    from ui.summary_tab import SummaryTab

    three, _ = add_customer(archive, "三次", "13800000013", visits=[
        (D(2026, 1, 5), VisitKind.MAINTENANCE), (D(2026, 6, 1), VisitKind.REPAIR),
        (D(2026, 12, 1), VisitKind.MAINTENANCE)])
    add_customer(archive, "两次", "13800000012", visits=[
        (D(2026, 3, 1), VisitKind.MAINTENANCE), (D(2026, 9, 1), VisitKind.REPAIR)])
    tab = SummaryTab(SummaryService(store), ContactService(store), archive,
                     StaffService(store).list(include_inactive=False), admin,
                     today_fn=lambda: TODAY)
    qtbot.addWidget(tab)
    tab.resize(1400, 760)
    tab.show()
    qtbot.waitExposed(tab)
    table = tab.loyal_table
    assert table.rowCount() == 2
    assert [table.item(r, 1).text() for r in range(2)] == ["三次", "两次"]
    assert table.item(0, 2).text() == "3 次" and "2026-12-01" in table.item(0, 1).toolTip()
    with qtbot.waitSignal(tab.openCustomer) as opened:
        table.setCurrentCell(0, 1)
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [three]
    assert tab.value_text("lost_came_back") == "0" and tab.value_text("new_cars") == "0"
