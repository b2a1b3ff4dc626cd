"""节假日与调休: the supervisor enters or imports next year's notice; everyone reads it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from app import workdays as W
from app.normalize import ValidationError
from app.staff import RoleRefused, StaffInfo, acting
from app.store import Store


@dataclass(frozen=True)
class YearCalendar:
    year: int
    source: str  # W.OFFICIAL or W.COMPUTED
    entered: bool  # the center entered this year's notice (else the library's days show)
    days: list[W.DayInfo]  # days off and make-up workdays, as the agenda uses them

    @property
    def status_text(self) -> str:
        if self.entered:
            return f"{self.year} 年：已录入国务院通知"
        if self.source == W.OFFICIAL:
            return f"{self.year} 年：按国务院通知（程序自带，可修改）"
        return W.provisional_note(self.year)


@dataclass(frozen=True)
class NoticeImport:
    year_days: dict[int, list[W.NoticeDay]]
    problems: list[W.NoticeProblem]
    saved: bool

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.year_days.values())


def _require_supervisor(by: StaffInfo | None) -> None:
    if by is not None and not by.is_supervisor:
        raise RoleRefused("只有业务主管或管理员可以修改节假日与调休。")


class PublicDayService:
    def __init__(self, store: Store):
        self.store = store

    def calendar(self) -> W.WorkCalendar:
        with self.store.read() as s:
            return W.load_calendar(s)

    def year(self, year: int) -> YearCalendar:
        cal = self.calendar()
        return YearCalendar(year, cal.year_source(year), cal.year_entered(year),
                            cal.days_off(year))

    def as_notice(self, year: int) -> list[W.NoticeDay]:
        """The year as notice lines (what the page edits): entered, else computed."""
        out = []
        for info in self.year(year).days:
            if info.makeup_workday:
                out.append(W.NoticeDay(info.day, W.PublicDayKind.WORK,
                                       info.holiday_name or "调休上班"))
            elif not info.working:
                out.append(W.NoticeDay(info.day, W.PublicDayKind.OFF, info.holiday_name))
        return out

    def save_year(self, year: int, days: list[W.NoticeDay], by: StaffInfo | None = None) -> None:
        """The year's notice as the supervisor entered it; every problem refused at once."""
        _require_supervisor(acting(self.store, by))
        outside = [d for d in days if d.day.year != year]
        if outside:
            raise ValidationError("day", f"{outside[0].day:%Y-%m-%d} 不在 {year} 年内。")
        problems = W.check_notice(list(enumerate(days, start=1)))
        if problems:
            raise ValidationError("day", "\n".join(p.message for p in problems))
        with self.store.session() as s:
            W.replace_year(s, year, days)

    def clear_year(self, year: int, by: StaffInfo | None = None) -> None:
        """Back to the computed calendar for the year."""
        _require_supervisor(acting(self.store, by))
        with self.store.session() as s:
            W.replace_year(s, year, [])

    def import_notice(self, path: Path, *, dry_run: bool = False,
                      by: StaffInfo | None = None) -> NoticeImport:
        """The file's year replaces that year's notice; any problem and nothing changes."""
        _require_supervisor(acting(self.store, by))
        rows, problems = W.read_notice(path)
        by_year: dict[int, list[W.NoticeDay]] = {}
        for _line, d in rows:
            by_year.setdefault(d.day.year, []).append(d)
        if not rows and not problems:
            problems = [W.NoticeProblem(0, "文件里没有任何日期。")]
        if problems or dry_run:
            return NoticeImport(by_year, problems, False)
        # The notice is for one year (the one with most lines); a make-up day it names in the
        # year before (2018-12-29 in the 2019 notice) joins that year instead of replacing it.
        main_year = max(by_year, key=lambda y: len(by_year[y]))
        with self.store.session() as s:
            W.replace_year(s, main_year, by_year[main_year])
            for year, days in by_year.items():
                if year != main_year:
                    W.merge_days(s, days)
        return NoticeImport(by_year, [], True)

    def work_week(self) -> tuple[frozenset[int], bool]:
        with self.store.read() as s:
            return W.load_work_week(s), W.load_carry_over(s)

    def save_work_week(self, days: set[int], carry_over: bool,
                       by: StaffInfo | None = None) -> None:
        _require_supervisor(acting(self.store, by))
        with self.store.session() as s:
            W.save_calendar_settings(s, days, carry_over)

    def notice_due(self, today: dt.date) -> int | None:
        return self.calendar().notice_due(today)
