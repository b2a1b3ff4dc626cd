import datetime as dt

import pytest

from app.dates import add_months
from app.normalize import (
    ValidationError,
    check_pickup,
    parse_amount_fen,
    parse_date,
    parse_int,
    search_key,
    validate_phone,
    validate_plate,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese IME
        ("+86 138-1234-5678", "13812345678"),
        ("0755-12345678", "0755-12345678"),
        ("075512345678", "0755-12345678"),
        ("010 8888 7777", "010-88887777"),
        ("02112345678", "021-12345678"),
        ("0755-1234567-801", "0755-1234567-801"),  # extension kept
    ],
)
def test_valid_phones_are_stored_in_one_form(typed, stored):
    assert validate_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["1381234567", "138123456789", "12812345678", "12345678", "0755-123", "abc"]
)
def test_bad_phones_say_what_a_phone_looks_like(typed):
    with pytest.raises(ValidationError) as e:
        validate_phone(typed)
    assert e.value.field == "phone"
    assert "11 位" in e.value.message and "区号" in e.value.message


def test_blank_phone_is_required_unless_optional():
    with pytest.raises(ValidationError, match="请填写联系电话"):
        validate_phone("  ")
    assert validate_phone("", required=False) == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("粤A12345", "粤A12345"),
        ("粤a 12345", "粤A12345"),
        ("粤Ａ·１２３４５", "粤A12345"),  # full-width letters and a middle dot
        ("京A8888Q", "京A8888Q"),
        ("粤AD12345", "粤AD12345"),  # 8-character new-energy, small car
        ("粤AFA1234", "粤AFA1234"),
        ("粤A12345D", "粤A12345D"),  # 8-character new-energy, large vehicle
        ("粤B1234挂", "粤B1234挂"),
    ],
)
def test_valid_plates(typed, stored):
    assert validate_plate(typed) == stored


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("A12345", "省份"),
        ("粤A1234", "7 位"),
        ("粤AI2345", "格式"),  # the letter I never appears on plates
        ("粤AX12345", "8 位"),  # 8 characters but not a new-energy pattern
        ("粤A123456", "格式"),
        ("", "请填写车号"),
    ],
)
def test_bad_plates_explain(typed, hint):
    with pytest.raises(ValidationError) as e:
        validate_plate(typed)
    assert hint in e.value.message


@pytest.mark.parametrize(
    "typed",
    ["2026-03-05", "2026/3/5", "2026.3.5", "2026年3月5日", "２０２６年３月５日", " 2026-3-5 ",
     "20260305", "2026-03-05 00:00:00", 46086, dt.datetime(2026, 3, 5, 9, 30)],
)
def test_dates_in_every_form_clerks_write(typed):
    assert parse_date(typed) == dt.date(2026, 3, 5)


def test_leap_day_and_impossible_dates():
    assert parse_date("2028-02-29") == dt.date(2028, 2, 29)
    with pytest.raises(ValidationError, match="不存在"):
        parse_date("2026-02-29")
    with pytest.raises(ValidationError, match="不存在"):
        parse_date("2026-04-31")
    with pytest.raises(ValidationError, match="看不懂"):
        parse_date("下周三")
    assert parse_date("") is None and parse_date(None) is None


def test_pickup_not_before_intake():
    check_pickup(dt.date(2026, 12, 31), dt.date(2026, 12, 31))
    check_pickup(dt.date(2026, 12, 31), dt.date(2027, 1, 2))
    with pytest.raises(ValidationError) as e:
        check_pickup(dt.date(2027, 1, 1), dt.date(2026, 12, 31))
    assert e.value.field == "pickup_date" and "早于" in e.value.message


def test_numbers_and_money():
    assert parse_int("１２，３４５ 公里", "m", "里程") == 12345
    assert parse_int(15000.0, "m", "里程") == 15000
    assert parse_amount_fen("￥350.5") == 35050
    assert parse_amount_fen("1,200") == 120000
    assert parse_amount_fen("") is None
    with pytest.raises(ValidationError, match="金额"):
        parse_amount_fen("三百")
    with pytest.raises(ValidationError, match="不能小于"):
        parse_int("-5", "m", "里程")


def test_search_key_ignores_case_spaces_and_width():
    assert search_key(" 粤Ｂ １２ab ") == "粤b12ab"
    assert search_key("0755-1234") == "07551234"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected
