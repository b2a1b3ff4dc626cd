"""Which open task a clerk should call on which day: 今日必做 and 可提前.

A clerk can make so many calls a day (RuleSettings.daily_calls). Every open task whose
window is open today is either work for today (今日必做) or work that may be done early
(可提前) on a later suggested day inside its window:

- overdue and due today (its deadline, 顺延 included): always today;
- a window whose remaining days are all off although it had working days (期限内无工作日):
  today, since no later working day is left;
- a window wholly on days off (顺延): the first working day after it;
- otherwise the first working day in [max(today, window start), due] that still has room
  under the clerk's daily capacity, the tasks taken by due date (the soonest first). A task
  that finds no room anywhere in its window goes to its last working day: the days before
  are full with calls due sooner, and it cannot move past its due date.

Tasks that are not calls (建档, 补出厂, 寄信) take no call slot: they keep the first working day.
A plain function over (tasks, calendar, capacity, today): no database, tested without one.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from app.workdays import WorkCalendar


@dataclass(frozen=True)
class PlanTask:
    id: int
    owner_id: int | None
    window_start: dt.date
    due: dt.date
    is_call: bool = True  # takes one of the owner's calls of the day


@dataclass(frozen=True)
class Planned:
    suggested_day: dt.date | None  # None: no working day left in the window
    must_today: bool  # 今日必做 (else 可提前)
    carried_over: bool = False  # the window was all days off: the day after it (顺延)
    no_working_day: bool = False  # the days left in the window are all off
    overdue: bool = False  # its deadline (顺延 included) has passed

    @property
    def early(self) -> bool:
        return not self.must_today


def plan_days(tasks: Iterable[PlanTask], calendar: WorkCalendar, capacity: int,
              today: dt.date) -> dict[int, Planned]:
    """Each task's suggested call day and whether it is 今日必做, per owner and capacity."""
    capacity = max(1, capacity)
    tasks = list(tasks)
    if not tasks:
        return {}
    days = _WorkingDays(calendar, min(min(t.window_start for t in tasks), today),
                        max(t.due for t in tasks))
    by_owner: dict[int | None, list[tuple[dt.date, PlanTask]]] = defaultdict(list)
    for t in tasks:
        by_owner[t.owner_id].append((days.deadline(t, calendar.carry_over), t))
    out: dict[int, Planned] = {}
    for rows in by_owner.values():
        rows.sort(key=lambda r: (r[0], r[1].due, r[1].window_start, r[1].id))
        load: dict[dt.date, int] = defaultdict(int)
        for deadline, t in rows:
            planned = _plan_one(t, deadline, days, capacity, today, load)
            if t.is_call and planned.suggested_day is not None:
                load[planned.suggested_day] += 1
            elif t.is_call and planned.must_today:
                load[today] += 1
            out[t.id] = planned
    return out


class _WorkingDays:
    """The working days from `start` to well after `end`, in order, for quick look-ups."""

    def __init__(self, calendar: WorkCalendar, start: dt.date, end: dt.date):
        self.days: list[dt.date] = []
        day, last = start, end + dt.timedelta(days=400)  # room for a 顺延 past the end
        while day <= last:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += _ONE_DAY

    def first_from(self, day: dt.date) -> int:
        """The index of the first working day on or after `day`."""
        return bisect_left(self.days, day)

    def deadline(self, t: PlanTask, carry_over: bool) -> dt.date:
        """As WorkCalendar.deadline: the due date, or after a window wholly off (顺延) the
        first working day after it."""
        i = self.first_from(t.window_start)
        if i < len(self.days) and self.days[i] > t.due and carry_over:
            return self.days[i]
        return t.due


def _plan_one(t: PlanTask, deadline: dt.date, days: _WorkingDays, capacity: int,
              today: dt.date, load: dict[dt.date, int]) -> Planned:
    carried = deadline > t.due  # 顺延: the whole window is days off
    if deadline <= today:  # overdue, or its last day is today
        return Planned(today, True, carried and deadline == today, overdue=deadline < today)
    if carried:
        return Planned(deadline, False, True)
    i = days.first_from(max(today, t.window_start))
    if i >= len(days.days) or days.days[i] > t.due:
        return Planned(None, True, no_working_day=True)
    first = days.days[i]
    if not t.is_call:
        return Planned(first, first <= today)
    last = first
    while i < len(days.days) and days.days[i] <= t.due:
        last = days.days[i]
        if load[last] < capacity:
            return Planned(last, last <= today)
        i += 1
    # Every day left in the window is full with calls due no later: this one waits for its
    # last working day, the latest it is still on time (and then it is due today).
    return Planned(last, last <= today)


_ONE_DAY = dt.timedelta(days=1)
