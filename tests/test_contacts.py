"""Calls and requests (R5, R7): the whole path of a complaint, retries, the second call."""

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService, RequestInput
from app.normalize import ValidationError
from app.staff import StaffService
from app.tasks import TaskService
from db.models import Role, VisitKind
from tests.worlds import NOW, TODAY


@pytest.fixture
def people(store):
    staff = StaffService(store)
    return {
        "clerk": staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "boss": staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
    }


@pytest.fixture
def customer(archive, people):
    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区",
                      clerk_id=people["clerk"].id),
        [VehicleInput(plate="粤A12345", model="丰田卡罗拉", kind="轿车",
                      maintenance_cycle_months=6,
                      next_maintenance_date=TODAY + dt.timedelta(days=100))])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=TODAY - dt.timedelta(days=5),
        pickup_date=TODAY - dt.timedelta(days=4), service_items="更换刹车片"))
    return cid


def task_of(tasks, cid, kind, status="open"):
    found = [t for t in tasks.for_customer(cid, TODAY) if t.kind == kind and t.status == status]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_followup_call_closes_the_task_and_opens_the_second(store, customer, people):
    store.actor_id = people["clerk"].id
    tasks, contacts = TaskService(store), ContactService(store)
    first = task_of(tasks, customer, "first_followup")
    out = contacts.log_call(CallInput(
        customer_id=customer, called_at=NOW, task_id=first.task_id, points_covered=[1, 2],
        key_points="刹车正常", satisfaction="satisfied"))
    assert first.task_id in out.closed_task_ids
    second = task_of(tasks, customer, "second_followup")
    assert second.window_start == TODAY + dt.timedelta(days=7)
    assert contacts.covered_before(customer) == {1, 2}  # the second call shows what was said
    [call] = contacts.calls_for_customer(customer)
    assert call.clerk_name == "王芳" and call.outcome_label == "满意" and call.plate == "粤A12345"


def test_a_complaint_from_logged_to_confirmed(store, customer, people):
    store.actor_id = people["clerk"].id
    tasks, contacts = TaskService(store), ContactService(store)
    first = task_of(tasks, customer, "first_followup")
    out = contacts.log_call(CallInput(
        customer_id=customer, called_at=NOW, task_id=first.task_id, points_covered=[1],
        call_type="followup", satisfaction="unsatisfied",
        request=RequestInput("刹车异响，修完仍有", "escalated", True, "车间")))
    rid = out.request_id
    req = contacts.request(rid)
    assert (req.status, req.escalated_on, req.department) == ("escalated", TODAY, "车间")
    esc = task_of(tasks, customer, "escalation")
    assert esc.due == TODAY + dt.timedelta(days=2) and esc.owner_name == "黄主管"
    assert [r.id for r in contacts.requests(escalated_only=True)] == [rid]  # the queue
    # the supervisor writes the solution two days later: the reply is due that day
    store.actor_id = people["boss"].id
    solved_on = TODAY + dt.timedelta(days=2)
    contacts.solve(rid, "免费更换刹车盘，周六到店", solved_on)
    assert task_of(tasks, customer, "escalation") is None
    reply = task_of(tasks, customer, "reply")
    assert (reply.window_start, reply.due, reply.owner_name) == (solved_on, solved_on, "王芳")
    # the clerk tells the customer; they are not yet satisfied: a confirmation call follows
    store.actor_id = people["clerk"].id
    at = dt.datetime.combine(solved_on, dt.time(15))
    contacts.log_call(CallInput(customer_id=customer, called_at=at, task_id=reply.task_id,
                                call_type="reply", key_points="告知解决办法",
                                satisfaction="basic"), today=solved_on)
    assert contacts.request(rid).status == "replied"
    confirm = task_of(tasks, customer, "reply")
    assert confirm is not None and confirm.task_id != reply.task_id
    # the confirming call: satisfied, the complaint closes
    later = at + dt.timedelta(days=1)
    contacts.log_call(CallInput(customer_id=customer, called_at=later,
                                task_id=confirm.task_id, call_type="reply",
                                key_points="已更换，客户满意", satisfaction="satisfied"),
                      today=later.date())
    req = contacts.request(rid)
    assert (req.status, req.closed_on) == ("closed", later.date())
    assert contacts.requests() == []


def test_a_request_studied_then_escalated(store, customer, people):
    contacts, tasks = ContactService(store), TaskService(store)
    out = contacts.log_call(CallInput(
        customer_id=customer, called_at=NOW, call_type="consultation", direction="in",
        key_points="询问保养套餐", request=RequestInput("想要保养套餐报价", "study",
                                                       department="前台")))
    study = task_of(tasks, customer, "escalation")
    assert study.owner_name == "王芳" and study.due == TODAY + dt.timedelta(days=2)
    contacts.escalate(out.request_id, TODAY + dt.timedelta(days=1))
    assert contacts.request(out.request_id).status == "escalated"
    esc = task_of(tasks, customer, "escalation")
    assert esc.owner_name == "黄主管" and esc.due == TODAY + dt.timedelta(days=2)


def test_answered_on_the_spot_closes_at_once(store, customer):
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(
        customer_id=customer, called_at=NOW, call_type="consultation", direction="in",
        key_points="问营业时间", satisfaction="satisfied",
        request=RequestInput("周日是否营业", "answered", solution="周日照常营业")))
    assert contacts.request(out.request_id).status == "closed"


def test_failed_calls_retry_and_then_say_unreachable(store, customer, people):
    tasks, contacts = TaskService(store), ContactService(store)
    first = task_of(tasks, customer, "first_followup")
    retry_at = NOW + dt.timedelta(days=1, hours=5)
    out = contacts.log_call(CallInput(
        customer_id=customer, called_at=NOW, task_id=first.task_id, reached=False,
        no_answer_reason="reschedule", retry_at=retry_at))
    assert out.failed_attempts == 1 and not out.unreachable
    retry = task_of(tasks, customer, "retry")
    assert retry.due == retry_at.date() and "重拨" in retry.topic
    assert task_of(tasks, customer, "first_followup") is not None  # still to be done
    out = contacts.log_call(CallInput(customer_id=customer, called_at=retry_at,
                                      task_id=retry.task_id, reached=False,
                                      no_answer_reason="powered_off"))
    assert out.failed_attempts == 2 and task_of(tasks, customer, "retry") is None
    out = contacts.log_call(CallInput(customer_id=customer, called_at=retry_at,
                                      task_id=first.task_id, reached=False,
                                      no_answer_reason="no_answer"))
    assert out.failed_attempts == 3 and out.unreachable


def test_reaching_on_the_retry_closes_the_original(store, customer):
    tasks, contacts = TaskService(store), ContactService(store)
    first = task_of(tasks, customer, "first_followup")
    contacts.log_call(CallInput(customer_id=customer, called_at=NOW, task_id=first.task_id,
                                reached=False, no_answer_reason="no_answer",
                                retry_at=NOW + dt.timedelta(hours=3)))
    retry = task_of(tasks, customer, "retry")
    contacts.log_call(CallInput(customer_id=customer, called_at=NOW + dt.timedelta(hours=3),
                                task_id=retry.task_id, points_covered=[1],
                                satisfaction="satisfied"))
    assert task_of(tasks, customer, "first_followup") is None
    assert task_of(tasks, customer, "first_followup", "done") is not None
    assert task_of(tasks, customer, "second_followup") is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (dict(reached=False), "no_answer_reason"),
        (dict(reached=False, no_answer_reason="reschedule"), "retry_at"),
        (dict(points_covered=[], key_points=""), "key_points"),
        (dict(points_covered=[8]), "points_covered"),
        (dict(request=RequestInput("", "study")), "request"),
        (dict(request=RequestInput("要发票", "answered")), "solution"),
        (dict(customer_id=None), "customer"),
    ],
)
def test_bad_calls_are_refused_with_the_field(store, customer, changes, field):
    data = dict(customer_id=customer, called_at=NOW, points_covered=[1])
    data.update(changes)
    with pytest.raises(ValidationError) as e:
        ContactService(store).log_call(CallInput(**data))
    assert e.value.field == field


def test_incoming_call_finds_the_customer_and_talking_points(store, customer):
    contacts = ContactService(store)
    assert contacts.customers_by_phone("138 1234 5678") == [customer]
    assert contacts.customers_by_phone("5678") == [customer]
    assert contacts.customers_by_phone("12") == []
    points = contacts.talking_points(customer, TODAY)
    assert any("下次保养" in p for p in points) and any("更换刹车片" in p for p in points)


def test_deleted_call_leaves_the_log_and_comes_back(store, customer):
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(customer_id=customer, called_at=NOW, points_covered=[1]))
    contacts.delete_call(out.call_id)
    assert contacts.call_ids() == [] and contacts.call_ids(deleted=True) == [out.call_id]
    contacts.restore_call(out.call_id)
    assert contacts.call_ids(customer_id=customer) == [out.call_id]


def test_the_agenda_says_how_often_nobody_answered(store, customer, people):
    tasks, contacts = TaskService(store), ContactService(store)
    first = task_of(tasks, customer, "first_followup")
    for reason in ("no_answer", "powered_off", "no_answer"):
        contacts.log_call(CallInput(customer_id=customer, called_at=NOW, task_id=first.task_id,
                                    reached=False, no_answer_reason=reason))
    [item] = [i for i in tasks.agenda(people["clerk"], TODAY) if i.task_id == first.task_id]
    assert item.failed_attempts == 3 and item.kind_label == "第一次跟踪"


def test_settings_and_edges_of_logging(store, customer):
    from app.settings import UNREACHABLE_KEY, save_int

    with store.session() as s:
        save_int(s, UNREACHABLE_KEY, 2)
    contacts = ContactService(store)
    assert contacts.unreachable_after == 2
    with pytest.raises(ValidationError) as e:
        contacts.log_call(CallInput(customer_id=None, phone="13900000000", called_at=NOW,
                                    direction="in", call_type="consultation", key_points="问路",
                                    request=RequestInput("要发票", "study")))
    assert e.value.field == "request"
    out = contacts.log_call(CallInput(customer_id=customer, called_at=NOW, reached=False,
                                      no_answer_reason="reschedule",
                                      retry_at=NOW + dt.timedelta(days=1)))
    assert out.opened_task_ids  # a retry without a task still lands on the agenda
    retry = task_of(TaskService(store), customer, "retry")
    assert retry.due == TODAY + dt.timedelta(days=1)
