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
    # Bumped by every edit through a form: a save based on an older read is refused
    # (two desks editing one customer must not silently undo each other; migration 0011).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
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
    # How 下次保养期 was found ("按 6 个月" / "按 5000 公里，日均 38 公里"); "" when typed.
    next_maintenance_basis: Mapped[str] = mapped_column(String(64), default="")
    # The clerk typed 下次保养期: it wins until the car's next maintenance visit.
    next_maintenance_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    customer: Mapped[Customer] = relationship(back_populates="vehicles")


class InsuranceRenewal(Audited, Base):
    """续保: a policy renewed — the new expiry, the insurer, and whether it was sold here."""

    __tablename__ = "insurance_renewal"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    old_expiry: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    new_expiry: Mapped[dt.date] = mapped_column(Date)
    insurer: Mapped[str] = mapped_column(String(64), default="")
    at_our_shop: Mapped[bool] = mapped_column(Boolean, default=False)  # 是否在本店续保
    renewed_on: Mapped[dt.date] = mapped_column(Date)
    clerk_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


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
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

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
    ESCALATION = "escalation"  # R5: study the request, or report it to the supervisor by +2
    REPLY = "reply"  # R5: tell the customer the solution the day it arrives
    EVENT_NOTICE = "event_notice"  # R6: phone notice two weeks before a campaign
    EVENT_LETTER = "event_letter"  # R6: the notice letter within two days of the call
    RETRY = "retry"  # nobody answered: call again at the agreed time
    PICKUP = "pickup"  # 待补出厂日期: a car job whose pickup date was never entered
    LOST_CUSTOMER = "lost_customer"  # 流失回访: no visit for N months (篇三 (一)2)


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
    # What the clerk wrote when closing a call task without a call (其他: …), migration 0007
    close_note: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    under_warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where a request, campaign or retry task came from (migration 0004).
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parent_task_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)

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


class PublicDayKind(enum.StrEnum):
    OFF = "off"  # 休: a public holiday or a rest day moved by the notice
    WORK = "work"  # 班: a weekend day worked in exchange (调休上班)


class PublicDay(Audited, Base):
    """One day of the State Council's 放假/调休 notice, as the center entered it.

    A year with any such day follows the notice alone; other years are computed.
    """

    __tablename__ = "public_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[PublicDayKind] = mapped_column(
        Enum(PublicDayKind, native_enum=False, length=8,
             values_callable=lambda e: [m.value for m in e]))
    name: Mapped[str] = mapped_column(String(32), default="")


class Setting(Base):
    """Center-wide settings (rule day counts …), one JSON value per key."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Campaign(Audited, SoftDeleted, Base):
    """R6: 联谊活动, 优惠服务月, 免费检测周, 汽车知识讲座 … and who is invited."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, default="")
    event_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    invitee_filter: Mapped[str] = mapped_column(Text, default="{}")  # JSON, as chosen


class CampaignInvitee(Base):
    __tablename__ = "campaign_invitee"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True,
                                             index=True)


class Call(Audited, SoftDeleted, Base):
    """R7: every call, out or in, recorded and kept in the customer's archive."""

    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True,
                                                    index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), nullable=True,
                                                index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    called_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    direction: Mapped[str] = mapped_column(String(8), default="out")  # out / in
    # followup / consultation / complaint / notice / reply / other
    call_type: Mapped[str] = mapped_column(String(16), default="followup")
    phone: Mapped[str] = mapped_column(String(32), default="")
    reached: Mapped[bool] = mapped_column(Boolean, default=True)
    # no_answer / powered_off / invalid_number / reschedule, when not reached
    no_answer_reason: Mapped[str] = mapped_column(String(16), default="")
    retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    points_covered: Mapped[str] = mapped_column(String(32), default="")  # "1,2,5" of 篇二 §3
    key_points: Mapped[str] = mapped_column(Text, default="")  # 通话要点
    customer_request: Mapped[str] = mapped_column(Text, default="")  # 要求/希望/投诉
    satisfaction: Mapped[str] = mapped_column(String(12), default="")
    result: Mapped[str] = mapped_column(String(200), default="")  # 处理结果, register column
    caller_name: Mapped[str] = mapped_column(String(64), default="")  # an unknown caller
    # 请您为本次服务打分: 0–10, blank when the customer gave none (CSI, 篇三; migration 0007)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # 流失回访: why the customer stopped coming (LOST_REASONS code; migration 0009)
    lost_reason: Mapped[str] = mapped_column(String(16), default="")


class CustomerRequest(Audited, Base):
    """R5: a request, wish or complaint from a call, followed until the customer is answered."""

    __tablename__ = "customer_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), nullable=True)
    is_complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(16), default="")  # 前台/车间/配件/保险/销售
    handling: Mapped[str] = mapped_column(String(12))  # answered / study / escalated
    # open → (escalated) → solved → replied → closed
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    escalated_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    solution: Mapped[str] = mapped_column(Text, default="")
    solved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    solved_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    replied_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    reply_call_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reply_letter_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # "" for a request or complaint the customer raised; "unsatisfied" for 回访不满意 found
    # on a follow-up call (篇一 十.2), migration 0007
    source: Mapped[str] = mapped_column(String(16), default="")
    close_note: Mapped[str] = mapped_column(Text, default="")  # why the supervisor closed it


class Letter(Audited, SoftDeleted, Base):
    """R8: every letter (notice, invitation, reply) registered and filed."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), nullable=True,
                                                    index=True)
    kind: Mapped[str] = mapped_column(String(16))  # notice / invitation / reply
    sent_on: Mapped[dt.date] = mapped_column(Date, index=True)
    recipient: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")  # 事由
    body: Mapped[str] = mapped_column(Text, default="")
    way: Mapped[str] = mapped_column(String(12), default="mail")  # mail / hand / electronic
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), nullable=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("customer_request.id"),
                                                   nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    # 编号, e.g. 2026-0001: numbered per year of sent_on, taken when registered, never reused
    letter_no: Mapped[str | None] = mapped_column(String(16), nullable=True, unique=True,
                                                  index=True)


class LetterTemplate(Audited, Base):
    """Editable letter text with {客户名称}, {活动内容}, {活动日期}, {活动地点} … placeholders."""

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")


class FiledSummary(Audited, Base):
    """R10: a 月度小结 / 年度总结 as filed: the supervisor's text and a frozen copy of the
    figures, so later edits to the records never change what was filed."""

    __tablename__ = "filed_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # week / month / year / custom
    title: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    clerk_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    figures_json: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")


class ChangeLog(Base):
    """修改记录: every change a person made to a kept record, field by field, never updated or
    deleted (issue 14: who changed a phone number, who deleted and who restored)."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    table_name: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    # the customer the record belongs to, so the customer page lists its whole history
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(12))  # create / update / delete / restore
    field: Mapped[str] = mapped_column(String(48), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_change_log_customer", "customer_id", "at"),
        Index("ix_change_log_record", "table_name", "record_id"),
    )
