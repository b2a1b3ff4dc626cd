"""The center's calendar: holidays of any year, the entered notice, the work week, 顺延."""

import datetime as dt

import pytest

from app import rules as R
from app.rules import Window
from app.workdays import (
    COMPUTED,
    OFFICIAL,
    NoticeDay,
    WorkCalendar,
    check_notice,
)
from db.models import PublicDayKind

D = dt.date
OFF, WORK = PublicDayKind.OFF, PublicDayKind.WORK


def test_new_year_2027_is_a_day_off_though_no_notice_was_entered():
    cal = WorkCalendar()
    assert not cal.is_working_day(D(2027, 1, 1))
    assert cal.day_info(D(2027, 1, 1)).holiday_name == "元旦"
    assert cal.year_source(2027) == COMPUTED
    # a window [12-31, 01-04]: Thursday 12-31 works, 元旦 Friday does not, then the weekend
    assert cal.suggested_day(Window(D(2026, 12, 31), D(2027, 1, 4)), D(2027, 1, 1)) == D(2027, 1, 4)


def test_2026_follows_the_official_notice_with_its_make_up_workdays():
    cal = WorkCalendar()
    assert cal.year_source(2026) == OFFICIAL
    for sunday_or_saturday in (D(2026, 9, 20), D(2026, 10, 10)):
        info = cal.day_info(sunday_or_saturday)
        assert info.working and info.makeup_workday
    assert not cal.is_working_day(D(2026, 10, 7))


def test_a_window_wholly_inside_spring_festival_2027_moves_after_it_and_counts_on_time():
    cal = WorkCalendar()
    pickup = D(2027, 2, 3)  # Wednesday before 除夕
    window = R.first_followup_window(pickup)
    assert window == Window(D(2027, 2, 6), D(2027, 2, 10))  # all 春节 (computed)
    assert cal.first_working_day(window) is None
    assert cal.suggested_day(window, D(2027, 2, 4)) == D(2027, 2, 11)
    assert cal.deadline(window) == D(2027, 2, 11)
    assert cal.on_time(window, D(2027, 2, 11))
    assert not cal.on_time(window, D(2027, 2, 12))


def test_without_carry_over_the_holiday_window_closes_on_its_due_date():
    cal = WorkCalendar(carry_over=False)
    window = Window(D(2027, 2, 6), D(2027, 2, 10))
    assert cal.deadline(window) == window.due
    assert not cal.on_time(window, D(2027, 2, 11))
    assert cal.suggested_day(window, D(2027, 2, 4)) is None


def test_a_window_with_working_days_the_clerk_let_pass_is_not_carried_over():
    cal = WorkCalendar()
    window = Window(D(2027, 2, 3), D(2027, 2, 8))  # Wed, Thu work; 除夕 Fri onwards off
    assert cal.deadline(window) == window.due
    assert cal.suggested_day(window, D(2027, 2, 6)) is None
    assert cal.suggested_day(window, D(2027, 2, 3)) == D(2027, 2, 3)


def test_an_entered_notice_overrides_the_computed_year_and_moves_the_suggested_day():
    computed = WorkCalendar()
    window = Window(D(2027, 2, 6), D(2027, 2, 10))
    assert computed.suggested_day(window, D(2027, 2, 1)) == D(2027, 2, 11)
    notice = [NoticeDay(D(2027, 2, 5) + dt.timedelta(days=i), OFF, "春节") for i in range(8)]
    notice.append(NoticeDay(D(2027, 2, 20), WORK, "春节调休上班"))
    entered = WorkCalendar({d.day: d for d in notice})
    assert entered.year_source(2027) == OFFICIAL and entered.year_entered(2027)
    assert entered.suggested_day(window, D(2027, 2, 1)) == D(2027, 2, 15)  # Monday after
    assert entered.day_info(D(2027, 2, 20)).makeup_workday
    # the notice is the whole truth for its year: the library's 清明 stays out unless entered
    assert entered.is_working_day(D(2027, 4, 5))


def test_a_center_that_works_saturdays_gets_saturday_as_a_call_day():
    five = WorkCalendar()
    six = WorkCalendar(work_week=frozenset(range(6)))
    window = Window(D(2026, 12, 19), D(2026, 12, 21))  # Saturday … Monday
    assert five.suggested_day(window, D(2026, 12, 19)) == D(2026, 12, 21)
    assert six.suggested_day(window, D(2026, 12, 19)) == D(2026, 12, 19)
    assert not six.is_working_day(D(2026, 10, 3))  # 国庆 Saturday stays off


def test_the_suggested_day_starts_at_today_inside_the_window():
    cal = WorkCalendar()
    window = Window(D(2026, 12, 14), D(2026, 12, 18))
    assert cal.suggested_day(window, D(2026, 12, 16)) == D(2026, 12, 16)
    assert cal.suggested_day(window, D(2026, 12, 10)) == D(2026, 12, 14)


@pytest.mark.parametrize("year", range(2026, 2036))
def test_no_public_holiday_of_any_year_is_ever_suggested(year):
    import holidays

    cal = WorkCalendar()
    public = holidays.China(years=year)
    day = D(year, 1, 1)
    while day.year == year:
        suggested = cal.suggested_day(R.first_followup_window(day), day)
        assert suggested is None or suggested not in public, (day, suggested)
        day += dt.timedelta(days=1)


def test_provisional_years_are_the_computed_ones_in_range():
    cal = WorkCalendar({D(2028, 1, 1): NoticeDay(D(2028, 1, 1), OFF, "元旦")})
    assert cal.provisional_years(D(2026, 12, 1), D(2028, 3, 1)) == [2027]


def test_a_notice_with_a_date_twice_or_a_weekday_make_up_day_is_refused_line_by_line():
    problems = check_notice([
        (2, NoticeDay(D(2027, 1, 1), OFF, "元旦")),
        (3, NoticeDay(D(2027, 1, 1), OFF, "元旦")),
        (4, NoticeDay(D(2027, 2, 3), WORK, "")),  # a Wednesday
        (5, NoticeDay(D(2027, 2, 20), WORK, "")),  # a Saturday: fine
    ])
    assert [p.line for p in problems] == [3, 4]
    assert "重复" in problems[0].message and "星期三" in problems[1].message
