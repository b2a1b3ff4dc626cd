"""The one writer of task rows: every task is opened, moved, done, cancelled or handed over here.

The services decide *which* task and *why* (a call, a letter, a campaign, a deleted customer);
this module decides *how* a row changes, so a cascade written once reaches every kind. Before
it, six modules wrote task rows three ways, and a deleted or reassigned customer's campaign,
retry and request tasks were missed.

Closing reasons (Task.closed_reason):
- ""                       done by the call, letter or work it asked for
- "no_call:<reason>"       a call task closed without a call (标记完成 with a reason, R7)
- "auto:…"                 closed by the program (archive complete, visit deleted, customer
                           deleted, plan moved); "auto:" ones reopen when planned again
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from app.normalize import ValidationError
from app.rules import Window
from db.models import Task, TaskKind, TaskStatus, utcnow

NO_CALL = "no_call:"
CUSTOMER_DELETED = "auto:customer_deleted"
CAMPAIGN_CANCELLED = "campaign_cancelled"

# Tasks that ask for a phone call: closing one without a call needs a reason (R7).
CALL_KINDS = frozenset({
    TaskKind.FIRST_FOLLOWUP, TaskKind.SECOND_FOLLOWUP, TaskKind.MAINTENANCE,
    TaskKind.FIRST_SERVICE, TaskKind.INSURANCE, TaskKind.EVENT_NOTICE, TaskKind.RETRY,
    TaskKind.REPLY, TaskKind.LOST_CUSTOMER,
})
# The follow-up calls of R3/R4: any follow-up call of the customer closes the open one.
FOLLOWUP_KINDS = (TaskKind.FIRST_FOLLOWUP, TaskKind.SECOND_FOLLOWUP)

# Why a call task was closed without a call; 其他 needs words of its own.
NO_CALL_REASONS = ("客户已到店面谈", "号码错误", "客户拒绝回访", "已通过其他渠道联系", "其他")
OTHER = "其他"


def closed_without_call(task: Task) -> bool:
    return task.status == TaskStatus.DONE and (task.closed_reason or "").startswith(NO_CALL)


def done_by_call(task: Task) -> bool:
    """Done by the call it asked for: not closed by 标记完成 without one (R7), nor closed by
    the program because its aim was met (首保 came, the policy renewed, the customer back).
    The one rule the figures and the team view count as 完成."""
    return (task.status == TaskStatus.DONE and task.done_on is not None
            and not closed_without_call(task)
            and not (task.closed_reason or "").startswith("auto:"))


def no_call_reason(closed_reason: str) -> str:
    """The clerk's reason from a stored closed_reason ("" when the task was done by a call)."""
    if not closed_reason.startswith(NO_CALL):
        return ""
    reason = closed_reason.removeprefix(NO_CALL)
    return "旧版标记完成" if reason == "legacy" else reason


# ---------------------------------------------------------------- opening


def add(s: Session, kind: TaskKind, customer_id: int, window: Window, owner_id: int | None,
        key: str, *, topic: str = "", request_id: int | None = None,
        campaign_id: int | None = None, parent_task_id: int | None = None,
        vehicle_id: int | None = None, visit_id: int | None = None) -> int:
    """Open a task once per source key; asked again, the same task reopens in the new window."""
    existing = s.scalar(select(Task).where(Task.source_key == key))
    if existing is not None:
        existing.window_start, existing.due = window.start, window.due
        existing.status, existing.closed_reason, existing.close_note = TaskStatus.OPEN, "", ""
        return existing.id
    task = Task(kind=str(kind), customer_id=customer_id, window_start=window.start,
                due=window.due, owner_id=owner_id, source_key=key, topic=topic,
                request_id=request_id, campaign_id=campaign_id,
                parent_task_id=parent_task_id, vehicle_id=vehicle_id, visit_id=visit_id)
    s.add(task)
    s.flush()
    return task.id


@dataclass(frozen=True)
class NewTask:
    """One row for add_many: the planner's and the campaign's bulk inserts."""

    kind: str
    customer_id: int
    source_key: str
    window: Window
    owner_id: int | None
    topic: str = ""
    vehicle_id: int | None = None
    visit_id: int | None = None
    under_warranty: bool = False
    campaign_id: int | None = None
    # history written at once (the demo's past): the task was done by a call that day
    done_on: dt.date | None = None
    done_by: int | None = None


def add_many(s: Session, rows: Iterable[NewTask], actor_id: int | None) -> int:
    """Insert many new tasks at once (executemany), audit-stamped, since the ORM's row-by-row
    flush costs seconds for a campaign of 50k invitees. Keys must be new."""
    now = utcnow()
    values = [dict(
        kind=str(r.kind), customer_id=r.customer_id, vehicle_id=r.vehicle_id,
        visit_id=r.visit_id, source_key=r.source_key, window_start=r.window.start,
        due=r.window.due, owner_id=r.owner_id,
        status=str(TaskStatus.OPEN if r.done_on is None else TaskStatus.DONE),
        done_on=r.done_on, done_by_id=r.done_by, closed_reason="", close_note="", topic=r.topic,
        under_warranty=r.under_warranty, request_id=None, campaign_id=r.campaign_id,
        parent_task_id=None, created_at=now, created_by_id=actor_id, updated_at=now,
        updated_by_id=actor_id) for r in rows]
    if values:
        s.execute(insert(Task.__table__), values)
    return len(values)


# ---------------------------------------------------------------- closing


def done(task: Task, day: dt.date, by: int | None, reason: str = "") -> None:
    task.status = TaskStatus.DONE
    task.done_on = day
    task.done_by_id = by
    task.closed_reason = reason
    task.close_note = ""


def close_without_call(task: Task, day: dt.date, by: int | None, reason: str,
                       note: str = "") -> None:
    """标记完成 on a call task: a reason from the list, kept with who and when (R7)."""
    note = " ".join(note.split())
    if reason not in NO_CALL_REASONS:
        raise ValidationError("reason", "请选择没有通话就关闭这项任务的原因。")
    if reason == OTHER and not note:
        raise ValidationError("note", "选择“其他”时请写明原因。")
    task.status = TaskStatus.DONE
    task.done_on = day
    task.done_by_id = by
    task.closed_reason = NO_CALL + reason
    task.close_note = note


def cancel(task: Task, reason: str) -> None:
    task.status, task.closed_reason = TaskStatus.CANCELLED, reason


def cancel_for_campaign(s: Session, campaign_id: int) -> int:
    n = 0
    for t in s.scalars(select(Task).where(Task.campaign_id == campaign_id,
                                          Task.status == TaskStatus.OPEN)):
        cancel(t, CAMPAIGN_CANCELLED)
        n += 1
    return n


# ---------------------------------------------------------------- the customer's tasks


def cancel_for_deleted_customer(s: Session, customer_id: int) -> int:
    """Every open task of every kind leaves the agenda (客户已删除)."""
    return s.execute(
        update(Task).where(Task.customer_id == customer_id, Task.status == TaskStatus.OPEN)
        .values(status=str(TaskStatus.CANCELLED), closed_reason=CUSTOMER_DELETED)
        .execution_options(synchronize_session="fetch")).rowcount or 0


def reopen(task: Task) -> None:
    """A task closed by mistake is open again (done or cancelled)."""
    task.status, task.done_on, task.done_by_id = TaskStatus.OPEN, None, None
    task.closed_reason, task.close_note = "", ""


def reopen_for_restored_customer(s: Session, customer_id: int) -> int:
    """Exactly the tasks the deletion cancelled come back."""
    return s.execute(
        update(Task).where(Task.customer_id == customer_id,
                           Task.status == TaskStatus.CANCELLED,
                           Task.closed_reason == CUSTOMER_DELETED)
        .values(status=str(TaskStatus.OPEN), closed_reason="")
        .execution_options(synchronize_session="fetch")).rowcount or 0


def hand_over(s: Session, customer_id: int, owner_id: int | None) -> int:
    """Every open task follows the customer to the new clerk; done ones keep their history."""
    return s.execute(
        update(Task).where(Task.customer_id == customer_id, Task.status == TaskStatus.OPEN)
        .values(owner_id=owner_id)
        .execution_options(synchronize_session="fetch")).rowcount or 0


def open_followups(s: Session, customer_id: int, day: dt.date,
                   vehicle_id: int | None = None) -> list[Task]:
    """The open follow-up tasks a call on `day` can do: its window has opened (the call falls
    in it or the window has passed), for the named car when one is named; earliest due first."""
    where = and_(Task.customer_id == customer_id, Task.status == TaskStatus.OPEN,
                 Task.kind.in_([str(k) for k in FOLLOWUP_KINDS]), Task.window_start <= day)
    if vehicle_id is not None:
        where = and_(where, or_(Task.vehicle_id == vehicle_id, Task.vehicle_id.is_(None)))
    return list(s.scalars(select(Task).where(where).order_by(Task.due, Task.id)))
