"""修改记录: every change a person makes to a kept record, written beside it on flush.

One listener on the session factory (app.store) sees every ORM insert, update and delete of
the tracked tables and appends change_log rows (who, when, table, record, field, old → new) in
the same transaction: the change and its record are committed or lost together. Bulk writes
through Core (the demo, an import's inserts) are not seen; their rows carry created_by instead.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from db.models import (
    Call,
    ChangeLog,
    Customer,
    CustomerRequest,
    Letter,
    Setting,
    Staff,
    Task,
    Vehicle,
    Visit,
    utcnow,
)

# Columns that say nothing a person changed (stamps, derived bookkeeping).
SKIPPED = {"created_at", "created_by_id", "updated_at", "updated_by_id", "version",
           "deleted_by_id", "next_maintenance_basis"}
# Tasks are planned and moved by the rules all day; only what a person decides is kept.
TASK_FIELDS = {"status", "owner_id", "closed_reason", "close_note"}
TRACKED = (Customer, Vehicle, Visit, Call, CustomerRequest, Letter, Task, Staff, Setting)
HIDDEN = "（已隐藏）"
# settings that are bookkeeping, not a decision (login failure counters)
UNLOGGED_SETTINGS = ("login.", "letters.seeded")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _customer_of(obj) -> int | None:
    if isinstance(obj, Customer):
        return obj.id
    return getattr(obj, "customer_id", None)


def _record_id(obj) -> int:
    return 0 if isinstance(obj, Setting) else obj.id


def _rows_for(obj, action: str) -> list[dict]:
    table = obj.__tablename__
    base = dict(table_name=table, record_id=_record_id(obj), customer_id=_customer_of(obj))
    if isinstance(obj, Setting):
        if obj.key.startswith(UNLOGGED_SETTINGS):
            return []
        if action == "create":
            if obj.value in ("", '""', "null", "[]"):  # set to nothing: nothing changed
                return []
            return [dict(base, action="update", field=obj.key, old_value="",
                         new_value=obj.value)]
    if action == "create":
        return [dict(base, action="create", field="", old_value="", new_value="")]
    if action == "delete":
        return [dict(base, action="delete", field="", old_value="", new_value="")]
    rows = []
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        name = attr.key
        if name in SKIPPED or (isinstance(obj, Task) and name not in TASK_FIELDS):
            continue
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        if name == "deleted_at":
            kind = "delete" if new is not None else "restore"
            rows.append(dict(base, action=kind, field="", old_value="", new_value=""))
            continue
        shown_old, shown_new = _text(old), _text(new)
        if name == "password_hash":
            name, shown_old, shown_new = "password", HIDDEN, HIDDEN
        if isinstance(obj, Setting):
            name = obj.key
        rows.append(dict(base, action="update", field=name, old_value=shown_old,
                         new_value=shown_new))
    return rows


def record_changes(session: Session, _flush_context) -> None:
    """after_flush: ids are known, attribute history still holds old → new."""
    rows: list[dict] = []
    for obj in session.new:
        if isinstance(obj, TRACKED):
            rows += _rows_for(obj, "create")
    for obj in session.dirty:
        if isinstance(obj, TRACKED) and session.is_modified(obj, include_collections=False):
            rows += _rows_for(obj, "update")
    for obj in session.deleted:
        if isinstance(obj, TRACKED):
            rows += _rows_for(obj, "delete")
    if not rows:
        return
    now, actor = utcnow(), session.info.get("actor_id")
    for r in rows:
        r.update(at=now, staff_id=actor)
    session.connection().execute(insert(ChangeLog.__table__), rows)
