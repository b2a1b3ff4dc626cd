"""The customer archive (客户档案): customers, their vehicles and visits.

Widgets call these functions and get plain dataclasses back; no ORM object leaves a session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock, rules, task_rows
from app.derived import refresh_derived
from app.normalize import (
    ValidationError,
    check_pickup,
    fold,
    normalize_phone,
    normalize_plate,
    validate_phone,
    validate_plate,
)
from app.search_index import matching_ids
from app.settings import DEFAULT_MAINTENANCE_WORDS, load_maintenance_words
from app.staff import StaffInfo, acting, refuse_clerk, supervisor_only
from app.store import Store
from db.models import (
    Counter,
    Customer,
    CustomerSummary,
    InsuranceRenewal,
    Staff,
    Vehicle,
    Visit,
    VisitKind,
    utcnow,
)

VISIT_KIND_LABELS = {
    VisitKind.REPAIR: "维修",
    VisitKind.MAINTENANCE: "保养",
    VisitKind.CONSULTATION: "咨询",
    VisitKind.VISIT: "来访",
}
ARCHIVE_COUNTER = "archive_no"


def format_archive_no(number: int) -> str:
    return f"{number:06d}"


def format_amount(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{fen // 100}.{fen % 100:02d}"


class FormErrors(Exception):
    """Every field that failed, field name → Chinese message; nothing was saved."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


class _Collector:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def run(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as e:
            self.errors.setdefault(e.field, e.message)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


# ---------------------------------------------------------------- inputs


@dataclass
class CustomerInput:
    name: str
    phone: str = ""
    phone2: str = ""
    address: str = ""
    region: str = ""
    contact_person: str = ""
    services_wanted: str = ""
    notes: str = ""
    clerk_id: int | None = None

    def cleaned(self) -> CustomerInput:
        c = _Collector()
        name = fold(self.name)
        if not name:
            c.errors["name"] = "请填写客户名称。"
        phone = c.run(validate_phone, self.phone, "phone")
        phone2 = c.run(validate_phone, self.phone2, "phone2", required=False)
        c.raise_if_any()
        return CustomerInput(
            name=name,
            phone=phone or "",
            phone2=phone2 or "",
            address=fold(self.address),
            region=fold(self.region),
            contact_person=fold(self.contact_person),
            services_wanted=(self.services_wanted or "").strip(),
            notes=(self.notes or "").strip(),
            clerk_id=self.clerk_id,
        )


@dataclass
class VehicleInput:
    plate: str
    model: str = ""
    kind: str = ""
    vin: str = ""
    purchase_date: dt.date | None = None
    warranty_end: dt.date | None = None
    insurance_expiry: dt.date | None = None
    maintenance_cycle_months: int | None = None
    maintenance_cycle_km: int | None = None
    next_maintenance_date: dt.date | None = None

    def cleaned(self) -> VehicleInput:
        c = _Collector()
        plate = c.run(validate_plate, self.plate, "plate")
        vin = fold(self.vin).upper().replace(" ", "")
        if vin and len(vin) != 17:
            c.errors["vin"] = f"车架号（VIN）应为 17 位，现在是 {len(vin)} 位。"
        for name in ("maintenance_cycle_months", "maintenance_cycle_km"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                c.errors[name] = "保养周期应大于 0。"
        c.raise_if_any()
        return VehicleInput(
            plate=plate or "",
            model=fold(self.model),
            kind=fold(self.kind),
            vin=vin,
            purchase_date=self.purchase_date,
            warranty_end=self.warranty_end,
            insurance_expiry=self.insurance_expiry,
            maintenance_cycle_months=self.maintenance_cycle_months,
            maintenance_cycle_km=self.maintenance_cycle_km,
            next_maintenance_date=self.next_maintenance_date,
        )


@dataclass(frozen=True)
class MaintenancePlan:
    """保养周期 and 下次保养期 as collected at a visit (R1); they update the car.

    next_maintenance_date: a date the clerk typed (it wins until the next maintenance visit),
    or None to let the rule derive it.
    """

    cycle_months: int | None = None
    next_maintenance_date: dt.date | None = None


@dataclass
class VisitInput:
    kind: VisitKind
    intake_date: dt.date | None
    pickup_date: dt.date | None = None
    service_items: str = ""
    mileage_km: int | None = None
    amount_fen: int | None = None
    is_comeback: bool = False

    def cleaned(self) -> VisitInput:
        c = _Collector()
        c.run(check_pickup, self.intake_date, self.pickup_date)
        if self.mileage_km is not None and self.mileage_km < 0:
            c.errors["mileage_km"] = "行驶里程不能为负数。"
        if self.amount_fen is not None and self.amount_fen < 0:
            c.errors["amount_fen"] = "金额不能为负数。"
        if self.intake_date and self.intake_date > clock.today() + dt.timedelta(days=1):
            c.errors["intake_date"] = f"送修日期 {self.intake_date:%Y-%m-%d} 还没到。"
        c.raise_if_any()
        return VisitInput(
            kind=VisitKind(self.kind),
            intake_date=self.intake_date,
            pickup_date=self.pickup_date,
            service_items=(self.service_items or "").strip(),
            mileage_km=self.mileage_km,
            amount_fen=self.amount_fen,
            is_comeback=bool(self.is_comeback),
        )


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True)
class SummaryRow:
    customer_id: int
    archive_no: int
    name: str
    phone: str
    plates: str
    models: str
    next_maintenance_date: dt.date | None
    clerk_name: str
    last_visit_date: dt.date | None
    deleted: bool


@dataclass(frozen=True)
class VehicleInfo:
    id: int
    plate: str
    model: str
    kind: str
    vin: str
    purchase_date: dt.date | None
    warranty_end: dt.date | None
    insurance_expiry: dt.date | None
    maintenance_cycle_months: int | None
    maintenance_cycle_km: int | None
    next_maintenance_date: dt.date | None
    # How 下次保养期 was found ("按 6 个月" …); "" when the clerk typed it or none is known.
    next_maintenance_basis: str = ""
    next_maintenance_manual: bool = False
    # the last 续保 recorded: "2026-02-20 平安 本店续保"; "" when none
    last_renewal: str = ""
    version: int = 1

    def as_input(self) -> VehicleInput:
        return VehicleInput(
            plate=self.plate, model=self.model, kind=self.kind, vin=self.vin,
            purchase_date=self.purchase_date, warranty_end=self.warranty_end,
            insurance_expiry=self.insurance_expiry,
            maintenance_cycle_months=self.maintenance_cycle_months,
            maintenance_cycle_km=self.maintenance_cycle_km,
            next_maintenance_date=self.next_maintenance_date,
        )


@dataclass(frozen=True)
class VisitInfo:
    id: int
    vehicle_id: int | None
    plate: str
    kind: VisitKind
    intake_date: dt.date
    pickup_date: dt.date | None
    service_items: str
    mileage_km: int | None
    amount_fen: int | None
    is_comeback: bool
    version: int = 1

    @property
    def kind_label(self) -> str:
        return VISIT_KIND_LABELS[self.kind]


@dataclass(frozen=True)
class CustomerDetail:
    id: int
    archive_no: int
    name: str
    phone: str
    phone2: str
    address: str
    region: str
    contact_person: str
    services_wanted: str
    notes: str
    clerk_id: int | None
    clerk_name: str
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    deleted_at: dt.datetime | None
    version: int = 1  # what the form read: a save on an older one is refused (StaleEdit)
    vehicles: list[VehicleInfo] = field(default_factory=list)
    visits: list[VisitInfo] = field(default_factory=list)

    def as_input(self) -> CustomerInput:
        return CustomerInput(
            name=self.name, phone=self.phone, phone2=self.phone2, address=self.address,
            region=self.region, contact_person=self.contact_person,
            services_wanted=self.services_wanted, notes=self.notes, clerk_id=self.clerk_id,
        )


@dataclass(frozen=True)
class Duplicate:
    """A phone or plate that already belongs to another customer."""

    field: str
    value: str
    customer_id: int
    archive_no: int
    customer_name: str

    @property
    def message(self) -> str:
        what = "电话" if self.field.startswith("phone") else "车号"
        return (
            f"{what} {self.value} 已属于客户“{self.customer_name}”"
            f"（档案编号 {format_archive_no(self.archive_no)}）。"
        )


class NotFound(LookupError):
    pass


# ---------------------------------------------------------------- queries

SORT_COLUMNS = {
    "archive_no": CustomerSummary.archive_no,
    "name": CustomerSummary.name,
    "phone": CustomerSummary.phone,
    "plates": CustomerSummary.plates,
    "models": CustomerSummary.models,
    "next_maintenance_date": CustomerSummary.next_maintenance_date,
    "clerk_name": CustomerSummary.clerk_name,
    "last_visit_date": CustomerSummary.last_visit_date,
}


def next_archive_no(s: Session) -> int:
    counter = s.get(Counter, ARCHIVE_COUNTER)
    if counter is None:
        highest = s.scalar(select(func.max(Customer.archive_no))) or 0
        counter = Counter(name=ARCHIVE_COUNTER, last_value=highest)
        s.add(counter)
    counter.last_value += 1
    s.flush()
    return counter.last_value


class ArchiveService:
    def __init__(self, store: Store):
        self.store = store

    # -- the list

    def search_ids(
        self,
        query: str = "",
        *,
        sort: str = "archive_no",
        descending: bool = False,
        deleted: bool = False,
    ) -> list[int]:
        """Customer ids matching every term of query, in display order.

        With a query, the best matches come first (search_index.matching_ids: whole field, then
        start of a field, then anywhere; summed over the terms) and the chosen column orders
        the customers within a rank.
        """
        SORT_COLUMNS[sort]  # KeyError for a column the list cannot sort by
        with self.store.engine.connect() as conn:
            return matching_ids(conn, query, sort, descending=descending, deleted=deleted)

    def summary_rows(self, ids: list[int]) -> dict[int, SummaryRow]:
        cols = [getattr(CustomerSummary, f) for f in SummaryRow.__dataclass_fields__]
        out: dict[int, SummaryRow] = {}
        with self.store.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for row in conn.execute(
                    select(*cols).where(CustomerSummary.customer_id.in_(chunk))
                ):
                    out[row[0]] = SummaryRow(*row)
        return out

    def count(self, deleted: bool = False) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(
                select(func.count()).where(CustomerSummary.deleted.is_(deleted))
            ).scalar_one()

    # -- one customer

    def detail(self, customer_id: int) -> CustomerDetail:
        with self.store.read() as s:
            c = s.get(Customer, customer_id)
            if c is None:
                raise NotFound(customer_id)
            names = dict(s.execute(select(Staff.id, Staff.name)).all())
            vehicles = s.scalars(
                select(Vehicle)
                .where(Vehicle.customer_id == c.id, Vehicle.deleted_at.is_(None))
                .order_by(Vehicle.id)
            ).all()
            plates = {v.id: v.plate for v in vehicles}
            renewals: dict[int, str] = {}
            for vid, day, insurer, here in s.execute(
                    select(InsuranceRenewal.vehicle_id, InsuranceRenewal.renewed_on,
                           InsuranceRenewal.insurer, InsuranceRenewal.at_our_shop)
                    .where(InsuranceRenewal.customer_id == c.id)
                    .order_by(InsuranceRenewal.renewed_on, InsuranceRenewal.id)):
                renewals[vid] = " ".join(x for x in (
                    day.isoformat(), insurer, "本店续保" if here else "他店续保") if x)
            visits = s.scalars(
                select(Visit)
                .where(Visit.customer_id == c.id, Visit.deleted_at.is_(None))
                .order_by(Visit.intake_date.desc(), Visit.id.desc())
            ).all()
            return CustomerDetail(
                id=c.id, archive_no=c.archive_no, name=c.name, phone=c.phone,
                phone2=c.phone2, address=c.address, region=c.region,
                contact_person=c.contact_person, services_wanted=c.services_wanted,
                notes=c.notes, clerk_id=c.clerk_id, clerk_name=names.get(c.clerk_id, ""),
                created_at=c.created_at, created_by=names.get(c.created_by_id, ""),
                updated_at=c.updated_at, updated_by=names.get(c.updated_by_id, ""),
                deleted_at=c.deleted_at, version=c.version or 1,
                vehicles=[_vehicle_info(v, renewals.get(v.id, "")) for v in vehicles],
                visits=[_visit_info(v, plates.get(v.vehicle_id or -1, "")) for v in visits],
            )

    def find_duplicates(
        self,
        *,
        phones: list[str] = (),  # type: ignore[assignment]
        plates: list[str] = (),  # type: ignore[assignment]
        exclude_customer_id: int | None = None,
    ) -> list[Duplicate]:
        with self.store.read() as s:
            return _find_duplicates(s, phones, plates, exclude_customer_id)

    def create_customer(
        self, data: CustomerInput, vehicles: list[VehicleInput] = ()  # type: ignore[assignment]
    ) -> int:
        errors: dict[str, str] = {}
        try:
            data = data.cleaned()
        except FormErrors as e:
            errors.update(e.errors)
        try:
            cleaned_vehicles = _clean_vehicles(vehicles)
        except FormErrors as e:
            errors.update(e.errors)
        if errors:
            raise FormErrors(errors)
        with self.store.session() as s:
            customer = Customer(archive_no=next_archive_no(s), **vars(data))
            s.add(customer)
            s.flush()
            for v in cleaned_vehicles:
                s.add(Vehicle(customer_id=customer.id, **vars(v),
                              next_maintenance_manual=v.next_maintenance_date is not None))
            refresh_derived(s, [customer.id], self.store.actor_id)
            return customer.id

    def update_customer(self, customer_id: int, data: CustomerInput,
                        version: int | None = None) -> None:
        """version: the one the form read; another desk saving since refuses this save."""
        data = data.cleaned()
        with self.store.session() as s:
            customer = _get_customer(s, customer_id)
            _check_version(s, customer, version, "此客户")
            handed_over = customer.clerk_id != data.clerk_id
            user = acting(self.store)
            taking_unassigned = (customer.clerk_id is None and user is not None
                                 and data.clerk_id == user.id)
            if handed_over and not taking_unassigned:
                refuse_clerk(user, "把客户交给其他业务员须由业务主管安排。")
            for k, v in vars(data).items():
                setattr(customer, k, v)
            if handed_over:
                task_rows.hand_over(s, customer_id, data.clerk_id)
            refresh_derived(s, [customer_id], self.store.actor_id)

    def delete_customer(self, customer_id: int, by: StaffInfo | None = None) -> None:
        """Soft delete: the customer moves to the recycle bin (回收站) and can be restored.
        A clerk may not (ValidationError "role"); `by` defaults to the logged-in user."""
        refuse_clerk(acting(self.store, by), "跟踪业务员不能删除客户，请联系业务主管。")
        with self.store.session() as s:
            customer = _get_customer(s, customer_id)
            customer.deleted_at = utcnow()
            customer.deleted_by_id = self.store.actor_id
            task_rows.cancel_for_deleted_customer(s, customer_id)
            refresh_derived(s, [customer_id], self.store.actor_id)

    @supervisor_only("恢复已删除的客户须由业务主管或管理员操作。")
    def restore_customer(self, customer_id: int) -> None:
        with self.store.session() as s:
            customer = _get_customer(s, customer_id)
            customer.deleted_at = None
            customer.deleted_by_id = None
            task_rows.reopen_for_restored_customer(s, customer_id)
            refresh_derived(s, [customer_id], self.store.actor_id)

    # -- vehicles

    def add_vehicle(self, customer_id: int, data: VehicleInput) -> int:
        data = data.cleaned()
        with self.store.session() as s:
            _get_customer(s, customer_id)
            vehicle = Vehicle(customer_id=customer_id, **vars(data),
                              next_maintenance_manual=data.next_maintenance_date is not None)
            s.add(vehicle)
            s.flush()
            refresh_derived(s, [customer_id], self.store.actor_id)
            return vehicle.id

    def update_vehicle(self, vehicle_id: int, data: VehicleInput,
                       version: int | None = None) -> None:
        data = data.cleaned()
        with self.store.session() as s:
            vehicle = s.get(Vehicle, vehicle_id)
            if vehicle is None:
                raise NotFound(vehicle_id)
            _check_version(s, vehicle, version, "这辆车")
            typed = data.next_maintenance_date != vehicle.next_maintenance_date
            for k, v in vars(data).items():
                setattr(vehicle, k, v)
            if typed:
                # The clerk changed 下次保养期 by hand: it wins until the next maintenance
                # visit; clearing it hands the date back to the rule.
                _type_next_maintenance(vehicle, data.next_maintenance_date)
            s.flush()
            refresh_next_maintenance(s, [vehicle.id])
            refresh_derived(s, [vehicle.customer_id], self.store.actor_id)

    def delete_vehicle(self, vehicle_id: int) -> None:
        with self.store.session() as s:
            vehicle = s.get(Vehicle, vehicle_id)
            if vehicle is None:
                raise NotFound(vehicle_id)
            vehicle.deleted_at = utcnow()
            refresh_derived(s, [vehicle.customer_id], self.store.actor_id)

    # -- visits

    def register_visit(
        self, customer_id: int, vehicle_id: int | None, data: VisitInput,
        plan: MaintenancePlan | None = None,
    ) -> int:
        data = data.cleaned()
        if data.kind in (VisitKind.REPAIR, VisitKind.MAINTENANCE) and vehicle_id is None:
            raise FormErrors({"vehicle": "维修、保养须选择车辆。"})
        _check_plan(plan)
        with self.store.session() as s:
            _get_customer(s, customer_id)
            _apply_cycle(s, vehicle_id, plan)
            visit = _add_visit(s, customer_id, vehicle_id, data)
            _apply_typed_date(s, vehicle_id, plan)
            refresh_derived(s, [customer_id], self.store.actor_id, hand_entered=[visit.id])
            return visit.id

    def update_visit(
        self, visit_id: int, vehicle_id: int | None, data: VisitInput,
        plan: MaintenancePlan | None = None, version: int | None = None,
    ) -> None:
        """Correct a visit; its open follow-up tasks move with a changed pickup date."""
        data = data.cleaned()
        _check_plan(plan)
        with self.store.session() as s:
            visit = s.get(Visit, visit_id)
            if visit is None:
                raise NotFound(visit_id)
            _check_version(s, visit, version, "这条来访记录")
            if data.kind in (VisitKind.REPAIR, VisitKind.MAINTENANCE) and vehicle_id is None:
                raise FormErrors({"vehicle": "维修、保养须选择车辆。"})
            cars = {visit.vehicle_id, vehicle_id} - {None}
            _apply_cycle(s, vehicle_id, plan)
            visit.vehicle_id = vehicle_id
            for k, v in vars(data).items():
                setattr(visit, k, v)
            s.flush()
            refresh_next_maintenance(s, cars)
            _apply_typed_date(s, vehicle_id, plan)
            refresh_derived(s, [visit.customer_id], self.store.actor_id, hand_entered=[visit_id])

    def visit(self, visit_id: int) -> VisitInfo:
        with self.store.read() as s:
            v = s.get(Visit, visit_id)
            if v is None:
                raise NotFound(visit_id)
            plate = v.vehicle.plate if v.vehicle else ""
            return _visit_info(v, plate)

    def maintenance_words(self) -> tuple[str, ...]:
        """The words of 维修养护项目 that make a visit 保养 (a setting)."""
        with self.store.read() as s:
            return load_maintenance_words(s)

    def delete_visit(self, visit_id: int) -> None:
        with self.store.session() as s:
            visit = s.get(Visit, visit_id)
            if visit is None:
                raise NotFound(visit_id)
            visit.deleted_at = utcnow()
            s.flush()
            if visit.vehicle_id is not None:
                refresh_next_maintenance(s, [visit.vehicle_id])
            refresh_derived(s, [visit.customer_id], self.store.actor_id)


# ---------------------------------------------------------------- helpers


class StaleEdit(ValidationError):
    """Saved by someone else since the form read it: this save would silently undo theirs."""

    def __init__(self, message: str):
        super().__init__("stale", message)


def _check_version(s: Session, row, version: int | None, what: str) -> None:
    current = row.version or 1
    if version is not None and version != current:
        who = s.scalar(select(Staff.name).where(Staff.id == row.updated_by_id)) or "另一位同事"
        when = row.updated_at.replace(tzinfo=dt.UTC).astimezone() if row.updated_at else None
        at = f"在 {when:%m-%d %H:%M} " if when else ""
        raise StaleEdit(f"{what}已被{who}{at}修改，你这次的修改没有保存。"
                        "请载入对方保存的内容后再改。")
    row.version = current + 1


def _get_customer(s: Session, customer_id: int) -> Customer:
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise NotFound(customer_id)
    return customer


def _clean_vehicles(vehicles) -> list[VehicleInput]:
    cleaned = []
    errors: dict[str, str] = {}
    for v in vehicles:
        try:
            cleaned.append(v.cleaned())
        except FormErrors as e:
            errors.update(e.errors)
    if errors:
        raise FormErrors(errors)
    return cleaned


def _add_visit(s: Session, customer_id: int, vehicle_id: int | None, data: VisitInput) -> Visit:
    visit = Visit(customer_id=customer_id, vehicle_id=vehicle_id, **vars(data))
    s.add(visit)
    s.flush()
    if vehicle_id is not None:
        arrived = {vehicle_id: visit_done_day(visit)} if data.kind == VisitKind.MAINTENANCE else {}
        refresh_next_maintenance(s, [vehicle_id], arrived=arrived)
    s.flush()
    return visit


def classify_visit_kind(service_items: str, words=DEFAULT_MAINTENANCE_WORDS) -> VisitKind:
    """保养 when 维修养护项目 names maintenance (one of words, a setting), else 维修."""
    items = fold(service_items or "")
    if any(w and fold(w) in items for w in words):
        return VisitKind.MAINTENANCE
    return VisitKind.REPAIR


def visit_done_day(visit) -> dt.date:
    """The day a visit's work was done: pickup (出厂), else intake."""
    return visit.pickup_date or visit.intake_date


def _check_plan(plan: MaintenancePlan | None) -> None:
    if plan is not None and plan.cycle_months is not None and plan.cycle_months <= 0:
        raise FormErrors({"maintenance_cycle_months": "保养周期应大于 0。"})


def _apply_cycle(s: Session, vehicle_id: int | None, plan: MaintenancePlan | None) -> None:
    if plan is None or vehicle_id is None:
        return
    vehicle = s.get(Vehicle, vehicle_id)
    if vehicle is not None and plan.cycle_months is not None:
        vehicle.maintenance_cycle_months = plan.cycle_months
        s.flush()


def _apply_typed_date(s: Session, vehicle_id: int | None, plan: MaintenancePlan | None) -> None:
    """A 下次保养期 typed at the visit, unlike the car's current one, is the clerk's date."""
    if plan is None or vehicle_id is None or plan.next_maintenance_date is None:
        return
    vehicle = s.get(Vehicle, vehicle_id)
    if vehicle is not None and plan.next_maintenance_date != vehicle.next_maintenance_date:
        _type_next_maintenance(vehicle, plan.next_maintenance_date)
        s.flush()


def _type_next_maintenance(vehicle: Vehicle, day: dt.date | None) -> None:
    vehicle.next_maintenance_date = day
    vehicle.next_maintenance_manual = day is not None
    vehicle.next_maintenance_basis = ""


def refresh_next_maintenance(
    s: Session, vehicle_ids, *, arrived: dict[int, dt.date] | None = None
) -> None:
    """下次保养期 of these cars, from their live visits by the one rule (rules.next_maintenance).

    The last maintenance visit plus the cycle in months, or in kilometres at the car's pace
    over its odometer readings, whichever comes first. A date the clerk typed (manual) stays
    until a newer maintenance visit arrives: arrived maps a car to the done day of a
    maintenance visit just added (a visit dialog, an import). A derived date whose source is
    gone (its only maintenance visit deleted) is cleared; a typed one is never.
    """
    ids = sorted({i for i in vehicle_ids if i is not None})
    arrived = arrived or {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        visits: dict[int, list] = {i: [] for i in chunk}
        for row in s.execute(
            select(Visit.vehicle_id, Visit.kind, Visit.intake_date, Visit.pickup_date,
                   Visit.mileage_km)
            .where(Visit.vehicle_id.in_(chunk), Visit.deleted_at.is_(None))
        ):
            visits[row.vehicle_id].append(row)
        for vehicle in s.scalars(select(Vehicle).where(Vehicle.id.in_(chunk))):
            rows = visits[vehicle.id]
            done = [visit_done_day(r) for r in rows if r.kind == VisitKind.MAINTENANCE]
            last = max(done) if done else None
            if vehicle.next_maintenance_manual:
                new = arrived.get(vehicle.id)
                if new is None or last is None or new < last:
                    continue  # the clerk's date wins until the next maintenance visit
                vehicle.next_maintenance_manual = False
            due, basis = rules.next_maintenance(
                last, vehicle.maintenance_cycle_months, vehicle.maintenance_cycle_km,
                [(r.intake_date, r.mileage_km) for r in rows if r.mileage_km is not None])
            if due is not None:
                vehicle.next_maintenance_date, vehicle.next_maintenance_basis = due, basis
            elif vehicle.next_maintenance_basis:
                vehicle.next_maintenance_date, vehicle.next_maintenance_basis = None, ""


def _find_duplicates(
    s: Session, phones, plates, exclude_customer_id: int | None
) -> list[Duplicate]:
    found: list[Duplicate] = []
    live = Customer.deleted_at.is_(None)
    for i, raw in enumerate(phones):
        phone = normalize_phone(raw)
        if not phone:
            continue
        q = select(Customer).where(live, (Customer.phone == phone) | (Customer.phone2 == phone))
        if exclude_customer_id is not None:
            q = q.where(Customer.id != exclude_customer_id)
        c = s.scalars(q.limit(1)).first()
        if c is not None:
            field_name = "phone" if i == 0 else "phone2"
            found.append(Duplicate(field_name, phone, c.id, c.archive_no, c.name))
    for raw in plates:
        plate = normalize_plate(raw)
        if not plate:
            continue
        q = (
            select(Customer)
            .join(Vehicle, Vehicle.customer_id == Customer.id)
            .where(live, Vehicle.plate == plate, Vehicle.deleted_at.is_(None))
        )
        if exclude_customer_id is not None:
            q = q.where(Customer.id != exclude_customer_id)
        c = s.scalars(q.limit(1)).first()
        if c is not None:
            found.append(Duplicate("plate", plate, c.id, c.archive_no, c.name))
    return found


def _vehicle_info(v: Vehicle, last_renewal: str = "") -> VehicleInfo:
    return VehicleInfo(
        id=v.id, plate=v.plate, model=v.model, kind=v.kind, vin=v.vin,
        purchase_date=v.purchase_date, warranty_end=v.warranty_end,
        insurance_expiry=v.insurance_expiry,
        maintenance_cycle_months=v.maintenance_cycle_months,
        maintenance_cycle_km=v.maintenance_cycle_km,
        next_maintenance_date=v.next_maintenance_date,
        next_maintenance_basis=v.next_maintenance_basis or "",
        next_maintenance_manual=bool(v.next_maintenance_manual),
        last_renewal=last_renewal, version=v.version or 1,
    )


def _visit_info(v: Visit, plate: str) -> VisitInfo:
    return VisitInfo(
        id=v.id, vehicle_id=v.vehicle_id, plate=plate, kind=VisitKind(v.kind),
        intake_date=v.intake_date, pickup_date=v.pickup_date, service_items=v.service_items,
        mileage_km=v.mileage_km, amount_fen=v.amount_fen, is_comeback=v.is_comeback,
        version=v.version or 1,
    )

