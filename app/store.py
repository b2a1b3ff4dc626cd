"""One open database: engine, short-lived sessions stamped with who is working."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app import clock
from db.engine import make_engine, make_session_factory
from db.migrate import (
    HEAD_REVISION,
    DatabaseError,
    MigrationResult,
    current_revision,
    prepare_database,
)

# Revisions are zero-padded numbers, so they compare as strings.
SUMMARY_SINCE = "0002"  # the revision that added customer_summary
TASKS_SINCE = "0003"  # the revision that added task


class DamagedDatabaseError(DatabaseError):
    """The database failed PRAGMA quick_check: nothing is written to it."""


class StoreBusyError(DatabaseError):
    """Another desk held the write lock for longer than a save waits (an import, a restore):
    the save did not happen, and the form that asked for it keeps what was typed."""


BUSY_MESSAGE = ("数据库正被另一台服务台占用（可能正在导入或恢复数据），已等候 {s} 秒仍未轮到。"
                "这次没有保存，你填写的内容还在窗口里；请稍后再点保存。")
# A save waits this long for another desk's long write before saying so; each try waits
# ATTEMPT_MS inside SQLite, so a waiting desk notices a freed lock quickly.
BUSY_WAIT_S = 30.0
ATTEMPT_MS = 250


class Store:
    def __init__(self, url: str, *, migrate: bool = True, check: bool = False):
        """check: PRAGMA quick_check first (the program and the command line do); a damaged
        database is opened for reading only, with `damage` saying why and where the last good
        backup is."""
        self.url = url
        self.engine = make_engine(url)
        self._factory = make_session_factory(self.engine)
        self.actor_id: int | None = None
        self.busy_wait_s = BUSY_WAIT_S
        self.damage: str | None = None
        self.migration: MigrationResult | None = None
        if check:
            from app.backup import health_check

            health_check(self)
        if self.damage is not None:
            try:
                rev, _ = current_revision(self.engine)
            except Exception:  # noqa: BLE001 - too damaged to read even the version
                rev = None
            if rev != HEAD_REVISION:
                self.engine.dispose()
                raise DamagedDatabaseError(self.damage)
            return
        if migrate:
            self.migration = prepare_database(self.engine, after_upgrade=self._after_upgrade)
        self._keep_history()
        if self.migration is not None and self._read_model_empty():
            with self.session() as s:
                self._rebuild_read_model(s, summaries=True, tasks=False)

    def _keep_history(self) -> None:
        """修改记录 for every session of this store, once the schema has its table (an old
        database opened without upgrading, as the fixtures do, has none)."""
        from sqlalchemy import event, inspect

        from db.history import record_changes

        if inspect(self.engine).has_table("change_log"):
            event.listen(self._factory, "after_flush", record_changes)

    def _after_upgrade(self, conn, before: str | None) -> None:
        """Inside the upgrade's transaction: the derived tables land with the new schema.

        They are rebuilt only when the upgrade crossed the migration that introduced them: a
        later schema change must not cost a 50k-customer rebuild."""
        summaries = before is not None and before < SUMMARY_SINCE
        tasks = before is not None and before < TASKS_SINCE
        if not (summaries or tasks):
            return
        with Session(bind=conn) as s:
            self._rebuild_read_model(s, summaries=summaries, tasks=tasks)
            s.flush()

    def _read_model_empty(self) -> bool:
        """Customers but no summary rows: a database written by hand or an interrupted upgrade.

        Two one-row probes, so a normal start on 50k customers pays nothing for the check.
        """
        from sqlalchemy import select

        from db.models import Customer, CustomerSummary

        with self.engine.connect() as conn:
            has_customers = conn.execute(select(Customer.id).limit(1)).first() is not None
            has_summary = conn.execute(select(CustomerSummary.customer_id).limit(1)).first()
        return has_customers and has_summary is None

    @staticmethod
    def _rebuild_read_model(s: Session, *, summaries: bool, tasks: bool) -> None:
        """An upgraded database gets its derived tables computed from the records."""

        from sqlalchemy import select

        from app.followup import sync_customers
        from app.search_index import rebuild_all
        from app.settings import load_rules
        from db.models import Customer

        if summaries:
            rebuild_all(s)
        if tasks:
            # Records from before the follow-up engine get their tasks (recent ones only).
            ids = s.scalars(select(Customer.id)).all()
            sync_customers(s, ids, load_rules(s), clock.today())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        if self.damage is not None:
            raise DamagedDatabaseError(self.damage)
        with self._factory() as s:
            s.info["actor_id"] = self.actor_id
            if self.engine.dialect.name == "sqlite":
                # The write lock before the first read: two desks numbering new customers (or
                # letters) wait for each other instead of both reading the same counter and
                # one failing; a stale read can never be written back. Sessions are short.
                self._begin_immediate(s)
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def outdated_message(self) -> str | None:
        """A message when another desk has upgraded the database past this release: this desk
        must close before it writes to a schema it does not know. None when all is well."""
        rev, _ = current_revision(self.engine)
        if rev is None or rev <= HEAD_REVISION:
            return None
        return (f"另一台服务台已用新版本的 FollowDesk 升级了数据库（数据库版本 {rev}，本程序只认识 "
                f"{HEAD_REVISION}）。请关闭本程序并安装新版本后再继续工作，以免数据出错。")

    def _begin_immediate(self, s: Session) -> None:
        """BEGIN IMMEDIATE, waiting through another desk's long write (up to busy_wait_s)."""
        import threading
        import time

        from sqlalchemy.exc import OperationalError

        deadline = time.monotonic() + self.busy_wait_s
        conn = s.connection()
        conn.exec_driver_sql(f"PRAGMA busy_timeout={ATTEMPT_MS}")
        pause = threading.Event()
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as e:
                text = str(e.orig or e).lower()
                if "locked" not in text and "busy" not in text:
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusyError(BUSY_MESSAGE.format(s=round(self.busy_wait_s))) \
                        from None
                pause.wait(0.05)

    def read(self) -> Session:
        return self._factory()

    def close(self) -> None:
        self.engine.dispose()
