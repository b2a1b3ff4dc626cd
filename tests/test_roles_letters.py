"""Day one: the letterhead asked at the first start, letters that fit their context and are
not printed with a gap, and what a clerk may do (services, without a window)."""

import datetime as dt

import pytest
from sqlalchemy import delete

from app.archive import CustomerInput, FormErrors, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService, RequestInput
from app.letters import LetterService, unfilled, unfilled_message
from app.normalize import ValidationError
from app.settings import center_is_placeholder, clean_center
from app.staff import LoginError, StaffService
from app.store import Store
from app.summary import Period, SummaryService
from app.tasks import TaskService
from db.models import LetterTemplate, Role, Setting, VisitKind
from tests.worlds import NOW, TODAY


@pytest.fixture
def people(store):
    staff = StaffService(store)
    return {
        "wang": staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "li": staff.create("liqiang", "李强", Role.CLERK, "secret12"),
        "boss": staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
    }


@pytest.fixture
def customer(archive, people):
    return archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区体育西路 1 号",
                      clerk_id=people["wang"].id),
        [VehicleInput(plate="粤A12345", model="丰田卡罗拉")])


# ---------------------------------------------------------------- the letterhead


def test_the_letterhead_needs_a_name_and_a_real_phone():
    with pytest.raises(ValidationError) as e:
        clean_center("  ", "广州", "020-38881234")
    assert e.value.field == "center_name" and "中心名称" in e.value.message
    with pytest.raises(ValidationError) as e:
        clean_center("顺达汽修", "", "3888123")
    assert e.value.field == "center_phone" and "区号" in e.value.message
    assert clean_center("顺达汽修（天河店）", " 广州市  天河区 ", "020 3888 1234") == {
        "name": "顺达汽修（天河店）", "address": "广州市 天河区", "phone": "020-38881234"}
    assert clean_center("顺达汽修", "", "4008001234")["phone"] == "400-800-1234"
    assert clean_center("顺达汽修", "", "")["phone"] == ""
    assert center_is_placeholder({"name": "汽车维修服务中心"})
    assert not center_is_placeholder({"name": "顺达汽修"})


def test_the_first_administrator_comes_with_the_letterhead(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    staff, letters = StaffService(store), LetterService(store)
    with pytest.raises(FormErrors) as e:
        staff.create_first_admin("", "陈主管", "123", center_name="", center_phone="12345")
    assert set(e.value.errors) == {"username", "password", "center_name", "center_phone"}
    assert staff.needs_first_admin() and letters.center()["phone"] == ""
    assert staff.create_first_admin("boss", "陈主管", "abc12345", center_name="顺达汽修",
                                    center_phone="020-38881234", check_only=True) is None
    assert staff.needs_first_admin()  # only checked
    user = staff.create_first_admin("boss", "陈主管", "abc12345", center_name="顺达汽修",
                                    center_address="广州市天河区中山大道 88 号",
                                    center_phone="020-38881234")
    assert user.role == Role.ADMIN and not staff.needs_first_admin()
    assert letters.center() == {"name": "顺达汽修", "address": "广州市天河区中山大道 88 号",
                                "phone": "020-38881234"}
    with pytest.raises(ValidationError):  # a second desk was quicker: not two first admins
        staff.create_first_admin("boss2", "李", "abc12345", center_name="顺达汽修")
    store.close()


# ---------------------------------------------------------------- letters in context


def test_a_letter_opens_on_the_template_of_its_context(store):
    letters = LetterService(store)

    def name(**kw):
        return letters.default_template(**kw).name

    assert name() == "回访信"
    assert name(kind="notice") == "回访信"  # 改发信函 for a follow-up call: not 活动通知
    assert name(request_id=1) == name(kind="reply", request_id=1) == "答复函"
    assert name(kind="notice", campaign_id=1) == "活动通知"
    assert name(kind="invitation", campaign_id=1) == "活动邀请函"
    assert name(kind="invitation") == "回访信"  # an invitation needs a campaign


def test_an_empty_letterhead_value_stays_a_visible_gap(store, customer):
    letters = LetterService(store)
    followup = letters.default_template()
    [draft] = letters.draft(followup.id, [customer])
    assert "{中心电话}" in draft.body and "请致电 。" not in draft.body
    assert list(unfilled([draft])) == ["中心电话"]
    message = unfilled_message([draft], editable=True)
    assert "不能打印" in message and "本中心电话" in message
    assert "联系 → 信函模板与信头" in message and "直接在正文" in message
    letters.save_center(name="顺达汽修", phone="020-38881234")
    [draft] = letters.draft(followup.id, [customer])
    assert "020-38881234" in draft.body and unfilled_message([draft]) == ""
    # a campaign template without a campaign names what is missing and where
    notice = next(t for t in letters.templates() if t.name == "活动通知")
    drafts = letters.draft(notice.id, [customer, customer])
    message = unfilled_message(drafts)
    assert "{活动名称}" in message and "活动管理" in message and "2 封" in message


def test_a_database_of_the_first_release_gets_the_followup_letter_once(store):
    letters = LetterService(store)
    with store.session() as s:
        for name in ("活动邀请函", "活动通知", "保养提醒通知", "答复函"):
            s.add(LetterTemplate(kind="notice", name=name, subject="", body="x"))
    names = [t.name for t in letters.templates()]
    assert names.count("回访信") == 1 and len(names) == 5
    with store.session() as s:  # the center does not want it
        s.execute(delete(LetterTemplate).where(LetterTemplate.name == "回访信"))
    assert "回访信" not in [t.name for t in letters.templates()]
    with store.session() as s:
        assert s.get(Setting, "letters.seeded_templates") is not None


def test_a_letter_instead_of_a_call_keeps_the_request_it_answers(store, archive, customer,
                                                                  people):
    vid = archive.detail(customer).vehicles[0].id
    archive.register_visit(customer, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=TODAY - dt.timedelta(days=5),
        pickup_date=TODAY - dt.timedelta(days=4), service_items="更换刹车片"))
    tasks, contacts, letters = TaskService(store), ContactService(store), LetterService(store)
    first = next(t for t in tasks.for_customer(customer, TODAY) if t.kind == "first_followup")
    assert letters.context_for_task(first.task_id) == (None, None)
    assert letters.context_for_customer(customer) is None
    out = contacts.log_call(CallInput(
        customer_id=customer, called_at=NOW, task_id=first.task_id, points_covered=[1],
        satisfaction="unsatisfied", request=RequestInput("刹车异响", "escalated", True, "车间")))
    escalation = next(t for t in tasks.for_customer(customer, TODAY) if t.kind == "escalation")
    assert letters.context_for_task(escalation.task_id) == (None, None)  # no solution yet
    contacts.solve(out.request_id, "免费更换刹车盘", TODAY)
    reply = next(t for t in tasks.for_customer(customer, TODAY)
                 if t.kind == "reply" and t.status == "open")
    assert letters.context_for_task(reply.task_id) == (None, out.request_id)
    assert letters.context_for_customer(customer) == out.request_id
    [draft] = letters.draft(letters.default_template(request_id=out.request_id).id, [customer],
                            request_id=out.request_id)
    assert "免费更换刹车盘" in draft.body


# ---------------------------------------------------------------- what a clerk may do


def test_a_clerk_can_neither_delete_nor_import(store, archive, customer, people, tmp_path):
    from app.importer import import_file

    path = tmp_path / "客户.csv"
    path.write_text("客户名称,联系电话\n李明,13911112222\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        archive.delete_customer(customer, by=people["wang"])
    assert e.value.field == "role" and "不能删除客户" in e.value.message
    store.actor_id = people["wang"].id  # logged in as the clerk: the default `by`
    with pytest.raises(ValidationError, match="不能删除客户"):
        archive.delete_customer(customer)
    with pytest.raises(ValidationError, match="不能导入客户档案"):
        import_file(store, path)
    with pytest.raises(ValidationError, match="不能导入客户档案"):
        import_file(store, path, dry_run=True)
    assert archive.count() == 1
    store.actor_id = people["boss"].id
    assert import_file(store, path).imported == 1
    archive.delete_customer(customer)
    assert archive.count() == 1  # 张伟 in the bin, 李明 imported


def test_a_clerk_sees_only_their_own_figures(store, people):
    summary = SummaryService(store)
    month = Period.month(TODAY.year, TODAY.month)
    wang, li, boss = people["wang"], people["li"], people["boss"]
    summary.figures(month, clerk_id=wang.id, by=wang)
    summary.records_behind("visits", month, wang.id, by=wang)
    for other in (li.id, None):
        with pytest.raises(ValidationError, match="只能查看自己的统计"):
            summary.figures(month, clerk_id=other, by=wang)
        with pytest.raises(ValidationError):
            summary.monthly_trend(TODAY.year, clerk_id=other, by=wang)
        with pytest.raises(ValidationError):
            summary.complaints_by_department(month, clerk_id=other, by=wang)
        with pytest.raises(ValidationError):
            summary.records_behind("visits", month, other, by=wang)
        summary.figures(month, clerk_id=other, by=boss)


def test_only_active_clerks_follow_customers(store, people):
    staff = StaffService(store)
    staff.update(people["li"].id, name="李强", role=Role.CLERK, active=False)
    assert [c.name for c in staff.clerks()] == ["王芳"]


def test_anybody_changes_their_own_password(store, people):
    staff = StaffService(store)
    wang = people["wang"]
    with pytest.raises(ValidationError) as e:
        staff.change_own_password(wang.id, "wrong1", "newpass1")
    assert e.value.field == "old"
    with pytest.raises(ValidationError) as e:
        staff.change_own_password(wang.id, "secret12", "123")
    assert e.value.field == "password" and "至少" in e.value.message
    staff.change_own_password(wang.id, "secret12", "newpass1")
    assert staff.login("wangfang", "newpass1").id == wang.id
    with pytest.raises(LoginError):
        staff.login("wangfang", "secret12")
