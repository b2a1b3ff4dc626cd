"""The center's working days: public holidays, make-up workdays (调休) and its own work week.

Three sources, in this order of authority:
1. the State Council's 放假/调休 notice as the center entered it (public_day rows): a year with
   any entered day follows the notice alone;
2. the `holidays` library, which computes the lunar festivals for any year and carries the
   announced 调休 days for the years whose notice it already knows;
3. the center's work week (which weekdays the follow-up desk works; default Mon–Fri).

A year known only by computation is *provisional*: its make-up workdays are missing, so the
agenda, the month view and the status bar say so until the supervisor enters the notice.

Everything here is plain functions over dates: WorkCalendar is built from data, not from a
database, so the rules are tested without one. load_calendar() reads that data in a session.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.rules import Window
from db.models import PublicDay, PublicDayKind, Setting

OFFICIAL = "official"  # the notice: entered by the center, or carried by the library
COMPUTED = "computed"  # lunar festivals computed; make-up workdays unknown

WEEKDAY_LABELS = ("一", "二", "三", "四", "五", "六", "日")
DEFAULT_WORK_WEEK = frozenset(range(5))  # Monday … Friday, as date.weekday() numbers
WORK_WEEK_KEY = "calendar.work_week"
CARRY_OVER_KEY = "calendar.carry_over"

KIND_LABELS = {PublicDayKind.OFF: "休", PublicDayKind.WORK: "班"}
_KIND_FROM_TEXT = {"休": PublicDayKind.OFF, "放假": PublicDayKind.OFF, "休息": PublicDayKind.OFF,
                   "班": PublicDayKind.WORK, "上班": PublicDayKind.WORK,
                   "调休上班": PublicDayKind.WORK, "补班": PublicDayKind.WORK}


def provisional_note(year: int) -> str:
    return f"{year} 年按推算（未录入国务院通知）"


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    working: bool
    holiday_name: str = ""  # 国庆节 …, blank on ordinary days
    makeup_workday: bool = False  # a weekend day worked in exchange (调休上班)
    source: str = OFFICIAL  # OFFICIAL or COMPUTED: how the day's year is known

    @property
    def known(self) -> bool:
        """False while the year's make-up workdays are only computed (provisional)."""
        return self.source == OFFICIAL


@dataclass(frozen=True)
class NoticeDay:
    """One line of a 放假/调休 notice."""

    day: dt.date
    kind: PublicDayKind
    name: str = ""


# ---------------------------------------------------------------- the library's years


def _clean_name(name: str) -> str:
    # The library names a moved rest day "休息日（由 2026-09-20 调休）" and joins coinciding
    # festivals with "; ": a clerk reads "调休" and "中秋节、国庆节".
    if name.startswith("休息日"):
        return "调休"
    return "、".join(part.strip() for part in name.split(";"))


@lru_cache(maxsize=64)
def computed_year(year: int) -> tuple[dict[dt.date, str], frozenset[dt.date], bool]:
    """(days off with names, make-up workdays, whether the library carries the year's notice)."""
    import holidays

    try:
        cn = holidays.China(years=year, language="zh_CN")
    except (NotImplementedError, ValueError, KeyError):
        return {}, frozenset(), False
    off = {day: _clean_name(str(name)) for day, name in cn.items() if day.year == year}
    makeup = frozenset(d for d in getattr(cn, "weekend_workdays", ()) if d.year == year)
    # The library only writes 调休 days for years whose notice it has; none means computed.
    announced = bool(makeup) or any("调休" in str(n) for n in cn.values())
    return off, makeup, announced


# ---------------------------------------------------------------- the calendar


@dataclass
class WorkCalendar:
    """Which days the follow-up desk works, and the suggested-day and 顺延 rules over them."""

    notice: Mapping[dt.date, NoticeDay] = field(default_factory=dict)
    work_week: frozenset[int] = DEFAULT_WORK_WEEK
    carry_over: bool = True  # a window wholly on days off moves to the next working day

    def __post_init__(self) -> None:
        self._notice_years = {d.year for d in self.notice}
        self._cache: dict[dt.date, DayInfo] = {}

    def year_source(self, year: int) -> str:
        if year in self._notice_years or computed_year(year)[2]:
            return OFFICIAL
        return COMPUTED

    def year_entered(self, year: int) -> bool:
        return year in self._notice_years

    def day_info(self, day: dt.date) -> DayInfo:
        info = self._cache.get(day)
        if info is None:
            info = self._cache[day] = self._day_info(day)
        return info

    def _day_info(self, day: dt.date) -> DayInfo:
        source = self.year_source(day.year)
        weekend = day.weekday() >= 5
        if day.year in self._notice_years:
            entry = self.notice.get(day)
            if entry is not None and entry.kind == PublicDayKind.OFF:
                return DayInfo(day, False, entry.name or "休", False, source)
            if entry is not None:
                return DayInfo(day, True, entry.name if entry.name != "班" else "", weekend,
                               source)
        else:
            off, makeup, _announced = computed_year(day.year)
            if day in off:
                return DayInfo(day, False, off[day], False, source)
            if day in makeup:
                return DayInfo(day, True, "", True, source)
        return DayInfo(day, day.weekday() in self.work_week, "", False, source)

    def is_working_day(self, day: dt.date) -> bool:
        return self.day_info(day).working

    def first_working_day(self, window: Window) -> dt.date | None:
        """The first working day inside the window; None when it holds none (春节 week)."""
        for day in window.days():
            if self.is_working_day(day):
                return day
        return None

    def next_working_day(self, after: dt.date) -> dt.date:
        """The first working day after `after` (a year of days off would be a data error)."""
        day = after + dt.timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        return after + dt.timedelta(days=1)

    def deadline(self, window: Window) -> dt.date:
        """The last day a call counts as on time: the due date, or — when the whole window is
        days off and 顺延 is on — the first working day after it."""
        if self.carry_over and self.first_working_day(window) is None:
            return self.next_working_day(window.due)
        return window.due

    def on_time(self, window: Window, done_on: dt.date) -> bool:
        return window.start <= done_on <= self.deadline(window)

    def suggested_day(self, window: Window, today: dt.date) -> dt.date | None:
        """The first working day in [max(today, window start), due]; when none is left and
        the window was wholly days off, the first working day after it (顺延). None when the
        remaining days are off but the window had working days the clerk let pass."""
        start = max(today, window.start)
        if start <= window.due:
            day = self.first_working_day(Window(start, window.due))
            if day is not None:
                return day
        deadline = self.deadline(window)
        if deadline > window.due and deadline >= today:
            return deadline
        return None

    def days_off(self, year: int) -> list[DayInfo]:
        """The year's public holidays and make-up workdays (not ordinary weekends)."""
        day, out = dt.date(year, 1, 1), []
        while day.year == year:
            info = self.day_info(day)
            if info.holiday_name or info.makeup_workday:
                out.append(info)
            day += dt.timedelta(days=1)
        return out

    def notice_due(self, today: dt.date) -> int | None:
        """The year whose notice the supervisor should enter now: this year while it is still
        computed, or next year from 11-01 (the State Council publishes it each November)."""
        if self.year_source(today.year) == COMPUTED:
            return today.year
        if today.month >= 11 and self.year_source(today.year + 1) == COMPUTED:
            return today.year + 1
        return None

    def provisional_years(self, start: dt.date, end: dt.date) -> list[int]:
        return [y for y in range(start.year, end.year + 1) if self.year_source(y) == COMPUTED]


# The calendar every caller without a session uses (rules tests, the CLI's pure paths).
DEFAULT_CALENDAR = WorkCalendar()


def day_info(day: dt.date) -> DayInfo:
    return DEFAULT_CALENDAR.day_info(day)


def is_working_day(day: dt.date) -> bool:
    return DEFAULT_CALENDAR.is_working_day(day)


def first_working_day(window: Window) -> dt.date | None:
    return DEFAULT_CALENDAR.first_working_day(window)


def year_is_covered(year: int) -> bool:
    return DEFAULT_CALENDAR.year_source(year) == OFFICIAL


def tooltip_rule(calendar: WorkCalendar, daily_calls: int | None = None) -> str:
    """The suggested-day rule in a clerk's words, for a task's tooltip."""
    week = "、".join(WEEKDAY_LABELS[d] for d in sorted(calendar.work_week))
    text = (f"建议拨打日：跟踪期限内（从今天或期限开始起）的第一个工作日"
            f"（本中心工作日：周{week}，节假日除外，调休上班日算工作日）。")
    if daily_calls:
        text += (f"每人每天按 {daily_calls} 个电话安排：超出的、不急的任务排到期限内的下一个"
                 "工作日；逾期和今天到期的总在今天。")
    if calendar.carry_over:
        text += "整个期限都在休息日时，顺延到其后第一个工作日，当天拨打仍算按时。"
    return text


# ---------------------------------------------------------------- stored in the database


def load_work_week(s: Session) -> frozenset[int]:
    row = s.get(Setting, WORK_WEEK_KEY)
    try:
        days = frozenset(int(d) for d in json.loads(row.value)) if row is not None else None
    except (TypeError, ValueError):
        days = None
    if not days or not days <= set(range(7)):
        return DEFAULT_WORK_WEEK
    return days


def load_carry_over(s: Session) -> bool:
    row = s.get(Setting, CARRY_OVER_KEY)
    try:
        return bool(json.loads(row.value)) if row is not None else True
    except (TypeError, ValueError):
        return True


def load_calendar(s: Session) -> WorkCalendar:
    notice = {d.day: NoticeDay(d.day, PublicDayKind(d.kind), d.name)
              for d in s.scalars(select(PublicDay))}
    return WorkCalendar(notice, load_work_week(s), load_carry_over(s))


def save_calendar_settings(s: Session, work_week: Iterable[int], carry_over: bool) -> None:
    days = sorted(set(work_week))
    if not days:
        from app.normalize import ValidationError

        raise ValidationError("work_week", "至少要选一个工作日。")
    for key, value in ((WORK_WEEK_KEY, days), (CARRY_OVER_KEY, bool(carry_over))):
        row = s.get(Setting, key)
        if row is None:
            s.add(Setting(key=key, value=json.dumps(value)))
        else:
            row.value = json.dumps(value)


def entered_days(s: Session, year: int) -> list[NoticeDay]:
    rows = s.scalars(select(PublicDay).where(
        PublicDay.day >= dt.date(year, 1, 1), PublicDay.day <= dt.date(year, 12, 31))
        .order_by(PublicDay.day))
    return [NoticeDay(r.day, PublicDayKind(r.kind), r.name) for r in rows]


def replace_year(s: Session, year: int, days: Iterable[NoticeDay]) -> None:
    """The year's notice becomes exactly `days` (an empty list: back to computed)."""
    s.execute(delete(PublicDay).where(
        PublicDay.day >= dt.date(year, 1, 1), PublicDay.day <= dt.date(year, 12, 31)))
    s.flush()
    for d in days:
        s.add(PublicDay(day=d.day, kind=d.kind, name=d.name.strip()[:32]))


def merge_days(s: Session, days: Iterable[NoticeDay]) -> None:
    """Add or change single days, keeping the rest of their year's notice."""
    for d in days:
        row = s.get(PublicDay, d.day)
        if row is None:
            s.add(PublicDay(day=d.day, kind=d.kind, name=d.name.strip()[:32]))
        else:
            row.kind, row.name = d.kind, d.name.strip()[:32]


# ---------------------------------------------------------------- checking a notice


@dataclass(frozen=True)
class NoticeProblem:
    line: int  # the sheet's row number, or the 1-based position in a list
    message: str


def check_notice(days: list[tuple[int, NoticeDay]]) -> list[NoticeProblem]:
    """What is wrong with a notice, one message per line: a date twice, a 班 on a weekday."""
    problems, seen = [], {}
    for line, d in days:
        if d.day in seen:
            problems.append(NoticeProblem(line, f"第 {line} 行：{d.day:%Y-%m-%d} 与第 "
                                                f"{seen[d.day]} 行重复。"))
            continue
        seen[d.day] = line
        if d.kind == PublicDayKind.WORK and d.day.weekday() < 5:
            problems.append(NoticeProblem(
                line, f"第 {line} 行：{d.day:%Y-%m-%d} 是星期{WEEKDAY_LABELS[d.day.weekday()]}，"
                      "调休上班（班）只会是周六或周日，请检查日期或类型。"))
    return problems


_HEADERS = {"date": ("日期", "date"), "kind": ("类型", "类别", "kind", "休/班"),
            "name": ("名称", "节日", "说明", "name")}


def _header_map(row: tuple) -> dict[str, int] | None:
    found = {}
    for i, cell in enumerate(row):
        text = re.sub(r"\s+", "", str(cell or "")).lower()
        for key, names in _HEADERS.items():
            if key not in found and text in names:
                found[key] = i
    return found if {"date", "kind"} <= found.keys() else None


def read_notice(path: Path) -> tuple[list[tuple[int, NoticeDay]], list[NoticeProblem]]:
    """The rows of a notice sheet (日期 / 类型 休|班 / 名称) and every problem found in it."""
    from app.normalize import ValidationError, parse_date
    from app.sheets import ImportFormatError, read_sheets

    sheets = read_sheets(path)
    try:
        for _name, rows in sheets:
            columns, days, problems = None, [], []
            for line, row in rows:
                if columns is None:
                    columns = _header_map(row)
                    continue
                if all(c is None or not str(c).strip() for c in row):
                    continue

                def cell(key, row=row, columns=columns):
                    i = columns.get(key)
                    return row[i] if i is not None and i < len(row) else None

                try:
                    day = parse_date(cell("date"), "date", "日期")
                except ValidationError as e:
                    problems.append(NoticeProblem(line, f"第 {line} 行：{e.message}"))
                    continue
                if day is None:
                    problems.append(NoticeProblem(line, f"第 {line} 行：缺少日期。"))
                    continue
                kind_text = re.sub(r"\s+", "", str(cell("kind") or ""))
                kind = _KIND_FROM_TEXT.get(kind_text)
                if kind is None:
                    problems.append(NoticeProblem(
                        line,
                        f"第 {line} 行：类型“{kind_text}”应为“休”（放假）或“班”（调休上班）。"))
                    continue
                days.append((line, NoticeDay(day, kind, str(cell("name") or "").strip())))
            if columns is not None:
                return days, problems + check_notice(days)
    finally:
        sheets.close()
    raise ImportFormatError(f"“{path.name}”中没有找到表头：第一行应为 日期、类型（休/班）、名称。")


def write_notice_template(path: Path, days: Iterable[NoticeDay] = ()) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "节假日与调休"
    ws.append(["日期", "类型", "名称"])
    for d in days:
        ws.append([d.day, KIND_LABELS[d.kind], d.name])
    for col, width in zip("ABC", (14, 8, 20), strict=True):
        ws.column_dimensions[col].width = width
    for cell in ws["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    wb.save(path)
