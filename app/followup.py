"""The follow-up engine: from the archive, the tasks the rules require, kept in step with it.

`plan_customer` is a pure function from one customer's records to the tasks they call for.
`sync_customers` reconciles those plans with the task table, idempotently:
- a planned task missing from the table is created (old history only within backfill_days);
- an open task whose plan moved (a pickup date edited) moves with it;
- a done task stays done; a cancelled-by-the-program task reopens if planned again;
- an open task no longer planned closes: an archive task as done (the archive is complete),
  any other as cancelled (its visit was deleted, the maintenance date moved on).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import rules as R
from app import task_rows
from app.rules import RuleSettings, Window
from db.models import (
    Customer,
    InsuranceRenewal,
    Task,
    TaskKind,
    TaskStatus,
    Vehicle,
    Visit,
    VisitKind,
)

TASK_KIND_LABELS = {
    TaskKind.ARCHIVE: "建档",
    TaskKind.FIRST_FOLLOWUP: "第一次跟踪",
    TaskKind.SECOND_FOLLOWUP: "第二次跟踪",
    TaskKind.MAINTENANCE: "保养提醒",
    TaskKind.FIRST_SERVICE: "首保提醒",
    TaskKind.INSURANCE: "续保提醒",
    TaskKind.ESCALATION: "要求处理",
    TaskKind.REPLY: "答复客户",
    TaskKind.EVENT_NOTICE: "活动通知",
    TaskKind.EVENT_LETTER: "活动信函",
    TaskKind.RETRY: "重拨",
    TaskKind.PICKUP: "待补出厂日期",
    TaskKind.LOST_CUSTOMER: "流失回访",
}
TASK_STATUS_LABELS = {TaskStatus.OPEN: "待办", TaskStatus.DONE: "已完成",
                      TaskStatus.CANCELLED: "已取消"}

# The kinds plan_customer derives from the archive; other kinds (requests, campaigns, retries)
# are opened and closed by their own services, and sync leaves them alone.
PLANNED_KINDS = frozenset({
    TaskKind.ARCHIVE, TaskKind.FIRST_FOLLOWUP, TaskKind.SECOND_FOLLOWUP,
    TaskKind.MAINTENANCE, TaskKind.FIRST_SERVICE, TaskKind.INSURANCE, TaskKind.PICKUP,
    TaskKind.LOST_CUSTOMER,
})
AUTO_DELETED = "auto:deleted"
AUTO_SUPERSEDED = "auto:superseded"
AUTO_COMPLETE = "auto:archive_complete"
AUTO_PICKUP_ENTERED = "auto:pickup_entered"
AUTO_ACHIEVED = "auto:achieved"  # 首保 done, insurance renewed, a lost customer came back
CHUNK = 500


# ---------------------------------------------------------------- plain inputs


@dataclass(frozen=True)
class VehicleFacts:
    id: int
    plate: str
    model: str
    kind: str
    cycle_months: int | None
    cycle_km: int | None
    next_maintenance_date: dt.date | None
    purchase_date: dt.date | None
    warranty_end: dt.date | None
    insurance_expiry: dt.date | None


@dataclass(frozen=True)
class VisitFacts:
    id: int
    vehicle_id: int | None
    kind: str
    intake_date: dt.date
    pickup_date: dt.date | None
    service_items: str = ""


@dataclass(frozen=True)
class CustomerFacts:
    id: int
    clerk_id: int | None
    name: str
    phone: str
    address: str
    deleted: bool
    vehicles: tuple[VehicleFacts, ...] = ()
    visits: tuple[VisitFacts, ...] = ()
    # visit id → the day its first follow-up call was made (R4 counts from it)
    first_calls: dict[int, dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskPlan:
    source_key: str
    kind: TaskKind
    window: Window
    owner_id: int | None
    vehicle_id: int | None = None
    visit_id: int | None = None
    topic: str = ""
    under_warranty: bool = False


# ---------------------------------------------------------------- planning (pure)


def _car_visit(kind: str) -> bool:
    return kind in (VisitKind.REPAIR, VisitKind.MAINTENANCE)


def plan_customer(c: CustomerFacts, rules: RuleSettings = R.DEFAULT_RULES) -> list[TaskPlan]:
    """Every task this customer's records call for, whatever their dates."""
    if c.deleted:
        return []
    plans: list[TaskPlan] = []
    vehicles = {v.id: v for v in c.vehicles}
    owner = c.clerk_id

    # R1: an archive task per car, on that car's latest visit, while the customer's or the
    # car's required fields are blank (a second car coming in leaves the first car's open).
    # Visits with no car (a consultation) look at the customer's fields only.
    latest_by_car: dict[int | None, VisitFacts] = {}
    for v in c.visits:
        key = v.vehicle_id if v.vehicle_id in vehicles else None
        best = latest_by_car.get(key)
        if best is None or (v.intake_date, v.id) > (best.intake_date, best.id):
            latest_by_car[key] = v
    for vehicle_id, latest in latest_by_car.items():
        car = vehicles.get(vehicle_id) if vehicle_id is not None else None
        fields: dict[str, object] = {"name": c.name, "phone": c.phone, "address": c.address}
        if car is not None or _car_visit(latest.kind):
            fields.update(
                plate=car.plate if car else "", model=car.model if car else "",
                kind=car.kind if car else "",
                maintenance_cycle=(car.cycle_months or car.cycle_km) if car else None,
                next_maintenance_date=car.next_maintenance_date if car else None,
            )
        else:
            fields.update(plate="-", model="-", kind="-", maintenance_cycle="-",
                          next_maintenance_date="-")
        missing = R.missing_archive_fields(fields)
        if missing:
            what = f"{car.plate}：" if car is not None and car.plate else ""
            plans.append(TaskPlan(
                f"visit:{latest.id}:archive", TaskKind.ARCHIVE,
                R.archive_window(latest.intake_date, rules), owner,
                latest.vehicle_id, latest.id, "补全档案：" + what + "、".join(missing),
            ))

    # R3 first call after every visit; R4 second call once the first is made.
    for v in c.visits:
        if _car_visit(v.kind) and v.pickup_date is None:
            # Still in the workshop, or the 出厂日期 was never typed: without it no follow-up
            # is ever planned, so after a while the clerk is asked for it.
            ask = v.intake_date + dt.timedelta(days=rules.pickup_missing_days)
            plans.append(TaskPlan(
                f"visit:{v.id}:pickup", TaskKind.PICKUP, Window(ask, ask), owner,
                v.vehicle_id, v.id,
                f"{v.intake_date} 送修至今未填出厂日期：{v.service_items or '维修/保养'}"))
            continue
        anchor = R.followup_anchor(v.intake_date, v.pickup_date)
        car = vehicles.get(v.vehicle_id) if v.vehicle_id else None
        warranty = car is not None and R.under_warranty(anchor, car.warranty_end)
        topic = v.service_items
        plans.append(TaskPlan(
            f"visit:{v.id}:first_followup", TaskKind.FIRST_FOLLOWUP,
            R.first_followup_window(anchor, rules), owner, v.vehicle_id, v.id, topic, warranty,
        ))
        first_call = c.first_calls.get(v.id)
        if first_call is not None:
            plans.append(TaskPlan(
                f"visit:{v.id}:second_followup", TaskKind.SECOND_FOLLOWUP,
                R.second_followup_window(first_call, rules), owner, v.vehicle_id, v.id,
                topic, warranty,
            ))

    # M: maintenance, first service of new cars, insurance renewal.
    maintained = {v.vehicle_id for v in c.visits if v.kind == VisitKind.MAINTENANCE}
    for car in c.vehicles:
        if car.next_maintenance_date:
            d = car.next_maintenance_date
            cycle = "、".join(p for p in (
                f"{car.cycle_months} 个月" if car.cycle_months else "",
                f"{car.cycle_km} 公里" if car.cycle_km else "") if p)
            plans.append(TaskPlan(
                f"vehicle:{car.id}:maintenance:{d.isoformat()}", TaskKind.MAINTENANCE,
                R.maintenance_window(d, rules), owner, car.id, None,
                f"{car.plate} 下次保养 {d.isoformat()}" + (f"（周期 {cycle}）" if cycle else ""),
            ))
        if car.purchase_date and car.id not in maintained:
            plans.append(TaskPlan(
                f"vehicle:{car.id}:first_service", TaskKind.FIRST_SERVICE,
                R.first_service_window(car.purchase_date, rules), owner, car.id, None,
                f"{car.plate} 新车首保（{rules.first_service_months} 个月或 "
                f"{rules.first_service_km} 公里）", True,
            ))
        if car.insurance_expiry:
            d = car.insurance_expiry
            plans.append(TaskPlan(
                f"vehicle:{car.id}:insurance:{d.isoformat()}", TaskKind.INSURANCE,
                R.insurance_window(d, rules), owner, car.id, None,
                f"{car.plate} 保险 {d.isoformat()} 到期，提醒续保",
            ))

    # 流失回访 (篇三 (一)2): once per absence, keyed on the last visit; a new visit replaces it
    if c.visits:
        last = max(v.intake_date for v in c.visits)
        plans.append(TaskPlan(
            f"customer:{c.id}:lost:{last.isoformat()}", TaskKind.LOST_CUSTOMER,
            R.lost_customer_window(last, rules), owner, None, None,
            f"{last.isoformat()} 后 {rules.lost_customer_months} 个月未回厂：回访并问明原因",
        ))
    return plans


def is_new_car(car: VehicleFacts, today: dt.date, rules: RuleSettings) -> bool:
    from app.dates import add_months

    return car.purchase_date is not None and add_months(
        car.purchase_date, rules.new_car_months) >= today


# ---------------------------------------------------------------- reading the records


def load_facts(s: Session, customer_ids: list[int]) -> list[CustomerFacts]:
    customers = s.execute(
        select(Customer.id, Customer.clerk_id, Customer.name, Customer.phone, Customer.address,
               Customer.deleted_at).where(Customer.id.in_(customer_ids))
    ).all()
    vehicles: dict[int, list[VehicleFacts]] = {}
    for row in s.execute(
        select(Vehicle.customer_id, Vehicle.id, Vehicle.plate, Vehicle.model, Vehicle.kind,
               Vehicle.maintenance_cycle_months, Vehicle.maintenance_cycle_km,
               Vehicle.next_maintenance_date, Vehicle.purchase_date, Vehicle.warranty_end,
               Vehicle.insurance_expiry)
        .where(Vehicle.customer_id.in_(customer_ids), Vehicle.deleted_at.is_(None))
    ):
        vehicles.setdefault(row[0], []).append(VehicleFacts(*row[1:]))
    visits: dict[int, list[VisitFacts]] = {}
    for row in s.execute(
        select(Visit.customer_id, Visit.id, Visit.vehicle_id, Visit.kind, Visit.intake_date,
               Visit.pickup_date, Visit.service_items)
        .where(Visit.customer_id.in_(customer_ids), Visit.deleted_at.is_(None))
    ):
        visits.setdefault(row[0], []).append(VisitFacts(*row[1:]))
    first_calls: dict[int, dict[int, dt.date]] = {}
    for cid, visit_id, done_on in s.execute(
        select(Task.customer_id, Task.visit_id, Task.done_on).where(
            Task.customer_id.in_(customer_ids), Task.kind == TaskKind.FIRST_FOLLOWUP,
            Task.status == TaskStatus.DONE, Task.done_on.is_not(None),
            # R4 counts from the first *call*: a task closed without one plans no second call
            Task.closed_reason.not_like(f"{task_rows.NO_CALL}%"))
    ):
        first_calls.setdefault(cid, {})[visit_id] = done_on
    return [
        CustomerFacts(
            id=cid, clerk_id=clerk, name=name, phone=phone, address=address,
            deleted=deleted_at is not None, vehicles=tuple(vehicles.get(cid, ())),
            visits=tuple(visits.get(cid, ())), first_calls=first_calls.get(cid, {}),
        )
        for cid, clerk, name, phone, address, deleted_at in customers
    ]


# ---------------------------------------------------------------- reconciling


@dataclass
class SyncResult:
    created: int = 0
    moved: int = 0
    closed: int = 0
    reopened: int = 0


def sync_customers(
    s: Session,
    customer_ids: Iterable[int],
    rules: RuleSettings,
    today: dt.date,
    actor_id: int | None = None,
    hand_entered: Iterable[int] = (),
) -> SyncResult:
    """Bring these customers' tasks in line with their records (inside s's transaction).

    The backfill limit keeps a bulk import's or an upgrade's old history off today's agenda;
    a visit a clerk enters by hand (hand_entered) always gets its tasks, marked 补录 when they
    are older than that limit.
    """
    ids = sorted(set(customer_ids))
    typed = set(hand_entered)
    result = SyncResult()
    backfill_from = today - dt.timedelta(days=rules.backfill_days)
    s.flush()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        existing = {t.source_key: t for t in s.scalars(
            select(Task).where(Task.customer_id.in_(chunk), Task.kind.in_(PLANNED_KINDS)))}
        planned_keys: set[str] = set()
        archive_cars: set[tuple[int, int | None]] = set()  # (customer, car) still incomplete
        new_rows: list[task_rows.NewTask] = []
        for facts in load_facts(s, chunk):
            for plan in plan_customer(facts, rules):
                planned_keys.add(plan.source_key)
                if plan.kind == TaskKind.ARCHIVE:
                    archive_cars.add((facts.id, plan.vehicle_id))
                task = existing.get(plan.source_key)
                if task is None:
                    by_hand = plan.visit_id is not None and plan.visit_id in typed
                    if plan.window.due < backfill_from and not by_hand:
                        continue  # history before the program: not today's work
                    if by_hand and plan.window.due < backfill_from:
                        # typed in later than an import would still plan it: say so
                        plan = dataclasses.replace(plan, topic="【补录】" + plan.topic)
                    if plan.kind == TaskKind.FIRST_SERVICE and not _young(plan, facts, today,
                                                                           rules):
                        continue
                    new_rows.append(task_rows.NewTask(
                        str(plan.kind), facts.id, plan.source_key, plan.window, plan.owner_id,
                        plan.topic, plan.vehicle_id, plan.visit_id, plan.under_warranty))
                    continue
                if task.status == TaskStatus.DONE:
                    continue
                if task.status == TaskStatus.CANCELLED:
                    if not task.closed_reason.startswith("auto:"):
                        continue  # cancelled by a person: stays cancelled
                    task.status = TaskStatus.OPEN
                    task.closed_reason = ""
                    result.reopened += 1
                if (task.window_start, task.due) != (plan.window.start, plan.window.due):
                    result.moved += 1
                task.window_start, task.due = plan.window.start, plan.window.due
                task.owner_id = plan.owner_id
                late_entry = (task.topic or "").startswith("【补录】")
                task.topic = "【补录】" + plan.topic if late_entry else plan.topic
                task.vehicle_id = plan.vehicle_id
                task.under_warranty = plan.under_warranty
        for key, task in existing.items():
            if key in planned_keys or task.status != TaskStatus.OPEN:
                continue
            if task.kind == TaskKind.PICKUP and not _source_deleted(s, task):
                task_rows.done(task, today, None, AUTO_PICKUP_ENTERED)
            elif task.kind == TaskKind.ARCHIVE and not _source_deleted(s, task) \
                    and (task.customer_id, task.vehicle_id) not in archive_cars:
                # Done only when that car's archive is complete; a newer visit of the same
                # still-incomplete car moves the work to its own task.
                task_rows.done(task, today, None, AUTO_COMPLETE)
            elif not _source_deleted(s, task) and (achieved := _achieved(s, task, today)):
                # 首保 happened / the policy was renewed: the reminder did its job (M)
                task_rows.done(task, achieved, None, AUTO_ACHIEVED)
            else:
                task_rows.cancel(task, AUTO_DELETED if _source_deleted(s, task)
                                 else AUTO_SUPERSEDED)
            result.closed += 1
        result.created += task_rows.add_many(s, new_rows, actor_id)
    s.flush()
    return result


def _young(plan: TaskPlan, facts: CustomerFacts, today: dt.date, rules: RuleSettings) -> bool:
    car = next((v for v in facts.vehicles if v.id == plan.vehicle_id), None)
    return car is not None and is_new_car(car, today, rules)


def _achieved(s: Session, task: Task, today: dt.date) -> dt.date | None:
    """The day a reminder's aim was met, if it was: the car's first maintenance visit (首保), a
    later expiry date entered (a renewal), the lost customer's return visit."""
    if task.kind == TaskKind.LOST_CUSTOMER:
        away_since = dt.date.fromisoformat(task.source_key.rsplit(":", 1)[1])
        back = s.scalar(select(func.min(Visit.intake_date)).where(
            Visit.customer_id == task.customer_id, Visit.deleted_at.is_(None),
            Visit.intake_date > away_since))
        # back before the window opened: never lost, nothing achieved (superseded)
        return back if back is not None and back >= task.window_start else None
    if task.vehicle_id is None:
        return None
    if task.kind == TaskKind.FIRST_SERVICE:
        return s.scalar(select(Visit.intake_date).where(
            Visit.vehicle_id == task.vehicle_id, Visit.deleted_at.is_(None),
            Visit.kind == VisitKind.MAINTENANCE).order_by(Visit.intake_date).limit(1))
    if task.kind == TaskKind.INSURANCE:
        renewed = s.scalar(select(InsuranceRenewal.renewed_on).where(
            InsuranceRenewal.vehicle_id == task.vehicle_id,
            InsuranceRenewal.old_expiry == task.due).order_by(InsuranceRenewal.id.desc()).limit(1))
        if renewed is not None:
            return renewed
        expiry = s.scalar(select(Vehicle.insurance_expiry).where(Vehicle.id == task.vehicle_id))
        # a renewal adds about a year; a few days' correction of a typo is not one
        if expiry is not None and expiry >= task.due + dt.timedelta(days=180):
            return today  # the day the new expiry was entered
    return None


def _customer_live(s: Session, customer_id: int) -> bool:
    return s.scalar(select(Customer.deleted_at).where(Customer.id == customer_id)) is None


def _source_deleted(s: Session, task: Task) -> bool:
    if not _customer_live(s, task.customer_id):
        return True
    if task.visit_id is not None:
        return s.scalar(select(Visit.deleted_at).where(Visit.id == task.visit_id)) is not None
    if task.vehicle_id is not None:
        return s.scalar(select(Vehicle.deleted_at).where(Vehicle.id == task.vehicle_id)) \
            is not None
    return False
