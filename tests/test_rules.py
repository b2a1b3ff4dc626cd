"""R1, R3, R4 and M as plain functions over dates: no database, no Qt."""

import datetime as dt

import pytest

from app import rules as R
from app.rules import RuleSettings, Window
from app.workdays import day_info, first_working_day, is_working_day, year_is_covered

D = dt.date


@pytest.mark.parametrize(
    ("pickup", "start", "due"),
    [
        (D(2026, 11, 20), D(2026, 11, 23), D(2026, 11, 27)),
        (D(2026, 1, 29), D(2026, 2, 1), D(2026, 2, 5)),  # across a month end
        (D(2026, 12, 28), D(2026, 12, 31), D(2027, 1, 4)),  # across a year end
        (D(2028, 2, 26), D(2028, 2, 29), D(2028, 3, 4)),  # opens on a leap day
        (D(2027, 2, 26), D(2027, 3, 1), D(2027, 3, 5)),  # no 29th in 2027
        (D(2026, 11, 22), D(2026, 11, 25), D(2026, 11, 29)),  # picked up on a Sunday
    ],
)
def test_first_followup_window_is_pickup_plus_3_to_7(pickup, start, due):
    assert R.first_followup_window(pickup) == Window(start, due)


def test_first_followup_counts_from_the_visit_without_a_car():
    assert R.followup_anchor(D(2026, 3, 5), None) == D(2026, 3, 5)
    assert R.followup_anchor(D(2026, 3, 5), D(2026, 3, 8)) == D(2026, 3, 8)


@pytest.mark.parametrize(
    ("first_call", "start", "due"),
    [
        (D(2026, 11, 25), D(2026, 12, 2), D(2026, 12, 9)),
        (D(2026, 12, 24), D(2026, 12, 31), D(2027, 1, 7)),
        (D(2028, 2, 15), D(2028, 2, 22), D(2028, 2, 29)),  # due on the leap day
    ],
)
def test_second_followup_window_is_first_call_plus_7_to_14(first_call, start, due):
    assert R.second_followup_window(first_call) == Window(start, due)


def test_day_counts_are_settings():
    rules = RuleSettings(first_call_from=1, first_call_to=2, second_call_from=3,
                         second_call_to=4, archive_days=1)
    assert R.first_followup_window(D(2026, 12, 31), rules) == Window(D(2027, 1, 1), D(2027, 1, 2))
    assert R.second_followup_window(D(2026, 12, 31), rules) == Window(D(2027, 1, 3),
                                                                      D(2027, 1, 4))
    assert R.archive_window(D(2026, 12, 31), rules).due == D(2027, 1, 1)
    with pytest.raises(ValueError):
        RuleSettings(first_call_from=8, first_call_to=7)
    with pytest.raises(ValueError):
        RuleSettings(archive_days=-1)


def test_campaign_and_escalation_day_counts_are_settings_with_the_texts_defaults():
    from app.settings import RULE_LABELS

    assert (R.DEFAULT_RULES.notice_lead_days, R.DEFAULT_RULES.notice_letter_days,
            R.DEFAULT_RULES.escalation_days) == (14, 2, 2)  # R6 两周 / 两日内, R5 两日内
    assert RULE_LABELS["notice_lead_days"] == ("活动电话通知：活动前", "天")
    assert RULE_LABELS["notice_letter_days"] == ("活动通知信函：电话通知后", "天")
    assert RULE_LABELS["escalation_days"] == ("要求/投诉上报主管期限", "天")
    assert RuleSettings(notice_lead_days=10).notice_lead_days == 10
    with pytest.raises(ValueError):
        RuleSettings(notice_lead_days=-1)


def test_archive_due_two_days_after_the_visit_and_lists_what_is_missing():
    assert R.archive_window(D(2026, 2, 27)).due == D(2026, 3, 1)
    assert R.archive_window(D(2028, 2, 27)).due == D(2028, 2, 29)
    missing = R.missing_archive_fields({"name": "张伟", "phone": "13812345678", "plate": "粤A1",
                                        "model": "朗逸"})
    assert missing == ["地址", "车种", "保养周期", "下一次保养期"]


@pytest.mark.parametrize(
    ("last", "months", "km", "pace", "expected"),
    [
        (D(2026, 8, 31), 6, None, None, D(2027, 2, 28)),  # month-end clamp
        (D(2027, 8, 29), 6, None, None, D(2028, 2, 29)),  # lands on a leap day
        (D(2026, 6, 30), 6, 5000, 50.0, D(2026, 10, 8)),  # 5000 km at 50 km/day: 100 days
        (D(2026, 6, 30), 6, 10000, 20.0, D(2026, 12, 30)),  # the months come first
        (D(2026, 6, 30), None, 5000, None, None),  # km cycle but no pace known
    ],
)
def test_next_maintenance_date(last, months, km, pace, expected):
    assert R.next_maintenance_date(last, months, km, pace) == expected


def test_pace_from_odometer_readings():
    assert R.km_per_day([(D(2026, 1, 1), 10000), (D(2026, 4, 11), 15000)]) == 50.0
    assert R.km_per_day([(D(2026, 1, 1), 10000)]) is None
    assert R.km_per_day([(D(2026, 1, 1), 10000), (D(2026, 1, 5), 10400)]) is None  # too short


def test_maintenance_first_service_and_insurance_windows():
    assert R.maintenance_window(D(2027, 1, 3)) == Window(D(2026, 12, 27), D(2027, 1, 3))
    assert R.insurance_window(D(2027, 3, 1)) == Window(D(2027, 1, 30), D(2027, 3, 1))
    assert R.first_service_due(D(2025, 11, 30)) == D(2026, 2, 28)
    assert R.first_service_window(D(2025, 11, 30)) == Window(D(2026, 2, 14), D(2026, 2, 28))


def test_warranty_and_urgency():
    assert R.under_warranty(D(2026, 5, 1), D(2026, 5, 1))
    assert not R.under_warranty(D(2026, 5, 2), D(2026, 5, 1))
    assert not R.under_warranty(D(2026, 5, 2), None)
    today = D(2026, 11, 27)
    windows = {
        "overdue 5": Window(D(2026, 11, 15), D(2026, 11, 22)),
        "overdue 1": Window(D(2026, 11, 19), D(2026, 11, 26)),
        "today": Window(D(2026, 11, 23), today),
        "in window": Window(D(2026, 11, 25), D(2026, 11, 30)),
        "future": Window(D(2026, 12, 1), D(2026, 12, 5)),
    }
    order = sorted(windows, key=lambda k: R.urgency(windows[k], today))
    assert order == ["overdue 5", "overdue 1", "today", "in window", "future"]


# ---------------------------------------------------------------- working days


def test_national_day_week_holds_no_working_day():
    assert year_is_covered(2026)
    window = R.first_followup_window(D(2026, 9, 28))  # [10-01, 10-05], all 国庆
    assert window == Window(D(2026, 10, 1), D(2026, 10, 5))
    assert first_working_day(window) is None
    assert day_info(D(2026, 10, 1)).holiday_name == "国庆节"


def test_the_first_working_day_skips_weekends_and_holidays():
    sunday_pickup = D(2026, 11, 22)
    # window [11-25 Wed, 11-29 Sun]: Wednesday is a working day
    assert first_working_day(R.first_followup_window(sunday_pickup)) == D(2026, 11, 25)
    assert first_working_day(Window(D(2026, 11, 28), D(2026, 11, 30))) == D(2026, 11, 30)
    # the window runs into the holiday and out of it: the first day after
    assert first_working_day(Window(D(2026, 10, 3), D(2026, 10, 9))) == D(2026, 10, 8)


def test_make_up_workday_counts_as_working():
    saturday = D(2026, 10, 10)  # 调休上班 after 国庆 2026
    assert saturday.weekday() == 5
    info = day_info(saturday)
    assert info.working and info.makeup_workday and info.known


def test_years_without_a_notice_compute_the_festivals_and_say_so():
    assert not year_is_covered(2031)
    info = day_info(D(2031, 10, 2))  # a Thursday: 国庆节 computed, make-up days unknown
    assert not info.working and info.holiday_name == "国庆节" and not info.known
    assert not is_working_day(D(2031, 10, 4))  # Saturday
