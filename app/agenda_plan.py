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
from typing import NamedTuple

from app.workdays import WorkCalendar


class PlanTask(NamedTuple):
    id: int
    owner_id: int | None
    window_start: dt.date
    due: dt.date
    is_call: bool = True  # takes one of the owner's calls of the day


class Planned(NamedTuple):
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
    by_owner: dict[int | None, list] = defaultdict(list)
    carry = calendar.carry_over
    for t in tasks:
        by_owner[t.owner_id].append((days.deadline(t, carry), t.due, t.window_start, t.id, t))
    out: dict[int, Planned] = {}
    for rows in by_owner.values():
        rows.sort(key=_order)  # earliest deadline first
        slots = _Slots(days, capacity)
        for deadline, _due, _start, tid, t in rows:
            if deadline < today:  # overdue: today, whatever the load
                planned = Planned(today, True, False, False, True)
            else:
                planned = _plan_one(t, deadline, days, slots, today)
            if t.is_call:
                slots.take(planned.suggested_day or today)
            out[tid] = planned
    return out


def _order(row: tuple) -> tuple:
    return row[:4]


class _WorkingDays:
    """The working days from `start` to well after `end`, in order, for quick look-ups."""

    def __init__(self, calendar: WorkCalendar, start: dt.date, end: dt.date):
        self.days: list[dt.date] = []
        day, last = start, end + dt.timedelta(days=400)  # room for a 顺延 past the end
        while day <= last:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += _ONE_DAY
        self.index = {d: i for i, d in enumerate(self.days)}

    def first_from(self, day: dt.date) -> int:
        """The index of the first working day on or after `day`."""
        return bisect_left(self.days, day)

    def deadline(self, t: PlanTask, carry_over: bool) -> dt.date:
        """As WorkCalendar.deadline: the due date, or after a window wholly off (顺延) the
        first working day after it."""
        i = self.first_from(t.window_start)
        if carry_over and i < len(self.days) and self.days[i] > t.due:
            return self.days[i]
        return t.due


class _Slots:
    """One owner's calls per working day; finds the first day with room in one step (the
    full days are skipped, as in a union-find over the days)."""

    def __init__(self, days: _WorkingDays, capacity: int):
        self.days, self.capacity = days, capacity
        self.load: dict[int, int] = defaultdict(int)
        self.skip: dict[int, int] = {}  # a full day → a later day that may have room

    def free_from(self, i: int) -> int:
        """The index of the first working day at or after index i with room."""
        path = []
        while i in self.skip:
            path.append(i)
            i = self.skip[i]
        for j in path:
            self.skip[j] = i
        return i

    def take(self, day: dt.date) -> None:
        i = self.days.index.get(day)
        if i is None:  # today off, or a day before the table: not a working day's slot
            return
        self.load[i] += 1
        if self.load[i] >= self.capacity:
            self.skip[i] = i + 1


def _plan_one(t: PlanTask, deadline: dt.date, days: _WorkingDays, slots: _Slots,
              today: dt.date) -> Planned:
    carried = deadline > t.due  # 顺延: the whole window is days off
    if deadline <= today:  # overdue, or its last day is today
        return Planned(today, True, carried and deadline == today, False, deadline < today)
    if carried:
        return Planned(deadline, False, True)
    i = days.first_from(max(today, t.window_start))
    if i >= len(days.days) or days.days[i] > t.due:
        return Planned(None, True, False, True)
    first = days.days[i]
    if not t.is_call:
        return Planned(first, first <= today)
    free = slots.free_from(i)
    if free < len(days.days) and days.days[free] <= t.due:
        day = days.days[free]
        return Planned(day, day <= today)
    # Every day left in the window is full with calls due no later: this one waits for its
    # last working day, the latest it is still on time (and then it is due today).
    last = days.days[bisect_left(days.days, t.due + _ONE_DAY) - 1]
    return Planned(last, last <= today)


_ONE_DAY = dt.timedelta(days=1)
