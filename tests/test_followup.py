"""The follow-up engine over a real database: tasks appear, move, close and never duplicate."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.archive import ArchiveService, CustomerInput, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService
from app.staff import StaffService
from app.tasks import TaskService
from db.models import Role, Task, VisitKind
from tests.worlds import TODAY

D = dt.date


@pytest.fixture
def clerks(store):
    staff = StaffService(store)
    return {
        "wang": staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "li": staff.create("liqiang", "李强", Role.CLERK, "secret12"),
        "boss": staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
    }


@pytest.fixture
def tasks(store):
    return TaskService(store)


def complete_customer(archive, clerk_id, name="张伟", phone="13812345678", plate="粤A12345",
                      **vehicle):
    return archive.create_customer(
        CustomerInput(name=name, phone=phone, address="广州市天河区体育西路 1 号",
                      clerk_id=clerk_id),
        [VehicleInput(plate=plate, model="丰田卡罗拉", kind="轿车", maintenance_cycle_months=6,
                      next_maintenance_date=TODAY + dt.timedelta(days=150), **vehicle)],
    )


def visit(archive, cid, pickup, kind=VisitKind.REPAIR, intake=None):
    vid = archive.detail(cid).vehicles[0].id if kind != VisitKind.CONSULTATION else None
    return archive.register_visit(cid, vid, VisitInput(
        kind=kind, intake_date=intake or pickup, pickup_date=pickup, service_items="更换刹车片"))


def by_kind(tasks, cid, kind):
    return [t for t in tasks.for_customer(cid, TODAY) if t.kind == kind]


def count_tasks(store):
    with store.read() as s:
        return s.scalar(select(func.count(Task.id)))


def test_a_visit_opens_the_first_followup_for_the_clerk(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    pickup = TODAY - dt.timedelta(days=4)
    visit(archive, cid, pickup, intake=pickup - dt.timedelta(days=1))
    [first] = by_kind(tasks, cid, "first_followup")
    assert (first.window_start, first.due) == (pickup + dt.timedelta(3), pickup + dt.timedelta(7))
    assert first.owner_name == "王芳" and first.topic == "更换刹车片"
    assert by_kind(tasks, cid, "archive") == []  # the archive is complete


def test_a_car_still_in_the_workshop_has_no_call_yet(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=TODAY))
    assert by_kind(tasks, cid, "first_followup") == []


def test_consultation_counts_from_the_visit(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    visit(archive, cid, None, kind=VisitKind.CONSULTATION, intake=TODAY)
    [first] = by_kind(tasks, cid, "first_followup")
    assert first.window_start == TODAY + dt.timedelta(3)


def test_generation_is_idempotent(store, archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    visit(archive, cid, TODAY)
    before = count_tasks(store)
    for _ in range(3):
        tasks.sync([cid])
    archive.update_customer(cid, archive.detail(cid).as_input())
    assert count_tasks(store) == before


def test_editing_the_pickup_moves_the_open_task(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    visit_id = visit(archive, cid, TODAY)
    v = archive.visit(visit_id)
    later = TODAY + dt.timedelta(days=2)
    archive.update_visit(visit_id, v.vehicle_id, VisitInput(
        kind=v.kind, intake_date=TODAY, pickup_date=later, service_items=v.service_items))
    [first] = by_kind(tasks, cid, "first_followup")
    assert first.window_start == later + dt.timedelta(3)


def test_first_call_opens_the_second_and_pickup_edit_after_it_changes_nothing(
        archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    pickup = TODAY - dt.timedelta(days=5)
    visit_id = visit(archive, cid, pickup)
    [first] = by_kind(tasks, cid, "first_followup")
    call_day = TODAY - dt.timedelta(days=1)
    ContactService(archive.store).log_call(CallInput(
        customer_id=cid, called_at=dt.datetime.combine(call_day, dt.time(10)),
        task_id=first.task_id, points_covered=[1]), TODAY)
    [second] = by_kind(tasks, cid, "second_followup")
    assert (second.window_start, second.due) == (call_day + dt.timedelta(7),
                                                 call_day + dt.timedelta(14))
    v = archive.visit(visit_id)
    archive.update_visit(visit_id, v.vehicle_id, VisitInput(
        kind=v.kind, intake_date=pickup - dt.timedelta(days=3), pickup_date=pickup -
        dt.timedelta(days=2)))
    [first_after] = by_kind(tasks, cid, "first_followup")
    assert first_after.status == "done" and first_after.done_on == call_day  # stays done
    [second_after] = by_kind(tasks, cid, "second_followup")
    assert second_after.window_start == call_day + dt.timedelta(7)  # counts from the call


def test_deleting_a_visit_cancels_its_open_tasks_and_restoring_brings_them_back(
        archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    visit_id = visit(archive, cid, TODAY)
    archive.delete_visit(visit_id)
    assert by_kind(tasks, cid, "first_followup") == []  # cancelled ones are not listed
    archive.delete_customer(cid)
    assert tasks.for_customer(cid, TODAY) == []
    archive.restore_customer(cid)
    assert {t.kind for t in tasks.for_customer(cid, TODAY)} >= {"maintenance"}


def test_incomplete_archive_opens_a_task_that_closes_when_completed(archive, tasks, clerks):
    cid = archive.create_customer(
        CustomerInput(name="王五", phone="13800002222", clerk_id=clerks["li"].id),
        [VehicleInput(plate="粤A22222", model="大众朗逸")])
    visit(archive, cid, TODAY - dt.timedelta(days=1), intake=TODAY - dt.timedelta(days=1))
    [task] = by_kind(tasks, cid, "archive")
    assert task.due == TODAY + dt.timedelta(days=1)
    assert "地址" in task.topic and "车种" in task.topic and "保养周期" in task.topic
    data = archive.detail(cid).as_input()
    data.address = "广州市越秀区"
    archive.update_customer(cid, data)
    v = archive.detail(cid).vehicles[0]
    fixed = v.as_input()
    fixed.kind, fixed.maintenance_cycle_months = "轿车", 6
    fixed.next_maintenance_date = TODAY + dt.timedelta(days=180)
    archive.update_vehicle(v.id, fixed)
    [task] = by_kind(tasks, cid, "archive")
    assert task.status == "done"


def test_a_visit_typed_in_however_late_gets_its_tasks_marked_late_entry(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    visit(archive, cid, TODAY - dt.timedelta(days=400))
    visit(archive, cid, TODAY - dt.timedelta(days=20))
    old, recent = by_kind(tasks, cid, "first_followup")
    assert old.due == TODAY - dt.timedelta(days=393) and old.topic.startswith("【补录】")
    assert recent.due == TODAY - dt.timedelta(days=13) and not recent.topic.startswith("【补录】")
    assert recent.overdue(TODAY)


def test_maintenance_insurance_and_first_service_reminders(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id,
                            insurance_expiry=TODAY + dt.timedelta(days=20),
                            purchase_date=TODAY - dt.timedelta(days=80),
                            warranty_end=TODAY + dt.timedelta(days=1000))
    [ins] = by_kind(tasks, cid, "insurance")
    assert ins.window_start == TODAY - dt.timedelta(days=10)
    [maint] = by_kind(tasks, cid, "maintenance")
    assert maint.due == TODAY + dt.timedelta(days=150)
    [first_service] = by_kind(tasks, cid, "first_service")
    assert first_service.under_warranty
    visit(archive, cid, TODAY, kind=VisitKind.MAINTENANCE)
    [achieved] = by_kind(tasks, cid, "first_service")
    assert achieved.status == "done"  # the first service happened: done, not cancelled
    [maint] = by_kind(tasks, cid, "maintenance")
    assert maint.due > TODAY + dt.timedelta(days=170)  # the new date, six months on
    [first] = by_kind(tasks, cid, "first_followup")
    assert first.under_warranty


def test_clerk_sees_own_supervisor_sees_all(archive, tasks, clerks):
    a = complete_customer(archive, clerks["wang"].id)
    b = complete_customer(archive, clerks["li"].id, name="李四", phone="13900001111",
                          plate="粤B54321")
    for cid in (a, b):
        visit(archive, cid, TODAY - dt.timedelta(days=3))
    mine = tasks.agenda(clerks["wang"], TODAY)
    assert {i.customer_id for i in mine} == {a}
    everyone = tasks.agenda(clerks["boss"], TODAY)
    assert {i.customer_id for i in everyone} == {a, b}
    assert {i.customer_id for i in tasks.agenda(clerks["boss"], TODAY,
                                                clerk_id=clerks["li"].id)} == {b}


def test_stand_in_works_the_absent_clerks_tasks_then_they_return(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["li"].id)
    pickup = TODAY - dt.timedelta(days=4)  # window [today-1, today+3]
    visit(archive, cid, pickup)
    # the absence starts mid-window, tomorrow, and lasts three days
    start, end = TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=3)
    tasks.add_absence(clerks["li"].id, start, end, clerks["wang"].id)
    assert tasks.agenda(clerks["wang"], TODAY) == []  # not yet
    [proxied] = tasks.agenda(clerks["wang"], start)
    assert proxied.customer_id == cid and proxied.proxy_for == "李强"
    assert tasks.agenda(clerks["li"], start)  # still on the absent clerk's own list
    assert tasks.agenda(clerks["wang"], end + dt.timedelta(days=1)) == []  # returned
    with pytest.raises(Exception, match="重叠"):
        tasks.add_absence(clerks["li"].id, end, end + dt.timedelta(days=2), clerks["wang"].id)


def test_month_counts_and_day_list(archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id)
    pickup = TODAY - dt.timedelta(days=10)  # due three days ago: overdue
    visit(archive, cid, pickup)
    due = pickup + dt.timedelta(days=7)
    counts = tasks.month_counts(None, due.year, due.month, TODAY)
    assert counts[due].by_kind == {"first_followup": 1} and counts[due].overdue == 1
    [item] = tasks.day_tasks(None, due, TODAY)
    assert item.customer_id == cid and item.overdue(TODAY)
    assert tasks.status_counts(clerks["wang"], TODAY) == (1, 1, 0)  # 今日必做 1, of it overdue 1


def test_changing_the_day_counts_moves_open_tasks(archive, tasks, clerks):
    from dataclasses import replace

    cid = complete_customer(archive, clerks["wang"].id)
    visit(archive, cid, TODAY)
    tasks.save_rules(replace(tasks.rules(), first_call_from=1, first_call_to=2))
    [first] = by_kind(tasks, cid, "first_followup")
    assert (first.window_start, first.due) == (TODAY + dt.timedelta(1), TODAY + dt.timedelta(2))
    assert tasks.rules().first_call_to == 2


def test_reimporting_the_same_file_adds_no_tasks(store, tasks, clerks, tmp_path):
    from app.importer import import_file

    path = tmp_path / "a.csv"
    pickup = TODAY - dt.timedelta(days=2)
    path.write_text(
        "客户名称,联系电话,车号,车型,送修日期,出厂日期,维修养护项目\n"
        f"周杰,13811112222,粤A10001,大众朗逸,{pickup - dt.timedelta(days=1)},{pickup},更换机油\n",
        encoding="utf-8")
    import_file(store, path)
    first_count = count_tasks(store)
    assert first_count >= 1
    import_file(store, path)
    assert count_tasks(store) == first_count
    cid = ArchiveService(store).search_ids("zj")[0]
    assert by_kind(tasks, cid, "first_followup")[0].window_start == pickup + dt.timedelta(3)


def test_a_stand_in_must_be_at_work(store, tasks, clerks):
    staff = StaffService(store)
    gone = staff.create("zhaomin", "赵敏", Role.CLERK, "secret12")
    staff.update(gone.id, name="赵敏", role=Role.CLERK, active=False)
    start, end = TODAY, TODAY + dt.timedelta(days=3)
    with pytest.raises(Exception, match="在岗"):
        tasks.add_absence(clerks["li"].id, start, end, gone.id)
    tasks.add_absence(clerks["wang"].id, start, end, clerks["li"].id)
    with pytest.raises(Exception, match="也请假"):
        tasks.add_absence(clerks["li"].id, end, end + dt.timedelta(days=1), clerks["wang"].id)


def test_first_service_and_a_renewed_policy_close_their_reminders_as_done(
        archive, tasks, clerks):
    cid = complete_customer(archive, clerks["wang"].id,
                            insurance_expiry=TODAY + dt.timedelta(days=20),
                            purchase_date=TODAY - dt.timedelta(days=80))
    [first_service] = by_kind(tasks, cid, "first_service")
    [ins] = by_kind(tasks, cid, "insurance")
    visit(archive, cid, TODAY, kind=VisitKind.MAINTENANCE)
    [done] = by_kind(tasks, cid, "first_service")
    assert (done.task_id, done.status, done.done_on) == (first_service.task_id, "done", TODAY)
    car = archive.detail(cid).vehicles[0]

    def set_expiry(day):
        data = VehicleInput(plate=car.plate, model=car.model, kind=car.kind,
                            maintenance_cycle_months=6, purchase_date=car.purchase_date,
                            insurance_expiry=day)
        archive.update_vehicle(car.id, data)

    def state(task_id):
        return next(t for t in tasks.between(TODAY - dt.timedelta(days=400),
                                             TODAY + dt.timedelta(days=800), TODAY)
                    if t.task_id == task_id).status

    set_expiry(TODAY + dt.timedelta(days=23))  # a typo corrected: not a renewal
    assert state(ins.task_id) == "cancelled"
    [ins2] = [t for t in by_kind(tasks, cid, "insurance") if t.status == "open"]
    set_expiry(TODAY + dt.timedelta(days=23 + 365))  # renewed for a year
    assert state(ins2.task_id) == "done"
