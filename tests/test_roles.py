"""Roles are kept by the services, not only by hidden menus (issue 14, item 5): each write a
clerk must not do is refused with a Chinese message, for every role."""

from __future__ import annotations

import datetime as dt

import pytest

from app.archive import CustomerInput
from app.campaigns import CampaignService, InviteeFilter
from app.contacts import CallInput, ContactService
from app.letters import LetterDraft, LetterService
from app.rules import RuleSettings
from app.staff import RoleRefused, StaffService
from app.tasks import TaskService
from db.models import Role
from tests.worlds import NOW, TODAY


@pytest.fixture
def people(store):
    staff = StaffService(store)
    return {
        "admin": staff.by_name("admin"),
        "supervisor": staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
        "clerk": staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "other": staff.create("liqiang", "李强", Role.CLERK, "secret12"),
    }


@pytest.fixture
def world(store, archive, people):
    """A customer, a call and a letter made by the other clerk, a deleted customer."""
    store.actor_id = people["other"].id
    cid = archive.create_customer(CustomerInput(name="张伟", phone="13812345678",
                                                address="广州市天河区"))
    gone = archive.create_customer(CustomerInput(name="李明", phone="13900001111"))
    call = ContactService(store).log_call(CallInput(customer_id=cid, called_at=NOW,
                                                    key_points="好"))
    [letter] = LetterService(store).register(
        [LetterDraft(cid, "张伟", "广州市", "保养提醒", "正文")], kind="notice", way="mail",
        sent_on=TODAY)
    store.actor_id = people["admin"].id
    archive.delete_customer(gone)
    return {"customer": cid, "gone": gone, "call": call.call_id, "letter": letter}


# name → (who may, the call); every other role is refused
ACTIONS = {
    "create staff": ({"admin"}, lambda st, w, p: StaffService(st).create(
        "newbie", "新人", Role.CLERK, "secret12")),
    "promote to admin": ({"admin"}, lambda st, w, p: StaffService(st).update(
        p["clerk"].id, name="王芳", role=Role.ADMIN, active=True)),
    "reset the admin's password": ({"admin"}, lambda st, w, p: StaffService(st).update(
        p["admin"].id, name="管理员", role=Role.ADMIN, active=True, password="another12")),
    "change the rules": ({"admin", "supervisor"}, lambda st, w, p: TaskService(st).save_rules(
        RuleSettings(first_call_to=8), TODAY)),
    "plan an absence": ({"admin", "supervisor"}, lambda st, w, p: TaskService(st).add_absence(
        p["clerk"].id, TODAY, TODAY, p["other"].id)),
    "delete a customer": ({"admin", "supervisor"}, lambda st, w, p: w["archive"].delete_customer(
        w["customer"])),
    "restore a customer": ({"admin", "supervisor"},
                           lambda st, w, p: w["archive"].restore_customer(w["gone"])),
    "delete another clerk's call": ({"admin", "supervisor"},
                                    lambda st, w, p: ContactService(st).delete_call(w["call"])),
    "delete another clerk's letter": ({"admin", "supervisor"},
                                      lambda st, w, p: LetterService(st).delete(w["letter"])),
    "hand a customer over": ({"admin", "supervisor"}, lambda st, w, p: w["archive"].update_customer(
        w["customer"], CustomerInput(name="张伟", phone="13812345678", address="广州市天河区",
                                     clerk_id=p["other"].id))),
    "set the letterhead": ({"admin", "supervisor"}, lambda st, w, p: LetterService(
        st).save_center(name="示范汽车服务中心", address="", phone="")),
    "plan a campaign": ({"admin", "supervisor"}, lambda st, w, p: CampaignService(st).create(
        kind="免费检测周", title="冬季检测", content="免费检测",
        event_date=TODAY + dt.timedelta(30), place="车间", invitees=InviteeFilter(), today=TODAY)),
}


@pytest.mark.parametrize("role", ["admin", "supervisor", "clerk"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_write_is_refused_to_the_roles_it_is_not_for(store, archive, people, world,
                                                          role, action):
    allowed, do = ACTIONS[action]
    store.actor_id = people[role].id
    world = {**world, "archive": archive}
    if role in allowed:
        do(store, world, people)
    else:
        with pytest.raises(RoleRefused) as refused:
            do(store, world, people)
        assert isinstance(refused.value, PermissionError)
        assert refused.value.field == "role" and any(
            "\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_a_clerk_may_delete_and_restore_their_own_call(store, people, world):
    store.actor_id = people["other"].id
    contacts = ContactService(store)
    contacts.delete_call(world["call"])
    assert contacts.calls_for_customer(world["customer"]) == []
    contacts.restore_call(world["call"])
    assert [c.id for c in contacts.calls_for_customer(world["customer"])] == [world["call"]]


def test_the_command_line_writes_as_a_named_user_with_that_users_role(
        store, people, tmp_path, capsys, monkeypatch):
    from app.cli import main

    url = store.url
    store.close()
    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "secret12")
    assert main(["--db", url, "center", "--name", "示范汽车服务中心"]) == 2
    assert "--user" in capsys.readouterr().err
    assert main(["--db", url, "--user", "wangfang", "center", "--name", "示范汽车服务中心"]) == 2
    assert "业务主管或管理员" in capsys.readouterr().err
    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "wrong")
    assert main(["--db", url, "--user", "zhuguan", "center", "--name", "示范汽车服务中心"]) == 2
    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "secret12")
    assert main(["--db", url, "--user", "zhuguan", "center", "--name", "示范汽车服务中心"]) == 0
    assert "示范汽车服务中心" in capsys.readouterr().out
