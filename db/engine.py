"""Engine and session factory. SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from db.models import Audited, SoftDeleted, utcnow

BUSY_TIMEOUT_MS = 5000
# FULL: a commit is on the disk before the save returns, so a power cut loses nothing the clerk
# saw saved (NORMAL in WAL mode may lose the last commits). benchmarks/bench_sync.py measures
# what it costs a call save.
SYNCHRONOUS = "FULL"


def make_engine(url: str) -> Engine:
    # hide_parameters: an SQL error's text (a crash dialog, followdesk.log) shows the statement
    # but never the values in it — customers' names, phones and addresses.
    engine = create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # The wait first: asking for WAL needs a lock too, and a desk in the middle of a save
    # would otherwise fail this connection at once ("database is locked").
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL is persistent but cannot be set on an in-memory database; it is harmless to ask.
    # Switching an old (rollback-journal) file needs it to itself, and SQLite does not wait
    # for that: while another desk writes, try again briefly, then leave it to the next
    # connection rather than fail this one.
    for _attempt in range(40):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
            threading.Event().wait(0.05)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@event.listens_for(Session, "before_flush")
def _stamp_audit(session: Session, _ctx, _instances) -> None:
    """Every row records who created and last changed it: session.info['actor_id']."""
    actor = session.info.get("actor_id")
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, Audited):
            obj.created_at = obj.created_at or now
            obj.updated_at = now
            if obj.created_by_id is None:
                obj.created_by_id = actor
            obj.updated_by_id = actor
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            obj.updated_at = now
            obj.updated_by_id = actor
            deleted_now = isinstance(obj, SoftDeleted) and obj.deleted_at is not None
            if deleted_now and obj.deleted_by_id is None:
                obj.deleted_by_id = actor
