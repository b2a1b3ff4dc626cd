"""Spreading the suggested call days by a clerk's daily capacity: no database, plain dates."""

import datetime as dt

from app.agenda_plan import Planned, PlanTask, plan_days
from app.workdays import NoticeDay, WorkCalendar
from db.models import PublicDayKind

MON = dt.date(2026, 12, 14)  # a Monday in a plain working week
D = dt.timedelta
CAL = WorkCalendar()


def task(n, start, due, owner=1, call=True):
    return PlanTask(n, owner, start, due, call)


def days(plan):
    return {n: p.suggested_day for n, p in plan.items()}


def test_capacity_exactly_reached_keeps_all_today_and_the_next_one_moves_to_tomorrow():
    tasks = [task(n, MON - D(2), MON + D(4)) for n in range(1, 4)]
    plan = plan_days(tasks, CAL, 3, MON)
    assert set(days(plan).values()) == {MON}
    assert all(p.must_today for p in plan.values())
    plan = plan_days([*tasks, task(4, MON - D(2), MON + D(4))], CAL, 3, MON)
    assert plan[4] == Planned(MON + D(1), False)  # 可提前: Tuesday
    assert [plan[n].must_today for n in (1, 2, 3)] == [True, True, True]


def test_the_soonest_due_stay_today_and_later_due_tasks_move():
    # task 1 is due Friday, task 2 Wednesday: with one call a day the Wednesday one goes first
    plan = plan_days([task(1, MON, MON + D(4)), task(2, MON, MON + D(2))], CAL, 1, MON)
    assert days(plan) == {2: MON, 1: MON + D(1)}


def test_overdue_and_due_today_are_always_today_even_past_capacity():
    tasks = [task(1, MON - D(9), MON - D(3)), task(2, MON - D(5), MON),  # overdue, due today
             task(3, MON - D(5), MON), task(4, MON - D(1), MON + D(3))]
    plan = plan_days(tasks, CAL, 2, MON)
    assert [plan[n].must_today for n in (1, 2, 3)] == [True, True, True]
    assert {plan[n].suggested_day for n in (1, 2, 3)} == {MON}
    assert [plan[n].overdue for n in (1, 2, 3)] == [True, False, False]
    assert plan[4] == Planned(MON + D(1), False)  # today is already past its two calls


def test_a_window_ending_today_is_today_though_the_day_is_full():
    tasks = [task(n, MON - D(1), MON + D(1)) for n in range(1, 4)] + [task(9, MON - D(6), MON)]
    plan = plan_days(tasks, CAL, 2, MON)
    assert plan[9] == Planned(MON, True)  # processed first: its deadline is the soonest
    assert days(plan)[1] == MON and days(plan)[2] == MON + D(1) and days(plan)[3] == MON + D(1)


def test_a_holiday_in_the_window_is_skipped():
    off = {MON + D(1): NoticeDay(MON + D(1), PublicDayKind.OFF, "停电检修")}
    cal = WorkCalendar(off)
    tasks = [task(n, MON, MON + D(8)) for n in range(1, 4)]
    plan = plan_days(tasks, cal, 1, MON)
    assert days(plan) == {1: MON, 2: MON + D(2), 3: MON + D(3)}  # Tuesday is off
    # the weekend is skipped too: Thursday, Friday, then Monday
    plan = plan_days([task(n, MON, MON + D(8)) for n in range(1, 6)], cal, 1, MON)
    assert days(plan)[5] == MON + D(7)


def test_a_window_too_small_to_move_into_keeps_its_last_day():
    tasks = [task(n, MON - D(3), MON + D(1)) for n in range(1, 4)]  # Mon + Tue left
    plan = plan_days(tasks, CAL, 1, MON)
    # Monday and Tuesday are full with calls due as soon: the third waits for its last day,
    # still on time, rather than pushing today past its capacity
    assert days(plan) == {1: MON, 2: MON + D(1), 3: MON + D(1)}
    assert not plan[3].must_today
    # a window ending today is due today: today whatever the load
    assert plan_days([*tasks, task(4, MON - D(3), MON)], CAL, 1, MON)[4] == Planned(MON, True)
    # a window ending Friday with the whole week full waits for Friday, never the weekend
    full = [task(n, MON, MON + D(6)) for n in range(1, 8)]
    planned = days(plan_days(full, CAL, 1, MON))
    assert [planned[n] for n in range(1, 8)] == [MON + D(n) for n in range(5)] + [MON + D(4)] * 2


def test_when_today_is_the_last_working_day_of_a_full_window_it_stays_today():
    fri = MON + D(4)
    tasks = [task(1, fri - D(9), fri - D(1)), task(2, fri - D(2), fri + D(2))]  # due Sunday
    plan = plan_days(tasks, CAL, 1, fri)
    assert plan[1].overdue and plan[2] == Planned(fri, True)  # nothing later but the weekend


def test_a_window_wholly_on_days_off_is_carried_to_the_next_working_day():
    sat = MON + D(5)
    plan = plan_days([task(1, sat, sat + D(1))], CAL, 30, MON)
    assert plan[1] == Planned(MON + D(7), False, carried_over=True)
    # seen on that Monday it is due today
    assert plan_days([task(1, sat, sat + D(1))], CAL, 30, MON + D(7))[1].must_today
    # without 顺延 the window just closes on Sunday
    seen_saturday = plan_days([task(1, sat - D(3), sat + D(1))], WorkCalendar(carry_over=False),
                              30, sat)
    assert seen_saturday[1] == Planned(None, True, no_working_day=True)


def test_each_clerk_has_their_own_capacity_and_non_calls_take_no_slot():
    tasks = [task(1, MON, MON + D(4), owner=1), task(2, MON, MON + D(4), owner=2),
             task(3, MON, MON + D(4), owner=1, call=False), task(4, MON, MON + D(4), owner=1)]
    plan = plan_days(tasks, CAL, 1, MON)
    assert days(plan) == {1: MON, 2: MON, 3: MON, 4: MON + D(1)}


def test_the_default_capacity_is_thirty_and_a_stored_zero_is_refused():
    import pytest

    from app.rules import RuleSettings

    assert RuleSettings().daily_calls == 30
    with pytest.raises(ValueError):
        RuleSettings(daily_calls=0)
    tasks = [task(n, MON, MON + D(29)) for n in range(1, 95)]  # a 续保 window, 94 calls
    plan = plan_days(tasks, CAL, RuleSettings().daily_calls, MON)
    per_day = {}
    for p in plan.values():
        per_day[p.suggested_day] = per_day.get(p.suggested_day, 0) + 1
    assert per_day == {MON: 30, MON + D(1): 30, MON + D(2): 30, MON + D(3): 4}
