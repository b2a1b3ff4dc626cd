"""Center-wide settings stored in the database: the rule day counts, the center's name."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rules import RuleSettings
from db.models import Setting

RULE_PREFIX = "rules."

# What each day count means, for the settings dialog (field → label, unit).
RULE_LABELS: dict[str, tuple[str, str]] = {
    "archive_days": ("建立客户档案期限（送修/来访后）", "天"),
    "first_call_from": ("第一次跟踪：出厂后最早", "天"),
    "first_call_to": ("第一次跟踪：出厂后最迟", "天"),
    "second_call_from": ("第二次跟踪：第一次通话后最早", "天"),
    "second_call_to": ("第二次跟踪：第一次通话后最迟", "天"),
    "maintenance_lead_days": ("保养提醒：提前", "天"),
    "first_service_months": ("首保：购车后", "个月"),
    "first_service_km": ("首保里程", "公里"),
    "first_service_lead_days": ("首保提醒：提前", "天"),
    "insurance_lead_days": ("续保提醒：保险到期前", "天"),
    "new_car_months": ("新车（需首保提醒）：购车后", "个月内"),
    "backfill_days": ("导入旧记录时：补建多少天内到期的任务", "天"),
    "notice_lead_days": ("活动电话通知：活动前", "天"),
    "notice_letter_days": ("活动通知信函：电话通知后", "天"),
    "escalation_days": ("要求/投诉上报主管期限", "天"),
    "pickup_missing_days": ("送修后仍未填出厂日期：提醒补填", "天后"),
    "lost_customer_months": ("流失客户：最近一次来访后", "个月未回厂"),
    "lost_call_days": ("流失回访：须在几天内打完", "天"),
    "daily_calls": ("每位业务员每天拨打电话（按此分摊建议拨打日）", "个"),
}


def load_rules(s: Session) -> RuleSettings:
    stored = {
        row.key.removeprefix(RULE_PREFIX): json.loads(row.value)
        for row in s.scalars(select(Setting).where(Setting.key.like(f"{RULE_PREFIX}%")))
    }
    known = {f.name for f in dataclasses.fields(RuleSettings)}
    try:
        return RuleSettings(**{k: v for k, v in stored.items() if k in known})
    except (TypeError, ValueError):
        return RuleSettings()  # a hand-edited bad value must not stop the program


def save_rules(s: Session, rules: RuleSettings) -> None:
    for key, value in dataclasses.asdict(rules).items():
        row = s.get(Setting, RULE_PREFIX + key)
        if row is None:
            s.add(Setting(key=RULE_PREFIX + key, value=json.dumps(value)))
        else:
            row.value = json.dumps(value)


CENTER_KEYS = {"name": "center.name", "address": "center.address", "phone": "center.phone"}
CENTER_DEFAULTS = {"name": "汽车维修服务中心", "address": "", "phone": ""}
UNREACHABLE_KEY = "calls.unreachable_after"
# The binding (punch) margin of the printed forms, in mm, on the bound edge: the left edge of
# portrait forms, the top edge of landscape registers (GB/T 9704: a landscape table's head
# goes to the binding edge). Holes sit ~12 mm from the edge.
BINDING_KEY = "print.binding_mm"
BINDING_DEFAULT = 25
BINDING_RANGE = (0, 40)


def load_center(s: Session) -> dict[str, str]:
    """The center's letterhead: name, address, phone (printed on letters and forms)."""
    out = dict(CENTER_DEFAULTS)
    for field, key in CENTER_KEYS.items():
        row = s.get(Setting, key)
        if row is not None:
            out[field] = json.loads(row.value)
    return out


def center_is_placeholder(center: dict[str, str]) -> bool:
    """The center's name was never set: forms would print the generic default."""
    return center.get("name", "").strip() in ("", CENTER_DEFAULTS["name"])


def check_center(name: str, address: str = "",
                 phone: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """The letterhead as typed → (cleaned values, errors by field: center_name, center_phone).
    The name is required; the phone is checked as the archive checks phones (a 400/800
    service number too); both may be left out of a first draft but not printed empty."""
    from app.normalize import ValidationError, fold, validate_phone

    errors: dict[str, str] = {}
    name, address = " ".join(name.split()), " ".join(address.split())  # （） stay full-width
    if not name:
        errors["center_name"] = "请填写中心名称（印在每封信函和登记表的抬头）。"
    typed = fold(phone)
    digits = "".join(ch for ch in typed if ch.isdigit())
    if typed and len(digits) == 10 and digits[:3] in ("400", "800"):
        phone = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    else:
        try:
            phone = validate_phone(phone, "center_phone", required=False)
        except ValidationError as e:
            errors[e.field] = e.message
    return {"name": name, "address": address, "phone": phone}, errors


def clean_center(name: str, address: str = "", phone: str = "") -> dict[str, str]:
    """check_center(), raising ValidationError for the first bad field."""
    from app.normalize import ValidationError

    values, errors = check_center(name, address, phone)
    for field, message in errors.items():
        raise ValidationError(field, message)
    return values


def save_center(s: Session, **values: str) -> None:
    for field, value in values.items():
        key = CENTER_KEYS[field]
        row = s.get(Setting, key)
        if row is None:
            s.add(Setting(key=key, value=json.dumps(value.strip())))
        else:
            row.value = json.dumps(value.strip())


def load_int(s: Session, key: str, default: int) -> int:
    row = s.get(Setting, key)
    try:
        return int(json.loads(row.value)) if row is not None else default
    except (TypeError, ValueError):
        return default


def save_int(s: Session, key: str, value: int) -> None:
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=json.dumps(int(value))))
    else:
        row.value = json.dumps(int(value))


# A visit whose 维修养护项目 names one of these words is a maintenance (保养) visit.
MAINTENANCE_WORDS_KEY = "visits.maintenance_words"
DEFAULT_MAINTENANCE_WORDS: tuple[str, ...] = (
    "首保", "二保", "三保", "保养", "机油", "机滤", "更换机油机滤", "空滤", "汽滤",
)


def load_maintenance_words(s: Session) -> tuple[str, ...]:
    """The words that make a visit a maintenance visit (a setting; the default above)."""
    row = s.get(Setting, MAINTENANCE_WORDS_KEY)
    try:
        words = json.loads(row.value) if row is not None else None
    except (TypeError, ValueError):
        words = None
    if not isinstance(words, list):
        return DEFAULT_MAINTENANCE_WORDS
    return tuple(w.strip() for w in words if isinstance(w, str) and w.strip())


def save_maintenance_words(s: Session, words) -> None:
    value = json.dumps([w.strip() for w in words if w and w.strip()], ensure_ascii=False)
    row = s.get(Setting, MAINTENANCE_WORDS_KEY)
    if row is None:
        s.add(Setting(key=MAINTENANCE_WORDS_KEY, value=value))
    else:
        row.value = value
