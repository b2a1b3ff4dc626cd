"""The supervisor's own chores on the agenda: 小结 / 总结 to file (R10), the holiday notice.

They are not task rows (no customer): each is computed from what is already filed or entered,
so it appears on the day it is due and disappears the moment the work is done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workdays import WorkCalendar, load_calendar
from db.models import FiledSummary

YEAR_REPORT_FROM = dt.date(2000, 12, 24)  # the year's last week: month/day only


@dataclass(frozen=True)
class Chore:
    kind: str  # "month_summary" | "year_summary" | "holiday_notice"
    text: str
    year: int
    month: int = 0


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def last_working_day(year: int, month: int, cal: WorkCalendar) -> dt.date:
    day = _month_end(year, month)
    while not cal.is_working_day(day) and day.day > 1:
        day -= dt.timedelta(days=1)
    return day


def _filed(s: Session, kind: str, start: dt.date) -> bool:
    return s.scalar(select(FiledSummary.id).where(
        FiledSummary.kind == kind, FiledSummary.period_start == start,
        FiledSummary.clerk_id.is_(None)).limit(1)) is not None


def supervisor_chores(s: Session, today: dt.date) -> list[Chore]:
    cal = load_calendar(s)
    out: list[Chore] = []
    # 月度小结: from the month's last working day until filed; last month's if still missing.
    prev = (today.replace(day=1) - dt.timedelta(days=1))
    for year, month in ((prev.year, prev.month), (today.year, today.month)):
        if (year, month) == (today.year, today.month) and \
                today < last_working_day(year, month, cal):
            continue
        if not _filed(s, "month", dt.date(year, month, 1)):
            out.append(Chore("month_summary", f"提交 {year} 年 {month} 月小结", year, month))
    # 年度总结: in the year's last week, and in January for the year just ended.
    for year in (today.year - 1, today.year):
        due = year == today.year and (today.month, today.day) >= (
            YEAR_REPORT_FROM.month, YEAR_REPORT_FROM.day)
        late = year == today.year - 1 and today.month == 1
        if (due or late) and not _filed(s, "year", dt.date(year, 1, 1)):
            out.append(Chore("year_summary", f"提交 {year} 年年度总结", year))
    notice = cal.notice_due(today)
    if notice is not None:
        out.append(Chore("holiday_notice", f"录入 {notice} 年国务院放假与调休通知", notice))
    return out
