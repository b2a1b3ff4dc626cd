"""The supervisor's figures (R10, targets K): each a plain function of the records and a period.

Every figure is computed for [start, end] (dates inclusive) and optionally one clerk, so the
same functions serve the week, the month, the year and any custom period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app import rules as R
from app.dates import add_months
from app.rules import LOST_REASONS, RuleSettings, Window
from app.settings import load_rules
from app.store import Store
from app.task_rows import NO_CALL, closed_without_call, done_by_call, no_call_reason
from app.workdays import WorkCalendar, load_calendar
from db.models import (
    Call,
    Customer,
    CustomerRequest,
    FiledSummary,
    InsuranceRenewal,
    Letter,
    Staff,
    Task,
    TaskKind,
    TaskStatus,
    Vehicle,
    Visit,
    VisitKind,
)

# Targets of 篇一 三 and 篇三 二 (K): name → (target, "min" = at least / "max" = below).
TARGETS = {
    "warranty_followup_rate": (1.00, "min"),  # 保修期内客户回访率 100%
    "satisfaction_rate": (0.98, "min"),  # 服务满意率 98% 以上
    "comeback_rate": (0.02, "max"),  # 车辆返修率低于 2%
    "csi": (0.93, "min"),  # 篇三: 客户满意指数 CSI 93% 以上
    "first_followup_on_time_rate": (1.00, "min"),  # R3: every first call inside its window
    "complaints_replied_on_time_rate": (1.00, "min"),  # R5: reply the day the solution comes
}
LABELS = {
    "visits": "来访/送修台次",
    "vehicle_jobs": "维修和保养台次",
    "first_followups_due": "应做第一次跟踪",
    "first_followups_done": "已做第一次跟踪",
    "first_followups_closed_without_call": "未通话关闭（标记完成）",
    "first_followups_on_time": "期限内完成",
    "first_followup_on_time_rate": "第一次跟踪及时率",
    "second_followups_done": "已做第二次跟踪",
    "second_followups_closed_without_call": "第二次跟踪未通话关闭",
    "warranty_followups_due": "保修期内应回访",
    "warranty_followups_done": "保修期内已回访",
    "warranty_followups_closed_without_call": "保修期内未通话关闭",
    "warranty_followup_rate": "保修期内回访率",
    "rated_calls": "有满意度评价的通话",
    "satisfied_calls": "满意（含基本满意）",
    "satisfaction_rate": "服务满意率",
    "csi_scored": "已打分的通话",
    "csi": "客户满意指数 CSI",
    "complaints": "收到投诉",
    "complaints_escalated_on_time": "按时上报主管",
    "complaints_replied_on_time": "当日答复客户",
    "complaints_replied_on_time_rate": "投诉答复及时率",
    "complaints_closed": "投诉已结案",
    "requests": "客户要求（不含投诉）",
    "unsatisfied_items": "回访不满意",
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
    "new_cars": "新车数",
    "first_services_due": "应首保",
    "first_services_done": "已首保",
    "first_service_rate": "首保率",
    "insurance_expiring": "保险到期",
    "insurance_contacted": "已联系",
    "insurance_renewed_here": "本店续保",
    "insurance_renewal_rate": "续保率",
    "calls": "通话总数",
    "loyal_customers": "忠诚客户",
    "lost_customers": "流失客户",
    "lost_followups_due": "应做流失回访",
    "lost_followups_done": "已做流失回访",
    **{f"lost_reason_{code}": f"流失原因：{label}" for code, label in LOST_REASONS.items()},
    "lost_came_back": "流失客户回厂",
}
RATES = {k for k in LABELS if k.endswith("_rate") or k.endswith("_coverage")} | {"csi"}
# What a figure means, printed beside it (the 统计 tab and the printed summary).
NOTES = {
    "comeback_rate": "返修台次 ÷ 维修和保养台次（不含咨询、来访）",
    "csi": "已打分通话的平均分（0–10 分）× 10",
    "first_service_rate": "已首保 ÷ 应首保（首保到期日在本期的新车）",
    "insurance_renewal_rate": "本店续保 ÷ 本期到期的保单",
}
# Said when pointing at a figure (the tab's tooltip).
HINTS = {
    "first_followups_done": "由通话完成的第一次跟踪（不含未通话就标记完成的）",
    "first_followups_closed_without_call":
        "没有通话、以“标记完成”关闭的第一次跟踪：不算已回访，也不算及时",
    "first_followups_on_time": "在跟踪期限内由通话完成（期限全是休息日时顺延至下一个工作日）",
    "second_followups_done": "由通话完成的第二次跟踪",
    "second_followups_closed_without_call": "没有通话、以“标记完成”关闭的第二次跟踪",
    "warranty_followups_done": "保修期内客户的第一次跟踪，由通话完成",
    "warranty_followups_closed_without_call":
        "保修期内客户的第一次跟踪，没有通话就标记完成：不算已回访",
    "csi_scored": "本期接通且客户打了分（0–10 分）的通话",
    "unsatisfied_items": "回访中客户表示不满意而开出的待确认事项（篇一 十.2）",
    "visits": "本期全部来访/送修，含咨询和来访",
    "vehicle_jobs": "本期类别为维修或保养的来访，返修率的分母",
    "new_cars": "购车日期在本期的车辆",
    "first_services_due": "首保到期日（购车后首保月数）在本期的新车；未到期也未来的不计",
    "first_services_done": "其中已来做过保养的车辆",
    "insurance_expiring": "保险到期日在本期的保单（有续保提醒的车辆）",
    "insurance_contacted": "其中续保提醒已接通电话的",
    "insurance_renewed_here": "其中登记为在本店续保的",
    "lost_customers": "截至期末，最近一次来访已超过“流失客户月数”（跟踪规则设置）",
    "lost_followups_due": "到期日在本期的流失回访任务",
    "lost_followups_done": "由通话完成的流失回访",
    "lost_came_back": "本期来访、而上次来访已超过流失月数的客户",
    "loyal_customers": "截至期末的一年内来访 3 次及以上（排行见下方）",
    **NOTES,
}
# How the 统计 tab and the printed summary group the figures.
GROUPS: list[tuple[str, list[str]]] = [
    ("跟踪回访", ["first_followups_due", "first_followups_done",
                 "first_followups_closed_without_call", "first_followups_on_time",
                 "first_followup_on_time_rate", "second_followups_done",
                 "second_followups_closed_without_call", "warranty_followups_due",
                 "warranty_followups_done", "warranty_followups_closed_without_call",
                 "warranty_followup_rate", "calls"]),
    ("满意度", ["rated_calls", "satisfied_calls", "satisfaction_rate", "csi_scored", "csi"]),
    ("投诉与要求", ["complaints", "complaints_escalated_on_time", "complaints_replied_on_time",
                   "complaints_replied_on_time_rate", "complaints_closed", "requests",
                   "unsatisfied_items"]),
    ("返修", ["visits", "vehicle_jobs", "comebacks", "comeback_rate"]),
    ("信函与活动", ["letters_notice", "letters_invitation", "letters_reply", "campaign_invitees",
                   "campaign_notified", "campaign_notice_coverage"]),
    ("保养与首保", ["maintenance_reminders_due", "maintenance_reminders_done", "new_cars",
                   "first_services_due", "first_services_done", "first_service_rate"]),
    ("续保", ["insurance_expiring", "insurance_contacted", "insurance_renewed_here",
             "insurance_renewal_rate"]),
    ("客户", ["loyal_customers", "lost_customers", "lost_followups_due", "lost_followups_done",
             *[f"lost_reason_{code}" for code in LOST_REASONS], "lost_came_back"]),
]
# 篇一 十.1: feedback goes to these departments (app.contacts.DEPARTMENTS), or to nobody named.
DEPARTMENTS = ["前台", "车间", "配件", "保险", "销售"]
NO_DEPARTMENT = "未注明"
# The visits that are jobs on a vehicle: the comeback rate's denominator (consultations and
# plain visits bring no car into the workshop).
VEHICLE_JOBS = (VisitKind.REPAIR, VisitKind.MAINTENANCE)
# A call answered 不满意 opens a request of this source (回访不满意, 篇一 十.2).
UNSATISFIED_SOURCE = "unsatisfied"
NO_DATA = "无数据"
# The written summary a period calls for (R10: 月度小结, 年度总结).
SUMMARY_KINDS = {"week": "周小结", "month": "月度小结", "year": "年度总结", "custom": "小结"}


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


def csi_value(score_sum: int, scored: int) -> float | None:
    """CSI as a fraction: the mean of 0–10 scores × 10 %, e.g. scores 8 and 10 → 0.9."""
    return None if scored == 0 else score_sum / (10 * scored)


def misses(name: str, value: float | None) -> bool:
    if name not in TARGETS or value is None:
        return False
    target, kind = TARGETS[name]
    return value < target if kind == "min" else value >= target


def target_text(name: str) -> str:
    """The target as printed beside the figure: "100%", "≥ 98%", "< 2%"; "" without one."""
    if name not in TARGETS:
        return ""
    target, kind = TARGETS[name]
    if kind == "min":
        return f"{target:.0%}" if target >= 1 else f"≥ {target:.0%}"
    return f"< {target:.0%}"


def format_value(name: str, value: object) -> str:
    """A rate as a percentage, a count as a number; a rate with nothing to measure is 无数据
    (never a fake 0% or 100%), a count missing from an old filed summary "—"."""
    if value is None:
        return NO_DATA if name in RATES else "—"
    if name in RATES:
        return f"{float(value):.1%}"  # type: ignore[arg-type]
    return str(int(value))  # type: ignore[call-overload]


def summary_title(p: Period, kind: str) -> str:
    """e.g. "2026年11月 售后跟踪服务 月度小结"."""
    label = p.label or f"{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}"
    return f"{label} 售后跟踪服务 {SUMMARY_KINDS.get(kind, '小结')}"


def period_of(kind: str, start: dt.date, end: dt.date) -> Period:
    """The Period a stored (kind, start, end) names, with its label."""
    if kind == "month" and start.day == 1 and Period.month(start.year, start.month).end == end:
        return Period.month(start.year, start.month)
    if kind == "year" and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return Period.year(start.year)
    week = Period.week(start)
    if kind == "week" and (week.start, week.end) == (start, end):
        return week
    return Period(start, end, f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}")


@dataclass
class Figures:
    period: Period
    clerk_id: int | None
    values: dict[str, float | int | None] = field(default_factory=dict)
    loyal: list[int] = field(default_factory=list)  # customer ids
    lost: list[int] = field(default_factory=list)
    loyal_ranking: list[LoyalRank] = field(default_factory=list)

    def as_flat_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"period_start": self.period.start.isoformat(),
                                  "period_end": self.period.end.isoformat()}
        out.update(self.values)
        for name, (target, kind) in TARGETS.items():
            out[f"target_{name}"] = target
            out[f"target_{name}_kind"] = kind
        out["loyal_ranking"] = [
            {"archive_no": r.archive_no, "name": r.name, "visits": r.visits,
             "last_visit": r.last_visit.isoformat()} for r in self.loyal_ranking]
        return out


def _tasks(s: Session, kind: str, p: Period, clerk_id: int | None,
           as_of: dt.date | None = None):
    """Tasks of a kind whose due date falls in the period (cancelled ones don't count).

    With as_of, a task still open whose window has not closed by then is left out: it is not
    late yet, and counting it would make the current week look worse than it is.
    """
    q = select(Task).where(Task.kind == kind, Task.due >= p.start, Task.due <= p.end,
                           Task.status != TaskStatus.CANCELLED)
    if as_of is not None:
        q = q.where(or_(Task.status == TaskStatus.DONE, Task.due < as_of))
    if clerk_id is not None:
        q = q.where(Task.owner_id == clerk_id)
    return s.scalars(q).all()


def _customer_filter(clerk_id: int | None):
    return Customer.clerk_id == clerk_id if clerk_id is not None else True


_by_call = done_by_call


def _on_time(cal: WorkCalendar, t: Task) -> bool:
    """Done by a call inside the window, or on the first working day after a window that was
    all days off (顺延, when the center counts it so)."""
    return (_by_call(t) and t.done_on is not None
            and cal.on_time(Window(t.window_start, t.due), t.done_on))


def compute(s: Session, p: Period, *, clerk_id: int | None = None, loyal_visits: int = 3,
            as_of: dt.date | None = None) -> Figures:
    """All figures for the period; as_of (default today) decides which windows have closed."""
    as_of = as_of or clock.today()
    rules = load_rules(s)
    cal = load_calendar(s)
    v: dict[str, float | int | None] = {}
    live_customer = and_(Customer.deleted_at.is_(None), _customer_filter(clerk_id))

    # visits; comebacks among the vehicle jobs (返修率 < 2%: comebacks / repair + maintenance)
    job = Visit.kind.in_([k.value for k in VEHICLE_JOBS])
    visits = s.execute(
        select(func.count(Visit.id), func.sum(case((job, 1), else_=0)),
               func.sum(case((and_(job, Visit.is_comeback.is_(True)), 1), else_=0)))
        .join(Customer, Customer.id == Visit.customer_id)
        .where(Visit.deleted_at.is_(None), Visit.intake_date >= p.start,
               Visit.intake_date <= p.end, live_customer)).one()
    v["visits"], v["vehicle_jobs"], v["comebacks"] = (visits[0] or 0, visits[1] or 0,
                                                      visits[2] or 0)
    v["comeback_rate"] = rate(v["comebacks"], v["vehicle_jobs"])

    # R3 first follow-ups due in the period: 已回访 only by a logged call (R7); on time = by a
    # call inside the window; closed by 标记完成 without a call is a line of its own
    firsts = _tasks(s, TaskKind.FIRST_FOLLOWUP, p, clerk_id, as_of)
    on_time = [t for t in firsts if _on_time(cal, t)]
    v["first_followups_due"] = len(firsts)
    v["first_followups_done"] = sum(1 for t in firsts if _by_call(t))
    v["first_followups_closed_without_call"] = sum(1 for t in firsts if closed_without_call(t))
    v["first_followups_on_time"] = len(on_time)
    v["first_followup_on_time_rate"] = rate(len(on_time), len(firsts))
    warranty = [t for t in firsts if t.under_warranty]
    v["warranty_followups_due"] = len(warranty)
    v["warranty_followups_done"] = sum(1 for t in warranty if _by_call(t))
    v["warranty_followups_closed_without_call"] = sum(
        1 for t in warranty if closed_without_call(t))
    v["warranty_followup_rate"] = rate(v["warranty_followups_done"], len(warranty))
    seconds = _tasks(s, TaskKind.SECOND_FOLLOWUP, p, clerk_id, as_of)
    v["second_followups_done"] = sum(1 for t in seconds if _by_call(t))
    v["second_followups_closed_without_call"] = sum(
        1 for t in seconds if closed_without_call(t))

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
    # CSI (篇三, ≥ 93%): the mean 0–10 score of the scored calls × 10; none scored → None
    scored, total = s.execute(select(func.count(Call.id), func.sum(Call.score)).where(
        call_where, Call.reached.is_(True), Call.score.is_not(None))).one()
    v["csi_scored"] = scored or 0
    v["csi"] = csi_value(total or 0, scored or 0)

    # R5 complaints raised in the period
    reqs = s.scalars(
        select(CustomerRequest).join(Customer, Customer.id == CustomerRequest.customer_id)
        .where(CustomerRequest.raised_on >= p.start, CustomerRequest.raised_on <= p.end,
               _customer_filter(clerk_id))).all()
    complaints = [r for r in reqs if r.is_complaint]
    v["complaints"] = len(complaints)
    unsatisfied = [r for r in reqs if not r.is_complaint and r.source == UNSATISFIED_SOURCE]
    v["unsatisfied_items"] = len(unsatisfied)
    v["requests"] = len(reqs) - len(complaints) - len(unsatisfied)
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
    notices = _tasks(s, TaskKind.EVENT_NOTICE, p, clerk_id, as_of)
    v["campaign_invitees"] = len(notices)
    v["campaign_notified"] = sum(1 for t in notices if t.status == TaskStatus.DONE)
    v["campaign_notice_coverage"] = rate(v["campaign_notified"], len(notices))

    # M maintenance reminders
    rows = _tasks(s, TaskKind.MAINTENANCE, p, clerk_id, as_of)
    v["maintenance_reminders_due"] = len(rows)
    v["maintenance_reminders_done"] = sum(1 for t in rows if t.status == TaskStatus.DONE)

    # 首保 (篇三 三.3: 每月做好新车首保的统计工作)
    v["new_cars"] = len(new_cars(s, p, clerk_id))
    due_cars = first_service_cars(s, p, clerk_id, rules, as_of)
    v["first_services_due"] = len(due_cars)
    v["first_services_done"] = sum(1 for c in due_cars if c.served_on is not None)
    v["first_service_rate"] = rate(v["first_services_done"], len(due_cars))

    # 续保 (篇三 保险改善计划: 加大续保力度)
    policies = insurance_policies(s, p, clerk_id)
    v["insurance_expiring"] = len(policies)
    v["insurance_contacted"] = sum(1 for x in policies if x.contacted)
    v["insurance_renewed_here"] = sum(1 for x in policies if x.renewed_here)
    v["insurance_renewal_rate"] = rate(v["insurance_renewed_here"], len(policies))

    figures = Figures(p, clerk_id, v)
    figures.loyal = loyal_customers(s, p, clerk_id, loyal_visits)
    figures.lost = lost_customers(s, p.end, clerk_id, rules)
    figures.loyal_ranking = loyal_ranking(s, p, clerk_id)
    v["loyal_customers"] = len(figures.loyal)
    v["lost_customers"] = len(figures.lost)

    # 流失回访 (篇三 (一)2: 注重对流失客户回访及分析)
    lost_calls = _tasks(s, TaskKind.LOST_CUSTOMER, p, clerk_id, as_of)
    v["lost_followups_due"] = len(lost_calls)
    v["lost_followups_done"] = sum(1 for t in lost_calls if _by_call(t))
    reasons = dict(s.execute(select(Call.lost_reason, func.count()).where(
        call_where, Call.reached.is_(True), Call.lost_reason != "")
        .group_by(Call.lost_reason)).all())
    for code in LOST_REASONS:
        v[f"lost_reason_{code}"] = reasons.get(code, 0)
    v["lost_came_back"] = len(came_back_visits(s, p, clerk_id, rules))
    return figures


def loyal_customers(s: Session, p: Period, clerk_id: int | None, min_visits: int) -> list[int]:
    """篇三: customers with at least min_visits visits in the year ending with the period,
    most visits (回厂次数) first."""
    since = add_months(p.end, -12) + dt.timedelta(days=1)
    return s.scalars(
        select(Visit.customer_id).join(Customer, Customer.id == Visit.customer_id)
        .where(Visit.deleted_at.is_(None), Visit.intake_date >= since,
               Visit.intake_date <= p.end, Customer.deleted_at.is_(None),
               _customer_filter(clerk_id))
        .group_by(Visit.customer_id).having(func.count(Visit.id) >= min_visits)
        .order_by(func.count(Visit.id).desc(), Visit.customer_id)).all()


def lost_customers(s: Session, as_of: dt.date, clerk_id: int | None,
                   rules: RuleSettings) -> list[int]:
    """篇三: customers who came before but not in the last lost_customer_months (R.is_lost)."""
    # a few days' slack, then the rule itself decides (month ends clamp)
    cutoff = add_months(as_of, -rules.lost_customer_months) + dt.timedelta(days=3)
    last = (select(Visit.customer_id, func.max(Visit.intake_date).label("last"))
            .where(Visit.deleted_at.is_(None), Visit.intake_date <= as_of)
            .group_by(Visit.customer_id).subquery())
    rows = s.execute(
        select(last.c.customer_id, last.c.last).join(Customer, Customer.id == last.c.customer_id)
        .where(last.c.last <= cutoff, Customer.deleted_at.is_(None),
               _customer_filter(clerk_id))
        .order_by(last.c.customer_id)).all()
    return [cid for cid, day in rows if R.is_lost(day, as_of, rules)]


def came_back_visits(s: Session, p: Period, clerk_id: int | None,
                     rules: RuleSettings) -> list[int]:
    """Visits in the period of customers who had been lost: their visit before was
    lost_customer_months or more earlier. The first such visit per customer."""
    rows = s.execute(
        select(Visit.id, Visit.customer_id, Visit.intake_date)
        .join(Customer, Customer.id == Visit.customer_id)
        .where(Visit.deleted_at.is_(None), Visit.intake_date <= p.end,
               Customer.deleted_at.is_(None), _customer_filter(clerk_id),
               Visit.customer_id.in_(
                   select(Visit.customer_id).where(
                       Visit.deleted_at.is_(None), Visit.intake_date >= p.start,
                       Visit.intake_date <= p.end)))
        .order_by(Visit.customer_id, Visit.intake_date, Visit.id)).all()
    out: list[int] = []
    previous: dict[int, dt.date] = {}
    counted: set[int] = set()
    for visit_id, cid, day in rows:
        before = previous.get(cid)
        if (day >= p.start and cid not in counted and before is not None
                and R.is_lost(before, day, rules)):
            out.append(visit_id)
            counted.add(cid)
        previous[cid] = day
    return out


@dataclass(frozen=True)
class LoyalRank:
    customer_id: int
    archive_no: int
    name: str
    visits: int  # 回厂次数 in the year ending with the period
    last_visit: dt.date


def loyal_ranking(s: Session, p: Period, clerk_id: int | None, limit: int = 20
                  ) -> list[LoyalRank]:
    """篇三 (一)1: 根据客户回厂次数 … 找出我们的忠诚客户 — most visits in the year first."""
    since = add_months(p.end, -12) + dt.timedelta(days=1)
    visits = func.count(Visit.id)
    rows = s.execute(
        select(Customer.id, Customer.archive_no, Customer.name, visits,
               func.max(Visit.intake_date))
        .join(Visit, Visit.customer_id == Customer.id)
        .where(Visit.deleted_at.is_(None), Visit.intake_date >= since,
               Visit.intake_date <= p.end, Customer.deleted_at.is_(None),
               _customer_filter(clerk_id))
        .group_by(Customer.id).having(visits >= 2)
        .order_by(visits.desc(), func.max(Visit.intake_date).desc(), Customer.archive_no)
        .limit(limit)).all()
    return [LoyalRank(*r) for r in rows]


def new_cars(s: Session, p: Period, clerk_id: int | None) -> list[tuple[int, int]]:
    """(vehicle id, customer id) of the cars bought in the period."""
    return [tuple(r) for r in s.execute(
        select(Vehicle.id, Vehicle.customer_id).join(Customer, Customer.id == Vehicle.customer_id)
        .where(Vehicle.deleted_at.is_(None), Customer.deleted_at.is_(None),
               Vehicle.purchase_date >= p.start, Vehicle.purchase_date <= p.end,
               _customer_filter(clerk_id)).order_by(Vehicle.purchase_date, Vehicle.id))]


@dataclass(frozen=True)
class FirstServiceCar:
    vehicle_id: int
    customer_id: int
    due: dt.date
    served_on: dt.date | None  # the car's first maintenance visit


def first_service_cars(s: Session, p: Period, clerk_id: int | None, rules: RuleSettings,
                       as_of: dt.date) -> list[FirstServiceCar]:
    """Cars whose 首保 fell due in the period; one not due yet by as_of and not yet come is
    left out (it is not late)."""
    months = rules.first_service_months
    slack = dt.timedelta(days=3)  # month ends clamp; the rule decides below
    first = (select(Visit.vehicle_id, func.min(Visit.intake_date).label("served"))
             .where(Visit.deleted_at.is_(None), Visit.kind == VisitKind.MAINTENANCE,
                    Visit.intake_date <= as_of)
             .group_by(Visit.vehicle_id).subquery())
    rows = s.execute(
        select(Vehicle.id, Vehicle.customer_id, Vehicle.purchase_date, first.c.served)
        .join(Customer, Customer.id == Vehicle.customer_id)
        .outerjoin(first, first.c.vehicle_id == Vehicle.id)
        .where(Vehicle.deleted_at.is_(None), Customer.deleted_at.is_(None),
               Vehicle.purchase_date >= add_months(p.start, -months) - slack,
               Vehicle.purchase_date <= add_months(p.end, -months) + slack,
               _customer_filter(clerk_id))
        .order_by(Vehicle.purchase_date, Vehicle.id)).all()
    out = []
    for vehicle_id, customer_id, bought, served in rows:
        due = R.first_service_due(bought, rules)
        if not p.start <= due <= p.end or (served is None and due >= as_of):
            continue
        out.append(FirstServiceCar(vehicle_id, customer_id, due, served))
    return out


@dataclass(frozen=True)
class Policy:
    task: Task  # the 续保提醒 of this expiry (due = the expiry date)
    contacted: bool  # a call reached the customer about it
    renewed_here: bool  # a renewal sold here replaced this expiry


def insurance_policies(s: Session, p: Period, clerk_id: int | None) -> list[Policy]:
    """Policies expiring in the period: the insurance reminders due in it."""
    tasks = sorted(_tasks(s, TaskKind.INSURANCE, p, clerk_id), key=lambda t: (t.due, t.id))
    ids = [t.id for t in tasks]
    reached = set(s.scalars(select(Call.task_id).where(
        Call.task_id.in_(ids), Call.reached.is_(True), Call.deleted_at.is_(None)))) if ids \
        else set()
    here = set(s.execute(select(InsuranceRenewal.vehicle_id, InsuranceRenewal.old_expiry).where(
        InsuranceRenewal.at_our_shop.is_(True),
        InsuranceRenewal.old_expiry >= p.start, InsuranceRenewal.old_expiry <= p.end)).all())
    return [Policy(t, t.id in reached or _by_call(t), (t.vehicle_id, t.due) in here)
            for t in tasks]


# ---------------------------------------------------------------- the records behind a figure


@dataclass(frozen=True)
class Behind:
    """What a figure counted: record ids of one kind (tasks, calls, visits, requests, letters,
    customers). For a rate, the records that kept it from 100% (or, for the comeback rate, the
    comebacks): the ones the supervisor wants to look at."""

    name: str
    kind: str
    ids: list[int]
    title: str


# A rate → the records that pull it down, and how the list is called.
_RATE_BEHIND = {
    "first_followup_on_time_rate": "first_followups_late",
    "warranty_followup_rate": "warranty_followups_missed",
    "satisfaction_rate": "unsatisfied_calls",
    "csi": "csi_scored",
    "complaints_replied_on_time_rate": "complaints_replied_late",
    "comeback_rate": "comebacks",
    "campaign_notice_coverage": "campaign_not_notified",
    "first_service_rate": "first_services_missed",
    "insurance_renewal_rate": "insurance_not_renewed_here",
}
_BEHIND_TITLES = {
    "first_services_missed": "应首保而未来的新车（车主）",
    "insurance_not_renewed_here": "本期到期、未在本店续保的保单",
    "first_followups_late": "未在期限内完成的第一次跟踪",
    "warranty_followups_missed": "保修期内未回访（含未通话就标记完成的）",
    "first_followups_closed_without_call": "未通话就标记完成的第一次跟踪",
    "second_followups_closed_without_call": "未通话就标记完成的第二次跟踪",
    "warranty_followups_closed_without_call": "保修期内未通话就标记完成的第一次跟踪",
    "csi_scored": "客户打了分的通话（CSI）",
    "unsatisfied_calls": "评价为不满意的通话",
    "complaints_replied_late": "有解决办法但未当日答复的投诉",
    "campaign_not_notified": "未电话通知的活动邀请",
}


def records_behind(s: Session, name: str, p: Period, clerk_id: int | None = None, *,
                   loyal_visits: int = 3, as_of: dt.date | None = None) -> Behind:
    """The ids a figure of compute() counted (the same selections, so the counts agree)."""
    as_of = as_of or clock.today()
    rules = load_rules(s)
    if name not in LABELS:
        raise KeyError(name)
    wanted = _RATE_BEHIND.get(name, name)
    title = _BEHIND_TITLES.get(wanted, LABELS.get(wanted, ""))

    def done(t: Task) -> bool:
        return t.status == TaskStatus.DONE

    def by_call(t: Task) -> bool:
        return _by_call(t)

    task_lists = {
        "first_followups": TaskKind.FIRST_FOLLOWUP, "warranty_followups": TaskKind.FIRST_FOLLOWUP,
        "second_followups": TaskKind.SECOND_FOLLOWUP, "campaign": TaskKind.EVENT_NOTICE,
        "maintenance_reminders": TaskKind.MAINTENANCE, "lost_followups": TaskKind.LOST_CUSTOMER,
    }
    cal = load_calendar(s)
    for prefix, kind in task_lists.items():
        if not wanted.startswith(prefix):
            continue
        tasks = sorted(_tasks(s, kind, p, clerk_id, as_of), key=lambda t: (t.due, t.id))
        if prefix == "warranty_followups":
            tasks = [t for t in tasks if t.under_warranty]
        picks = {
            "first_followups_due": lambda t: True,
            "first_followups_done": by_call,
            "first_followups_closed_without_call": closed_without_call,
            "first_followups_on_time": lambda t: _on_time(cal, t),
            "first_followups_late": lambda t: not _on_time(cal, t),
            "warranty_followups_due": lambda t: True,
            "warranty_followups_done": by_call,
            "warranty_followups_closed_without_call": closed_without_call,
            "warranty_followups_missed": lambda t: not by_call(t),
            "second_followups_done": by_call,
            "second_followups_closed_without_call": closed_without_call,
            "campaign_invitees": lambda t: True,
            "campaign_notified": done,
            "campaign_not_notified": lambda t: not done(t),
            "maintenance_reminders_due": lambda t: True,
            "maintenance_reminders_done": done,
            "lost_followups_due": lambda t: True,
            "lost_followups_done": by_call,
        }
        kind_of_rows = "no_call_tasks" if wanted.endswith("_closed_without_call") else "tasks"
        return Behind(name, kind_of_rows, [t.id for t in tasks if picks[wanted](t)], title)

    if wanted in ("visits", "vehicle_jobs", "comebacks"):
        q = (select(Visit.id).join(Customer, Customer.id == Visit.customer_id)
             .where(Visit.deleted_at.is_(None), Visit.intake_date >= p.start,
                    Visit.intake_date <= p.end, Customer.deleted_at.is_(None),
                    _customer_filter(clerk_id)))
        if wanted != "visits":
            q = q.where(Visit.kind.in_([k.value for k in VEHICLE_JOBS]))
        if wanted == "comebacks":
            q = q.where(Visit.is_comeback.is_(True))
        return Behind(name, "visits", list(s.scalars(q.order_by(Visit.intake_date, Visit.id))),
                      title)

    if wanted in ("calls", "rated_calls", "satisfied_calls", "unsatisfied_calls", "csi_scored"):
        t0, t1 = p.datetimes()
        q = select(Call.id).where(Call.deleted_at.is_(None), Call.called_at >= t0,
                                  Call.called_at < t1)
        if clerk_id is not None:
            q = q.where(Call.clerk_id == clerk_id)
        if wanted == "csi_scored":
            q = q.where(Call.reached.is_(True), Call.score.is_not(None))
        elif wanted != "calls":
            q = q.where(Call.reached.is_(True), Call.satisfaction != "")
        if wanted == "satisfied_calls":
            q = q.where(Call.satisfaction.in_(("satisfied", "basic")))
        elif wanted == "unsatisfied_calls":
            q = q.where(Call.satisfaction.not_in(("satisfied", "basic")))
        return Behind(name, "calls", list(s.scalars(q.order_by(Call.called_at, Call.id))),
                      title)

    if wanted.startswith("complaints") or wanted in ("requests", "unsatisfied_items"):
        reqs = s.scalars(
            select(CustomerRequest).join(Customer, Customer.id == CustomerRequest.customer_id)
            .where(CustomerRequest.raised_on >= p.start, CustomerRequest.raised_on <= p.end,
                   _customer_filter(clerk_id))
            .order_by(CustomerRequest.raised_on, CustomerRequest.id)).all()

        def replied_on_time(r: CustomerRequest) -> bool:
            return bool(r.solved_on and r.replied_on and r.replied_on <= r.solved_on)

        def unsatisfied(r: CustomerRequest) -> bool:
            return not r.is_complaint and r.source == UNSATISFIED_SOURCE

        rpicks = {
            "requests": lambda r: not r.is_complaint and not unsatisfied(r),
            "unsatisfied_items": unsatisfied,
            "complaints": lambda r: r.is_complaint,
            "complaints_escalated_on_time": lambda r: r.is_complaint and r.escalated_on
            is not None and (r.escalated_on - r.raised_on).days <= 2,
            "complaints_replied_on_time": lambda r: r.is_complaint and replied_on_time(r),
            "complaints_replied_late": lambda r: r.is_complaint and r.solved_on is not None
            and not replied_on_time(r),
            "complaints_closed": lambda r: r.is_complaint and r.status == "closed",
        }
        return Behind(name, "requests", [r.id for r in reqs if rpicks[wanted](r)], title)

    if wanted.startswith("letters_"):
        q = select(Letter.id).where(Letter.deleted_at.is_(None), Letter.sent_on >= p.start,
                                    Letter.sent_on <= p.end,
                                    Letter.kind == wanted.removeprefix("letters_"))
        if clerk_id is not None:
            q = q.where(Letter.clerk_id == clerk_id)
        return Behind(name, "letters", list(s.scalars(q.order_by(Letter.sent_on, Letter.id))),
                      title)

    if wanted == "loyal_customers":
        return Behind(name, "customers", loyal_customers(s, p, clerk_id, loyal_visits),
                      f"忠诚客户（截至 {p.end:%Y-%m-%d} 的一年内来访 {loyal_visits} 次及以上）")
    months = rules.lost_customer_months
    if wanted == "lost_customers":
        return Behind(name, "customers", lost_customers(s, p.end, clerk_id, rules),
                      f"流失客户（截至 {p.end:%Y-%m-%d} 已 {months} 个月以上未来访）")
    if wanted == "lost_came_back":
        return Behind(name, "visits", came_back_visits(s, p, clerk_id, rules),
                      f"流失客户回厂（上次来访已超过 {months} 个月）")
    if wanted.startswith("lost_reason_"):
        t0, t1 = p.datetimes()
        q = select(Call.id).where(Call.deleted_at.is_(None), Call.called_at >= t0,
                                  Call.called_at < t1, Call.reached.is_(True),
                                  Call.lost_reason == wanted.removeprefix("lost_reason_"))
        if clerk_id is not None:
            q = q.where(Call.clerk_id == clerk_id)
        return Behind(name, "calls", list(s.scalars(q.order_by(Call.called_at, Call.id))),
                      title)
    if wanted == "new_cars":
        return Behind(name, "customers", _unique(c for _, c in new_cars(s, p, clerk_id)),
                      "本期新车的车主")
    if wanted.startswith("first_services_"):
        cars = first_service_cars(s, p, clerk_id, rules, as_of)
        keep = {"first_services_due": lambda c: True,
                "first_services_done": lambda c: c.served_on is not None,
                "first_services_missed": lambda c: c.served_on is None}[wanted]
        return Behind(name, "customers", _unique(c.customer_id for c in cars if keep(c)),
                      title + ("（车主）" if not title.endswith("）") else ""))
    if wanted.startswith("insurance_"):
        policies = insurance_policies(s, p, clerk_id)
        keep = {"insurance_expiring": lambda x: True,
                "insurance_contacted": lambda x: x.contacted,
                "insurance_renewed_here": lambda x: x.renewed_here,
                "insurance_not_renewed_here": lambda x: not x.renewed_here}[wanted]
        return Behind(name, "tasks", [x.task.id for x in policies if keep(x)], title)
    raise KeyError(name)  # pragma: no cover - every LABELS name is handled above


def _unique(ids) -> list[int]:
    return list(dict.fromkeys(ids))


RECORD_HEADERS = {
    "tasks": ["到期日", "任务", "档案编号", "客户名称", "车号", "负责人", "状态", "完成日期"],
    "no_call_tasks": ["到期日", "任务", "档案编号", "客户名称", "车号", "负责人", "关闭日期",
                      "关闭人", "未通话原因", "说明"],
    "visits": ["来访日期", "类别", "档案编号", "客户名称", "车号", "维修养护项目", "返修"],
    "calls": ["通话时间", "类别", "档案编号", "客户名称", "车号", "结果", "通话要点", "经办人"],
    "requests": ["日期", "类别", "档案编号", "客户名称", "部门", "内容", "状态", "答复日期"],
    "letters": ["发函日期", "类别", "客户名称", "事由", "经办人"],
    "customers": ["档案编号", "客户名称", "联系电话", "车号", "车型", "跟踪业务员", "最近来访"],
}


@dataclass(frozen=True)
class RecordRow:
    """One line of a records list: the record, its customer (to open) and the cells shown."""

    id: int
    customer_id: int | None
    cells: tuple[str, ...]


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def record_rows(s: Session, kind: str, ids: list[int]) -> dict[int, RecordRow]:
    """The rows of RECORD_HEADERS[kind] for these ids (fetched 500 at a time)."""
    from app.archive import VISIT_KIND_LABELS, format_archive_no
    from app.contacts import CALL_TYPES, NO_ANSWER, REQUEST_STATUS, SATISFACTION
    from app.followup import TASK_KIND_LABELS
    from app.letters import LETTER_KINDS
    from db.models import CustomerSummary, Vehicle

    names = dict(s.execute(select(Staff.id, Staff.name)).all())
    out: dict[int, RecordRow] = {}
    cs = CustomerSummary

    def archive_no(no: int | None) -> str:
        return format_archive_no(no) if no is not None else ""

    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        if kind in ("tasks", "no_call_tasks"):
            for t, no, name, plates, plate in s.execute(
                    select(Task, cs.archive_no, cs.name, cs.plates, Vehicle.plate)
                    .outerjoin(cs, cs.customer_id == Task.customer_id)
                    .outerjoin(Vehicle, Vehicle.id == Task.vehicle_id)
                    .where(Task.id.in_(chunk))):
                state = {"open": "未完成", "done": "已完成", "cancelled": "已取消"}.get(
                    t.status, t.status)
                if closed_without_call(t):
                    state = "未通话关闭"
                label = TASK_KIND_LABELS.get(t.kind, t.kind)  # type: ignore[call-overload]
                head = (_d(t.due), label, archive_no(no), name or "",
                        plate or (plates or "").split(" ")[0], names.get(t.owner_id, ""))
                if kind == "tasks":
                    out[t.id] = RecordRow(t.id, t.customer_id, (*head, state, _d(t.done_on)))
                else:
                    out[t.id] = RecordRow(t.id, t.customer_id, (
                        *head, _d(t.done_on), names.get(t.done_by_id, "") if t.done_by_id
                        else "", no_call_reason(t.closed_reason or ""), t.close_note or ""))
        elif kind == "visits":
            for v, no, name, plate in s.execute(
                    select(Visit, cs.archive_no, cs.name, Vehicle.plate)
                    .outerjoin(cs, cs.customer_id == Visit.customer_id)
                    .outerjoin(Vehicle, Vehicle.id == Visit.vehicle_id)
                    .where(Visit.id.in_(chunk))):
                out[v.id] = RecordRow(v.id, v.customer_id, (
                    _d(v.intake_date), VISIT_KIND_LABELS.get(v.kind, str(v.kind)),
                    archive_no(no), name or "", plate or "", v.service_items or "",
                    "返修" if v.is_comeback else ""))
        elif kind == "calls":
            for c, no, name, plates, plate in s.execute(
                    select(Call, cs.archive_no, cs.name, cs.plates, Vehicle.plate)
                    .outerjoin(cs, cs.customer_id == Call.customer_id)
                    .outerjoin(Vehicle, Vehicle.id == Call.vehicle_id)
                    .where(Call.id.in_(chunk))):
                outcome = (SATISFACTION.get(c.satisfaction, c.result) if c.reached
                           else NO_ANSWER.get(c.no_answer_reason, "未接通"))
                if c.reached and c.score is not None:
                    outcome = f"{outcome}（{c.score} 分）" if outcome else f"{c.score} 分"
                out[c.id] = RecordRow(c.id, c.customer_id, (
                    f"{c.called_at:%Y-%m-%d %H:%M}", CALL_TYPES.get(c.call_type, c.call_type),
                    archive_no(no), name or c.caller_name, plate or (plates or "").split(" ")[0],
                    outcome, c.key_points or c.customer_request, names.get(c.clerk_id, "")))
        elif kind == "requests":
            for r, no, name in s.execute(
                    select(CustomerRequest, cs.archive_no, cs.name)
                    .outerjoin(cs, cs.customer_id == CustomerRequest.customer_id)
                    .where(CustomerRequest.id.in_(chunk))):
                category = ("投诉" if r.is_complaint else "回访不满意"
                            if r.source == UNSATISFIED_SOURCE else "要求")
                out[r.id] = RecordRow(r.id, r.customer_id, (
                    _d(r.raised_on), category, archive_no(no),
                    name or "", r.department or NO_DEPARTMENT, r.content,
                    REQUEST_STATUS.get(r.status, r.status), _d(r.replied_on)))
        elif kind == "letters":
            for x in s.scalars(select(Letter).where(Letter.id.in_(chunk))):
                out[x.id] = RecordRow(x.id, x.customer_id, (
                    _d(x.sent_on), LETTER_KINDS.get(x.kind, x.kind), x.recipient, x.subject,
                    names.get(x.clerk_id, "")))
        elif kind == "customers":
            for row in s.execute(
                    select(cs.customer_id, cs.archive_no, cs.name, cs.phone, cs.plates, cs.models,
                           cs.clerk_name, cs.last_visit_date).where(cs.customer_id.in_(chunk))):
                out[row[0]] = RecordRow(row[0], row[0], (
                    archive_no(row[1]), row[2], row[3], row[4], row[5], row[6], _d(row[7])))
        else:
            raise KeyError(kind)
    return out


# ---------------------------------------------------------------- the year's trend


# One month of the trend: (month, first-follow-up on-time rate, satisfaction rate, CSI).
TrendRow = tuple[int, float | None, float | None, float | None]
# The trend's lines, in the order of a TrendRow after the month: (figure, name, target).
TREND_LINES = [(n, LABELS[n] if n != "csi" else "CSI", TARGETS[n][0])
               for n in ("first_followup_on_time_rate", "satisfaction_rate", "csi")]


def trend_row(raw) -> TrendRow:
    """A month of a trend as stored: summaries filed before CSI joined the trend have 3."""
    m, *values = raw
    values = [*values, None, None, None][:3]
    return (int(m), values[0], values[1], values[2])


def trend_rates(s: Session, year: int, clerk_id: int | None = None,
                until: dt.date | None = None) -> list[TrendRow]:
    """(month, first-follow-up on-time rate, satisfaction rate, CSI) for the 12 months,
    counted as compute() counts them, in two queries. Months starting after `until` are
    (m, None, None, None): their tasks are not late yet."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    q = select(Task.due, Task.status, Task.done_on, Task.window_start,
               Task.closed_reason).where(
        Task.kind == TaskKind.FIRST_FOLLOWUP, Task.due >= first, Task.due <= last,
        Task.status != TaskStatus.CANCELLED)
    if clerk_id is not None:
        q = q.where(Task.owner_id == clerk_id)
    due = [0] * 13
    on_time = [0] * 13
    cal = load_calendar(s)
    for d, status, done_on, start, reason in s.execute(q):
        if until is not None and status != TaskStatus.DONE and d >= until:
            continue  # not late yet: compute() leaves it out as well
        due[d.month] += 1
        by_call = status == TaskStatus.DONE and not (reason or "").startswith(NO_CALL)
        if by_call and done_on and cal.on_time(Window(start, d), done_on):
            on_time[d.month] += 1
    c = select(Call.called_at, Call.satisfaction, Call.score).where(
        Call.deleted_at.is_(None), Call.called_at >= dt.datetime(year, 1, 1),
        Call.called_at < dt.datetime(year + 1, 1, 1), Call.reached.is_(True),
        or_(Call.satisfaction != "", Call.score.is_not(None)))
    if clerk_id is not None:
        c = c.where(Call.clerk_id == clerk_id)
    rated = [0] * 13
    satisfied = [0] * 13
    scored = [0] * 13
    score_sum = [0] * 13
    for at, sat, score in s.execute(c):
        if sat:
            rated[at.month] += 1
            if sat in ("satisfied", "basic"):
                satisfied[at.month] += 1
        if score is not None:
            scored[at.month] += 1
            score_sum[at.month] += score
    out: list[TrendRow] = []
    for m in range(1, 13):
        if until is not None and dt.date(year, m, 1) > until:
            out.append((m, None, None, None))
        else:
            out.append((m, rate(on_time[m], due[m]), rate(satisfied[m], rated[m]),
                        csi_value(score_sum[m], scored[m])))
    return out


def trend_axis(trend) -> tuple[float, float]:
    """(bottom, step) of a trend chart's y axis; the top is 100%. The bottom leaves room for
    the lowest rate and keeps the 93%, 98% and 100% target lines apart."""
    import math

    values = [v for row in trend for v in row[1:] if v is not None]
    low = min([*values, 0.9])
    bottom = math.floor(round(low * 10, 6)) / 10
    span = round(1 - bottom, 6)
    step = 0.02 if span <= 0.1 else 0.05 if span <= 0.3 else 0.1 if span <= 0.6 else 0.2
    bottom = math.floor(round(bottom / step, 6)) * step
    return round(bottom, 4), step


def count_axis(largest: int) -> tuple[int, int]:
    """(top, step) of a bar chart's count axis: at most six steps of 1, 2, 5, 10, 20, 50…"""
    largest = max(largest, 1)
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        step = candidate
        if -(-largest // step) <= 6:
            break
    return -(-largest // step) * step, step


def department_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The five departments in their order (zeros too), then 未注明 and any other name."""
    out = [(d, counts.get(d, 0)) for d in DEPARTMENTS]
    out += [(d, n) for d, n in counts.items() if d not in DEPARTMENTS and n]
    return out


def complaints_by_department(s: Session, p: Period, clerk_id: int | None = None
                             ) -> dict[str, int]:
    """Complaints raised in the period per department (the department left empty: 未注明)."""
    q = (select(CustomerRequest.department, func.count())
         .join(Customer, Customer.id == CustomerRequest.customer_id)
         .where(CustomerRequest.is_complaint.is_(True), CustomerRequest.raised_on >= p.start,
                CustomerRequest.raised_on <= p.end, _customer_filter(clerk_id))
         .group_by(CustomerRequest.department))
    out: dict[str, int] = {}
    for dept, n in s.execute(q):
        key = dept or NO_DEPARTMENT
        out[key] = out.get(key, 0) + n
    return out


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
    filed_at: dt.datetime  # UTC, as stored
    filed_by: str

    @property
    def period(self) -> Period:
        return period_of(self.kind, self.period_start, self.period_end)

    @property
    def values(self) -> dict[str, float | int | None]:
        """The frozen figures by name (LABELS), as compute() gave them when filed."""
        return {k: self.figures.get(k) for k in LABELS}  # type: ignore[misc]

    @property
    def trend_year(self) -> int:
        return int(self.figures.get("trend_year") or self.period_end.year)  # type: ignore[call-overload]

    @property
    def trend(self) -> list[TrendRow] | None:
        """The frozen monthly trend; None for a summary filed before trends were frozen.
        One filed before CSI joined the trend has no CSI line (None each month)."""
        raw = self.figures.get("trend")
        if not isinstance(raw, list):
            return None
        return [trend_row(r) for r in raw]

    @property
    def departments(self) -> dict[str, int] | None:
        raw = self.figures.get("complaints_by_department")
        return dict(raw) if isinstance(raw, dict) else None


def _scoped(method):
    """The method also takes by= (the user asking): a clerk gets their own figures only, not
    a colleague's, not the whole team's (ValidationError "role"). None: a script or report."""
    import functools
    import inspect

    signature = inspect.signature(method)

    @functools.wraps(method)
    def checked(self, *args, by=None, **kwargs):
        if by is not None and not by.is_supervisor:
            clerk_id = signature.bind(self, *args, **kwargs).arguments.get("clerk_id")
            if clerk_id != by.id:
                from app.staff import RoleRefused

                raise RoleRefused("跟踪业务员只能查看自己的统计数字。")
        return method(self, *args, **kwargs)

    return checked


class SummaryService:
    def __init__(self, store: Store):
        self.store = store

    def file(self, kind: str, title: str, p: Period, text: str, *,
             clerk_id: int | None = None, today: dt.date | None = None) -> int:
        """File the supervisor's summary with the figures as they are now (R10).

        Frozen with them: the year's monthly trend (as of `today`) and the complaints by
        department, so a reprint draws the same charts."""
        import json

        from app.normalize import ValidationError

        if not text.strip():
            raise ValidationError("text", "请填写小结/总结的正文。")
        today = today or clock.today()
        figures = self.figures(p, clerk_id=clerk_id)
        year = p.end.year
        frozen = dict(figures.as_flat_dict(), loyal=figures.loyal, lost=figures.lost,
                      trend_year=year,
                      trend=[list(t) for t in self.monthly_trend(year, clerk_id=clerk_id,
                                                                 until=today)],
                      complaints_by_department=self.complaints_by_department(
                          p, clerk_id=clerk_id))
        with self.store.session() as s:
            row = FiledSummary(kind=kind, title=title.strip() or summary_title(p, kind),
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

    @_scoped
    def figures(self, p: Period, *, clerk_id: int | None = None, loyal_visits: int = 3,
                as_of: dt.date | None = None) -> Figures:
        with self.store.read() as s:
            return compute(s, p, clerk_id=clerk_id, loyal_visits=loyal_visits, as_of=as_of)

    @_scoped
    def monthly_trend(self, year: int, *, clerk_id: int | None = None,
                      until: dt.date | None = None) -> list[TrendRow]:
        """(month, first-follow-up on-time rate, satisfaction rate, CSI) for each month;
        months starting after `until` (e.g. today) are (m, None, None, None)."""
        with self.store.read() as s:
            return trend_rates(s, year, clerk_id, until)

    @_scoped
    def complaints_by_department(self, p: Period, *, clerk_id: int | None = None
                                 ) -> dict[str, int]:
        with self.store.read() as s:
            return complaints_by_department(s, p, clerk_id)

    @_scoped
    def records_behind(self, name: str, p: Period, clerk_id: int | None = None, *,
                       loyal_visits: int = 3,
                       as_of: dt.date | None = None) -> Behind:
        """What the figure `name` counted, so clicking the number lists it."""
        with self.store.read() as s:
            return records_behind(s, name, p, clerk_id, loyal_visits=loyal_visits,
                                  as_of=as_of)

    def record_rows(self, kind: str, ids: list[int]) -> dict[int, RecordRow]:
        with self.store.read() as s:
            return record_rows(s, kind, ids)

    def center(self) -> dict[str, str]:
        """The center's name, address and phone, for the printed headers."""
        from app.settings import load_center

        with self.store.read() as s:
            return load_center(s)

    def staff_name(self, staff_id: int | None) -> str:
        if staff_id is None:
            return ""
        with self.store.read() as s:
            return s.scalar(select(Staff.name).where(Staff.id == staff_id)) or ""
