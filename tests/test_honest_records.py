"""Every call closes its task, however it is logged; deletes and hand-overs take every task."""

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.campaigns import CampaignService, InviteeFilter
from app.contacts import CallInput, ContactService, RequestInput
from app.normalize import ValidationError
from app.staff import StaffService
from app.tasks import TaskService
from db.models import CustomerRequest, Role, Task, VisitKind
from tests.worlds import NOW, TODAY

D = dt.timedelta


@pytest.fixture
def people(store):
    staff = StaffService(store)
    return {
        "wang": staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "li": staff.create("liqiang", "李强", Role.CLERK, "secret12"),
        "boss": staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
    }


def customer(archive, clerk, pickups=(4,), cars=1):
    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区",
                      clerk_id=clerk.id),
        [VehicleInput(plate=f"粤A1234{n}", model="朗逸", kind="轿车", maintenance_cycle_months=6,
                      next_maintenance_date=TODAY + D(100)) for n in range(cars)])
    cars_ = archive.detail(cid).vehicles
    for n, days_ago in enumerate(pickups):
        archive.register_visit(cid, cars_[n % len(cars_)].id, VisitInput(
            kind=VisitKind.REPAIR, intake_date=TODAY - D(days_ago + 1),
            pickup_date=TODAY - D(days_ago), service_items="更换刹车片"))
    return cid


def open_of(store, cid, kind=None):
    with store.read() as s:
        q = s.query(Task).filter(Task.customer_id == cid, Task.status == "open")
        if kind:
            q = q.filter(Task.kind == kind)
        return q.order_by(Task.due, Task.id).all()


def test_a_followup_call_logged_from_the_archive_page_closes_the_task_and_plans_the_next(
        store, archive, people):
    cid = customer(archive, people["wang"])
    [first] = open_of(store, cid, "first_followup")
    out = ContactService(store).log_call(CallInput(
        customer_id=cid, called_at=NOW, points_covered=[1], satisfaction="satisfied"))
    assert out.closed_task_ids == [first.id]
    assert open_of(store, cid, "first_followup") == []
    [second] = open_of(store, cid, "second_followup")
    assert second.window_start == TODAY + D(7)
    [call] = ContactService(store).calls_for_customer(cid)
    assert call.task_id == first.id and call.result == "已回访"


def test_an_incoming_followup_call_closes_the_earliest_due_and_a_consultation_closes_none(
        store, archive, people):
    cid = customer(archive, people["wang"], pickups=(6, 4), cars=2)
    earliest, later = open_of(store, cid, "first_followup")
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(customer_id=cid, called_at=NOW, direction="in",
                                      call_type="consultation", key_points="问保养价格"))
    assert out.closed_task_ids == []
    assert [t for t, _label in contacts.open_followups(cid, TODAY)] == [earliest.id, later.id]
    out = contacts.log_call(CallInput(customer_id=cid, called_at=NOW, direction="in",
                                      key_points="客户来电说刹车正常"))
    assert out.closed_task_ids == [earliest.id]
    # the clerk may pick the other one, or none
    out = contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points="再聊",
                                      close_followup=False))
    assert out.closed_task_ids == []
    out = contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points="第二辆车",
                                      task_id=later.id))
    assert out.closed_task_ids == [later.id]


def test_a_call_names_its_car_and_closes_that_cars_followup(store, archive, people):
    cid = customer(archive, people["wang"], pickups=(6, 4), cars=2)
    first_car, second_car = archive.detail(cid).vehicles
    by_car = {t.vehicle_id: t for t in open_of(store, cid, "first_followup")}
    out = ContactService(store).log_call(CallInput(
        customer_id=cid, called_at=NOW, key_points="第二辆车正常", vehicle_id=second_car.id))
    assert out.closed_task_ids == [by_car[second_car.id].id]


def test_a_call_before_the_window_opens_closes_nothing(store, archive, people):
    cid = customer(archive, people["wang"], pickups=(1,))  # window opens in 2 days
    out = ContactService(store).log_call(CallInput(customer_id=cid, called_at=NOW,
                                                   key_points="出厂回访"))
    assert out.closed_task_ids == [] and len(open_of(store, cid, "first_followup")) == 1


def test_deleting_a_customer_cancels_every_open_task_and_restoring_reopens_exactly_those(
        store, archive, people):
    cid = customer(archive, people["wang"])
    contacts = ContactService(store)
    contacts.log_call(CallInput(customer_id=cid, called_at=NOW, reached=False,
                                no_answer_reason="reschedule", retry_at=NOW + D(days=1),
                                close_followup=False))
    CampaignService(store).create(kind="免费检测周", title="冬季检测", content="免费检测空调",
                                  event_date=TODAY + D(30), place="本中心车间",
                                  invitees=InviteeFilter(), today=TODAY)
    contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points="刹车异响",
                                request=RequestInput("刹车异响", "escalated", True, "车间")))
    before = {t.id: t.kind for t in open_of(store, cid)}
    assert {"retry", "event_notice", "escalation"} <= set(before.values())
    already_cancelled = {t.id for t in TaskService(store).for_customer(cid, TODAY)
                         if t.status == "cancelled"}
    archive.delete_customer(cid)
    assert open_of(store, cid) == []
    with store.read() as s:
        reasons = {t.closed_reason for t in s.query(Task).filter(Task.id.in_(before))}
    assert reasons == {"auto:customer_deleted"}
    assert TaskService(store).agenda(None, TODAY) == []
    archive.restore_customer(cid)
    assert {t.id: t.kind for t in open_of(store, cid)} == before
    assert already_cancelled.isdisjoint(t.id for t in open_of(store, cid))


def test_handing_a_customer_over_moves_every_open_task_and_keeps_done_ones(
        store, archive, people):
    cid = customer(archive, people["wang"])
    contacts = ContactService(store)
    boss, store.actor_id = store.actor_id, people["wang"].id
    [first] = open_of(store, cid, "first_followup")
    contacts.log_call(CallInput(customer_id=cid, called_at=NOW, task_id=first.id,
                                key_points="好"))
    contacts.log_call(CallInput(customer_id=cid, called_at=NOW, reached=False,
                                no_answer_reason="reschedule", retry_at=NOW + D(days=1),
                                close_followup=False))
    store.actor_id = boss  # campaigns are the supervisor's
    CampaignService(store).create(kind="免费检测周", title="冬季检测", content="免费检测空调",
                                  event_date=TODAY + D(30), place="本中心车间",
                                  invitees=InviteeFilter(), today=TODAY)
    detail = archive.detail(cid)
    archive.update_customer(cid, CustomerInput(
        name=detail.name, phone=detail.phone, address=detail.address,
        clerk_id=people["li"].id))
    assert {t.owner_id for t in open_of(store, cid)} == {people["li"].id}
    with store.read() as s:
        assert s.get(Task, first.id).owner_id == people["wang"].id  # history stays


def test_an_unsatisfied_followup_call_reaches_the_supervisor_and_plans_a_recontact(
        store, archive, people):
    cid = customer(archive, people["wang"])
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points="等太久",
                                      satisfaction="unsatisfied", department="前台",
                                      score=4))
    queue = contacts.requests()
    [item] = [r for r in queue if r.id == out.request_id]
    assert (item.status, item.department, item.content) == ("escalated", "前台", "等太久")
    with store.read() as s:
        assert s.get(CustomerRequest, out.request_id).source == "unsatisfied"
    kinds = {t.kind: t for t in open_of(store, cid)}
    assert kinds["escalation"].owner_id == people["boss"].id
    recontact = kinds["reply"]
    assert recontact.owner_id == people["wang"].id and "确认满意" in recontact.topic
    [call] = contacts.calls_for_customer(cid)
    assert call.result == "上报主管"
    # the re-contact call finds the customer satisfied: the item closes
    contacts.log_call(CallInput(customer_id=cid, called_at=NOW + D(days=1),
                                task_id=recontact.id, key_points="已满意",
                                satisfaction="satisfied"), TODAY + D(1))
    assert contacts.request(out.request_id).status == "closed"


def test_a_request_answered_but_unsatisfied_stays_open_until_the_supervisor_closes_it(
        store, archive, people):
    cid = customer(archive, people["wang"])
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(
        customer_id=cid, called_at=NOW, key_points="要代步车", satisfaction="unsatisfied",
        request=RequestInput("要代步车", "answered", False, "前台", solution="暂无代步车")))
    assert contacts.request(out.request_id).status == "replied"
    with pytest.raises(ValidationError):
        contacts.close_request(out.request_id, "  ", TODAY)
    contacts.close_request(out.request_id, "客户接受，已无代步车可借", TODAY)
    assert contacts.request(out.request_id).status == "closed"
    assert [t for t in open_of(store, cid) if t.request_id == out.request_id] == []


def test_score_is_kept_and_checked(store, archive, people):
    cid = customer(archive, people["wang"])
    contacts = ContactService(store)
    with pytest.raises(ValidationError, match="0 到 10"):
        contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points="好", score=11))
    out = contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points="好",
                                      score=9))
    with store.read() as s:
        from db.models import Call

        assert s.get(Call, out.call_id).score == 9


def test_each_cars_archive_task_stays_open_until_that_car_is_complete(store, archive, people):
    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区",
                      clerk_id=people["wang"].id),
        [VehicleInput(plate="粤A11111", model="朗逸"),  # kind, cycle missing
         VehicleInput(plate="粤A22222", model="卡罗拉", kind="轿车", maintenance_cycle_months=6,
                      next_maintenance_date=TODAY + D(100))])
    car1, car2 = archive.detail(cid).vehicles
    archive.register_visit(cid, car1.id, VisitInput(kind=VisitKind.REPAIR,
                                                    intake_date=TODAY - D(1),
                                                    pickup_date=TODAY - D(1)))
    [task1] = open_of(store, cid, "archive")
    assert "粤A11111" in task1.topic
    v2 = archive.register_visit(cid, car2.id, VisitInput(kind=VisitKind.REPAIR,
                                                         intake_date=TODAY, pickup_date=TODAY))
    assert [t.id for t in open_of(store, cid, "archive")] == [task1.id]  # car 2 is complete
    archive.delete_visit(v2)
    v1_id = task1.visit_id
    archive.delete_visit(v1_id)
    with store.read() as s:
        row = s.get(Task, task1.id)
        assert (row.status, row.closed_reason) == ("cancelled", "auto:deleted")


def test_the_second_call_does_not_propose_a_topic_ticked_on_the_first(store, archive, people):
    cid = customer(archive, people["wang"])
    contacts = ContactService(store)
    topics = contacts.talking_points(cid, TODAY)
    maintenance = next(p for p in topics if "下次保养" in p)
    contacts.log_call(CallInput(customer_id=cid, called_at=NOW, key_points=maintenance))
    later = contacts.talking_points(cid, TODAY + D(8))  # the day counts have changed
    assert not any("下次保养" in p for p in later)
    assert any("车辆使用情况" in p for p in later)


def test_a_visit_typed_in_late_still_gets_its_followup_marked_late_entry(store, archive,
                                                                          people):
    from app.rules import RuleSettings

    TaskService(store).save_rules(RuleSettings(backfill_days=30), TODAY)
    cid = customer(archive, people["wang"], pickups=())
    car = archive.detail(cid).vehicles[0]
    archive.register_visit(cid, car.id, VisitInput(
        kind=VisitKind.REPAIR, intake_date=TODAY - D(61), pickup_date=TODAY - D(60)))
    [first] = open_of(store, cid, "first_followup")
    assert first.due == TODAY - D(53) and first.topic.startswith("【补录】")
    TaskService(store).sync([cid], TODAY)  # a later sync keeps the mark
    assert open_of(store, cid, "first_followup")[0].topic.startswith("【补录】")


def test_an_import_gives_its_new_customers_the_chosen_clerk(store, people, tmp_path, capsys,
                                                           monkeypatch):
    from app.cli import main

    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "secret12")
    sheet = tmp_path / "old.csv"
    sheet.write_text("客户名称,联系电话,车号,跟踪业务员\n周杰,13811112222,粤A10001,\n"
                     "吴磊,13811113333,粤A10002,李强\n", encoding="utf-8")
    db = store.url.removeprefix("sqlite:///")
    # a command that writes names its user (issue 14): without one it is refused
    assert main(["--db", db, "import", str(sheet), "--clerk", "王芳"]) == 2
    assert "--user" in capsys.readouterr().err
    assert main(["--db", db, "--user", "admin", "import", str(sheet), "--clerk", "nobody"]) == 2
    assert main(["--db", db, "--user", "admin", "import", str(sheet), "--clerk", "王芳"]) == 0
    from db.models import Customer

    with store.read() as s:
        clerks = dict(s.query(Customer.name, Customer.clerk_id).all())
    assert clerks == {"周杰": people["wang"].id, "吴磊": people["li"].id}


def test_a_repair_left_without_its_pickup_date_asks_for_it_and_closes_when_entered(
        store, archive, people):
    cid = customer(archive, people["wang"], pickups=())
    car = archive.detail(cid).vehicles[0]
    visit_id = archive.register_visit(cid, car.id, VisitInput(
        kind=VisitKind.REPAIR, intake_date=TODAY - D(8), pickup_date=None,
        service_items="发动机大修"))
    [ask] = open_of(store, cid, "pickup")
    assert ask.due == TODAY - D(1) and "未填出厂日期" in ask.topic
    assert any(i.kind == "pickup" for i in TaskService(store).agenda(None, TODAY))
    assert open_of(store, cid, "first_followup") == []
    archive.update_visit(visit_id, car.id, VisitInput(
        kind=VisitKind.REPAIR, intake_date=TODAY - D(8), pickup_date=TODAY - D(2),
        service_items="发动机大修"))
    with store.read() as s:
        row = s.get(Task, ask.id)
        assert (row.status, row.closed_reason) == ("done", "auto:pickup_entered")
    [first] = open_of(store, cid, "first_followup")
    assert first.window_start == TODAY + D(1)
