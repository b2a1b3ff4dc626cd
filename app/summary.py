"""The supervisor's figures (R10, targets K): each a plain function of the records and a period.

Every figure is computed for [start, end] (dates inclusive) and optionally one clerk, so the
same functions serve the week, the month, the year and any custom period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.dates import add_months
from app.store import Store
from db.models import (
    Call,
    Customer,
    CustomerRequest,
    FiledSummary,
    Letter,
    Staff,
    Task,
    TaskKind,
    TaskStatus,
    Visit,
)

# Targets of 篇一 三 and 篇三 二 (K): name → (target, "min" = at least / "max" = below).
TARGETS = {
    "warranty_followup_rate": (1.00, "min"),  # 保修期内客户回访率 100%
    "satisfaction_rate": (0.98, "min"),  # 服务满意率 98% 以上
    "comeback_rate": (0.02, "max"),  # 车辆返修率低于 2%
    "first_followup_on_time_rate": (1.00, "min"),  # R3: every first call inside its window
    "complaints_replied_on_time_rate": (1.00, "min"),  # R5: reply the day the solution comes
}
LABELS = {
    "visits": "来访/送修台次",
    "first_followups_due": "应做第一次跟踪",
    "first_followups_done": "已做第一次跟踪",
    "first_followups_on_time": "窗口内完成",
    "first_followup_on_time_rate": "第一次跟踪及时率",
    "second_followups_done": "已做第二次跟踪",
    "warranty_followups_due": "保修期内应回访",
    "warranty_followups_done": "保修期内已回访",
    "warranty_followup_rate": "保修期内回访率",
    "rated_calls": "有满意度评价的通话",
    "satisfied_calls": "满意（含基本满意）",
    "satisfaction_rate": "服务满意率",
    "complaints": "收到投诉",
    "complaints_escalated_on_time": "按时上报主管",
    "complaints_replied_on_time": "当日答复客户",
    "complaints_replied_on_time_rate": "投诉答复及时率",
    "complaints_closed": "投诉已结案",
    "requests": "客户要求（不含投诉）",
    "comebacks": "返修台次",
    "comeback_rate": "返修率",
    "letters_notice": "通知",
    "letters_invitation": "邀请函",
    "letters_reply": "答复函",
    "campaign_invitees": "活动邀请客户",
    "campaign_notified": "已电话通知",
    "campaign_notice_coverage": "活动通知覆盖率",
    "maintenance_reminders_due": "应做保养提醒",
    "maintenance_reminders_done": "已做保养提醒",
    "insurance_reminders_due": "应做续保提醒",
    "insurance_reminders_done": "已做续保提醒",
    "calls": "通话总数",
    "loyal_customers": "忠诚客户",
    "lost_customers": "流失客户",
}
RATES = {k for k in LABELS if k.endswith("_rate") or k.endswith("_coverage")}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str = ""

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, add_months(first, 1) - dt.timedelta(days=1), f"{year}年{month}月")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")

    @classmethod
    def week(cls, day: dt.date) -> Period:
        monday = day - dt.timedelta(days=day.weekday())
        sunday = monday + dt.timedelta(days=6)
        return cls(monday, sunday, f"{monday:%Y-%m-%d} 至 {sunday:%Y-%m-%d}")

    def datetimes(self) -> tuple[dt.datetime, dt.datetime]:
        return (dt.datetime.combine(self.start, dt.time()),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time()))


def rate(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to measure (never a fake 0% or 100%)."""
    return None if whole == 0 else part / whole


def misses(name: str, value: float | None) -> bool:
    if name not in TARGETS or value is None:
        return False
    target, kind = TARGETS[name]
    return value < target if kind == "min" else value >= target


@dataclass
class Figures:
    period: Period
    clerk_id: int | None
    values: dict[str, float | int | None] = field(default_factory=dict)
    loyal: list[int] = field(default_factory=list)  # customer ids
    lost: list[int] = field(default_factory=list)

    def as_flat_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"period_start": self.period.start.isoformat(),
                                  "period_end": self.period.end.isoformat()}
        out.update(self.values)
        for name, (target, kind) in TARGETS.items():
            out[f"target_{name}"] = target
            out[f"target_{name}_kind"] = kind
        return out


def _tasks(s: Session, kind: str, p: Period, clerk_id: int | None):
    """Tasks of a kind whose due date falls in the period (cancelled ones don't count)."""
    q = select(Task).where(Task.kind == kind, Task.due >= p.start, Task.due <= p.end,
                           Task.status != TaskStatus.CANCELLED)
    if clerk_id is not None:
        q = q.where(Task.owner_id == clerk_id)
    return s.scalars(q).all()


def _customer_filter(clerk_id: int | None):
    return Customer.clerk_id == clerk_id if clerk_id is not None else True


def compute(s: Session, p: Period, *, clerk_id: int | None = None, loyal_visits: int = 3,
            lost_months: int = 6) -> Figures:
    v: dict[str, float | int | None] = {}
    live_customer = and_(Customer.deleted_at.is_(None), _customer_filter(clerk_id))

    # visits and comebacks (返修率 < 2%)
    visits = s.execute(
        select(func.count(Visit.id), func.sum(case((Visit.is_comeback, 1), else_=0)))
        .join(Customer, Customer.id == Visit.customer_id)
        .where(Visit.deleted_at.is_(None), Visit.intake_date >= p.start,
               Visit.intake_date <= p.end, live_customer)).one()
    v["visits"], v["comebacks"] = visits[0] or 0, visits[1] or 0
    v["comeback_rate"] = rate(v["comebacks"], v["visits"])

    # R3 first follow-ups: due in the period; on time = done inside the window
    firsts = _tasks(s, TaskKind.FIRST_FOLLOWUP, p, clerk_id)
    done = [t for t in firsts if t.status == TaskStatus.DONE and t.done_on]
    on_time = [t for t in done if t.window_start <= t.done_on <= t.due]
    v["first_followups_due"] = len(firsts)
    v["first_followups_done"] = len(done)
    v["first_followups_on_time"] = len(on_time)
    v["first_followup_on_time_rate"] = rate(len(on_time), len(firsts))
    warranty = [t for t in firsts if t.under_warranty]
    v["warranty_followups_due"] = len(warranty)
    v["warranty_followups_done"] = sum(1 for t in warranty if t.status == TaskStatus.DONE)
    v["warranty_followup_rate"] = rate(v["warranty_followups_done"], len(warranty))
    v["second_followups_done"] = sum(1 for t in _tasks(s, TaskKind.SECOND_FOLLOWUP, p, clerk_id)
                                     if t.status == TaskStatus.DONE)

    # satisfaction from rated calls in the period (基本满意 counts as satisfied)
    t0, t1 = p.datetimes()
    call_where = and_(Call.deleted_at.is_(None), Call.called_at >= t0, Call.called_at < t1)
    if clerk_id is not None:
        call_where = and_(call_where, Call.clerk_id == clerk_id)
    ratings = dict(s.execute(select(Call.satisfaction, func.count()).where(
        call_where, Call.reached.is_(True), Call.satisfaction != "")
        .group_by(Call.satisfaction)).all())
    v["calls"] = s.scalar(select(func.count(Call.id)).where(call_where)) or 0
    v["rated_calls"] = sum(ratings.values())
    v["satisfied_calls"] = ratings.get("satisfied", 0) + ratings.get("basic", 0)
    v["satisfaction_rate"] = rate(v["satisfied_calls"], v["rated_calls"])

    # R5 complaints raised in the period
    reqs = s.scalars(
        select(CustomerRequest).join(Customer, Customer.id == CustomerRequest.customer_id)
        .where(CustomerRequest.raised_on >= p.start, CustomerRequest.raised_on <= p.end,
               _customer_filter(clerk_id))).all()
    complaints = [r for r in reqs if r.is_complaint]
    v["complaints"] = len(complaints)
    v["requests"] = len(reqs) - len(complaints)
    escalated = [r for r in complaints if r.escalated_on]
    v["complaints_escalated_on_time"] = sum(
        1 for r in escalated if (r.escalated_on - r.raised_on).days <= 2)
    replied = [r for r in complaints if r.solved_on and r.replied_on]
    v["complaints_replied_on_time"] = sum(1 for r in replied if r.replied_on <= r.solved_on)
    v["complaints_replied_on_time_rate"] = rate(
        v["complaints_replied_on_time"], sum(1 for r in complaints if r.solved_on))
    v["complaints_closed"] = sum(1 for r in complaints if r.status == "closed")

    # R8 letters by kind
    letter_where = and_(Letter.deleted_at.is_(None), Letter.sent_on >= p.start,
                        Letter.sent_on <= p.end)
    if clerk_id is not None:
        letter_where = and_(letter_where, Letter.clerk_id == clerk_id)
    by_kind = dict(s.execute(select(Letter.kind, func.count()).where(letter_where)
                             .group_by(Letter.kind)).all())
    for kind in ("notice", "invitation", "reply"):
        v[f"letters_{kind}"] = by_kind.get(kind, 0)

    # R6 campaign notice coverage: notice tasks due in the period, done
    notices = _tasks(s, TaskKind.EVENT_NOTICE, p, clerk_id)
    v["campaign_invitees"] = len(notices)
    v["campaign_notified"] = sum(1 for t in notices if t.status == TaskStatus.DONE)
    v["campaign_notice_coverage"] = rate(v["campaign_notified"], len(notices))

    # M reminders
    for kind, name in ((TaskKind.MAINTENANCE, "maintenance"), (TaskKind.INSURANCE, "insurance")):
        rows = _tasks(s, kind, p, clerk_id)
        v[f"{name}_reminders_due"] = len(rows)
        v[f"{name}_reminders_done"] = sum(1 for t in rows if t.status == TaskStatus.DONE)

    figures = Figures(p, clerk_id, v)
    figures.loyal = loyal_customers(s, p, clerk_id, loyal_visits)
    figures.lost = lost_customers(s, p.end, clerk_id, lost_months)
    v["loyal_customers"] = len(figures.loyal)
    v["lost_customers"] = len(figures.lost)
    return figures


def loyal_customers(s: Session, p: Period, clerk_id: int | None, min_visits: int) -> list[int]:
    """篇三: customers with at least min_visits visits in the year ending with the period."""
    since = add_months(p.end, -12) + dt.timedelta(days=1)
    return s.scalars(
        select(Visit.customer_id).join(Customer, Customer.id == Visit.customer_id)
        .where(Visit.deleted_at.is_(None), Visit.intake_date >= since,
               Visit.intake_date <= p.end, Customer.deleted_at.is_(None),
               _customer_filter(clerk_id))
        .group_by(Visit.customer_id).having(func.count(Visit.id) >= min_visits)
        .order_by(Visit.customer_id)).all()


def lost_customers(s: Session, as_of: dt.date, clerk_id: int | None, months: int) -> list[int]:
    """篇三: customers who came before but not in the last `months` months."""
    cutoff = add_months(as_of, -months)
    last = (select(Visit.customer_id, func.max(Visit.intake_date).label("last"))
            .where(Visit.deleted_at.is_(None), Visit.intake_date <= as_of)
            .group_by(Visit.customer_id).subquery())
    return s.scalars(
        select(last.c.customer_id).join(Customer, Customer.id == last.c.customer_id)
        .where(last.c.last < cutoff, Customer.deleted_at.is_(None),
               _customer_filter(clerk_id))
        .order_by(last.c.customer_id)).all()


@dataclass(frozen=True)
class FiledInfo:
    id: int
    kind: str
    title: str
    period_start: dt.date
    period_end: dt.date
    clerk_id: int | None
    figures: dict[str, object]
    text: str
    filed_at: dt.datetime
    filed_by: str


class SummaryService:
    def __init__(self, store: Store):
        self.store = store

    def file(self, kind: str, title: str, p: Period, text: str, *,
             clerk_id: int | None = None) -> int:
        """File the supervisor's summary with the figures as they are now (R10)."""
        import json

        from app.normalize import ValidationError

        if not text.strip():
            raise ValidationError("text", "请填写小结/总结的正文。")
        figures = self.figures(p, clerk_id=clerk_id)
        frozen = dict(figures.as_flat_dict(), loyal=figures.loyal, lost=figures.lost)
        with self.store.session() as s:
            row = FiledSummary(kind=kind, title=title.strip() or p.label,
                               period_start=p.start, period_end=p.end, clerk_id=clerk_id,
                               figures_json=json.dumps(frozen, ensure_ascii=False),
                               text=text.strip())
            s.add(row)
            s.flush()
            return row.id

    def filed(self) -> list[FiledInfo]:
        import json

        with self.store.read() as s:
            names = dict(s.execute(select(Staff.id, Staff.name)).all())
            return [FiledInfo(r.id, r.kind, r.title, r.period_start, r.period_end, r.clerk_id,
                              json.loads(r.figures_json), r.text, r.created_at,
                              names.get(r.created_by_id, ""))
                    for r in s.scalars(select(FiledSummary).order_by(
                        FiledSummary.period_start.desc(), FiledSummary.id.desc()))]

    def filed_one(self, summary_id: int) -> FiledInfo:
        for f in self.filed():
            if f.id == summary_id:
                return f
        raise LookupError(summary_id)

    def figures(self, p: Period, *, clerk_id: int | None = None, loyal_visits: int = 3,
                lost_months: int = 6) -> Figures:
        with self.store.read() as s:
            return compute(s, p, clerk_id=clerk_id, loyal_visits=loyal_visits,
                           lost_months=lost_months)

    def monthly_trend(self, year: int, *, clerk_id: int | None = None
                      ) -> list[tuple[int, float | None, float | None]]:
        """(month, first-follow-up on-time rate, satisfaction rate) for each month."""
        out = []
        with self.store.read() as s:
            for m in range(1, 13):
                f = compute(s, Period.month(year, m), clerk_id=clerk_id)
                out.append((m, f.values["first_followup_on_time_rate"],
                            f.values["satisfaction_rate"]))
        return out

    def complaints_by_department(self, p: Period) -> dict[str, int]:
        with self.store.read() as s:
            rows = s.execute(select(CustomerRequest.department, func.count()).where(
                CustomerRequest.is_complaint.is_(True), CustomerRequest.raised_on >= p.start,
                CustomerRequest.raised_on <= p.end).group_by(CustomerRequest.department))
            return {dept or "未注明": n for dept, n in rows}

