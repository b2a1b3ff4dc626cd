"""Campaigns (R6): who is invited, the phone notice two weeks ahead, the letter after it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from app import task_rows
from app.normalize import ValidationError, fold
from app.rules import Window
from app.store import Store
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
NOTICE_DAYS_BEFORE = 14  # R6: 提前两周把通知先以电话方式告之客户
NOTICE_WINDOW_DAYS = 7


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


def notice_window(event_date: dt.date, today: dt.date) -> Window:
    due = event_date - dt.timedelta(days=NOTICE_DAYS_BEFORE)
    start = max(today, due - dt.timedelta(days=NOTICE_WINDOW_DAYS))
    return Window(min(start, due), due)


class CampaignService:
    def __init__(self, store: Store):
        self.store = store

    def _invitee_query(self, f: InviteeFilter):
        q = (select(CustomerSummary.customer_id)
             .join(Customer, Customer.id == CustomerSummary.customer_id)
             .where(CustomerSummary.deleted.is_(False)))
        if f.models:
            from sqlalchemy import or_

            q = q.where(or_(*[CustomerSummary.models.like(f"%{fold(m)}%") for m in f.models]))
        if f.regions:
            from sqlalchemy import or_

            q = q.where(or_(*[(Customer.region.like(f"%{fold(r)}%"))
                              | (Customer.address.like(f"%{fold(r)}%")) for r in f.regions]))
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

    def create(self, *, kind: str, title: str, content: str, event_date: dt.date,
               place: str, invitees: InviteeFilter, today: dt.date) -> int:
        title = fold(title)
        if not title:
            raise ValidationError("title", "请填写活动名称。")
        if event_date < today:
            raise ValidationError("event_date", "活动日期已经过去。")
        with self.store.session() as s:
            campaign = Campaign(kind=kind or "其他", title=title, content=content.strip(),
                                event_date=event_date, place=fold(place),
                                invitee_filter=invitees.to_json())
            s.add(campaign)
            s.flush()
            ids = s.scalars(self._invitee_query(invitees)).all()
            if not ids:
                raise ValidationError("invitees", "按这个条件没有找到要邀请的客户。")
            s.execute(CampaignInvitee.__table__.insert(),
                      [dict(campaign_id=campaign.id, customer_id=c) for c in ids])
            window = notice_window(event_date, today)
            # All clerks at once: an IN list of 50k invitees would pass SQLite's limit.
            clerks = dict(s.execute(select(Customer.id, Customer.clerk_id)).all())
            topic = (f"电话通知「{title}」：{event_date}"
                     + (f"，{campaign.place}" if campaign.place else "")
                     + (f"。{content.strip()}" if content.strip() else ""))
            task_rows.add_many(s, (task_rows.NewTask(
                str(TaskKind.EVENT_NOTICE), c, f"campaign:{campaign.id}:{c}:notice", window,
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

    def cancel(self, campaign_id: int, today: dt.date) -> None:
        """Call the campaign off: it leaves the lists and its open tasks are cancelled."""
        from db.models import utcnow

        with self.store.session() as s:
            c = s.get_one(Campaign, campaign_id)
            c.deleted_at, c.deleted_by_id = utcnow(), self.store.actor_id
            task_rows.cancel_for_campaign(s, campaign_id)
