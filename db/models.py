"""Typed SQLAlchemy models: the tables of FollowDesk.

Every schema change here needs an Alembic migration in db/migrations/versions.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class VisitKind(enum.StrEnum):
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    CONSULTATION = "consultation"
    VISIT = "visit"


class Audited:
    """Who created and last changed a row, and when; filled in by db.audit on flush."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SoftDeleted:
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Staff(Audited, Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Counter(Base):
    """Monotonic counters (archive numbers): a number once handed out is never reused."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Customer(Audited, SoftDeleted, Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_no: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone2: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    contact_person: Mapped[str] = mapped_column(String(64), default="")
    services_wanted: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)

    clerk: Mapped[Staff | None] = relationship(foreign_keys=[clerk_id])
    vehicles: Mapped[list[Vehicle]] = relationship(
        back_populates="customer", order_by="Vehicle.id"
    )
    visits: Mapped[list[Visit]] = relationship(
        back_populates="customer", order_by="Visit.intake_date.desc()"
    )

    __table_args__ = (Index("ix_customer_phone", "phone"),)


class Vehicle(Audited, SoftDeleted, Base):
    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16), index=True)
    model: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(32), default="")
    vin: Mapped[str] = mapped_column(String(32), default="")
    purchase_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    warranty_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    insurance_expiry: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    maintenance_cycle_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maintenance_cycle_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    next_maintenance_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    customer: Mapped[Customer] = relationship(back_populates="vehicles")


class Visit(Audited, SoftDeleted, Base):
    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicle.id"), nullable=True, index=True
    )
    kind: Mapped[VisitKind] = mapped_column(
        Enum(VisitKind, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e])
    )
    intake_date: Mapped[dt.date] = mapped_column(Date)
    pickup_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    service_items: Mapped[str] = mapped_column(Text, default="")
    mileage_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Money in fen (0.01 yuan): exact, and SQLite has no decimal type.
    amount_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_comeback: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="visits")
    vehicle: Mapped[Vehicle | None] = relationship()


class CustomerSummary(Base):
    """One row per customer, denormalised for the archive list and its search.

    Kept current by app.search_index whenever a customer, vehicle or visit changes, so the
    archive list sorts and filters 50k customers with one narrow table scan.
    """

    __tablename__ = "customer_summary"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    archive_no: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(80), default="")
    plates: Mapped[str] = mapped_column(String(200), default="")
    models: Mapped[str] = mapped_column(String(200), default="")
    next_maintenance_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    clerk_name: Mapped[str] = mapped_column(String(64), default="")
    last_visit_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower-case, half-width, space-free: name, pinyin initials and full pinyin, phones, plates.
    search_text: Mapped[str] = mapped_column(Text, default="")

    # A search scans this covering index in archive order instead of the wide table: about
    # half the time on 50k customers, and no sort step.
    __table_args__ = (
        Index("ix_customer_summary_search", "deleted", "archive_no", "search_text"),
    )


class TaskKind(enum.StrEnum):
    ARCHIVE = "archive"
    FIRST_FOLLOWUP = "first_followup"
    SECOND_FOLLOWUP = "second_followup"
    MAINTENANCE = "maintenance"
    FIRST_SERVICE = "first_service"
    INSURANCE = "insurance"


class TaskStatus(enum.StrEnum):
    """Stored states only: 'overdue' is derived from due and today, never stored."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Task(Audited, Base):
    """One call, letter or chore the rules require, with its window [window_start, due]."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A plain string, not a closed enum: later releases add kinds without a migration.
    kind: Mapped[str] = mapped_column(String(24))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), nullable=True)
    # What the task came from, e.g. "visit:12:first_followup": generation is idempotent on it.
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    window_start: Mapped[dt.date] = mapped_column(Date)
    due: Mapped[dt.date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.OPEN)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Why it closed without being done by hand: auto:deleted, auto:superseded, auto:complete…
    closed_reason: Mapped[str] = mapped_column(String(64), default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    under_warranty: Mapped[bool] = mapped_column(Boolean, default=False)

    # Covering indexes for the three hot reads (measured on 130k tasks: 200 ms → 15 ms):
    # today's agenda for everyone, for one clerk, and the month view's per-day counts.
    __table_args__ = (
        Index("ix_task_agenda", "status", "window_start", "due", "owner_id", "kind"),
        Index("ix_task_owner_agenda", "owner_id", "status", "window_start", "due", "kind"),
        Index("ix_task_month", "due", "status", "kind", "owner_id"),
    )


class Absence(Audited, Base):
    """R9: a clerk away from..to; the stand-in works their tasks meanwhile."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    stand_in_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class Setting(Base):
    """Center-wide settings (rule day counts …), one JSON value per key."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
