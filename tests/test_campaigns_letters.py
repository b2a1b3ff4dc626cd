"""Campaigns (R6) and letters (R8): notice two weeks ahead, the letter within two days."""

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput
from app.campaigns import CampaignService, InviteeFilter, notice_window
from app.contacts import CallInput, ContactService, RequestInput
from app.letters import LetterService, fill
from app.normalize import ValidationError
from app.rules import Window
from app.tasks import TaskService

D = dt.date


@pytest.fixture
def invited(archive):
    return {
        "张伟": archive.create_customer(
            CustomerInput(name="张伟", phone="13812345678", address="广州市天河区体育西路 1 号",
                          region="天河"), [VehicleInput(plate="粤A12345", model="丰田卡罗拉")]),
        "王芳": archive.create_customer(
            CustomerInput(name="王芳", phone="13900001111", address="广州市越秀区中山五路 8 号",
                          region="越秀"), [VehicleInput(plate="粤A54321", model="本田雅阁")]),
        "李强": archive.create_customer(
            CustomerInput(name="李强", phone="13700002222"),
            [VehicleInput(plate="粤A11111", model="丰田凯美瑞")]),
    }


def test_notice_window_across_a_month_end():
    # a campaign on 3 December: the notice is due 19 November, the window opens a week earlier
    assert notice_window(D(2026, 12, 3), D(2026, 11, 1)) == Window(D(2026, 11, 12),
                                                                  D(2026, 11, 19))
    # created late: the window opens today, and is overdue if already past
    assert notice_window(D(2026, 12, 3), D(2026, 11, 17)) == Window(D(2026, 11, 17),
                                                                   D(2026, 11, 19))
    assert notice_window(D(2027, 1, 10), D(2026, 12, 20)) == Window(D(2026, 12, 20),
                                                                   D(2026, 12, 27))


def test_invitees_by_model_and_region(store, invited):
    campaigns = CampaignService(store)
    assert set(campaigns.preview(InviteeFilter())) == set(invited.values())
    assert campaigns.preview(InviteeFilter(models=["丰田"])) == [invited["张伟"],
                                                                invited["李强"]]
    assert campaigns.preview(InviteeFilter(regions=["越秀"])) == [invited["王芳"]]


def test_campaign_notice_call_then_letter(store, invited):
    today = D(2026, 11, 20)
    campaigns, tasks = CampaignService(store), TaskService(store)
    cid = campaigns.create(kind="免费检测周", title="冬季免费检测周", content="免费检测空调、电瓶",
                           event_date=D(2026, 12, 3), place="本中心维修车间",
                           invitees=InviteeFilter(models=["丰田"]), today=today)
    notices = [t for t in tasks.between(D(2026, 11, 1), D(2026, 12, 31), today)
               if t.kind == "event_notice"]
    assert {t.customer_id for t in notices} == {invited["张伟"], invited["李强"]}
    # Created after the deadline (11-19): due as soon as possible, never already overdue.
    assert not any(t.overdue(today) for t in notices)
    assert all(today <= t.window_start <= t.due < D(2026, 12, 3) for t in notices)
    call_at = dt.datetime(2026, 11, 30, 9, 0)  # across the month end
    notice = next(t for t in notices if t.customer_id == invited["张伟"])
    ContactService(store).log_call(CallInput(
        customer_id=invited["张伟"], called_at=call_at, call_type="notice",
        task_id=notice.task_id, points_covered=[5], campaign_id=cid), today=call_at.date())
    [letter_task] = [t for t in tasks.for_customer(invited["张伟"], call_at.date())
                     if t.kind == "event_letter"]
    assert (letter_task.window_start, letter_task.due) == (D(2026, 11, 30), D(2026, 12, 2))
    letters = LetterService(store)
    template = next(t for t in letters.templates("invitation"))
    [draft] = letters.draft(template.id, [invited["张伟"]], campaign_id=cid, today=call_at.date())
    assert "冬季免费检测周" in draft.subject and "2026年12月3日" in draft.body
    assert "张伟" in draft.body and draft.address.startswith("广州市天河区")
    letters.register([draft], kind="invitation", way="mail", sent_on=D(2026, 12, 1),
                     campaign_id=cid)
    [done] = [t for t in tasks.for_customer(invited["张伟"], call_at.date())
              if t.kind == "event_letter"]
    assert done.status == "done" and done.done_on == D(2026, 12, 1)
    info = campaigns.get(cid)
    assert (info.invitees, info.notified, info.letters) == (2, 1, 1)


def test_mail_needs_an_address_and_reply_letter_answers_a_request(store, invited):
    letters = LetterService(store)
    template = letters.templates("reply")[0]
    drafts = letters.draft(template.id, [invited["李强"]])
    with pytest.raises(ValidationError, match="没有地址"):
        letters.register(drafts, kind="reply", way="mail", sent_on=D(2026, 11, 27))
    contacts = ContactService(store)
    out = contacts.log_call(CallInput(
        customer_id=invited["王芳"], called_at=dt.datetime(2026, 11, 25, 10), direction="in",
        call_type="consultation", key_points="要求书面答复",
        request=RequestInput("要求书面说明收费明细", "escalated")), today=D(2026, 11, 25))
    contacts.solve(out.request_id, "附收费明细，工时费已按八折计算", D(2026, 11, 26))
    [draft] = letters.draft(template.id, [invited["王芳"]], request_id=out.request_id)
    assert "工时费已按八折计算" in draft.body
    [lid] = letters.register([draft], kind="reply", way="mail", sent_on=D(2026, 11, 26),
                             request_id=out.request_id)
    assert contacts.request(out.request_id).status == "closed"
    assert [x.id for x in letters.letters_for_customer(invited["王芳"])] == [lid]
    letters.delete(lid)
    assert letters.letter_ids() == [] and letters.letter_ids(deleted=True) == [lid]
    letters.restore(lid)
    assert letters.letter_ids(kind="reply") == [lid]


def test_templates_are_editable_and_unknown_placeholders_stay_visible(store):
    letters = LetterService(store)
    assert {t.kind for t in letters.templates()} == {"notice", "invitation", "reply"}
    tid = letters.save_template(None, "notice", "春节通知", "春节营业安排",
                                "尊敬的{客户名称}：春节期间{营业安排}。")
    assert any(t.id == tid for t in letters.templates("notice"))
    with pytest.raises(ValidationError, match="已有"):
        letters.save_template(None, "notice", "春节通知", "", "x")
    assert fill("{客户名称}您好{未知}", {"客户名称": "张伟"}) == "张伟您好{未知}"
