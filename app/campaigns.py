"""Campaigns (R6): who is invited, the phone notice two weeks ahead, the letter after it.

The notice lead (活动前几天电话通知) is a rule setting, `RuleSettings.notice_lead_days` (14).
A campaign created after its notice deadline has passed does not open its notice calls already
overdue: they are planned as soon as possible over the working days left before the event, each
clerk's share spread day by day (see `NoticePlan`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Protocol

from sqlalchemy import func, or_, select

from app import task_rows
from app.normalize import ValidationError, fold
from app.rules import DEFAULT_RULES, Window
from app.settings import load_rules
from app.staff import supervisor_only
from app.store import Store
from app.workdays import load_calendar
from db.models import (
    Campaign,
    CampaignInvitee,
    Customer,
    CustomerSummary,
    Letter,
    Task,
    TaskKind,
    TaskStatus,
)

CAMPAIGN_KINDS = ["联谊活动", "优惠服务月", "免费检测周", "汽车知识讲座", "新车首保活动", "其他"]
# R6: 提前两周把通知先以电话方式告之客户 — the default; the center's value is the rule setting
# notice_lead_days (load_rules).
NOTICE_DAYS_BEFORE = DEFAULT_RULES.notice_lead_days
NOTICE_WINDOW_DAYS = 7  # a notice call's window opens this many days before its deadline
# R6: 内容、日期、地址要告之清楚 — a notice without them cannot be given.
PLACE_REQUIRED = "请填写活动地点：通知客户时要把地址讲清楚（内容、日期、地址要告之清楚）。"
CONTENT_REQUIRED = "请填写活动内容：通知客户时要把内容讲清楚（内容、日期、地址要告之清楚）。"


@dataclass
class InviteeFilter:
    """Who is invited; empty fields mean "any". Always only customers not deleted."""

    models: list[str] = field(default_factory=list)  # any of these 车型 (part of the name)
    regions: list[str] = field(default_factory=list)  # any of these 地区 / address parts
    last_visit_from: dt.date | None = None
    last_visit_to: dt.date | None = None
    clerk_id: int | None = None

    def to_json(self) -> str:
        data = asdict(self)
        for k in ("last_visit_from", "last_visit_to"):
            data[k] = data[k].isoformat() if data[k] else None
        return json.dumps(data, ensure_ascii=False)

    def describe(self) -> str:
        parts = []
        if self.models:
            parts.append("车型：" + "、".join(self.models))
        if self.regions:
            parts.append("地区：" + "、".join(self.regions))
        if self.last_visit_from or self.last_visit_to:
            parts.append(f"最近来访：{self.last_visit_from or '…'} 至 {self.last_visit_to or '…'}")
        return "；".join(parts) or "全部在册客户"


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    kind: str
    title: str
    content: str
    event_date: dt.date
    place: str
    invitees: int
    notified: int
    letters: int
    filter_text: str


def notice_deadline(event_date: dt.date, lead_days: int = NOTICE_DAYS_BEFORE) -> dt.date:
    """The day the phone notice is due by the rule: the event − the lead days (R6)."""
    return event_date - dt.timedelta(days=lead_days)


def notice_window(event_date: dt.date, today: dt.date,
                  lead_days: int = NOTICE_DAYS_BEFORE) -> Window:
    """The notice call's window by the rule: the week before the deadline, not before today.
    A deadline already past gives a window wholly in the past: `plan_notices` then spreads
    the calls over the days left instead."""
    due = notice_deadline(event_date, lead_days)
    start = max(today, due - dt.timedelta(days=NOTICE_WINDOW_DAYS))
    return Window(min(start, due), due)


class WorkingDays(Protocol):
    def is_working_day(self, day: dt.date) -> bool: ...


@dataclass(frozen=True)
class NoticePlan:
    """When a campaign's notice calls fall due.

    On time (the deadline is today or later): every call in `notice_window`, due the
    deadline. Late (the deadline has passed): the calls are due as soon as possible over
    `days`, the working days from today to the day before the event, each clerk's calls
    spread by a per-day share (their number ÷ the days, rounded up), earliest days first.
    """

    event_date: dt.date
    today: dt.date
    lead_days: int
    deadline: dt.date
    days: tuple[dt.date, ...] = ()  # late only: the days the calls are spread over

    @property
    def late(self) -> bool:
        return self.deadline < self.today

    @property
    def first_day(self) -> dt.date:
        return self.days[0] if self.late else self.window().start

    @property
    def last_day(self) -> dt.date:
        return self.days[-1] if self.late else self.deadline

    def window(self) -> Window:
        return notice_window(self.event_date, self.today, self.lead_days)

    def per_day(self, count: int) -> int:
        """The most calls one clerk with `count` invitees has on one day."""
        if not self.late:
            return count
        return math.ceil(count / len(self.days)) if count else 0

    def windows(self, owners: Iterable[tuple[int, int | None]]) -> dict[int, Window]:
        """customer id → its notice window, for (customer id, clerk id) pairs in call order."""
        owners = list(owners)
        if not self.late:
            window = self.window()
            return {c: window for c, _clerk in owners}
        by_clerk: dict[int | None, list[int]] = {}
        for customer, clerk in owners:
            by_clerk.setdefault(clerk, []).append(customer)
        out: dict[int, Window] = {}
        for customers in by_clerk.values():
            share = self.per_day(len(customers))
            for i, customer in enumerate(customers):
                day = self.days[i // share]
                out[customer] = Window(day, day)
        return out


def plan_notices(event_date: dt.date, today: dt.date, lead_days: int,
                 calendar: WorkingDays) -> NoticePlan:
    """The notice plan of a campaign on event_date created today (see NoticePlan)."""
    deadline = notice_deadline(event_date, lead_days)
    if deadline >= today:
        return NoticePlan(event_date, today, lead_days, deadline)
    span = [today + dt.timedelta(days=n) for n in range(max(0, (event_date - today).days))]
    days = [d for d in span if calendar.is_working_day(d)]
    if not days:  # no working day before the event: its own day if worked, else today
        days = [event_date] if calendar.is_working_day(event_date) else [today]
    return NoticePlan(event_date, today, lead_days, deadline, tuple(days))


def _contains(column, text: str):
    """column contains text, a % or _ in it taken literally (LIKE wildcards escaped)."""
    return column.contains(text, autoescape=True)


class CampaignService:
    def __init__(self, store: Store):
        self.store = store

    def _invitee_query(self, f: InviteeFilter):
        q = (select(CustomerSummary.customer_id)
             .join(Customer, Customer.id == CustomerSummary.customer_id)
             .where(CustomerSummary.deleted.is_(False)))
        models = [m for m in (fold(m) for m in f.models) if m]
        regions = [r for r in (fold(r) for r in f.regions) if r]
        if models:
            q = q.where(or_(*[_contains(CustomerSummary.models, m) for m in models]))
        if regions:
            q = q.where(or_(*[_contains(Customer.region, r) | _contains(Customer.address, r)
                              for r in regions]))
        if f.last_visit_from:
            q = q.where(CustomerSummary.last_visit_date >= f.last_visit_from)
        if f.last_visit_to:
            q = q.where(CustomerSummary.last_visit_date <= f.last_visit_to)
        if f.clerk_id:
            q = q.where(Customer.clerk_id == f.clerk_id)
        return q.order_by(CustomerSummary.archive_no)

    def preview(self, f: InviteeFilter) -> list[int]:
        with self.store.read() as s:
            return s.scalars(self._invitee_query(f)).all()

    def notice_plan(self, event_date: dt.date, today: dt.date) -> NoticePlan:
        """When the notice calls of a campaign on event_date would fall due if created today:
        the deadline (event − the notice lead of the rules) and, when it has passed, the
        working days of the center's calendar they are spread over."""
        with self.store.read() as s:
            return plan_notices(event_date, today, load_rules(s).notice_lead_days,
                                load_calendar(s))

    @supervisor_only("活动由业务主管安排；请联系业务主管。")
    def create(self, *, kind: str, title: str, content: str, event_date: dt.date,
               place: str, invitees: InviteeFilter, today: dt.date) -> int:
        title, place, content = fold(title), fold(place), content.strip()
        if not title:
            raise ValidationError("title", "请填写活动名称。")
        if not content:
            raise ValidationError("content", CONTENT_REQUIRED)
        if not place:
            raise ValidationError("place", PLACE_REQUIRED)
        if event_date < today:
            raise ValidationError("event_date", "活动日期已经过去。")
        with self.store.session() as s:
            ids = s.scalars(self._invitee_query(invitees)).all()
            if not ids:
                raise ValidationError("invitees", "按这个条件没有找到要邀请的客户。")
            plan = plan_notices(event_date, today, load_rules(s).notice_lead_days,
                                load_calendar(s))
            campaign = Campaign(kind=kind or "其他", title=title, content=content,
                                event_date=event_date, place=place,
                                invitee_filter=invitees.to_json())
            s.add(campaign)
            s.flush()
            s.execute(CampaignInvitee.__table__.insert(),
                      [dict(campaign_id=campaign.id, customer_id=c) for c in ids])
            # All clerks at once: an IN list of 50k invitees would pass SQLite's limit.
            clerks = dict(s.execute(select(Customer.id, Customer.clerk_id)).all())
            windows = plan.windows((c, clerks.get(c)) for c in ids)
            topic = f"电话通知「{title}」：{event_date}，{place}。{content}"
            task_rows.add_many(s, (task_rows.NewTask(
                str(TaskKind.EVENT_NOTICE), c, f"campaign:{campaign.id}:{c}:notice", windows[c],
                clerks.get(c), topic, campaign_id=campaign.id) for c in ids),
                self.store.actor_id)
            return campaign.id

    def list(self, include_past: bool = True, today: dt.date | None = None
             ) -> list[CampaignInfo]:
        with self.store.read() as s:
            q = select(Campaign).where(Campaign.deleted_at.is_(None))
            if not include_past and today:
                q = q.where(Campaign.event_date >= today)
            out = []
            for c in s.scalars(q.order_by(Campaign.event_date.desc())):
                invited = s.scalar(select(func.count()).where(
                    CampaignInvitee.campaign_id == c.id)) or 0
                notified = s.scalar(select(func.count()).where(
                    Task.campaign_id == c.id, Task.kind == TaskKind.EVENT_NOTICE,
                    Task.status == TaskStatus.DONE)) or 0
                letters = s.scalar(select(func.count()).where(
                    Letter.campaign_id == c.id, Letter.deleted_at.is_(None))) or 0
                flt = InviteeFilter(**{k: v for k, v in json.loads(c.invitee_filter).items()
                                       if k in InviteeFilter.__dataclass_fields__})
                out.append(CampaignInfo(c.id, c.kind, c.title, c.content, c.event_date,
                                        c.place, invited, notified, letters, flt.describe()))
            return out

    def get(self, campaign_id: int) -> CampaignInfo:
        for c in self.list():
            if c.id == campaign_id:
                return c
        raise LookupError(campaign_id)

    def invitees(self, campaign_id: int) -> list[int]:
        with self.store.read() as s:
            return s.scalars(select(CampaignInvitee.customer_id).where(
                CampaignInvitee.campaign_id == campaign_id)).all()

    @supervisor_only("活动由业务主管安排；请联系业务主管。")
    def cancel(self, campaign_id: int, today: dt.date) -> None:
        """Call the campaign off: it leaves the lists and its open tasks are cancelled."""
        from db.models import utcnow

        with self.store.session() as s:
            c = s.get_one(Campaign, campaign_id)
            c.deleted_at, c.deleted_by_id = utcnow(), self.store.actor_id
            task_rows.cancel_for_campaign(s, campaign_id)
