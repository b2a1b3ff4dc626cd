"""The follow-up rules of 篇二 §2–§5 and §9 as plain functions over dates.

No database and no Qt: each rule takes dates (and the day counts, whose defaults are the
text's values) and answers with a window [start, due]. app.followup turns them into tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.dates import add_months


@dataclass(frozen=True)
class RuleSettings:
    """Every day count of the rules; the defaults are the source text's values."""

    archive_days: int = 2  # R1: 二日内建立客户档案
    first_call_from: int = 3  # R3: 三天至一周内
    first_call_to: int = 7
    second_call_from: int = 7  # R4: 第一次跟踪服务的一周后的 7 天以内
    second_call_to: int = 14
    maintenance_lead_days: int = 7  # M: remind this many days before the due date
    first_service_months: int = 3  # 首保: months after purchase
    first_service_km: int = 5000
    first_service_lead_days: int = 14
    insurance_lead_days: int = 30  # 续保: from expiry − 30 to expiry
    new_car_months: int = 12  # a car younger than this gets a 首保 reminder
    # Tasks for old records (import, demo, upgrade) are created only if due within this many
    # days before today: a call missed two years ago is history, not today's work.
    backfill_days: int = 30
    notice_lead_days: int = 14  # R6: 提前两周把通知先以电话方式告之客户
    notice_letter_days: int = 2  # R6: 然后于两日内 … 把通知信函向客户寄出
    escalation_days: int = 2  # R5: 不能解决的，要在两日内报告业务主管
    # A repair or maintenance still without 出厂日期 this long after intake: ask for it.
    pickup_missing_days: int = 7
    # 流失回访 (篇三 (一)2): a customer with no visit for this many months is called once
    lost_customer_months: int = 12
    lost_call_days: int = 14  # … within this many days of becoming lost
    # Calls one clerk makes a day: the suggested call days of a clerk's open tasks are spread
    # so that no day holds more (app.agenda_plan); overdue and due-today work is always today.
    daily_calls: int = 30

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative whole number")
        if self.daily_calls < 1:
            raise ValueError("daily_calls must be at least 1")
        if self.first_call_from > self.first_call_to:
            raise ValueError("first_call_from must not be after first_call_to")
        if self.second_call_from > self.second_call_to:
            raise ValueError("second_call_from must not be after second_call_to")
        if self.lost_customer_months < 1:
            raise ValueError("lost_customer_months must be at least one month")


DEFAULT_RULES = RuleSettings()


@dataclass(frozen=True)
class Window:
    start: dt.date
    due: dt.date

    def __post_init__(self) -> None:
        if self.due < self.start:
            raise ValueError(f"window ends {self.due} before it starts {self.start}")

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.due

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(n) for n in range((self.due - self.start).days + 1)]

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and start <= self.due


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# R1 -------------------------------------------------------------------------------------

ARCHIVE_REQUIRED = {
    "name": "客户名称",
    "phone": "电话",
    "address": "地址",
    "plate": "车号",
    "model": "车型",
    "kind": "车种",
    "maintenance_cycle": "保养周期",
    "next_maintenance_date": "下一次保养期",
}


def archive_window(visit_date: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    """R1: the archive is complete within two days of the intake or visit."""
    return Window(visit_date, _plus(visit_date, rules.archive_days))


def missing_archive_fields(fields: dict[str, object]) -> list[str]:
    """The 篇二 §1 items still blank, as their Chinese names, in the text's order."""
    return [label for key, label in ARCHIVE_REQUIRED.items() if not fields.get(key)]


# R3 / R4 --------------------------------------------------------------------------------


def followup_anchor(intake_date: dt.date, pickup_date: dt.date | None) -> dt.date:
    """The day the first call counts from: pickup (出厂), or the visit for one without a car."""
    return pickup_date or intake_date


def first_followup_window(anchor: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    """R3: 3 days to 1 week after pickup or visit."""
    return Window(_plus(anchor, rules.first_call_from), _plus(anchor, rules.first_call_to))


def second_followup_window(first_call: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    """R4: within 7 days after the week following the first call."""
    return Window(_plus(first_call, rules.second_call_from),
                  _plus(first_call, rules.second_call_to))


# M --------------------------------------------------------------------------------------


def next_maintenance(
    last_maintenance_day: dt.date | None,
    cycle_months: int | None,
    cycle_km: int | None,
    odometer_readings: Sequence[tuple[dt.date, int | None]] = (),
) -> tuple[dt.date | None, str]:
    """The next maintenance after the last one, and its basis in words.

    Whichever comes first: the months of the cycle ("按 6 个月"), or its kilometres at the
    car's pace from its odometer readings ("按 5000 公里，日均 38 公里"). (None, "") when the
    car has no maintenance visit or no usable cycle.
    """
    if last_maintenance_day is None:
        return None, ""
    return _next_maintenance(last_maintenance_day, cycle_months, cycle_km,
                             km_per_day(list(odometer_readings)))


def next_maintenance_date(
    last_service: dt.date,
    cycle_months: int | None,
    cycle_km: int | None = None,
    km_per_day: float | None = None,
) -> dt.date | None:
    """next_maintenance with the car's pace already known; the date alone."""
    return _next_maintenance(last_service, cycle_months, cycle_km, km_per_day)[0]


def _next_maintenance(
    last: dt.date, cycle_months: int | None, cycle_km: int | None, pace: float | None
) -> tuple[dt.date | None, str]:
    candidates: list[tuple[dt.date, str]] = []
    if cycle_months and cycle_months > 0:
        candidates.append((add_months(last, cycle_months), f"按 {cycle_months} 个月"))
    if cycle_km and cycle_km > 0 and pace and pace > 0:
        candidates.append((_plus(last, max(1, round(cycle_km / pace))),
                           f"按 {cycle_km} 公里，日均 {round(pace)} 公里"))
    if not candidates:
        return None, ""
    return min(candidates, key=lambda c: c[0])


def km_per_day(readings: list[tuple[dt.date, int | None]]) -> float | None:
    """The car's pace from its odometer readings (date, km); None with too little history."""
    points = sorted((d, km) for d, km in readings if km is not None and d is not None)
    if len(points) < 2:
        return None
    (d0, k0), (d1, k1) = points[0], points[-1]
    days = (d1 - d0).days
    if days < 30 or k1 <= k0:
        return None
    return (k1 - k0) / days


def maintenance_window(due: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    return Window(_plus(due, -rules.maintenance_lead_days), due)


def first_service_due(purchase: dt.date, rules: RuleSettings = DEFAULT_RULES) -> dt.date:
    return add_months(purchase, rules.first_service_months)


def first_service_window(purchase: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    due = first_service_due(purchase, rules)
    return Window(max(purchase, _plus(due, -rules.first_service_lead_days)), due)


def insurance_window(expiry: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    return Window(_plus(expiry, -rules.insurance_lead_days), expiry)


def lost_customer_window(last_visit: dt.date, rules: RuleSettings = DEFAULT_RULES) -> Window:
    """流失回访: from the day the customer has been away lost_customer_months, for
    lost_call_days. (The month end clamps: away since 08-31 → lost on 02-28/29.)"""
    start = add_months(last_visit, rules.lost_customer_months)
    return Window(start, _plus(start, rules.lost_call_days))


def is_lost(last_visit: dt.date | None, as_of: dt.date,
            rules: RuleSettings = DEFAULT_RULES) -> bool:
    """Lost on the day lost_customer_months have passed since the last visit (not before)."""
    return last_visit is not None and add_months(last_visit, rules.lost_customer_months) <= as_of


# Why a lost customer stopped coming (篇三 (一)2 流失客户 … 分析): code → what the clerk picks.
LOST_REASONS = {
    "price": "价格",
    "service": "服务",
    "distance": "距离",
    "sold": "已卖车",
    "other_shop": "去其他店",
    "other": "其他",
}


def under_warranty(day: dt.date, warranty_end: dt.date | None) -> bool:
    return warranty_end is not None and day <= warranty_end


# urgency --------------------------------------------------------------------------------


def is_overdue(due: dt.date, today: dt.date) -> bool:
    return due < today


def urgency(window: Window, today: dt.date) -> tuple[int, int]:
    """Sort key: overdue first (longest overdue first), then due today, then in window."""
    if window.due < today:
        return (0, (window.due - today).days)
    if window.due == today:
        return (1, 0)
    if window.start <= today:
        return (2, (window.due - today).days)
    return (3, (window.start - today).days)
