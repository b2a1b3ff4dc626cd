"""Campaign notices (R6) planned honestly: a short-notice campaign opens no call already overdue.

Every date here is explicit (the services take `today`), so the suite passes on any frozen day.
"""

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from app.archive import CustomerInput, VehicleInput
from app.campaigns import (
    CampaignService,
    InviteeFilter,
    NoticePlan,
    notice_window,
    plan_notices,
)
from app.contacts import CallInput, ContactService
from app.normalize import ValidationError
from app.rules import RuleSettings, Window
from app.staff import StaffService
from app.tasks import TaskService
from db.models import Role, Task

D = dt.date
THU = D(2026, 11, 19)  # a Thursday in a month without public holidays
EVENT_5_DAYS = D(2026, 11, 24)  # the Tuesday after: Thu, Fri, Mon are the working days left


class Weekdays:
    """A calendar of Monday–Friday less the given days off (no holidays library needed)."""

    def __init__(self, *off: dt.date):
        self.off = set(off)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.off


@pytest.fixture
def clerks(store):
    staff = StaffService(store)
    return (staff.create("wang", "王业务", Role.CLERK, "secret12").id,
            staff.create("li", "李业务", Role.CLERK, "secret12").id)


@pytest.fixture
def twelve(archive, clerks):
    """12 customers: 7 of 王业务's (卡罗拉), 5 of 李业务's (雅阁)."""
    ids = []
    for i in range(12):
        clerk = clerks[0] if i < 7 else clerks[1]
        ids.append(archive.create_customer(
            CustomerInput(name=f"客户{i:02d}", phone=f"1380000{i:04d}", address="广州市天河区",
                          clerk_id=clerk),
            [VehicleInput(plate=f"粤B{i:05d}", model="丰田卡罗拉" if i < 7 else "本田雅阁")]))
    return ids


def notices(store, campaign_id: int, today: dt.date):
    """The campaign's open notice-call tasks, as the agenda shows them."""
    with store.read() as s:
        ids = set(s.scalars(select(Task.id).where(Task.campaign_id == campaign_id)))
    return [t for t in TaskService(store).between(D(2000, 1, 1), D(2100, 1, 1), today)
            if t.kind == "event_notice" and t.status == "open" and t.task_id in ids]


def create(store, event_date: dt.date, today: dt.date, **kw) -> int:
    args = dict(kind="免费检测周", title="冬季免费检测周", content="免费检测空调、电瓶",
                event_date=event_date, place="本中心维修车间", invitees=InviteeFilter(),
                today=today)
    args.update(kw)
    return CampaignService(store).create(**args)


# ---------------------------------------------------------------- short notice


def test_a_campaign_five_days_away_opens_no_notice_already_overdue(store, twelve, clerks):
    plan = CampaignService(store).notice_plan(EVENT_5_DAYS, THU)
    assert plan.late and plan.deadline == D(2026, 11, 10)
    assert plan.days == (THU, D(2026, 11, 20), D(2026, 11, 23))  # the weekend skipped
    cid = create(store, EVENT_5_DAYS, THU)
    rows = notices(store, cid, THU)
    assert len(rows) == 12
    assert not any(t.overdue(THU) for t in rows)
    assert all(THU <= t.window_start <= t.due < EVENT_5_DAYS for t in rows)
    assert all(t.due in plan.days for t in rows)
    # each clerk's calls spread by a per-day share: 7 → 3 + 3 + 1, 5 → 2 + 2 + 1
    per_day = Counter((t.owner_id, t.due) for t in rows)
    wang, li = clerks
    assert [per_day[(wang, d)] for d in plan.days] == [3, 3, 1]
    assert [per_day[(li, d)] for d in plan.days] == [2, 2, 1]
    # in archive order: the first customers are called first
    assert [t.due for t in sorted(rows, key=lambda t: t.archive_no)][:3] == [THU] * 3


def test_the_letter_still_follows_a_late_notice_call_by_two_days(store, twelve):
    cid = create(store, EVENT_5_DAYS, THU)
    first = min(notices(store, cid, THU), key=lambda t: t.archive_no)
    called = dt.datetime(2026, 11, 19, 15, 0)
    ContactService(store).log_call(CallInput(
        customer_id=first.customer_id, called_at=called, call_type="notice",
        task_id=first.task_id, points_covered=[5], campaign_id=cid), today=THU)
    [letter] = [t for t in TaskService(store).for_customer(first.customer_id, THU)
                if t.kind == "event_letter"]
    assert (letter.window_start, letter.due) == (THU, D(2026, 11, 21))


def test_a_campaign_thirty_days_away_is_noticed_fourteen_days_before(store, twelve):
    today, event = D(2026, 11, 2), D(2026, 12, 2)
    plan = CampaignService(store).notice_plan(event, today)
    assert not plan.late and plan.deadline == D(2026, 11, 18)
    cid = create(store, event, today)
    rows = notices(store, cid, today)
    assert len(rows) == 12
    assert {(t.window_start, t.due) for t in rows} == {(D(2026, 11, 11), D(2026, 11, 18))}


def test_the_notice_lead_is_a_rule_setting_for_new_campaigns(store, twelve):
    today, event = D(2026, 11, 2), D(2026, 12, 2)
    before = create(store, event, today)
    TaskService(store).save_rules(RuleSettings(notice_lead_days=10), today)
    assert CampaignService(store).notice_plan(event, today).deadline == D(2026, 11, 22)
    after = create(store, event, today, title="冬季免费检测周（二）")
    assert {t.due for t in notices(store, after, today)} == {D(2026, 11, 22)}
    assert {t.due for t in notices(store, before, today)} == {D(2026, 11, 18)}  # not moved
    # a 10-day lead turns a campaign 12 days away from late to on time
    assert CampaignService(store).notice_plan(D(2026, 11, 14), today).late is False


# ---------------------------------------------------------------- R6: 内容、日期、地址


@pytest.mark.parametrize("field,blank", [("place", {"place": "  "}),
                                         ("content", {"content": "\n "})])
def test_a_campaign_without_place_or_content_is_refused(store, twelve, field, blank):
    with pytest.raises(ValidationError) as refused:
        create(store, D(2026, 12, 2), D(2026, 11, 2), **blank)
    assert refused.value.field == field
    assert "内容、日期、地址要告之清楚" in refused.value.message
    assert CampaignService(store).list() == []
    assert not any(t.kind == "event_notice" for t in TaskService(store).between(
        D(2026, 1, 1), D(2027, 12, 31), D(2026, 11, 2)))


# ---------------------------------------------------------------- the filter, literally


def test_a_percent_or_underscore_in_the_filter_is_taken_literally(store, archive):
    plain = archive.create_customer(CustomerInput(name="张伟", phone="13811110001",
                                                  region="天河"),
                                    [VehicleInput(plate="粤C00001", model="丰田卡罗拉")])
    percent = archive.create_customer(CustomerInput(name="王芳", phone="13811110002",
                                                    region="越秀100%覆盖"),
                                      [VehicleInput(plate="粤C00002", model="电动100%版")])
    underscore = archive.create_customer(CustomerInput(name="李强", phone="13811110003",
                                                       region="番禺_南村"),
                                         [VehicleInput(plate="粤C00003", model="EV_X")])
    campaigns = CampaignService(store)
    assert set(campaigns.preview(InviteeFilter())) == {plain, percent, underscore}
    assert campaigns.preview(InviteeFilter(models=["%"])) == [percent]
    assert campaigns.preview(InviteeFilter(models=["％"])) == [percent]  # full-width folds
    assert campaigns.preview(InviteeFilter(models=["_"])) == [underscore]
    assert campaigns.preview(InviteeFilter(models=["100%"])) == [percent]
    assert campaigns.preview(InviteeFilter(regions=["%"])) == [percent]
    assert campaigns.preview(InviteeFilter(regions=["_"])) == [underscore]
    assert campaigns.preview(InviteeFilter(models=["卡_拉"])) == []
    assert campaigns.preview(InviteeFilter(models=["卡%拉"])) == []


# ---------------------------------------------------------------- the plan, as dates


def test_notice_window_follows_the_lead_days():
    assert notice_window(D(2026, 12, 2), D(2026, 11, 2)) == Window(D(2026, 11, 11),
                                                                   D(2026, 11, 18))
    assert notice_window(D(2026, 12, 2), D(2026, 11, 2), 10) == Window(D(2026, 11, 15),
                                                                       D(2026, 11, 22))


def test_a_late_plan_skips_days_off_across_the_year_end():
    # 元旦 2027 is a Friday; created on Mon 2026-12-28 for an event on Thu 2027-01-07
    plan = plan_notices(D(2027, 1, 7), D(2026, 12, 28), 14, Weekdays(D(2027, 1, 1)))
    assert plan.late and plan.deadline == D(2026, 12, 24)
    assert plan.days == (D(2026, 12, 28), D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31),
                         D(2027, 1, 4), D(2027, 1, 5), D(2027, 1, 6))
    windows = plan.windows([(c, 7) for c in range(15)])  # 15 calls, one clerk: 3 a day
    assert Counter(w.due for w in windows.values()) == Counter(
        {D(2026, 12, 28): 3, D(2026, 12, 29): 3, D(2026, 12, 30): 3, D(2026, 12, 31): 3,
         D(2027, 1, 4): 3})
    assert plan.per_day(15) == 3 and plan.per_day(0) == 0


def test_a_late_plan_never_falls_before_today():
    # created on a Saturday for the Monday: no working day before it, the event day itself
    plan = plan_notices(D(2026, 11, 23), D(2026, 11, 21), 14, Weekdays())
    assert plan.days == (D(2026, 11, 23),)
    # on a day off for a day off: today, never a day in the past
    plan = plan_notices(D(2026, 11, 22), D(2026, 11, 21), 14, Weekdays())
    assert plan.days == (D(2026, 11, 21),)
    # a campaign today
    plan = plan_notices(D(2026, 11, 20), D(2026, 11, 20), 14, Weekdays())
    assert plan.days == (D(2026, 11, 20),)
    assert set(plan.windows([(1, None), (2, None)]).values()) == {Window(D(2026, 11, 20),
                                                                         D(2026, 11, 20))}


def test_an_on_time_plan_keeps_the_rule_window():
    plan = plan_notices(D(2026, 12, 2), D(2026, 11, 18), 14, Weekdays())
    assert plan == NoticePlan(D(2026, 12, 2), D(2026, 11, 18), 14, D(2026, 11, 18))
    assert not plan.late and plan.window() == Window(D(2026, 11, 18), D(2026, 11, 18))
    assert set(plan.windows([(1, 3), (2, 4)]).values()) == {plan.window()}
