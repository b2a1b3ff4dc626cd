"""Normalise and validate what clerks type and what old spreadsheets hold.

Pure functions; every message is the Chinese text shown at the field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Letters on plates never include I or O (confused with 1 and 0).
_L = "A-HJ-NP-Z"
_PLATE_PATTERNS = [
    # 7-character ordinary plate, e.g. 粤B12345, 粤BA1234
    re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{5}}$"),
    # 7-character plate ending in a special character: trailer, learner, police, HK/Macau
    re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{4}}[挂学警港澳]$"),
    # 8-character new-energy plate, small car: 粤BD12345, 粤BF1A234
    re.compile(rf"^[{PROVINCES}][{_L}][DF][{_L}0-9][0-9]{{4}}$"),
    # 8-character new-energy plate, large vehicle: 粤B12345D
    re.compile(rf"^[{PROVINCES}][{_L}][0-9]{{5}}[DF]$"),
]

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class ValidationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def fold(text: str | None) -> str:
    """Full-width to half-width, trimmed, inner runs of whitespace collapsed."""
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split())


def search_key(text: str | None) -> str:
    """The form search compares: half-width, lower case, no spaces or separators."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\s\-·.()（）]+", "", folded)


def normalize_plate(text: str | None) -> str:
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return re.sub(r"[\s\-·.•]+", "", folded)


def is_valid_plate(plate: str) -> bool:
    return any(p.match(plate) for p in _PLATE_PATTERNS)


def validate_plate(text: str | None, field: str = "plate") -> str:
    plate = normalize_plate(text)
    if not plate:
        raise ValidationError(field, "请填写车号。")
    if plate[0] not in PROVINCES:
        raise ValidationError(field, f"车号“{plate}”应以省份简称开头，例如 粤B12345。")
    if not is_valid_plate(plate):
        raise ValidationError(
            field,
            f"车号“{plate}”格式不对：普通车牌 7 位（粤B12345），新能源车牌 8 位（粤BD12345）。",
        )
    return plate


def normalize_phone(text: str | None) -> str:
    """Mobile: 11 digits. Landline: area code, number and extension split by '-'."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if folded.startswith("+86"):
        folded = folded[3:]
    groups = [g for g in (re.sub(r"\D", "", part) for part in re.split(r"[-—–]", folded)) if g]
    digits = "".join(groups)
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not digits.startswith("0"):
        return digits
    if len(groups) >= 2 and 3 <= len(groups[0]) <= 4:
        # Keep the clerk's own split between area code, number and extension.
        return "-".join(groups[:3])
    # 010 and 02x are the only 3-digit area codes; the others have 4 digits.
    area_len = 3 if digits[1:2] in ("1", "2") else 4
    area, rest = digits[:area_len], digits[area_len:]
    number, ext = rest[:8], rest[8:]
    return "-".join(p for p in (area, number, ext) if p)


def is_valid_phone(phone: str) -> bool:
    if _MOBILE.match(phone):
        return True
    parts = phone.split("-")
    return (
        len(parts) in (2, 3)
        and parts[0].startswith("0")
        and 3 <= len(parts[0]) <= 4
        and 7 <= len(parts[1]) <= 8
        and parts[1][0] != "0"
        and all(p.isdigit() for p in parts)
    )


# What Excel makes of a long number it was not told is text: 1.38123E+10 (the last digits gone).
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE][+]?\d+$")


def validate_phone(text: str | None, field: str = "phone", required: bool = True) -> str:
    if text is not None and _SCIENTIFIC.match(fold(str(text))):
        raise ValidationError(field, f"电话“{fold(str(text))}”已被 Excel 改成科学计数法，后几位数字"
                                     "已丢失：请把该列设为“文本”格式，重新填写号码。")
    phone = normalize_phone(text)
    if not phone and not fold(text):
        if required:
            raise ValidationError(field, "请填写联系电话。")
        return ""
    if not is_valid_phone(phone):
        raise ValidationError(
            field,
            f"电话“{fold(text)}”不对：手机号为 11 位数字（如 13812345678），"
            "座机须带区号（如 0755-12345678）。",
        )
    return phone


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object, field: str = "date", label: str = "日期") -> dt.date | None:
    """A date from a widget, a spreadsheet cell or text; None when blank."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serial day numbers up to 9999-12-31
            return check_year(EXCEL_EPOCH + dt.timedelta(days=int(value)), field, label)
        raise ValidationError(field, f"{label}“{value}”不是有效的日期。")
    text = fold(str(value))
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}\D\d{1,2}\D\d{1,2}\s+\d", text) else text
    m = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not m:
        raise ValidationError(
            field, f"{label}“{text}”看不懂，请写成 2026-03-05、2026/3/5 或 2026年3月5日。"
        )
    y, mo, d = (int(g) for g in m.groups())
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        raise ValidationError(field, f"{label}“{text}”不存在（请检查月份和日期）。") from None
    return check_year(day, field, label)


# A car service record lives in these years; 1899-12-31 is Excel's day zero, not a visit.
EARLIEST_YEAR, LATEST_YEAR = 1950, 2100


def check_year(day: dt.date, field: str, label: str) -> dt.date:
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValidationError(field, f"{label}“{day.isoformat()}”不合常理（应在 {EARLIEST_YEAR} 年"
                                     f"至 {LATEST_YEAR} 年之间）。")
    return day


# No count a clerk types comes near this; SQLite's integers end at 2**63.
LARGEST_NUMBER = 10**9


def parse_int(value: object, field: str, label: str, minimum: int = 0,
              maximum: int = LARGEST_NUMBER) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = fold(str(value)).replace(",", "").replace("，", "")
    text = re.sub(r"(公里|km|KM|千米)$", "", text).strip()
    if not text:
        return None
    try:
        number = int(float(text))
    except (ValueError, OverflowError):  # "abc", "inf", "1e999"
        raise ValidationError(field, f"{label}“{text[:20]}”应为数字。") from None
    if number < minimum:
        raise ValidationError(field, f"{label}不能小于 {minimum}。")
    if number > maximum:
        raise ValidationError(field, f"{label}“{text[:20]}”太大，不合常理。")
    return number


def parse_amount_fen(value: object, field: str = "amount", label: str = "金额") -> int | None:
    """Yuan (text or number) to fen, exactly."""
    if value is None:
        return None
    text = fold(str(value)).replace(",", "").replace("，", "")
    text = re.sub(r"^[¥￥]|元$", "", text).strip()
    if not text:
        return None
    m = re.match(r"^(\d{1,10})(?:\.(\d{1,2}))?$", text)  # up to 99 亿 yuan
    if not m:
        raise ValidationError(field, f"{label}“{text}”应为金额，例如 350 或 350.50。")
    return int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))


def check_pickup(intake: dt.date | None, pickup: dt.date | None) -> None:
    if intake is None:
        raise ValidationError("intake_date", "请填写送修/来访日期。")
    if pickup is not None and pickup < intake:
        raise ValidationError(
            "pickup_date", f"出厂日期 {pickup:%Y-%m-%d} 早于送修日期 {intake:%Y-%m-%d}。"
        )
