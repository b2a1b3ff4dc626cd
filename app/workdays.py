"""Chinese public holidays and make-up workdays (调休), from the chinesecalendar library.

Years the library does not know fall back to "Saturday and Sunday are off", and say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from app.rules import Window

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    working: bool
    holiday_name: str = ""  # 国庆节 …, blank on ordinary days
    makeup_workday: bool = False  # a weekend day worked in exchange (调休上班)
    known: bool = True  # False: the library has no data for the year; weekends only


@lru_cache(maxsize=64)
def year_is_covered(year: int) -> bool:
    try:
        import chinese_calendar

        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except (ImportError, NotImplementedError):
        return False
    return True


@lru_cache(maxsize=4096)
def day_info(day: dt.date) -> DayInfo:
    if not year_is_covered(day.year):
        return DayInfo(day, day.weekday() < 5, known=False)
    import chinese_calendar

    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    working = chinese_calendar.is_workday(day)
    makeup = working and day.weekday() >= 5
    label = HOLIDAY_NAMES.get(str(name), str(name)) if on_holiday and name else ""
    return DayInfo(day, working, label, makeup)


def is_working_day(day: dt.date) -> bool:
    return day_info(day).working


def first_working_day(window: Window) -> dt.date | None:
    """The first working day inside the window; None when it holds none (e.g. 国庆 week)."""
    for day in window.days():
        if is_working_day(day):
            return day
    return None
