"""Import an old customer-archive spreadsheet (客户档案基本资料表) into the archive.

Old sheets are messy: a title row above the headers, many spellings of each header,
full-width digits, dates as text. Every non-blank row ends up imported (new customer),
merged into an existing customer, or rejected with a reason; nothing is dropped silently.
A row is rejected only when it cannot say who the customer is (no name; no usable phone
for a new customer; a phone and a plate of two different customers). A field that cannot
be read (a bad plate, a phone, an optional date) is left empty and reported as a warning
on its row, with what else it costs (a visit without a readable date is not recorded).
The whole import is one transaction, so a failure or a cancel leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app import clock
from app.archive import (
    ARCHIVE_COUNTER,
    VISIT_KIND_LABELS,
    classify_visit_kind,
    format_archive_no,
    next_archive_no,
    refresh_next_maintenance,
)
from app.derived import refresh_derived
from app.normalize import (
    ValidationError,
    fold,
    parse_amount_fen,
    parse_date,
    parse_int,
    validate_phone,
    validate_plate,
)
from app.settings import load_maintenance_words
from app.sheets import ImportFormatError, read_sheets
from app.staff import StaffInfo, acting, refuse_clerk
from app.store import Store
from db.models import Counter, Customer, Staff, Vehicle, Visit, VisitKind, utcnow

HEADER_SCAN_ROWS = 10
# Rows are parsed, looked up, written and reported in batches of this size: often enough
# for a lively progress bar and a prompt cancel, rarely enough that each costs little.
BATCH = 500


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()


# Order and labels follow the paper form 客户档案基本资料表; the template uses them too.
COLUMNS: tuple[Column, ...] = (
    Column("archive_no", "档案编号", ("编号", "档案号", "客户编号", "序号")),
    Column("name", "客户名称", (
        "客户姓名", "姓名", "客户", "车主", "客户名", "车主姓名", "车主名称", "单位名称",
        "客户单位", "名称",
    )),
    Column("phone", "联系电话", (
        "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "联系电话1", "电话1",
        "客户电话", "车主电话", "联系手机",
    )),
    Column("phone2", "备用电话", ("联系电话2", "电话2", "手机2", "其他电话", "座机", "固定电话")),
    Column("address", "地址", ("联系地址", "住址", "客户地址", "通讯地址", "单位地址")),
    Column("contact_person", "负责人", ("联系人",)),
    Column("plate", "车号", ("车牌", "车牌号", "车牌号码", "号牌", "号牌号码", "车辆号牌")),
    Column("model", "车型", ("品牌车型", "品牌型号", "车辆型号", "厂牌型号", "品牌")),
    Column("vehicle_kind", "车种", ("车辆类型", "车类", "车辆种类")),
    Column("intake_date", "送修日期", (
        "进厂日期", "送修时间", "来访日期", "日期", "进厂时间", "维修日期", "到店日期",
        "来访时间", "送修日",
    )),
    Column("pickup_date", "出厂日期", ("出厂时间", "交车日期", "交车时间", "完工日期")),
    Column("service_items", "维修养护项目", (
        "维修项目", "服务项目", "养护项目", "维修内容", "保养项目", "维修保养项目", "项目",
    )),
    Column("cycle", "保养周期", ("保养间隔",)),
    Column("next_maintenance_date", "下次保养期", (
        "下次保养日期", "下次保养", "下次保养时间", "下次保养日",
    )),
    Column("mileage_km", "行驶里程", ("里程", "公里数", "里程数", "进厂里程", "行驶公里数")),
    Column("amount", "金额", ("费用", "维修金额", "结算金额", "总金额", "维修费用", "实收金额")),
    Column("visit_kind", "类别", ("业务类别", "业务类型", "来访类别", "服务类别")),
    Column("comeback", "返修", ("是否返修",)),
    Column("services_wanted", "客户希望得到的服务", ("希望得到的服务", "客户需求", "客户要求")),
    Column("notes", "备注", ("说明", "备注说明")),
    Column("region", "地区", ("区域", "所属地区", "片区")),
    Column("vin", "车架号", ("vin", "vin码", "车辆识别代号", "车架号码", "车辆识别号")),
    Column("purchase_date", "购车日期", ("购买日期", "购置日期")),
    Column("warranty_end", "保修到期", ("保修到期日", "保修期至", "保修截止日期")),
    Column("insurance_expiry", "保险到期", ("保险到期日", "保险截止日期", "保险到期日期")),
    Column("clerk", "跟踪业务员", ("业务员", "跟踪人", "服务顾问", "跟踪员")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def iter_columns() -> Iterable[Column]:
    """The columns a clerk fills in, in form order: 档案编号 is assigned, never imported."""
    return (c for c in COLUMNS if c.key != "archive_no")


def header_key(text: object) -> str:
    """The form headers are compared in: half-width, no spaces, no required-mark or colon."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    folded = re.sub(r"\s+", "", folded)
    return folded.strip("*:").strip()


_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.label, *_c.aliases):
        _ALIASES[header_key(_name)] = _c.key


def recognise_header(text: object) -> str | None:
    key = header_key(text)
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    # "金额(元)", "保养周期（月）": the unit in brackets does not change the column.
    bare = re.sub(r"\(.*?\)$", "", key)
    return _ALIASES.get(bare)


# ---------------------------------------------------------------- report


class ImportCancelled(ImportFormatError):
    """The user cancelled; nothing was saved.

    A subclass of ImportFormatError so callers that show that error's message to the user
    (the import dialog, the CLI) show this one correctly without knowing about it.
    """

    def __init__(self) -> None:
        super().__init__("已取消导入，没有保存任何内容。")


OUTCOME_LABELS = {"imported": "新建", "merged": "合并", "rejected": "拒绝"}


@dataclass(frozen=True)
class RowOutcome:
    row_number: int
    outcome: str  # "imported" | "merged" | "rejected"
    archive_no: int | None
    name: str
    reason: str = ""  # why it was rejected, or what the import did with it
    # Fields of an imported or merged row that could not be read and were left empty.
    warnings: tuple[str, ...] = ()

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    mapped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    lines: list[RowOutcome] = field(default_factory=list)
    sheet: str = ""

    def add(self, line: RowOutcome) -> None:
        self.lines.append(line)
        self.rows += 1
        setattr(self, line.outcome, getattr(self, line.outcome) + 1)

    @property
    def warned(self) -> int:
        """Rows imported or merged with a field left empty."""
        return sum(1 for line in self.lines if line.warnings)

    @property
    def rejected_lines(self) -> list[RowOutcome]:
        return [line for line in self.lines if line.outcome == "rejected"]

    def warning_texts(self) -> list[str]:
        """One line per warning: 第 N 行 name：what was left empty."""
        return [f"第 {line.row_number} 行 {line.name}：{w}"
                for line in self.lines for w in line.warnings]

    def rejection_texts(self) -> list[str]:
        return [f"第 {line.row_number} 行 {line.name}：{line.reason}"
                for line in self.rejected_lines]

    def as_json_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "merged": self.merged,
            "rejected": self.rejected,
        }

    def summary_text(self) -> str:
        if self.rows == 0:
            text = "表格中没有可导入的数据行。"
        else:
            text = (
                f"共 {self.rows} 行：新建客户 {self.imported} 位，"
                f"并入已有客户 {self.merged} 行，拒绝 {self.rejected} 行。"
            )
            if self.warned:
                text += f"其中 {self.warned} 行有无法识别的内容，已留空（见警告）。"
            if self.rejected:
                text += "被拒绝的行没有导入，原因见逐行结果，改正后可再次导入同一文件。"
        text += f"识别了 {len(self.mapped)} 列"
        if self.ignored:
            text += f"，未使用 {len(self.ignored)} 列（{'、'.join(self.ignored)}）"
        return text + "。"

    def write_xlsx(self, path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "导入结果"
        ws.append(["行号", "结果", "档案编号", "客户名称", "原因", "警告"])
        red = Font(color="C00000")
        for line in self.lines:
            archive = format_archive_no(line.archive_no) if line.archive_no is not None else ""
            ws.append([line.row_number, line.outcome_label, archive, line.name, line.reason,
                       "\n".join(line.warnings)])
            if line.outcome == "rejected":
                ws.cell(ws.max_row, 2).font = red
        _style_header(ws, [8, 8, 12, 18, 50, 60])

        cols = wb.create_sheet("列映射")
        cols.append(["表格中的列", "导入为"])
        for header, label in self.mapped:
            cols.append([header, label])
        for header in self.ignored:
            cols.append([header, "（未使用）"])
        _style_header(cols, [24, 24])
        wb.save(path)


def _style_header(ws, widths: list[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


# ---------------------------------------------------------------- reading


@dataclass
class _Sheet:
    name: str
    headers: dict[int, str]  # column index → header text as written
    columns: dict[str, int]  # field key → column index
    mapped: list[tuple[str, str]]
    ignored: list[str]
    rows: list[tuple[int, tuple]]  # (spreadsheet row number, cell values)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(row: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, value in enumerate(row):
        key = recognise_header(value)
        if key is None:
            continue
        if key in found and key == "phone" and "phone2" not in found:
            key = "phone2"
        found.setdefault(key, i)
    return found


def _find_header(first_rows: list[tuple[int, tuple]]) -> tuple[int, dict[str, int]] | None:
    """The row (of the first few) naming the most known columns, customer name among them."""
    best: tuple[int, dict[str, int]] | None = None
    for index, (_, row) in enumerate(first_rows):
        found = _map_headers(row)
        # One known word is not a header row: a title or a line of instructions can hold one.
        if "name" not in found or len(found) < 2:
            continue
        if best is None or len(found) > len(best[1]):
            best = (index, found)
    return best


def _build_sheet(name: str, rows: Iterator[tuple[int, tuple]]) -> _Sheet | None:
    first = []
    for item in rows:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    found = _find_header(first)
    if found is None:
        return None
    index, columns = found
    header_row = first[index][1]
    # Shown in reasons as the clerk wrote it, minus the colon or required-mark.
    headers = {
        i: fold(str(v)).rstrip(":*").strip() or fold(str(v))
        for i, v in enumerate(header_row)
        if not _is_blank(v)
    }
    data = first[index + 1 :] + list(rows)
    header_values = [header_key(v) for v in header_row]

    mapped, ignored = [], []
    used = set(columns.values())
    for i, text in headers.items():
        if i in used:
            key = next(k for k, col in columns.items() if col == i)
            label = COLUMN_BY_KEY[key].label
            if key == "archive_no":
                label += "（仅供参考，不导入：系统自动编号）"
            mapped.append((text, label))
        elif recognise_header(text):
            ignored.append(f"{text}（重复）")
        else:
            ignored.append(text)
    width = max((len(r) for _, r in data), default=0)
    for i in range(width):
        if i not in headers and any(i < len(r) and not _is_blank(r[i]) for _, r in data):
            ignored.append(f"第 {_column_letter(i)} 列（无列名）")

    kept = []
    for number, row in data:
        if all(_is_blank(v) for v in row):
            continue
        # Sheets printed page by page repeat the header row; it is not a customer.
        if [header_key(v) for v in row[: len(header_values)]] == header_values:
            continue
        kept.append((number, row))
    return _Sheet(name, headers, columns, mapped, ignored, kept)


def _read(path: Path) -> _Sheet:
    sheets = read_sheets(path)
    try:
        for name, rows in sheets:
            sheet = _build_sheet(name, rows)
            if sheet is not None:
                return sheet
    finally:
        sheets.close()
    raise ImportFormatError(
        f"“{path.name}”中没有找到可识别的表头。表头须在前 {HEADER_SCAN_ROWS} 行内，"
        "至少包含“客户名称”（也可写作 客户姓名、姓名、车主）和“联系电话”或“车号”等列。"
        "可以先用“导入模板”整理数据。"
    )


# ---------------------------------------------------------------- cell values


def _text(value: object) -> str:
    """A cell as text: numbers without a spurious '.0', dates as yyyy-mm-dd."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _free_text(value: object) -> str:
    """Notes keep their line breaks; only full-width letters and the ends are cleaned."""
    lines = unicodedata.normalize("NFKC", _text(value)).replace("\r\n", "\n").split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


_CN_NUMBERS = {
    "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "十": 10, "十一": 11, "十二": 12,
}
_MONTHS = re.compile(r"(\d+|十[一二]?|[一两二三四五六七八九])个?月")
_YEARS = re.compile(r"(\d+|[一两二三])年|半年")
_KM = re.compile(r"(\d+(?:\.\d+)?)(万|千)?(?:公里|km|千米)")


# Beyond these a number in a sheet is a typing slip (or Excel's), never a car's.
MAX_MILEAGE_KM = 3_000_000
MAX_CELL_CHARS = 5000
MAX_CYCLE_MONTHS = 120
MAX_CYCLE_KM = 200_000


def parse_cycle(value: object, label: str = "保养周期") -> tuple[int | None, int | None]:
    """'6个月', '5000公里', '6个月/5000公里', '半年或1万公里' → (months, km)."""
    text = fold(_text(value)).lower().replace(" ", "")
    if not text:
        return None, None
    if re.fullmatch(r"\d+", text):
        # A bare number: a service interval in months is never above a few years.
        number = int(text)
        if number <= 0:
            raise ValidationError("cycle", f"{label}“{text}”应大于 0。")
        if number > MAX_CYCLE_KM:
            raise ValidationError("cycle", f"{label}“{text[:20]}”太大，不合常理。")
        return (number, None) if number <= 60 else (None, number)
    months = km = None
    if m := _MONTHS.search(text):
        n = m.group(1)
        months = int(n) if n.isdigit() else _CN_NUMBERS[n]
    elif m := _YEARS.search(text):
        n = m.group(1)
        months = 6 if n is None else 12 * (int(n) if n.isdigit() else _CN_NUMBERS[n])
    if m := _KM.search(text):
        scale = {"万": 10000, "千": 1000}.get(m.group(2) or "", 1)
        km = round(float(m.group(1)) * scale)
    rest = _KM.sub("", _YEARS.sub("", _MONTHS.sub("", text)))
    if (months is None and km is None) or not re.fullmatch(r"[/／、,，;；或和及每+\-]*", rest):
        raise ValidationError(
            "cycle", f"{label}“{text}”看不懂，请写成 6个月、5000公里 或 6个月/5000公里。"
        )
    if months == 0 or km == 0:
        raise ValidationError("cycle", f"{label}“{text}”应大于 0。")
    if (months or 0) > MAX_CYCLE_MONTHS or (km or 0) > MAX_CYCLE_KM:
        raise ValidationError("cycle", f"{label}“{text}”太长，不合常理"
                                       f"（最多 {MAX_CYCLE_MONTHS} 个月或 {MAX_CYCLE_KM} 公里）。")
    return months, km


_KINDS = {
    "维修": VisitKind.REPAIR, "修理": VisitKind.REPAIR, "维修单": VisitKind.REPAIR,
    "保养": VisitKind.MAINTENANCE, "养护": VisitKind.MAINTENANCE, "维护": VisitKind.MAINTENANCE,
    "维护保养": VisitKind.MAINTENANCE, "保养维护": VisitKind.MAINTENANCE,
    "咨询": VisitKind.CONSULTATION, "电话咨询": VisitKind.CONSULTATION,
    "来访": VisitKind.VISIT, "到访": VisitKind.VISIT, "来店": VisitKind.VISIT,
}
_YES = {"是", "y", "yes", "1", "true", "t", "√", "✓", "✔", "返修", "有"}
_NO = {"否", "n", "no", "0", "false", "f", "×", "✗", "不是", "无", "非返修", "-"}


def _mileage(value: object, label: str) -> int | None:
    text = fold(_text(value)).replace(",", "").replace(" ", "")
    # Clerks often write 1.5万公里; parse_int only knows plain numbers.
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)万(公里|km|千米)?", text, flags=re.IGNORECASE):
        km = round(float(m.group(1)) * 10000)
        if km > MAX_MILEAGE_KM:
            raise ValidationError("mileage_km", f"{label}“{text}”太大，不合常理。")
        return km
    return parse_int(text, "mileage_km", label, maximum=MAX_MILEAGE_KM)


def _amount(value: object, label: str) -> int | None:
    if isinstance(value, float):
        value = f"{value:.2f}"
    return parse_amount_fen(value, "amount_fen", label)


def _digits(phone: str) -> str:
    """Lookup key for a phone: the same number written with or without dashes matches."""
    return phone.replace("-", "")


# ---------------------------------------------------------------- one row


@dataclass
class _Row:
    name: str = ""
    phones: list[str] = field(default_factory=list)
    address: str = ""
    contact_person: str = ""
    region: str = ""
    services_wanted: str = ""
    notes: str = ""
    clerk_id: int | None = None
    plate: str = ""
    model: str = ""
    vehicle_kind: str = ""
    vin: str = ""
    purchase_date: dt.date | None = None
    warranty_end: dt.date | None = None
    insurance_expiry: dt.date | None = None
    cycle_months: int | None = None
    cycle_km: int | None = None
    next_maintenance_date: dt.date | None = None
    intake_date: dt.date | None = None
    pickup_date: dt.date | None = None
    service_items: str = ""
    mileage_km: int | None = None
    amount_fen: int | None = None
    visit_kind: VisitKind | None = None
    comeback: bool = False
    warnings: list[str] = field(default_factory=list)
    phone_faults: list[str] = field(default_factory=list)


_DATE_FIELDS = (
    "intake_date", "pickup_date", "next_maintenance_date",
    "purchase_date", "warranty_end", "insurance_expiry",
)
# Column keys of what a row records about its visit and about its car (_Row attribute names
# where they differ).
_VISIT_KEYS = ("intake_date", "pickup_date", "service_items", "mileage_km", "amount",
               "visit_kind", "comeback")
_VISIT_ATTRS = {"amount": "amount_fen"}
_VEHICLE_KEYS = ("model", "vehicle_kind", "vin", "cycle", "next_maintenance_date",
                 "purchase_date", "warranty_end", "insurance_expiry")
_VEHICLE_ATTRS = {"cycle": ("cycle_months", "cycle_km")}
_PLAIN_FIELDS = ("address", "contact_person", "region", "model", "vehicle_kind")
_FREE_FIELDS = ("services_wanted", "notes", "service_items")


class _Cust:
    """A customer as the import sees it: one per live customer, kept for lookups.

    A customer new in this import is a plain `row` until written in bulk; after that, as for
    customers already in the archive, changes go through the ORM object `obj`.
    """

    __slots__ = ("id", "archive_no", "name", "row", "obj", "touched")

    def __init__(self, id: int | None, archive_no: int, name: str,
                 row: SimpleNamespace | None = None):
        self.id = id
        self.archive_no = archive_no
        self.name = name
        self.row = row
        self.obj: Customer | None = None
        self.touched = False


class _Veh:
    __slots__ = ("id", "cust", "plate", "row", "obj")

    def __init__(self, id: int | None, cust: _Cust, plate: str,
                 row: SimpleNamespace | None = None):
        self.id = id
        self.cust = cust
        self.plate = plate
        self.row = row
        self.obj: Vehicle | None = None


class _Rejected(Exception):
    pass


class _DryRun(Exception):
    pass


class _Importer:
    def __init__(self, s: Session, sheet: _Sheet, dry_run: bool = False):
        self.s = s
        self.sheet = sheet
        # A check (dry run) writes nothing, not even to learn ids: it holds no write lock, so
        # the other desks save as usual while a big file is checked.
        self.dry_run = dry_run
        self.next_fake_id = -1
        self.phones: dict[str, _Cust] = {}
        self.plates: dict[str, _Veh] = {}
        self.visits: set[tuple] = set()
        self.touched: list[_Cust] = []
        self.counter: Counter | None = None
        self.staff: dict[str, int] = {}
        self.new_customers: list[_Cust] = []
        self.new_vehicles: list[_Veh] = []
        self.new_visits: list[tuple[_Cust, _Veh | None, SimpleNamespace]] = []
        self.loaded: list[_Cust | _Veh] = []
        self.default_clerk_id: int | None = None
        # 下次保养期, settled once every row is in (refresh_next_maintenance_dates):
        # the cars whose visits or cycle the sheet touched; per car the newest imported
        # maintenance day; and a 下次保养期 the sheet gives, with the day of its row's visit.
        self.maintained_cars: dict[int, _Veh] = {}
        self.newest_maintenance: dict[int, dt.date] = {}
        self.typed_next: dict[int, tuple[dt.date, dt.date | None]] = {}
        self.maintenance_words = load_maintenance_words(s)
        if not dry_run:
            self._lock()
        self._load()

    def _lock(self) -> None:
        """Take the write lock before reading anything.

        The lookups loaded below must not go stale while the import runs: a no-op write
        makes SQLite hold its write lock from here to the commit.
        """
        self.s.execute(
            update(Counter)
            .where(Counter.name == ARCHIVE_COUNTER)
            .values(last_value=Counter.last_value)
        )

    # One query per table up front, so each row is only dictionary lookups.
    def _load(self) -> None:
        s = self.s
        for staff_id, username, name in s.execute(select(Staff.id, Staff.username, Staff.name)):
            self.staff.setdefault(fold(username).lower(), staff_id)
            self.staff.setdefault(fold(name).lower(), staff_id)
        customers: dict[int, _Cust] = {}
        for cid, archive_no, name, phone, phone2 in s.execute(
            select(Customer.id, Customer.archive_no, Customer.name, Customer.phone,
                   Customer.phone2).where(Customer.deleted_at.is_(None))
        ):
            c = customers[cid] = _Cust(cid, archive_no, name)
            for p in (phone, phone2):
                if p:
                    self.phones.setdefault(_digits(p), c)
        vehicles: dict[int, _Veh] = {}
        for vid, cid, plate in s.execute(
            select(Vehicle.id, Vehicle.customer_id, Vehicle.plate).where(
                Vehicle.deleted_at.is_(None)
            )
        ):
            if cid in customers:
                v = vehicles[vid] = _Veh(vid, customers[cid], plate)
                self.plates.setdefault(plate, v)
        for cid, vid, kind, intake in s.execute(
            select(Visit.customer_id, Visit.vehicle_id, Visit.kind, Visit.intake_date).where(
                Visit.deleted_at.is_(None)
            )
        ):
            if cid in customers:
                vehicle = vehicles.get(vid) if vid is not None else None
                self.visits.add((customers[cid], vehicle, VisitKind(kind), intake))

    # -- reading a row

    def _cell(self, row: tuple, key: str) -> object:
        col = self.sheet.columns.get(key)
        if col is None or col >= len(row):
            return None
        value = row[col]
        return None if _is_blank(value) else value

    def _header(self, key: str) -> str:
        """The column as the sheet names it, for messages; the form's name if it is absent."""
        col = self.sheet.columns.get(key)
        if col is None:
            return COLUMN_BY_KEY[key].label
        return self.sheet.headers[col]

    def parse(self, row: tuple) -> _Row:
        """The row's fields; _Rejected when it cannot say who the customer is.

        A field that cannot be read is left empty and becomes one of the row's warnings,
        saying what else that costs (_settle_faults).
        """
        r = _Row()
        faults: dict[str, list[tuple[str, str]]] = {}  # key → (value as written, message)
        cells = {}
        for key, col in self.sheet.columns.items():
            if col < len(row) and not _is_blank(row[col]):
                cells[key] = row[col]
        for key, value in list(cells.items()):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                # a pasted document, not a field: the row is judged without it
                faults.setdefault(key, []).append(
                    (value[:12] + "…", f"{self._header(key)}有 {len(value)} 个字，太长（最多 "
                                       f"{MAX_CELL_CHARS} 字），已留空。"))
                del cells[key]
        cell = cells.get

        def run(key: str, fn: Callable[[], object], raw: object) -> object:
            try:
                return fn()
            except ValidationError as e:
                faults.setdefault(key, []).append((fold(_text(raw)), e.message))
                return None

        r.name = fold(_text(cell("name")))
        for key in ("phone", "phone2"):
            raw = fold(_text(cell(key)))
            # One cell often holds two numbers: 13812345678/0755-12345678.
            for part in (p for p in re.split(r"[/／、,，;；]", raw) if p.strip()):
                phone = run(key, lambda part=part, key=key: validate_phone(part, key), part)
                if phone and phone not in r.phones:
                    r.phones.append(phone)
        plate = cell("plate")
        if plate is not None:
            r.plate = run("plate", lambda: validate_plate(_text(plate)), plate) or ""
        for key in _PLAIN_FIELDS:
            setattr(r, key, fold(_text(cell(key))))
        for key in _FREE_FIELDS:
            setattr(r, key, _free_text(cell(key)))
        vin = fold(_text(cell("vin"))).upper().replace(" ", "")
        if vin and len(vin) != 17:
            faults["vin"] = [(vin, f"{self._header('vin')}应为 17 位，现在是 {len(vin)} 位。")]
        else:
            r.vin = vin
        for key in _DATE_FIELDS:
            value = cell(key)
            setattr(r, key, run(key, lambda v=value, k=key: parse_date(v, k, self._header(k)),
                                value))
        mileage, amount = cell("mileage_km"), cell("amount")
        r.mileage_km = run("mileage_km", lambda: _mileage(mileage, self._header("mileage_km")),
                           mileage)
        r.amount_fen = run("amount", lambda: _amount(amount, self._header("amount")), amount)
        cycle = run("cycle", lambda: parse_cycle(cell("cycle"), self._header("cycle")),
                    cell("cycle"))
        if cycle:
            r.cycle_months, r.cycle_km = cycle
        kind = fold(_text(cell("visit_kind"))).replace(" ", "")
        if kind:
            r.visit_kind = _KINDS.get(kind)
            if r.visit_kind is None:
                faults["visit_kind"] = [
                    (kind, f"{self._header('visit_kind')}请填 维修、保养、咨询 或 来访。")]
        comeback = cell("comeback")
        if isinstance(comeback, bool):
            r.comeback = comeback
        elif comeback is not None:
            text = fold(_text(comeback)).lower()
            if text in _YES:
                r.comeback = True
            elif text not in _NO:
                faults["comeback"] = [(text, f"{self._header('comeback')}请填 是 或 否。")]
        clerk = fold(_text(cell("clerk")))
        if clerk:
            r.clerk_id = self.staff.get(clerk.lower())
            if r.clerk_id is None:
                r.warnings.append(
                    f"{self._header('clerk')}“{clerk}”不是本系统的员工，未指定跟踪业务员。"
                )
        if not r.name:
            errors = [f"{self._header('name')}：未填写客户名称"]
            errors += [self._fault_text(k, m) for k, found in faults.items() for _v, m in found]
            raise _Rejected("；".join(e.rstrip("。") for e in errors) + "。")
        self._settle_faults(r, faults)
        self._check_visit(r)
        return r

    def _fault_text(self, key: str, message: str) -> str:
        header = self._header(key)
        return message if message.startswith(header) else f"{header}：{message}"

    def _settle_faults(self, r: _Row, faults: dict[str, list[tuple[str, str]]]) -> None:
        """Each unreadable field: a warning, with what else it costs the row."""
        # An unreadable phone is only a warning while the row has another way to find or
        # make the customer; apply() rejects it otherwise, with this reason.
        r.phone_faults = [self._fault_text(k, m)
                          for k in ("phone", "phone2") for _v, m in faults.get(k, [])]
        lost_visit = ""
        if "intake_date" in faults:
            lost_visit = "intake_date"
        elif "plate" in faults and r.intake_date is not None and (
            r.visit_kind in (None, VisitKind.REPAIR, VisitKind.MAINTENANCE)
        ):
            # The row was about a car (it names one): its visit needs that car.
            lost_visit = "plate"
        if lost_visit:
            dropped = self._drop_visit(r)
        for key, found in faults.items():
            if lost_visit and key in _VISIT_KEYS and key != lost_visit:
                continue  # the visit is not recorded at all: said once, below
            if "plate" in faults and key in _VEHICLE_KEYS:
                continue  # no car to put it on: said with the plate
            for value, message in found:
                header = self._header(key)
                cost = "已留空"
                if key == "plate":
                    lost = [self._header(k) for k in _VEHICLE_KEYS
                            if k in faults or any(getattr(r, a) not in (None, "")
                                                  for a in _VEHICLE_ATTRS.get(k, (k,)))]
                    if lost_visit == "plate":
                        lost.append(dropped)
                    if lost:
                        cost += f"，本行的{'、'.join(lost)}未导入"
                elif key == "intake_date":
                    cost = f"本行的{dropped}未导入"
                elif key == "visit_kind":
                    cost = "已按车号和维修养护项目判断类别"
                elif key == "comeback":
                    cost = "已按“否”导入"
                r.warnings.append(f"{header}“{value}”无法识别，{cost}。{message}")
        if "plate" in faults:
            for key in _VEHICLE_KEYS:
                for attr in _VEHICLE_ATTRS.get(key, (key,)):
                    setattr(r, attr, "" if isinstance(getattr(r, attr), str) else None)

    def _drop_visit(self, r: _Row) -> str:
        """Clear the row's visit; the warning's words for it: 来访记录（含…）."""
        held = [self._header(k) for k in _VISIT_KEYS if k not in ("intake_date", "visit_kind")
                if getattr(r, _VISIT_ATTRS.get(k, k)) not in (None, "", False)]
        r.intake_date = r.pickup_date = r.mileage_km = r.amount_fen = r.visit_kind = None
        r.service_items, r.comeback = "", False
        return "来访记录" + (f"（含{'、'.join(held)}）" if held else "")

    def _check_visit(self, r: _Row) -> None:
        """A visit the row cannot record is left out with a warning; the customer stays."""
        ih, ph = self._header("intake_date"), self._header("pickup_date")
        if r.intake_date is None:
            orphans = [
                self._header(k)
                for k, v in (("pickup_date", r.pickup_date), ("service_items", r.service_items),
                             ("mileage_km", r.mileage_km), ("amount", r.amount_fen))
                if v not in (None, "")
            ]
            if orphans:
                self._drop_visit(r)
                r.warnings.append(f"{ih}：未填写，本行的{'、'.join(orphans)}未导入。")
            r.visit_kind = None
            return
        if r.intake_date > clock.today() + dt.timedelta(days=1):
            day = r.intake_date
            dropped = self._drop_visit(r)
            r.warnings.append(f"{ih}“{day:%Y-%m-%d}”还没到（请检查年份），本行的{dropped}未导入。")
            return
        if r.pickup_date is not None and r.pickup_date < r.intake_date:
            r.warnings.append(f"{ph}“{r.pickup_date:%Y-%m-%d}”早于{ih}"
                              f"“{r.intake_date:%Y-%m-%d}”，{ph}已留空。")
            r.pickup_date = None
        named_maintenance = bool(r.plate) and classify_visit_kind(
            r.service_items, self.maintenance_words) == VisitKind.MAINTENANCE
        if r.visit_kind is None or (r.visit_kind == VisitKind.REPAIR and named_maintenance):
            # The paper form has no 类别 column, and old sheets call every car visit 维修:
            # the maintenance rows say so in 维修养护项目, and only maintenance visits move
            # the next-maintenance date.
            if named_maintenance:
                r.visit_kind = VisitKind.MAINTENANCE
            else:
                r.visit_kind = VisitKind.REPAIR if r.plate else VisitKind.VISIT
        elif r.visit_kind in (VisitKind.REPAIR, VisitKind.MAINTENANCE) and not r.plate:
            label = VISIT_KIND_LABELS[r.visit_kind]
            dropped = self._drop_visit(r)
            r.warnings.append(f"{self._header('visit_kind')}“{label}”须填写"
                              f"{self._header('plate')}，本行的{dropped}未导入。")

    # -- writing

    def import_rows(self, rows: list[tuple[int, tuple]]) -> list[RowOutcome]:
        """One batch: parse every row, load what they touch in bulk, apply them, write."""
        parsed: list[tuple[int, tuple, _Row | None, str]] = []
        for number, row in rows:
            try:
                parsed.append((number, row, self.parse(row), ""))
            except _Rejected as e:
                parsed.append((number, row, None, str(e)))
        self._preload([r for _, _, r, _ in parsed if r is not None])
        lines = []
        for number, row, r, error in parsed:
            if r is not None:
                try:
                    outcome, cust, reason = self.apply(r)
                except _Rejected as e:
                    error = str(e)
                else:
                    lines.append(RowOutcome(number, outcome, cust.archive_no, r.name, reason,
                                            tuple(r.warnings)))
                    continue
            name = fold(_text(self._cell(row, "name")))
            lines.append(RowOutcome(number, "rejected", None, name, error))
        self.write()
        if self.dry_run:
            return lines  # merged changes stay unflushed, and are thrown away at the end
        self.s.flush()
        # Unchanged objects may now be garbage-collected: a big archive need not fit in memory.
        for w in self.loaded:
            w.obj = None
        self.loaded = []
        return lines

    def _preload(self, rows: list[_Row]) -> None:
        """Load the archive's customers and vehicles these rows match: two queries, not 2n."""
        customers: dict[int, _Cust] = {}
        vehicles: dict[int, _Veh] = {}
        for r in rows:
            matched = [self.phones.get(_digits(p)) for p in r.phones]
            vehicle = self.plates.get(r.plate) if r.plate else None
            if vehicle is not None:
                matched.append(vehicle.cust)
                if vehicle.row is None and vehicle.obj is None:
                    vehicles[vehicle.id] = vehicle
            for c in matched:
                if c is not None and c.row is None and c.obj is None:
                    customers[c.id] = c
        for model, wanted in ((Customer, customers), (Vehicle, vehicles)):
            ids = list(wanted)
            for start in range(0, len(ids), 500):
                for obj in self.s.scalars(
                    select(model).where(model.id.in_(ids[start : start + 500]))
                ):
                    w = wanted[obj.id]
                    w.obj = obj
                    self.loaded.append(w)

    def apply(self, r: _Row) -> tuple[str, _Cust, str]:
        """Outcome, customer and what was done, for one parsed row."""
        matches = []
        for phone in r.phones:
            c = self.phones.get(_digits(phone))
            if c is not None and c not in matches:
                matches.append(c)
        by = "电话" if matches else "车号"
        vehicle = self.plates.get(r.plate) if r.plate else None
        if vehicle is not None and vehicle.cust not in matches:
            matches.append(vehicle.cust)
        if len(matches) > 1:
            raise _Rejected(
                "电话和车号分属不同的客户（"
                + "、".join(f"{c.name} {format_archive_no(c.archive_no)}" for c in matches)
                + "），请核对后再导入。"
            )
        if not r.phones and vehicle is None:
            why = "车号不在档案中，" if r.plate else ""
            if r.phone_faults:
                raise _Rejected("；".join(f.rstrip("。") for f in r.phone_faults)
                                + f"；{why}新客户必须有可用的联系电话。")
            raise _Rejected(f"{self._header('phone')}：未填写（{why}新客户必须有联系电话）。")

        done: list[str] = []
        if matches:
            cust, outcome = matches[0], "merged"
            self._merge_customer(cust, r, done)
        else:
            cust, outcome = self._new_customer(r), "imported"
        if r.plate:
            if vehicle is None:
                vehicle = self._new_vehicle(cust, r)
                if outcome == "merged":
                    done.append(f"新增车辆 {r.plate}")
            else:
                self._merge_vehicle(vehicle, r)
        if r.intake_date is not None:
            assert r.visit_kind is not None
            key = (cust, vehicle, r.visit_kind, r.intake_date)
            if key not in self.visits:
                self.visits.add(key)
                self._add_visit(cust, vehicle, r)
                if outcome == "merged":
                    done.append(f"新增{VISIT_KIND_LABELS[r.visit_kind]}记录 "
                                f"{r.intake_date:%Y-%m-%d}")
        if vehicle is not None:
            self._note_maintenance(vehicle, r)
        if not cust.touched:
            cust.touched = True
            self.touched.append(cust)
        if outcome == "merged":
            if cust.name != r.name:
                done.insert(0, f"按{by}并入档案中的“{cust.name}”")
            if not any(d.startswith(("新增", "补充")) for d in done):
                done.append("已存在，未重复导入")
        return outcome, cust, "；".join(done)

    def _customer(self, cust: _Cust) -> Customer | SimpleNamespace:
        if cust.row is not None:
            return cust.row
        if cust.obj is None:
            cust.obj = self.s.get(Customer, cust.id)
            self.loaded.append(cust)
        return cust.obj

    def _vehicle(self, vehicle: _Veh) -> Vehicle | SimpleNamespace:
        if vehicle.row is not None:
            return vehicle.row
        if vehicle.obj is None:
            vehicle.obj = self.s.get(Vehicle, vehicle.id)
            self.loaded.append(vehicle)
        return vehicle.obj

    def _archive_no(self) -> int:
        # next_archive_no flushes; only the first number goes through it, the rest
        # advance the same counter row in memory.
        if self.dry_run:  # the numbers the import would give, counted without writing
            if self.counter is None:
                last = self.s.scalar(select(Counter.last_value).where(
                    Counter.name == ARCHIVE_COUNTER))
                if last is None:
                    last = self.s.scalar(select(func.max(Customer.archive_no))) or 0
                self.counter = SimpleNamespace(last_value=last)
            self.counter.last_value += 1
            return self.counter.last_value
        if self.counter is None:
            number = next_archive_no(self.s)
            self.counter = self.s.get(Counter, ARCHIVE_COUNTER)
            return number
        self.counter.last_value += 1
        return self.counter.last_value

    def _new_customer(self, r: _Row) -> _Cust:
        row = SimpleNamespace(
            archive_no=self._archive_no(), name=r.name,
            phone=r.phones[0], phone2=r.phones[1] if len(r.phones) > 1 else "",
            address=r.address, region=r.region, contact_person=r.contact_person,
            services_wanted=r.services_wanted, notes=r.notes,
            clerk_id=r.clerk_id or self.default_clerk_id,
        )
        for extra in r.phones[2:]:
            r.warnings.append(f"电话 {extra} 未记录（一位客户最多两个电话）。")
        cust = _Cust(None, row.archive_no, r.name, row)
        self.new_customers.append(cust)
        for phone in r.phones[:2]:
            self.phones.setdefault(_digits(phone), cust)
        return cust

    def _merge_customer(self, cust: _Cust, r: _Row, done: list[str]) -> None:
        """Fill what the archive lacks; never overwrite what a clerk already recorded."""
        wanted = [p for p in r.phones if _digits(p) not in self.phones]
        fills = {k: getattr(r, k) for k in ("address", "region", "contact_person") if getattr(r, k)}
        texts = {k: getattr(r, k) for k in ("services_wanted", "notes") if getattr(r, k)}
        if not (wanted or fills or texts or r.clerk_id):
            return
        c = self._customer(cust)
        filled = []
        for k, v in fills.items():
            if not getattr(c, k):
                setattr(c, k, v)
                filled.append(self._header(k))
        for k, v in texts.items():
            old = getattr(c, k) or ""
            if v not in old:
                setattr(c, k, f"{old}\n{v}" if old else v)
                filled.append(self._header(k))
        if r.clerk_id and not c.clerk_id:
            c.clerk_id = r.clerk_id
            filled.append(self._header("clerk"))
        if filled:
            done.append(f"补充{'、'.join(filled)}")
        for phone in wanted:
            slot = "phone" if not c.phone else "phone2" if not c.phone2 else None
            if slot is None:
                r.warnings.append(f"电话 {phone} 未记录（档案中已有两个电话）。")
                continue
            setattr(c, slot, phone)
            self.phones[_digits(phone)] = cust
            done.append(f"新增电话 {phone}")

    def _new_vehicle(self, cust: _Cust, r: _Row) -> _Veh:
        row = SimpleNamespace(
            plate=r.plate, model=r.model, kind=r.vehicle_kind, vin=r.vin,
            purchase_date=r.purchase_date, warranty_end=r.warranty_end,
            insurance_expiry=r.insurance_expiry, maintenance_cycle_months=r.cycle_months,
            maintenance_cycle_km=r.cycle_km, next_maintenance_date=None,
            next_maintenance_basis="", next_maintenance_manual=False,
        )
        vehicle = _Veh(None, cust, r.plate, row)
        self.new_vehicles.append(vehicle)
        self.plates[r.plate] = vehicle
        return vehicle

    def _merge_vehicle(self, vehicle: _Veh, r: _Row) -> None:
        fills = {
            "model": r.model, "kind": r.vehicle_kind, "vin": r.vin,
            "purchase_date": r.purchase_date, "warranty_end": r.warranty_end,
            "insurance_expiry": r.insurance_expiry,
            "maintenance_cycle_months": r.cycle_months, "maintenance_cycle_km": r.cycle_km,
        }
        fills = {k: v for k, v in fills.items() if v not in (None, "")}
        if not fills:
            return
        v = self._vehicle(vehicle)
        for k, value in fills.items():
            if getattr(v, k) in (None, ""):
                setattr(v, k, value)

    def _add_visit(self, cust: _Cust, vehicle: _Veh | None, r: _Row) -> None:
        self.new_visits.append((cust, vehicle, SimpleNamespace(
            kind=r.visit_kind, intake_date=r.intake_date, pickup_date=r.pickup_date,
            service_items=r.service_items, mileage_km=r.mileage_km, amount_fen=r.amount_fen,
            is_comeback=r.comeback,
        )))

    def _note_maintenance(self, vehicle: _Veh, r: _Row) -> None:
        """Remember what the row says about the car's maintenance; settled after the rows."""
        key = id(vehicle)
        self.maintained_cars[key] = vehicle
        done = r.pickup_date or r.intake_date
        if r.intake_date is not None and r.visit_kind == VisitKind.MAINTENANCE:
            assert done is not None
            if key not in self.newest_maintenance or done > self.newest_maintenance[key]:
                self.newest_maintenance[key] = done
        if r.next_maintenance_date is not None:
            # Rows of one vehicle come in any order; the latest date is the one still ahead.
            old = self.typed_next.get(key)
            if old is None or r.next_maintenance_date > old[0]:
                self.typed_next[key] = (r.next_maintenance_date, done)

    def refresh_next_maintenance_dates(self) -> None:
        """下次保养期 of every car the sheet touched, by the archive's one rule.

        A 下次保养期 the sheet gives is the clerk's date (it wins) unless the sheet also holds
        a later maintenance visit than that row's; otherwise the date follows from the last
        maintenance visit and the cycle, like a visit typed in the dialog.
        """
        arrived: dict[int, dt.date] = {}
        for key, vehicle in self.maintained_cars.items():
            assert vehicle.id is not None
            newest = self.newest_maintenance.get(key)
            typed = self.typed_next.get(key)
            if typed is not None and (newest is None or typed[1] is None or newest <= typed[1]):
                v = self._vehicle(vehicle)
                v.next_maintenance_date, v.next_maintenance_basis = typed[0], ""
                v.next_maintenance_manual = True
                continue
            if newest is not None:
                arrived[vehicle.id] = newest
        self.s.flush()
        refresh_next_maintenance(
            self.s, [v.id for v in self.maintained_cars.values()], arrived=arrived)

    def write(self) -> None:
        """Insert the customers, vehicles and visits created since the last call, in bulk.

        The ORM would insert row by row here (it must learn each new id, and SQLite gives
        no order guarantee for RETURNING); executemany is many times faster. The new ids
        are read back by archive number and by plate.
        """
        s = self.s
        if self.dry_run:
            # ids of its own (negative: never a real row's) so later rows find these
            for x in (*self.new_customers, *self.new_vehicles):
                x.id, self.next_fake_id = self.next_fake_id, self.next_fake_id - 1
            self.new_customers, self.new_vehicles, self.new_visits = [], [], []
            return
        now, actor = utcnow(), s.info.get("actor_id")
        # These inserts bypass the ORM flush, so db.engine's audit stamping: stamp here.
        stamp = dict(created_at=now, created_by_id=actor, updated_at=now, updated_by_id=actor,
                     deleted_at=None, deleted_by_id=None)
        if self.new_customers:
            s.execute(insert(Customer.__table__),
                      [{**vars(c.row), **stamp} for c in self.new_customers])
            ids = dict(s.execute(
                select(Customer.archive_no, Customer.id)
                .where(Customer.archive_no.in_([c.archive_no for c in self.new_customers]))
            ).all())
            for c in self.new_customers:
                c.id, c.row = ids[c.archive_no], None
            self.new_customers = []
        if self.new_vehicles:
            s.execute(insert(Vehicle.__table__), [
                {**vars(v.row), "customer_id": v.cust.id, **stamp} for v in self.new_vehicles
            ])
            # A new plate is on no other live vehicle of its customer, so (plate, customer)
            # finds it; the highest id is the one just written.
            ids = {
                (plate, cid): vid
                for plate, cid, vid in s.execute(
                    select(Vehicle.plate, Vehicle.customer_id, Vehicle.id)
                    .where(Vehicle.deleted_at.is_(None),
                           Vehicle.plate.in_([v.plate for v in self.new_vehicles]))
                    .order_by(Vehicle.id)
                )
            }
            for v in self.new_vehicles:
                v.id, v.row = ids[(v.plate, v.cust.id)], None
            self.new_vehicles = []
        if self.new_visits:
            s.execute(insert(Visit.__table__), [
                {**vars(row), "customer_id": c.id, "vehicle_id": v.id if v else None, **stamp}
                for c, v, row in self.new_visits
            ])
            self.new_visits = []

    def touched_ids(self) -> list[int]:
        return [c.id for c in self.touched]


# ---------------------------------------------------------------- entry point


def import_file(
    store: Store,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    default_clerk_id: int | None = None,
    by: StaffInfo | None = None,
) -> ImportReport:
    """Import one spreadsheet into the archive, all or nothing; dry_run saves nothing.

    default_clerk_id: the 跟踪业务员 of the customers it creates whose row names none, so
    their follow-ups land on somebody's agenda (not only as 未分配 on the supervisor's).

    A call or letter register goes to app.register_import instead (its headers tell).

    Raises ImportFormatError when the file cannot be read or has no recognisable header,
    ImportCancelled (a subclass) when cancelled() turns true; nothing is saved then;
    ValidationError("role") for a clerk.
    """
    # a clerk does not import (`by`: the user; default, the one logged in on the store)
    refuse_clerk(acting(store, by), "跟踪业务员不能导入客户档案，请联系业务主管。")
    path = Path(path)
    # A call or letter register (跟踪服务电话/信函登记表) has its own import.
    from app.register_import import try_import

    register = try_import(store, path, dry_run=dry_run, progress=progress, cancelled=cancelled)
    if register is not None:
        return register
    sheet = _read(path)
    report = ImportReport(mapped=sheet.mapped, ignored=sheet.ignored, sheet=sheet.name)
    total = len(sheet.rows)
    if progress:
        progress(0, total)
    try:
        # a check reads only (no write lock); an import is one write transaction
        with (store.read() if dry_run else store.session()) as s:
            importer = _Importer(s, sheet, dry_run=dry_run)
            importer.default_clerk_id = default_clerk_id
            with s.no_autoflush:
                for start in range(0, total, BATCH):
                    if cancelled and cancelled():
                        raise ImportCancelled()
                    for line in importer.import_rows(sheet.rows[start : start + BATCH]):
                        report.add(line)
                    if progress and start + BATCH < total:
                        progress(start + BATCH, total)
            if cancelled and cancelled():
                raise ImportCancelled()
            if dry_run:
                s.rollback()  # nothing was written; drop the merges held in memory
                raise _DryRun()
            importer.refresh_next_maintenance_dates()
            refresh_derived(s, importer.touched_ids(), store.actor_id)
    except _DryRun:
        pass
    if progress:
        progress(total, total)
    return report
