"""Calendar arithmetic the rules need."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day n months later, clamped to the month's end (01-31 + 1 month → 02-28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_period(start: dt.date, end: dt.date) -> str:
    """A printed period as a reader writes it: 2026年11月 for a whole month, 2026年 for a
    whole year, else 2026年11月1日 至 2026年11月15日."""
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.year}年{start.month}月"
        if start.month == 1 and end.month == 12 and start.year == end.year:
            return f"{start.year}年"
        return f"{start.year}年{start.month}月 至 {end.year}年{end.month}月"
    return f"{chinese_date(start)} 至 {chinese_date(end)}"
