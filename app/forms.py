"""The four standard forms of 篇二 §11 (R11): the data each one prints, gathered once.

This module only collects and words the content, as plain strings; `app.forms_pdf` and
`app.forms_xlsx` lay the same data out on paper and in a workbook.

- 客户档案基本资料表 (archive): one per customer, with the vehicles and the visit history;
- 跟踪服务电话记录表 (call-record): one per call, the seven talking points ticked, the
  request's handling steps with their dates;
- 跟踪服务电话登记表 (call-register) and 跟踪服务信函登记表 (letter-register): one line per
  call / letter of a period, optionally of one clerk, numbered 序号.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from app import clock
from app.archive import ArchiveService, NotFound, format_archive_no
from app.contacts import (
    CALL_TYPES,
    HANDLING,
    NO_ANSWER,
    SATISFACTION,
    STANDARD_POINTS,
    ContactService,
)
from app.dates import add_months, chinese_date, chinese_period
from app.letters import LetterService
from app.settings import (
    BINDING_DEFAULT,
    BINDING_KEY,
    BINDING_RANGE,
    load_center,
    load_int,
    save_int,
)
from app.store import Store
from db.models import Call, Customer, CustomerRequest, Visit

FORMS = {
    "archive": "客户档案基本资料表",
    "call-record": "跟踪服务电话记录表",
    "call-register": "跟踪服务电话登记表",
    "letter-register": "跟踪服务信函登记表",
}
REGISTERS = ("call-register", "letter-register")

PERIODS = {"week": "本周", "month": "本月", "last_month": "上月", "custom": "自定义"}

# Column titles and their widths in millimetres on landscape A4 (273 mm between the margins);
# the column with width 0 takes what is left. Wrapping text columns are marked True.
CALL_REGISTER_COLUMNS = [
    ("序号", 11, False), ("日期", 19, False), ("时间", 11, False), ("客户名称", 27, True),
    ("车号", 20, True), ("联系电话", 26, True), ("类别", 12, True), ("通话要点摘要", 0, True),
    ("处理结果", 34, True), ("经办人", 15, True), ("备注", 24, True),
]
LETTER_REGISTER_COLUMNS = [
    ("序号", 11, False), ("编号", 19, False), ("发函日期", 20, False), ("客户名称", 28, True),
    ("地址", 58, True), ("信函类别", 15, True), ("事由", 0, True), ("寄送方式", 15, True),
    ("经办人", 15, True), ("备注", 24, True),
]
ARCHIVE_VEHICLE_COLUMNS = ["车号", "车型", "车种", "保养周期", "下次保养期", "保修到期",
                           "保险到期"]
ARCHIVE_VISIT_COLUMNS = ["日期", "类别", "车号", "维修养护项目", "里程（km）"]
DIRECTIONS = {"out": "去电", "in": "来电"}


class FormInputError(ValueError):
    """Bad input for a form (an unknown customer, call or form; a reversed period)."""


def period_range(choice: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """本周 (Monday–Sunday), 本月, 上月 containing / before `today`."""
    if choice == "week":
        start = today - dt.timedelta(days=today.weekday())
        return start, start + dt.timedelta(days=6)
    first = today.replace(day=1)
    if choice == "last_month":
        first = add_months(first, -1)
    elif choice != "month":
        raise FormInputError(f"未知的期间：{choice}")
    return first, add_months(first, 1) - dt.timedelta(days=1)


def d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    """统计期间 as printed: 2026年11月, 2026年, or 2026年11月1日 至 2026年11月15日."""
    if start and end:
        return chinese_period(start, end)
    if start:
        return f"{chinese_date(start)} 起"
    if end:
        return f"至 {chinese_date(end)}"
    return "全部"


# ---------------------------------------------------------------- what is printed


@dataclass(frozen=True)
class FormHeader:
    """What heads every page: the center, the title, the period / whose, the print date."""

    center: str
    title: str
    left: str  # 统计期间 … 经办人 …, or 档案编号 …
    printed_on: dt.date
    binding_mm: float = BINDING_DEFAULT  # punch margin on the bound edge (settings)

    @property
    def printed_text(self) -> str:
        return f"打印日期：{d(self.printed_on)}"


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float  # 0: takes the rest
    wraps: bool = True


@dataclass
class RegisterForm:
    """A register: numbered lines under repeated column headers, signatures at the end."""

    form: str
    header: FormHeader
    columns: list[Column]
    rows: list[tuple[str, ...]]  # every cell a string; the first is 序号
    signatures: tuple[str, ...] = ("登记人（签字）", "业务主管（签字）")


@dataclass(frozen=True)
class ArchiveSheet:
    """One customer's 客户档案基本资料表."""

    customer_id: int
    archive_no: str
    created_on: str
    name: str
    phones: str
    address: str
    contact_person: str
    clerk_name: str
    services_wanted: str
    notes: str
    vehicles: list[tuple[str, ...]]  # ARCHIVE_VEHICLE_COLUMNS
    visits: list[tuple[str, ...]]  # ARCHIVE_VISIT_COLUMNS, oldest first


@dataclass(frozen=True)
class CallRecordSheet:
    """One call's 跟踪服务电话记录表."""

    call_id: int
    called_at: str
    customer: str  # name (档案编号)
    phone: str
    plate: str
    call_type: str  # 跟踪 / 咨询 / 投诉 …
    direction: str  # 去电 / 来电
    reached: str  # "" when reached, else 未接通（关机）…
    points: frozenset[int]
    key_points: str
    customer_request: str
    handling: str  # answered / study / escalated, or ""
    escalated_on: str
    solution: str
    replied_on: str
    satisfaction: str  # satisfied / basic / unsatisfied, or ""
    clerk_name: str


@dataclass
class ArchiveForm:
    form: str
    header: FormHeader  # left is replaced per customer
    sheets: list[ArchiveSheet]
    signatures: tuple[str, ...] = ("建档人（签字）", "跟踪业务员（签字）", "业务主管（签字）")


@dataclass
class CallRecordForm:
    form: str
    header: FormHeader
    sheets: list[CallRecordSheet]
    signatures: tuple[str, ...] = ("经办人（签字）", "业务主管（签字）")


FormData = RegisterForm | ArchiveForm | CallRecordForm


@dataclass
class FormRequest:
    """What to print: a form, and a period / clerk / customer / call."""

    form: str
    start: dt.date | None = None
    end: dt.date | None = None
    clerk_id: int | None = None
    clerk_name: str = ""
    customer_ids: list[int] | None = None
    call_ids: list[int] | None = None
    limit: int | None = None
    today: dt.date = field(default_factory=clock.today)

    def check(self) -> None:
        if self.form not in FORMS:
            raise FormInputError(f"未知的表格：{self.form}（可选：{'、'.join(FORMS)}）")
        if self.start and self.end and self.end < self.start:
            raise FormInputError("结束日期早于开始日期。")
        if self.limit is not None and self.limit <= 0:
            raise FormInputError("份数上限应大于 0。")

    @property
    def title(self) -> str:
        return FORMS[self.form]

    def period_left(self) -> str:
        text = f"统计期间：{period_text(self.start, self.end)}"
        if self.clerk_name:
            text += f"　　经办人：{self.clerk_name}"
        return text


Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class FormsService:
    """Gathers a form's content; one read per batch, no ORM object leaves a session."""

    def __init__(self, store: Store):
        self.store = store
        self.archive = ArchiveService(store)
        self.contacts = ContactService(store)
        self.letters = LetterService(store)

    def center_name(self) -> str:
        with self.store.read() as s:
            return load_center(s)["name"].strip()

    def binding_mm(self) -> int:
        """The punch margin on the bound edge of every printed form (装订边距), in mm."""
        with self.store.read() as s:
            value = load_int(s, BINDING_KEY, BINDING_DEFAULT)
        lo, hi = BINDING_RANGE
        return min(max(value, lo), hi)

    def save_binding_mm(self, value: int) -> None:
        lo, hi = BINDING_RANGE
        if not lo <= int(value) <= hi:
            raise FormInputError(f"装订边距应在 {lo}–{hi} 毫米之间。")
        with self.store.session() as s:
            save_int(s, BINDING_KEY, int(value))

    def _header(self, req: FormRequest, left: str) -> FormHeader:
        return FormHeader(self.center_name(), req.title, left, req.today, self.binding_mm())

    def customer_id_by_archive_no(self, archive_no: str | int) -> int | None:
        """The customer filed under 档案编号 (typed with or without leading zeros)."""
        text = str(archive_no).strip()
        if not text.isdigit():
            return None
        with self.store.read() as s:
            return s.scalar(select(Customer.id).where(Customer.archive_no == int(text),
                                                      Customer.deleted_at.is_(None)))

    # -- which customers / calls a period covers

    def archive_customer_ids(self, start: dt.date | None = None, end: dt.date | None = None,
                             clerk_id: int | None = None, limit: int | None = None
                             ) -> list[int]:
        """Customers archived or visiting in the period (all without one), by 档案编号."""
        q = select(Customer.id).where(Customer.deleted_at.is_(None))
        if clerk_id:
            q = q.where(Customer.clerk_id == clerk_id)
        if start or end:
            created, visited = [], []
            if start:
                created.append(Customer.created_at >= dt.datetime.combine(start, dt.time()))
                visited.append(Visit.intake_date >= start)
            if end:
                created.append(Customer.created_at
                               < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
                visited.append(Visit.intake_date <= end)
            visitors = select(Visit.customer_id).where(Visit.deleted_at.is_(None), *visited)
            q = q.where(or_(and_(*created), Customer.id.in_(visitors)))
        q = q.order_by(Customer.archive_no)
        if limit:
            q = q.limit(limit)
        with self.store.engine.connect() as conn:
            return [row[0] for row in conn.execute(q).cursor.fetchall()]

    def record_call_ids(self, start: dt.date | None = None, end: dt.date | None = None,
                        clerk_id: int | None = None, limit: int | None = None) -> list[int]:
        """Calls that reached someone, oldest first: each gets a 电话记录表."""
        ids = self.contacts.call_ids(start=start, end=end, clerk_id=clerk_id)
        with self.store.engine.connect() as conn:
            reached = set()
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                reached.update(r[0] for r in conn.execute(
                    select(Call.id).where(Call.id.in_(chunk), Call.reached.is_(True))))
        out = [i for i in reversed(ids) if i in reached]
        return out[:limit] if limit else out

    # -- gathering

    def gather(self, req: FormRequest, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> FormData | None:
        """The form's content; None when cancelled."""
        req.check()
        if req.form == "call-register":
            return self.call_register(req, progress, cancelled)
        if req.form == "letter-register":
            return self.letter_register(req, progress, cancelled)
        if req.form == "archive":
            ids = req.customer_ids
            if ids is None:
                ids = self.archive_customer_ids(req.start, req.end, req.clerk_id, req.limit)
            return self.archive_form(req, ids, progress, cancelled)
        ids = req.call_ids
        if ids is None:
            ids = self.record_call_ids(req.start, req.end, req.clerk_id, req.limit)
        return self.call_record_form(req, ids, progress, cancelled)

    def call_register(self, req: FormRequest, progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> RegisterForm | None:
        ids = list(reversed(self.contacts.call_ids(start=req.start, end=req.end,
                                                   clerk_id=req.clerk_id)))
        if req.limit:
            ids = ids[:req.limit]
        rows: list[tuple[str, ...]] = []
        for i in range(0, len(ids), 1000):
            if cancelled and cancelled():
                return None
            chunk = ids[i:i + 1000]
            infos = self.contacts.call_rows(chunk)
            for cid in chunk:
                c = infos.get(cid)
                if c is None:
                    continue
                summary = c.key_points or "、".join(
                    _short_point(p) for p in c.points_covered)
                if c.customer_request:
                    summary = (summary + "；" if summary else "") + "客户要求：" + \
                        c.customer_request
                notes = []
                if c.direction == "in":
                    notes.append("来电")
                sat = SATISFACTION.get(c.satisfaction, "")
                if sat and sat not in c.result:
                    notes.append(sat)
                if not c.reached and NO_ANSWER.get(c.no_answer_reason, "") not in c.result:
                    notes.append(NO_ANSWER.get(c.no_answer_reason, "未接通"))
                rows.append((str(len(rows) + 1), d(c.called_at.date()),
                             f"{c.called_at:%H:%M}", c.customer_name, c.plate,
                             c.phone,
                             c.type_label, summary, c.result, c.clerk_name, "，".join(notes)))
            if progress:
                progress(min(i + 1000, len(ids)), len(ids))
        cols = [Column(t, w, wraps) for t, w, wraps in CALL_REGISTER_COLUMNS]
        return RegisterForm(req.form, self._header(req, req.period_left()), cols, rows)

    def letter_register(self, req: FormRequest, progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> RegisterForm | None:
        ids = list(reversed(self.letters.letter_ids(start=req.start, end=req.end,
                                                    clerk_id=req.clerk_id)))
        if req.limit:
            ids = ids[:req.limit]
        rows: list[tuple[str, ...]] = []
        for i in range(0, len(ids), 1000):
            if cancelled and cancelled():
                return None
            chunk = ids[i:i + 1000]
            infos = self.letters.letter_rows(chunk)
            for lid in chunk:
                x = infos.get(lid)
                if x is None:
                    continue
                rows.append((str(len(rows) + 1), x.letter_no, d(x.sent_on), x.recipient,
                             x.address, x.kind_label, x.subject, x.way_label, x.clerk_name,
                             x.note))
            if progress:
                progress(min(i + 1000, len(ids)), len(ids))
        cols = [Column(t, w, wraps) for t, w, wraps in LETTER_REGISTER_COLUMNS]
        return RegisterForm(req.form, self._header(req, req.period_left()), cols, rows)

    def archive_sheet(self, customer_id: int) -> ArchiveSheet:
        try:
            c = self.archive.detail(customer_id)
        except NotFound:
            raise FormInputError(f"没有这位客户（编号 {customer_id}）。") from None
        vehicles = []
        for v in c.vehicles:
            cycle = "，".join(x for x in (
                f"{v.maintenance_cycle_months} 个月" if v.maintenance_cycle_months else "",
                f"{v.maintenance_cycle_km} 公里" if v.maintenance_cycle_km else "") if x)
            vehicles.append((v.plate, v.model, v.kind, cycle, d(v.next_maintenance_date),
                             d(v.warranty_end), d(v.insurance_expiry)))
        visits = []
        for x in reversed(c.visits):  # oldest first, as a record book
            kind = x.kind_label + ("（返修）" if x.is_comeback else "")
            visits.append((d(x.intake_date), kind, x.plate, x.service_items,
                           f"{x.mileage_km:,}" if x.mileage_km is not None else ""))
        phones = "、".join(p for p in (c.phone, c.phone2) if p)
        address = c.address if not c.region or c.region in c.address else \
            f"{c.region} {c.address}".strip()
        return ArchiveSheet(c.id, format_archive_no(c.archive_no), d(c.created_at.date()),
                            c.name, phones, address, c.contact_person, c.clerk_name,
                            c.services_wanted, c.notes, vehicles, visits)

    def archive_form(self, req: FormRequest, customer_ids: list[int],
                     progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> ArchiveForm | None:
        sheets = []
        for n, cid in enumerate(customer_ids, 1):
            if cancelled and cancelled():
                return None
            sheets.append(self.archive_sheet(cid))
            if progress and (n % 20 == 0 or n == len(customer_ids)):
                progress(n, len(customer_ids))
        return ArchiveForm(req.form, self._header(req, ""), sheets)

    def call_record_sheet(self, call_id: int) -> CallRecordSheet:
        try:
            c = self.contacts.call(call_id)
        except LookupError:
            raise FormInputError(f"没有这次通话（编号 {call_id}）。") from None
        with self.store.read() as s:
            # The request raised in this call, else the one this call answered.
            req = s.scalars(select(CustomerRequest).where(
                or_(CustomerRequest.call_id == call_id,
                    CustomerRequest.reply_call_id == call_id))
                .order_by((CustomerRequest.call_id == call_id).desc(), CustomerRequest.id)
            ).first()
            request = None if req is None else (req.content, req.handling, req.escalated_on,
                                                req.solution, req.replied_on,
                                                req.is_complaint)
        customer = c.customer_name
        if c.archive_no is not None:
            customer += f"（档案编号 {format_archive_no(c.archive_no)}）"
        customer_request = c.customer_request
        handling = escalated = solution = replied = ""
        if request is not None:
            content, handling, esc_on, solution, rep_on, complaint = request
            if content and content not in customer_request:
                label = "投诉" if complaint else "要求"
                customer_request = (customer_request + "\n" if customer_request else "") + \
                    f"{label}：{content}"
            escalated, replied = d(esc_on), d(rep_on)
        reached = "" if c.reached else NO_ANSWER.get(c.no_answer_reason, "未接通")
        phone = c.phone
        return CallRecordSheet(
            c.id, f"{c.called_at:%Y-%m-%d %H:%M}", customer, phone, c.plate,
            CALL_TYPES.get(c.call_type, c.call_type), DIRECTIONS.get(c.direction, ""), reached,
            frozenset(c.points_covered), c.key_points, customer_request, handling or "",
            escalated, solution or "", replied, c.satisfaction, c.clerk_name)

    def call_record_form(self, req: FormRequest, call_ids: list[int],
                         progress: Progress | None = None,
                         cancelled: Cancelled | None = None) -> CallRecordForm | None:
        sheets = []
        for n, cid in enumerate(call_ids, 1):
            if cancelled and cancelled():
                return None
            sheets.append(self.call_record_sheet(cid))
            if progress and (n % 20 == 0 or n == len(call_ids)):
                progress(n, len(call_ids))
        return CallRecordForm(req.form, self._header(req, ""), sheets)


def _short_point(p: int) -> str:
    """The talking point's gist for a register line (the full text is on the record)."""
    return SHORT_POINTS.get(p, STANDARD_POINTS.get(p, str(p)))


SHORT_POINTS = {1: "用车情况及意见", 2: "新的服务需求", 3: "用车知识", 4: "介绍新服务",
                5: "优惠联谊活动", 6: "咨询服务", 7: "走访客户"}
HANDLING_LABELS = HANDLING
SATISFACTION_LABELS = SATISFACTION
