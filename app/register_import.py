"""Import the old paper-form registers: 跟踪服务电话登记表 (calls) and 跟踪服务信函登记表 (letters).

A register sheet is told from an archive sheet by its headers (通话要点, 处理结果, 发函日期, 事由,
寄送方式 …). Each line becomes a call or a letter of a customer already in the archive: a call is
found by its phone or plate, a letter by its phone, plate or name. As with the archive import,
every non-blank row is imported, found to exist already ("merged": 已存在，未重复导入) or
rejected with a reason, and the whole import is one transaction (dry run and cancel save nothing).

Calls go through ContactService.log_call and letters through LetterService.register, inside the
import's own session, so an imported follow-up call closes its first_followup task and opens the
second follow-up (R4) exactly as a call logged by hand does. Call rows are applied in date order
(a register written newest first still closes the first follow-up with the first call).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app import clock
from app.archive import ARCHIVE_COUNTER, format_archive_no
from app.contacts import CALL_TYPES, NO_ANSWER, CallInput, ContactService
from app.importer import (
    BATCH,
    HEADER_SCAN_ROWS,
    OUTCOME_LABELS,
    ImportCancelled,
    ImportReport,
    RowOutcome,
    _column_letter,
    _find_header,
    _is_blank,
    _text,
    header_key,
)
from app.letters import WAYS, LetterDraft, LetterService
from app.normalize import (
    ValidationError,
    fold,
    normalize_phone,
    parse_date,
    validate_phone,
    validate_plate,
)
from app.settings import load_rules
from app.sheets import read_csv, read_xlsx
from app.store import Store
from db.models import (
    Call,
    Counter,
    Customer,
    Letter,
    Staff,
    Task,
    TaskKind,
    TaskStatus,
    Vehicle,
    Visit,
    utcnow,
)

CALL_REGISTER = "call"
LETTER_REGISTER = "letter"
REGISTER_TITLES = {CALL_REGISTER: "跟踪服务电话登记表", LETTER_REGISTER: "跟踪服务信函登记表"}
NO_CUSTOMER = "找不到客户（电话/车号都对不上）"
NO_LETTER_CUSTOMER = "找不到客户（电话、车号、客户名称都对不上）"
ALREADY_THERE = "已存在，未重复导入"
SECOND_CALL_EARLY_DAYS = 3

# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class RegisterColumn:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    # Headers that only a register has: one of them (with a date) makes a sheet a register.
    strong: tuple[str, ...] = ()


_NAME = ("客户姓名", "姓名", "客户", "车主", "客户名", "车主姓名", "车主名称", "单位名称",
         "客户单位", "名称")
_PHONE = ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "客户电话", "车主电话",
          "联系手机")
_PLATE = ("车牌", "车牌号", "车牌号码", "号牌", "号牌号码", "车辆号牌")
_CLERK = ("经手人", "业务员", "跟踪业务员", "跟踪人", "跟踪员", "接听人", "经办", "承办人",
          "记录人", "登记人", "发函人")
_SERIAL = RegisterColumn("serial", "序号", ("编号", "no", "no."))
_NOTE = RegisterColumn("note", "备注", ("说明", "备注说明"))

CALL_COLUMNS: tuple[RegisterColumn, ...] = (
    _SERIAL,
    RegisterColumn("date", "日期", ("日期",), (
        "通话日期", "来电日期", "致电日期", "去电日期", "电话日期", "跟踪日期", "回访日期")),
    RegisterColumn("time", "时间", ("时间", "时刻"), (
        "通话时间", "来电时间", "致电时间", "去电时间")),
    RegisterColumn("name", "客户名称", _NAME, ("来电人", "来电单位")),
    RegisterColumn("plate", "车号", _PLATE),
    RegisterColumn("phone", "联系电话", _PHONE, ("来电号码", "来电电话", "通话号码")),
    RegisterColumn("call_type", "类别", ("类型",), (
        "通话类别", "电话类别", "通话类型", "电话类型", "来电类别")),
    # A bare 内容 is kept weak: an archive sheet may hold a column of that name.
    RegisterColumn("key_points", "通话要点", ("内容",), (
        "通话要点摘要", "通话内容", "内容摘要", "通话摘要", "要点", "谈话要点", "通话记录",
        "通话内容摘要", "要点摘要")),
    RegisterColumn("result", "处理结果", ("结果", "处理", "处理意见"), (
        "处理情况", "处理方式", "答复情况", "处理结论")),
    RegisterColumn("satisfaction", "满意度", ("满意程度", "是否满意"), ("客户满意度",)),
    RegisterColumn("clerk", "经办人", _CLERK),
    _NOTE,
)

LETTER_COLUMNS: tuple[RegisterColumn, ...] = (
    _SERIAL,
    RegisterColumn("date", "发函日期", ("日期",), (
        "寄出日期", "发信日期", "寄发日期", "发出日期", "寄信日期", "邮寄日期", "发送日期")),
    RegisterColumn("name", "客户名称", _NAME, ("收件人", "收信人", "收函单位", "收函人")),
    RegisterColumn("address", "地址", ("联系地址", "通讯地址", "客户地址", "住址", "单位地址"), (
        "收件地址", "邮寄地址", "寄送地址")),
    RegisterColumn("kind", "信函类别", ("类别", "类型"), (
        "信函类型", "函件类别", "函件类型", "信函种类", "信函")),
    RegisterColumn("subject", "事由", ("主题", "事项", "标题", "内容"), (
        "信函内容", "信函主题", "发函事由")),
    RegisterColumn("way", "寄送方式", ("方式",), (
        "发送方式", "寄发方式", "邮寄方式", "送达方式", "寄出方式", "寄递方式")),
    RegisterColumn("clerk", "经办人", _CLERK),
    RegisterColumn("phone", "联系电话", _PHONE),
    RegisterColumn("plate", "车号", _PLATE),
    _NOTE,
)
COLUMNS = {CALL_REGISTER: CALL_COLUMNS, LETTER_REGISTER: LETTER_COLUMNS}


def _alias_table(columns: tuple[RegisterColumn, ...]) -> dict[str, tuple[str, bool]]:
    table: dict[str, tuple[str, bool]] = {}
    for c in columns:
        for name in (c.label, *c.aliases):
            table.setdefault(header_key(name), (c.key, False))
        for name in c.strong:
            table[header_key(name)] = (c.key, True)
    # The form's own label is distinctive where nothing else in the archive uses it.
    for strong in ("通话要点", "处理结果", "满意度", "发函日期", "信函类别", "事由", "寄送方式"):
        if header_key(strong) in table:
            key, _ = table[header_key(strong)]
            table[header_key(strong)] = (key, True)
    return table


_TABLES = {kind: _alias_table(cols) for kind, cols in COLUMNS.items()}


def recognise_register_header(kind: str, text: object) -> tuple[str, bool] | None:
    """(column key, distinctive?) of a header in a call or letter register, or None."""
    key = header_key(text)
    if not key:
        return None
    table = _TABLES[kind]
    if key in table:
        return table[key]
    return table.get(re.sub(r"[(（].*?[)）]$", "", key))


def _map_row(kind: str, row: tuple) -> tuple[dict[str, int], int]:
    found: dict[str, int] = {}
    strong = 0
    for i, value in enumerate(row):
        hit = recognise_register_header(kind, value)
        if hit is None or hit[0] in found:
            continue
        found[hit[0]] = i
        strong += hit[1]
    return found, strong


def _is_header(kind: str, found: dict[str, int], strong: int) -> bool:
    if "date" not in found or not ({"name", "phone", "plate"} & found.keys()):
        return False
    if kind == CALL_REGISTER:
        # 时间 and 处理结果 together say "call register" even without a distinctive spelling.
        return strong >= 1 or {"time", "result"} <= found.keys()
    return strong >= 1 or {"kind", "way"} <= found.keys()


def find_register_header(first_rows: list[tuple[int, tuple]]
                         ) -> tuple[str, int, dict[str, int]] | None:
    """(register kind, row index, columns) of the first rows, or None if no register header."""
    best: tuple[int, int, str, int, dict[str, int]] | None = None
    for index, (_, row) in enumerate(first_rows):
        for kind in (CALL_REGISTER, LETTER_REGISTER):
            found, strong = _map_row(kind, row)
            if not _is_header(kind, found, strong):
                continue
            score = (strong, len(found))
            if best is None or score > (best[0], best[1]):
                best = (strong, len(found), kind, index, found)
    if best is None:
        return None
    return best[2], best[3], best[4]


# ---------------------------------------------------------------- reading


@dataclass
class RegisterSheet:
    kind: str
    name: str
    headers: dict[int, str]
    columns: dict[str, int]
    mapped: list[tuple[str, str]]
    ignored: list[str]
    rows: list[tuple[int, tuple]]


def _sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, tuple]]]] | None:
    if not path.is_file():
        return None
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return read_csv(path)
    return None


def _build(kind: str, index: int, columns: dict[str, int], name: str,
           first: list[tuple[int, tuple]], rest: Iterator[tuple[int, tuple]]) -> RegisterSheet:
    header_row = first[index][1]
    headers = {i: fold(str(v)).rstrip(":：*").strip() or fold(str(v))
               for i, v in enumerate(header_row) if not _is_blank(v)}
    data = first[index + 1:] + list(rest)
    labels = {c.key: c.label for c in COLUMNS[kind]}
    mapped, ignored = [], []
    by_col = {col: key for key, col in columns.items()}
    for i, text in headers.items():
        if i in by_col:
            label = labels[by_col[i]]
            if by_col[i] == "serial":
                label += "（仅供参考，不导入）"
            mapped.append((text, label))
        elif recognise_register_header(kind, text):
            ignored.append(f"{text}（重复）")
        else:
            ignored.append(text)
    width = max((len(r) for _, r in data), default=0)
    for i in range(width):
        if i not in headers and any(i < len(r) and not _is_blank(r[i]) for _, r in data):
            ignored.append(f"第 {_column_letter(i)} 列（无列名）")
    header_values = [header_key(v) for v in header_row]
    serial = columns.get("serial")
    kept = []
    for number, row in data:
        # A register printed with numbered blank lines: 序号 alone is not a call.
        if all(_is_blank(v) for i, v in enumerate(row) if i != serial):
            continue
        if [header_key(v) for v in row[: len(header_values)]] == header_values:
            continue  # the header repeated on each printed page
        kept.append((number, row))
    return RegisterSheet(kind, name, headers, columns, mapped, ignored, kept)


def read_register(path: Path) -> RegisterSheet | None:
    """The first sheet, if it is a call or letter register; None for an archive sheet.

    Sheets are taken in order, as the archive import does: an archive sheet before the
    register leaves the file to the archive import. Unreadable files are the archive
    import's to report (None), except a broken workbook (ImportFormatError).
    """
    path = Path(path)
    sheets = _sheets(path)
    if sheets is None:
        return None
    try:
        for name, rows in sheets:
            first: list[tuple[int, tuple]] = []
            for item in rows:
                first.append(item)
                if len(first) >= HEADER_SCAN_ROWS:
                    break
            found = find_register_header(first)
            if found is not None:
                kind, index, columns = found
                return _build(kind, index, columns, name, first, rows)
            if _find_header(first) is not None:
                return None
    finally:
        sheets.close()
    return None


def detect(path: Path) -> str | None:
    """'call', 'letter' or None (not a register: the archive import's file)."""
    sheet = read_register(Path(path))
    return sheet.kind if sheet else None


# ---------------------------------------------------------------- report


REGISTER_OUTCOME_LABELS = {"imported": "导入", "merged": "已存在", "rejected": "拒绝"}


@dataclass(frozen=True)
class RegisterLine(RowOutcome):
    @property
    def outcome_label(self) -> str:
        return REGISTER_OUTCOME_LABELS.get(self.outcome, OUTCOME_LABELS[self.outcome])


@dataclass
class RegisterReport(ImportReport):
    """The archive import's report, worded for a register: calls or letters, not customers."""

    register: str = CALL_REGISTER

    @property
    def title(self) -> str:
        return REGISTER_TITLES[self.register]

    def summary_text(self) -> str:
        what = "通话记录" if self.register == CALL_REGISTER else "信函"
        if self.rows == 0:
            text = f"{self.title}中没有可导入的数据行。"
        else:
            text = (f"{self.title}共 {self.rows} 行：导入{what} {self.imported} 条，"
                    f"已存在（未重复导入）{self.merged} 行，拒绝 {self.rejected} 行。")
            if self.rejected:
                text += "被拒绝的行没有导入，原因见逐行结果，改正后可再次导入同一文件。"
        text += f"识别了 {len(self.mapped)} 列"
        if self.ignored:
            text += f"，未使用 {len(self.ignored)} 列（{'、'.join(self.ignored)}）"
        return text + "。"


# ---------------------------------------------------------------- cells


class _Rejected(Exception):
    pass


class _DryRun(Exception):
    pass


_TIME = re.compile(r"^(上午|下午|晚上|中午|早上)?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?"
                   r"(?:\s*[:：]\s*(\d{1,2})\s*秒?)?$")


def parse_time(value: object, label: str = "时间") -> dt.time | None:
    """14:30, 14:30:00, 14时30分, 下午2:30, an Excel time or a fraction of a day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 0 <= value < 1:
            seconds = round(value * 86400)
            return dt.time(seconds // 3600 % 24, seconds // 60 % 60)
        if isinstance(value, int) or float(value).is_integer():
            number = int(value)
            if 0 <= number <= 23:
                return dt.time(number)
            if 100 <= number <= 2359 and number % 100 < 60:
                return dt.time(number // 100, number % 100)
        raise ValidationError("time", f"{label}“{value}”看不懂，请写成 14:30。")
    text = fold(str(value)).replace(" ", "")
    if not text:
        return None
    m = _TIME.match(text)
    if not m:
        raise ValidationError("time", f"{label}“{text}”看不懂，请写成 14:30。")
    part, hour, minute, second = m.groups()
    h, mi, sec = int(hour), int(minute or 0), int(second or 0)
    if part in ("下午", "晚上") and h < 12:
        h += 12
    if part == "中午" and h < 11:
        h += 12
    if h > 23 or mi > 59 or sec > 59:
        raise ValidationError("time", f"{label}“{text}”不存在。")
    return dt.time(h, mi, sec)


def _date_and_time(value: object, label: str) -> tuple[dt.date | None, dt.time | None]:
    """A date cell, which sometimes carries the time too (2026-03-05 14:30)."""
    if isinstance(value, dt.datetime):
        t = value.time()
        return value.date(), (t.replace(microsecond=0) if t != dt.time() else None)
    if isinstance(value, str):
        text = fold(value)
        m = re.match(r"^(\S+)\s+(\d{1,2}[:：时]\d{1,2}.*)$", text)
        if m:
            day = parse_date(m.group(1), "date", label)
            return day, parse_time(m.group(2), label)
        return parse_date(text, "date", label), None
    return parse_date(value, "date", label), None


def _key(text: str) -> str:
    return re.sub(r"[\s,，.。;；:：、!！?？\-—~～()（）]", "", fold(text)).lower()


def call_type_of(text: str) -> str:
    """The register's 类别 as a call type: 跟踪/回访→followup … anything else → other."""
    t = _key(text)
    if not t:
        return "other"
    if "投诉" in t:
        return "complaint"
    if "跟踪" in t or "回访" in t:
        return "followup"
    if "咨询" in t:
        return "consultation"
    if "答复" in t or "回复" in t:
        return "reply"
    if "通知" in t:
        return "notice"
    return "other"


_UNSATISFIED = re.compile(r"不(太|很|够|是很|大)?满意")


def satisfaction_of(text: str) -> str:
    t = _key(text)
    if not t:
        return ""
    if _UNSATISFIED.search(t):
        return "unsatisfied"
    if "基本满意" in t or "一般" == t or "比较满意" in t:
        return "basic"
    if "满意" in t:
        return "satisfied"
    return ""


_NO_ANSWER = (
    ("关机", "powered_off"), ("空号", "invalid_number"), ("停机", "invalid_number"),
    ("号码错误", "invalid_number"), ("错号", "invalid_number"),
    ("未接通", "no_answer"), ("无人接听", "no_answer"), ("无人接", "no_answer"),
    ("没人接", "no_answer"), ("未接", "no_answer"), ("占线", "no_answer"),
    ("拒接", "no_answer"), ("不在服务区", "no_answer"), ("打不通", "no_answer"),
)


def no_answer_of(result: str, key_points: str) -> str:
    """The NO_ANSWER reason when the line says nobody was reached, else ''."""
    text = _key(result) or _key(key_points)
    for word, reason in _NO_ANSWER:
        if text.startswith(word):
            other = _key(key_points) if _key(result) else ""
            if not other or other.startswith(word) or other == text:
                return reason
    return ""


def letter_kind_of(text: str) -> str | None:
    t = _key(text)
    if "邀请" in t:
        return "invitation"
    if "答复" in t or "回复" in t or "复函" in t:
        return "reply"
    if "通知" in t or "提醒" in t:
        return "notice"
    return None


_WAYS = (
    ("electronic", ("电子", "短信", "微信", "邮件", "email", "e-mail", "电邮", "传真", "qq")),
    ("hand", ("面交", "当面", "专人", "亲送", "上门", "自取", "送达", "亲自")),
    ("mail", ("邮寄", "挂号", "快递", "平信", "邮政", "ems", "寄出", "信件")),
)


def way_of(text: str) -> str | None:
    t = _key(text)
    for way, words in _WAYS:
        if any(w in t for w in words):
            return way
    return None


def _free_text(value: object) -> str:
    """A clerk's sentence as written: Chinese punctuation kept, each line trimmed."""
    lines = _text(value).replace("\r\n", "\n").replace("\u3000", " ").split("\n")
    return "\n".join(line.strip() for line in lines).strip()


def _digits(phone: str) -> str:
    return phone.replace("-", "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- the session as a store


class _InSession:
    """Hands the import's one session to ContactService / LetterService as their store.

    Their session() commits a unit of work; here it only flushes, so every row joins the
    import's transaction (dry run and cancel roll all of it back). actor_id is the row's
    经办人: the services record it as the clerk of the call or letter.
    """

    def __init__(self, s: Session, actor_id: int | None):
        self.s = s
        self.actor_id = actor_id
        self.engine = s.get_bind()

    @contextmanager
    def session(self) -> Iterator[Session]:
        yield self.s
        self.s.flush()

    @contextmanager
    def read(self) -> Iterator[Session]:
        yield self.s


# ---------------------------------------------------------------- shared row machinery


@dataclass
class _Parsed:
    number: int
    row: tuple
    name: str = ""
    phones: list[str] = field(default_factory=list)
    bad_phones: list[str] = field(default_factory=list)
    plate: str = ""
    day: dt.date | None = None
    time: dt.time | None = None
    clerk_id: int | None = None
    clerk_unknown: str = ""
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    # calls
    call_type: str = "other"
    key_points: str = ""
    result: str = ""
    satisfaction: str = ""
    no_answer: str = ""
    # letters
    address: str = ""
    letter_kind: str = ""
    subject: str = ""
    way: str = ""

    @property
    def moment(self) -> dt.datetime:
        assert self.day is not None
        return dt.datetime.combine(self.day, self.time or dt.time())


@dataclass
class _Cust:
    id: int
    archive_no: int
    name: str
    phone: str
    address: str


class _Base:
    kind = CALL_REGISTER

    def __init__(self, s: Session, sheet: RegisterSheet, actor_id: int | None, today: dt.date):
        self.s = s
        self.sheet = sheet
        self.today = today
        self.importer_id = actor_id
        self.proxy = _InSession(s, actor_id)
        self.labels = {c.key: c.label for c in COLUMNS[sheet.kind]}
        self.staff: dict[str, int] = {}
        self.customers: dict[int, _Cust] = {}
        self.phones: dict[str, list[int]] = {}
        self.plates: dict[str, tuple[int, int]] = {}  # plate → (customer id, vehicle id)
        self.names: dict[str, list[int]] = {}
        self._lock()
        self._load()

    def _lock(self) -> None:
        # As the archive import: hold SQLite's write lock from the start, so the lookups
        # below cannot go stale before the commit.
        self.s.execute(update(Counter).where(Counter.name == ARCHIVE_COUNTER)
                       .values(last_value=Counter.last_value))

    def _load(self) -> None:
        s = self.s
        for staff_id, username, name in s.execute(select(Staff.id, Staff.username, Staff.name)):
            self.staff.setdefault(fold(name).lower(), staff_id)
            self.staff.setdefault(fold(username).lower(), staff_id)
        for cid, no, name, phone, phone2, address in s.execute(
            select(Customer.id, Customer.archive_no, Customer.name, Customer.phone,
                   Customer.phone2, Customer.address).where(Customer.deleted_at.is_(None))
            .order_by(Customer.id)
        ):
            self.customers[cid] = _Cust(cid, no, name, phone, address)
            for p in (phone, phone2):
                if p:
                    ids = self.phones.setdefault(_digits(p), [])
                    if cid not in ids:
                        ids.append(cid)
            self.names.setdefault(fold(name).lower(), []).append(cid)
        for vid, cid, plate in s.execute(
            select(Vehicle.id, Vehicle.customer_id, Vehicle.plate)
            .where(Vehicle.deleted_at.is_(None)).order_by(Vehicle.id)
        ):
            if cid in self.customers:
                self.plates.setdefault(plate, (cid, vid))

    # -- cells

    def _cell(self, row: tuple, key: str) -> object:
        col = self.sheet.columns.get(key)
        if col is None or col >= len(row) or _is_blank(row[col]):
            return None
        return row[col]

    def _header(self, key: str) -> str:
        col = self.sheet.columns.get(key)
        return self.sheet.headers.get(col, self.labels.get(key, key)) if col is not None \
            else self.labels.get(key, key)

    def parse_common(self, number: int, row: tuple, errors: list[str]) -> _Parsed:
        p = _Parsed(number, row)
        p.name = fold(_text(self._cell(row, "name")))
        raw = fold(_text(self._cell(row, "phone")))
        for part in (x for x in re.split(r"[/／、,，;；]", raw) if x.strip()):
            try:
                phone = validate_phone(part, "phone")
            except ValidationError:
                p.bad_phones.append(part.strip())
                continue
            if phone not in p.phones:
                p.phones.append(phone)
        plate = self._cell(row, "plate")
        if plate is not None:
            try:
                p.plate = validate_plate(_text(plate))
            except ValidationError as e:
                errors.append(f"{self._header('plate')}：{e.message}")
        when = self._cell(row, "date")
        label = self._header("date")
        if when is None:
            errors.append(f"{label}：未填写。")
        else:
            try:
                p.day, p.time = _date_and_time(when, label)
            except ValidationError as e:
                errors.append(e.message if e.message.startswith(label) else f"{label}：{e.message}")
        if p.day is not None and p.day > self.today + dt.timedelta(days=1):
            errors.append(f"{label}“{p.day:%Y-%m-%d}”还没到，请检查年份。")
        clerk = fold(_text(self._cell(row, "clerk")))
        if clerk:
            p.clerk_id = self.staff.get(clerk.lower())
            if p.clerk_id is None:
                p.clerk_unknown = clerk
        p.note = _free_text(self._cell(row, "note"))
        return p

    # -- finding the customer

    def match(self, p: _Parsed) -> tuple[_Cust, str, int | None] | None:
        """(customer, how found, vehicle id) by phone or plate; None if neither is known."""
        by_phone: list[int] = []
        for phone in p.phones:
            for cid in self.phones.get(_digits(phone), []):
                if cid not in by_phone:
                    by_phone.append(cid)
        vehicle = self.plates.get(p.plate) if p.plate else None
        if vehicle is not None:
            cid, vid = vehicle
            if by_phone and cid not in by_phone:
                names = "、".join(
                    f"{self.customers[c].name} {format_archive_no(self.customers[c].archive_no)}"
                    for c in [*by_phone[:1], cid])
                raise _Rejected(f"电话和车号分属不同的客户（{names}），请核对后再导入。")
            return self.customers[cid], "车号" if not by_phone else "电话和车号", vid
        if len(by_phone) > 1:
            named = [c for c in by_phone
                     if fold(self.customers[c].name).lower() == p.name.lower()]
            if len(named) == 1:
                return self.customers[named[0]], "电话和客户名称", None
            raise _Rejected(
                f"{self._header('phone')}：电话对应多位客户（"
                + "、".join(f"{self.customers[c].name} "
                           f"{format_archive_no(self.customers[c].archive_no)}"
                           for c in by_phone[:5])
                + "），请填写车号后再导入。")
        if by_phone:
            return self.customers[by_phone[0]], "电话", None
        return None

    def not_found_detail(self, p: _Parsed) -> str:
        parts = []
        if p.phones or p.bad_phones:
            parts.append(f"{self._header('phone')} {'、'.join(p.phones + p.bad_phones)}")
        if p.plate:
            parts.append(f"{self._header('plate')} {p.plate}")
        if not parts:
            return "：未填写电话和车号"
        return "：" + "，".join(parts)

    def found_note(self, p: _Parsed, cust: _Cust, how: str) -> list[str]:
        if p.name and fold(cust.name).lower() != p.name.lower():
            return [f"按{how}对应档案中的“{cust.name}”"]
        return []

    # -- running

    def parse(self, number: int, row: tuple) -> _Parsed:
        raise NotImplementedError

    def apply(self, p: _Parsed) -> RegisterLine:
        raise NotImplementedError

    def sort_key(self, p: _Parsed) -> tuple:
        return (p.number,)

    def preload(self, parsed: list[_Parsed]) -> None:
        pass

    def write(self) -> None:
        """Write what the batch queued for a bulk insert."""

    def rejected(self, number: int, row: tuple, reason: str) -> RegisterLine:
        return RegisterLine(number, "rejected", None, fold(_text(self._cell(row, "name"))),
                            reason)


# ---------------------------------------------------------------- calls


class _CallImporter(_Base):
    kind = CALL_REGISTER

    def __init__(self, s: Session, sheet: RegisterSheet, actor_id: int | None, today: dt.date):
        super().__init__(s, sheet, actor_id, today)
        self.contacts = ContactService(cast(Store, self.proxy))
        self.rules = load_rules(s)
        self.existing: dict[tuple[int, dt.datetime, str], bool] = {}  # key → deleted
        self.pending: list[dict] = []

    def parse(self, number: int, row: tuple) -> _Parsed:
        errors: list[str] = []
        p = self.parse_common(number, row, errors)
        time = self._cell(row, "time")
        if time is not None:
            try:
                p.time = parse_time(time, self._header("time"))
            except ValidationError as e:
                errors.append(e.message)
        raw_type = fold(_text(self._cell(row, "call_type")))
        p.call_type = call_type_of(raw_type)
        p.key_points = _free_text(self._cell(row, "key_points"))
        p.result = _free_text(self._cell(row, "result"))
        p.no_answer = no_answer_of(p.result, p.key_points)
        if not p.no_answer:
            p.satisfaction = satisfaction_of(_text(self._cell(row, "satisfaction"))) or \
                satisfaction_of(p.result)
        if p.call_type == "followup" and not p.no_answer and not p.key_points:
            errors.append(f"{self._header('key_points')}：未填写（跟踪电话须写明通话要点）。")
        if not (p.phones or p.plate):
            if p.bad_phones:
                errors.append(
                    f"{self._header('phone')}：“{p.bad_phones[0]}”不是有效的电话号码，"
                    "无法对应客户。")
            elif not errors:
                errors.append(f"{NO_CUSTOMER}：未填写电话和车号。")
        if errors:
            raise _Rejected("；".join(e.rstrip("。") for e in errors) + "。")
        return p

    def sort_key(self, p: _Parsed) -> tuple:
        return (p.moment, p.number)

    def preload(self, parsed: list[_Parsed]) -> None:
        days = [p.day for p in parsed if p.day is not None]
        if not days:
            return
        start = dt.datetime.combine(min(days), dt.time())
        end = dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time())
        for cid, at, points, deleted in self.s.execute(
            select(Call.customer_id, Call.called_at, Call.key_points, Call.deleted_at)
            .where(Call.called_at >= start, Call.called_at < end,
                   Call.customer_id.is_not(None))
        ):
            key = (cid, at, _key(points or ""))
            self.existing[key] = self.existing.get(key, True) and deleted is not None

    def _task_for(self, cust: _Cust, p: _Parsed, vehicle_id: int | None):
        """The open follow-up task this call answers: first (R3) or second (R4), if any."""
        day = p.moment.date()
        rows = self.s.execute(
            select(Task.id, Task.kind, Task.window_start, Task.due, Task.vehicle_id,
                   Task.visit_id, Visit.intake_date, Visit.pickup_date)
            .outerjoin(Visit, Visit.id == Task.visit_id)
            .where(Task.customer_id == cust.id, Task.status == TaskStatus.OPEN,
                   Task.kind.in_([TaskKind.FIRST_FOLLOWUP, TaskKind.SECOND_FOLLOWUP]))
        ).all()
        best = None
        for tid, kind, start, due, vid, visit_id, intake, pickup in rows:
            if kind == TaskKind.FIRST_FOLLOWUP:
                anchor = pickup or intake or start - dt.timedelta(self.rules.first_call_from)
                if anchor > day:
                    continue  # the visit came after this call
            else:
                # R4 counts from the first call; a call a day or two after it is a callback,
                # not the second follow-up (a few days early still counts).
                anchor = start - dt.timedelta(self.rules.second_call_from)
                if anchor >= day or day < start - dt.timedelta(days=SECOND_CALL_EARLY_DAYS):
                    continue
            score = (vehicle_id is not None and vid == vehicle_id, start <= day <= due,
                     anchor, kind == TaskKind.FIRST_FOLLOWUP, -tid)
            if best is None or score > best[0]:
                best = (score, tid, kind, visit_id, vid)
        return best[1:] if best else None

    def _queue(self, data: CallInput, clerk_id: int | None) -> None:
        """A call as log_call would store it, for the batch's bulk insert."""
        if not data.reached:
            default = NO_ANSWER.get(data.no_answer_reason, "未接通")
        else:
            # 处理结果 means 当场答复 / 研究后答复 / 上报主管, not the satisfaction again
            default = "已回访" if data.call_type == "followup" else "当场答复"
        self.pending.append(dict(
            customer_id=data.customer_id, vehicle_id=data.vehicle_id, task_id=None,
            campaign_id=None, clerk_id=clerk_id, called_at=data.called_at,
            direction=data.direction, call_type=data.call_type,
            phone=normalize_phone(data.phone), caller_name="", reached=data.reached,
            no_answer_reason="" if data.reached else data.no_answer_reason, retry_at=None,
            points_covered="", key_points=data.key_points.strip(), customer_request="",
            satisfaction=data.satisfaction if data.reached else "",
            result=data.result.strip() or default,
        ))

    def write(self) -> None:
        if not self.pending:
            return
        now = utcnow()
        stamp = dict(created_at=now, created_by_id=self.importer_id, updated_at=now,
                     updated_by_id=self.importer_id, deleted_at=None, deleted_by_id=None)
        self.s.execute(insert(Call.__table__), [{**row, **stamp} for row in self.pending])
        self.pending = []

    def apply(self, p: _Parsed) -> RegisterLine:
        found = self.match(p)
        if found is None:
            raise _Rejected(NO_CUSTOMER + self.not_found_detail(p) + "。")
        cust, how, vehicle_id = found
        done = self.found_note(p, cust, how)
        moment = p.moment
        key = (cust.id, moment, _key(p.key_points))
        if key in self.existing:
            done.append(ALREADY_THERE if not self.existing[key]
                        else ALREADY_THERE + "（该记录已删除，可在“显示已删除”中恢复）")
            return RegisterLine(p.number, "merged", cust.archive_no, cust.name, "；".join(done))
        result = p.result
        if p.clerk_unknown:
            result = f"{result}（经办人：{p.clerk_unknown}）" if result \
                else f"经办人：{p.clerk_unknown}"
            done.append(f"{self._header('clerk')}“{p.clerk_unknown}”不是本系统的员工，"
                        "已记入处理结果")
        key_points = p.key_points
        if p.note:
            key_points = f"{key_points}\n备注：{p.note}" if key_points else f"备注：{p.note}"
        if len(result) > 200:
            key_points = f"{key_points}\n处理结果：{result}" if key_points else result
            result = _clip(result, 200)
        task = None
        if p.call_type == "followup":
            task = self._task_for(cust, p, vehicle_id)
        task_id, task_kind, visit_id, task_vehicle = task if task else (None, None, None, None)
        data = CallInput(
            customer_id=cust.id, called_at=moment,
            direction="in" if p.call_type in ("consultation", "complaint") else "out",
            call_type=p.call_type, task_id=task_id, vehicle_id=vehicle_id or task_vehicle,
            phone=p.phones[0] if p.phones else cust.phone, reached=not p.no_answer,
            no_answer_reason=p.no_answer, key_points=key_points,
            satisfaction=p.satisfaction, result=result,
        )
        try:
            data.check()
        except ValidationError as e:
            raise _Rejected(e.message) from None
        self.existing[key] = False
        if task_id is None:
            # Nothing to close or open: written in bulk with the batch (log_call's follow-up
            # sync costs ~4 ms a call and would change nothing here).
            self._queue(data, p.clerk_id)
            done.extend(p.warnings)
            return RegisterLine(p.number, "imported", cust.archive_no, cust.name,
                                "；".join(done))
        self.proxy.actor_id = p.clerk_id
        try:
            out = self.contacts.log_call(data, today=self.today)
        finally:
            self.proxy.actor_id = self.importer_id
        if task_id is not None and task_id in out.closed_task_ids:
            if task_kind == TaskKind.FIRST_FOLLOWUP:
                done.append("完成第一次跟踪任务")
                second = self.s.execute(
                    select(Task.window_start, Task.due).where(
                        Task.source_key == f"visit:{visit_id}:second_followup",
                        Task.status == TaskStatus.OPEN)).first()
                if second is not None:
                    done.append(f"已安排第二次跟踪（{second[0]:%m-%d}～{second[1]:%m-%d}）")
            else:
                done.append("完成第二次跟踪任务")
        elif task_id is not None and not data.reached:
            done.append(f"{CALL_TYPES['followup']}任务记一次未接通")
        done.extend(p.warnings)
        return RegisterLine(p.number, "imported", cust.archive_no, cust.name, "；".join(done))


# ---------------------------------------------------------------- letters


class _LetterImporter(_Base):
    kind = LETTER_REGISTER

    def __init__(self, s: Session, sheet: RegisterSheet, actor_id: int | None, today: dt.date):
        super().__init__(s, sheet, actor_id, today)
        self.letters = LetterService(cast(Store, self.proxy))
        self.existing: dict[tuple[int, dt.date, str, str], bool] = {}

    def parse(self, number: int, row: tuple) -> _Parsed:
        errors: list[str] = []
        p = self.parse_common(number, row, errors)
        p.address = fold(_text(self._cell(row, "address")))
        raw_kind = fold(_text(self._cell(row, "kind")))
        if not raw_kind:
            errors.append(f"{self._header('kind')}：未填写（通知、邀请函或答复函）。")
        else:
            kind = letter_kind_of(raw_kind)
            if kind is None:
                errors.append(f"{self._header('kind')}：“{raw_kind}”不是可用的类别，"
                              "请填 通知、邀请函 或 答复函。")
            else:
                p.letter_kind = kind
        p.subject = _free_text(self._cell(row, "subject")).replace("\n", " ")
        raw_way = fold(_text(self._cell(row, "way")))
        if not raw_way:
            p.way = "mail"
            p.warnings.append(f"{self._header('way')}未填写，按{WAYS['mail']}登记")
        else:
            way = way_of(raw_way)
            if way is None:
                errors.append(f"{self._header('way')}：“{raw_way}”看不懂，"
                              "请填 邮寄、面交 或 电子（短信、微信、邮件）。")
            else:
                p.way = way
        if not (p.name or p.phones or p.plate):
            errors.append(f"{self._header('name')}：未填写客户名称。")
        if errors:
            raise _Rejected("；".join(e.rstrip("。") for e in errors) + "。")
        return p

    def sort_key(self, p: _Parsed) -> tuple:
        assert p.day is not None
        return (p.day, p.number)

    def preload(self, parsed: list[_Parsed]) -> None:
        days = [p.day for p in parsed if p.day is not None]
        if not days:
            return
        for cid, day, kind, subject, deleted in self.s.execute(
            select(Letter.customer_id, Letter.sent_on, Letter.kind, Letter.subject,
                   Letter.deleted_at)
            .where(Letter.sent_on >= min(days), Letter.sent_on <= max(days),
                   Letter.customer_id.is_not(None))
        ):
            key = (cid, day, kind, _key(subject or ""))
            self.existing[key] = self.existing.get(key, True) and deleted is not None

    def match_letter(self, p: _Parsed) -> tuple[_Cust, str]:
        found = self.match(p) if (p.phones or p.plate) else None
        if found is not None:
            return found[0], found[1]
        ids = self.names.get(p.name.lower(), []) if p.name else []
        if len(ids) > 1 and p.address:
            same = [c for c in ids if self.customers[c].address
                    and (_key(self.customers[c].address) in _key(p.address)
                         or _key(p.address) in _key(self.customers[c].address))]
            if len(same) == 1:
                return self.customers[same[0]], "客户名称和地址"
        if len(ids) > 1:
            raise _Rejected(
                f"{self._header('name')}：有 {len(ids)} 位客户叫“{p.name}”（"
                + "、".join(format_archive_no(self.customers[c].archive_no) for c in ids[:5])
                + "），请加上联系电话或车号列后再导入。")
        if ids:
            return self.customers[ids[0]], "客户名称"
        detail = self.not_found_detail(p) if (p.phones or p.plate or p.bad_phones) else ""
        name = f"：{self._header('name')} {p.name}" if p.name else ""
        raise _Rejected(NO_LETTER_CUSTOMER + (detail or name) + "。")

    def apply(self, p: _Parsed) -> RegisterLine:
        assert p.day is not None
        cust, how = self.match_letter(p)
        done = self.found_note(p, cust, how) if how != "客户名称" else []
        key = (cust.id, p.day, p.letter_kind, _key(p.subject))
        if key in self.existing:
            done.append(ALREADY_THERE if not self.existing[key]
                        else ALREADY_THERE + "（该信函已删除，可在“显示已删除”中恢复）")
            return RegisterLine(p.number, "merged", cust.archive_no, cust.name, "；".join(done))
        address = p.address or cust.address
        if p.way == "mail" and not address.strip():
            raise _Rejected(f"{self._header('address')}：未填写，档案中也没有该客户的地址，"
                            f"无法按{WAYS['mail']}登记。")
        if not p.address and address:
            done.append("地址取自客户档案")
        note = p.note
        if p.clerk_unknown:
            note = f"{note}（经办人：{p.clerk_unknown}）" if note else f"经办人：{p.clerk_unknown}"
            done.append(f"{self._header('clerk')}“{p.clerk_unknown}”不是本系统的员工，"
                        "已记入备注")
        draft = LetterDraft(cust.id, _clip(p.name or cust.name, 100), _clip(address, 200),
                            _clip(p.subject, 200), "")
        self.proxy.actor_id = p.clerk_id
        try:
            self.letters.register([draft], kind=p.letter_kind, way=p.way, sent_on=p.day,
                                  note=_clip(note, 200))
        except ValidationError as e:
            raise _Rejected(e.message) from None
        finally:
            self.proxy.actor_id = self.importer_id
        self.existing[key] = False
        done.extend(p.warnings)
        return RegisterLine(p.number, "imported", cust.archive_no, cust.name, "；".join(done))


# ---------------------------------------------------------------- entry point


def import_register(
    store: Store,
    sheet: RegisterSheet,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    today: dt.date | None = None,
) -> RegisterReport:
    """Import a register sheet, all or nothing; dry_run saves nothing.

    `today` decides which follow-up tasks are still today's work (the rules' backfill):
    an old register fills the history without opening calls that were due long ago.
    """
    today = today or clock.today()
    report = RegisterReport(mapped=sheet.mapped, ignored=sheet.ignored, sheet=sheet.name,
                            register=sheet.kind)
    total = len(sheet.rows)
    if progress:
        progress(0, total)
    lines: list[RegisterLine] = []
    try:
        with store.session() as s:
            cls = _CallImporter if sheet.kind == CALL_REGISTER else _LetterImporter
            importer = cls(s, sheet, store.actor_id, today)
            parsed: list[_Parsed] = []
            for number, row in sheet.rows:
                try:
                    parsed.append(importer.parse(number, row))
                except _Rejected as e:
                    lines.append(importer.rejected(number, row, str(e)))
            importer.preload(parsed)
            parsed.sort(key=importer.sort_key)
            done = len(lines)
            for start in range(0, len(parsed), BATCH):
                if cancelled and cancelled():
                    raise ImportCancelled()
                for p in parsed[start : start + BATCH]:
                    try:
                        lines.append(importer.apply(p))
                    except _Rejected as e:
                        lines.append(importer.rejected(p.number, p.row, str(e)))
                importer.write()
                s.flush()
                # The calls and tasks written are not needed again: keep memory flat.
                s.expunge_all()
                done += len(parsed[start : start + BATCH])
                if progress and done < total:
                    progress(done, total)
            if cancelled and cancelled():
                raise ImportCancelled()
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    for line in sorted(lines, key=lambda x: x.row_number):
        report.add(line)
    if progress:
        progress(total, total)
    return report


def try_import(
    store: Store,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    today: dt.date | None = None,
) -> RegisterReport | None:
    """Import the file if it is a call or letter register; None leaves it to the archive
    import (app.importer.import_file calls this first)."""
    sheet = read_register(Path(path))
    if sheet is None:
        return None
    return import_register(store, sheet, dry_run=dry_run, progress=progress,
                           cancelled=cancelled, today=today)


__all__ = [
    "CALL_REGISTER", "LETTER_REGISTER", "NO_CUSTOMER", "RegisterLine", "RegisterReport",
    "call_type_of", "detect", "import_register", "letter_kind_of", "parse_time",
    "read_register", "try_import", "way_of",
]
