"""续保: recording a renewed insurance policy (the one writer of table insurance_renewal).

A renewal moves the car's 保险到期 to the new expiry, keeps who insured it and whether the
policy was sold here (是否在本店续保, 篇三 保险改善计划: 加大续保力度), and closes the old expiry's
reminder as done on the day it was renewed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app import clock
from app.archive import FormErrors, NotFound
from app.derived import refresh_derived
from app.store import Store
from db.models import InsuranceRenewal, Vehicle


@dataclass(frozen=True)
class RenewalInput:
    new_expiry: dt.date | None
    insurer: str = ""
    at_our_shop: bool = False
    renewed_on: dt.date | None = None  # default today


@dataclass(frozen=True)
class RenewalInfo:
    id: int
    vehicle_id: int
    old_expiry: dt.date | None
    new_expiry: dt.date
    insurer: str
    at_our_shop: bool
    renewed_on: dt.date


def check_renewal(old_expiry: dt.date | None, data: RenewalInput, today: dt.date) -> dict:
    """Field → message for what is wrong; empty when the renewal can be saved."""
    errors: dict[str, str] = {}
    if data.new_expiry is None:
        errors["new_expiry"] = "请填写新的保险到期日。"
    elif old_expiry is not None and data.new_expiry <= old_expiry:
        errors["new_expiry"] = f"新的到期日应晚于原到期日 {old_expiry:%Y-%m-%d}。"
    renewed_on = data.renewed_on or today
    if renewed_on > today:
        errors["renewed_on"] = "续保日期不能晚于今天。"
    if len(data.insurer.strip()) > 64:
        errors["insurer"] = "保险公司名称太长（最多 64 个字）。"
    return errors


class RenewalService:
    def __init__(self, store: Store):
        self.store = store

    def record(self, vehicle_id: int, data: RenewalInput) -> int:
        today = clock.today()
        with self.store.session() as s:
            car = s.get(Vehicle, vehicle_id)
            if car is None or car.deleted_at is not None:
                raise NotFound(vehicle_id)
            errors = check_renewal(car.insurance_expiry, data, today)
            if errors:
                raise FormErrors(errors)
            row = InsuranceRenewal(
                vehicle_id=car.id, customer_id=car.customer_id, old_expiry=car.insurance_expiry,
                new_expiry=data.new_expiry, insurer=data.insurer.strip(),
                at_our_shop=data.at_our_shop, renewed_on=data.renewed_on or today,
                clerk_id=self.store.actor_id)
            s.add(row)
            car.insurance_expiry = data.new_expiry
            s.flush()
            # the old expiry's reminder closes as done (achieved) on the renewal day
            refresh_derived(s, [car.customer_id], self.store.actor_id)
            return row.id

    def for_vehicle(self, vehicle_id: int) -> list[RenewalInfo]:
        with self.store.session() as s:
            rows = s.scalars(select(InsuranceRenewal).where(
                InsuranceRenewal.vehicle_id == vehicle_id)
                .order_by(InsuranceRenewal.renewed_on.desc(), InsuranceRenewal.id.desc())).all()
            return [RenewalInfo(r.id, r.vehicle_id, r.old_expiry, r.new_expiry, r.insurer,
                                r.at_our_shop, r.renewed_on) for r in rows]
