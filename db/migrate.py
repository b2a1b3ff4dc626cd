"""Bring a database to the schema this release expects, safely.

An older database is copied to a timestamped backup and upgraded in one transaction that
holds the write lock from the start: a crash, a power cut or a busy database leaves it as it
was. A new database is built beside its name and renamed into place. A database written by a
newer release is refused. Alembic is imported only when there is work to do: it costs ~200 ms.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

# The newest revision in db/migrations/versions; tests/test_migrations.py keeps them equal.
HEAD_REVISION = "0011"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """A database this release must not open; the message is for the user."""


class NewerDatabaseError(DatabaseError):
    pass


class ForeignDatabaseError(DatabaseError):
    pass


@dataclass
class MigrationResult:
    from_revision: str | None
    to_revision: str
    backup_path: Path | None = None

    @property
    def upgraded(self) -> bool:
        return self.from_revision != self.to_revision


def current_revision(engine: Engine) -> tuple[str | None, bool]:
    """(revision, has_any_tables), read without changing the file.

    A SQLite file is read through a read-only connection, so a database this release must
    refuse is not even switched to WAL.
    """
    path = sqlite_path(engine)
    if path is not None:
        if not path.exists():
            return None, False
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in names:
                return None, bool(names)
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            return (row[0] if row else None), True
        finally:
            con.close()
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        if "alembic_version" not in names:
            return None, bool(names)
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return rev, True


def _alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def sqlite_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def backup_sqlite(path: Path, label: str) -> Path:
    """Copy with SQLite's online backup, which is safe for a WAL database."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.{label}-{stamp}{path.suffix or '.sqlite'}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.{label}-{stamp}-{n}{path.suffix or '.sqlite'}")
        n += 1
    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def upgrade_to(engine: Engine, revision: str = "head") -> None:
    """Upgrade through `engine` as it is (a test fixture, a server database)."""
    with engine.begin() as conn:
        _run_upgrade(conn, revision)


def _run_upgrade(conn, revision: str = "head") -> None:
    from alembic import command

    cfg = _alembic_config(conn)
    cfg.attributes["on_version_apply"] = _step_applied
    command.upgrade(cfg, revision)


# Called after each migration step inside the upgrade's transaction; tests set it to kill the
# process or raise half-way through an upgrade.
after_step: Callable[[str], None] | None = None


def _step_applied(*, step, **_kw) -> None:
    if after_step is not None:
        after_step(step.up_revision_id)


UPGRADE_BUSY_TIMEOUT_MS = 30_000


def transactional_engine(path: Path, *, busy_timeout_ms: int = UPGRADE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine whose transactions include the DDL, and which takes the write lock first.

    pysqlite runs CREATE/ALTER/DROP in autocommit outside the transaction SQLAlchemy thinks
    it has; SQLAlchemy's recipe ("Serializable isolation / Savepoints / Transactional DDL"):
    switch the driver's own transaction handling off and emit BEGIN ourselves. BEGIN
    IMMEDIATE takes the write lock before the first statement, so a desk that is saving makes
    the upgrade wait instead of failing half-way.
    """
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class DatabaseBusyError(DatabaseError):
    pass


BUSY_MESSAGE = (
    "数据库需要升级，但另一台服务台正在使用它。请先关闭其他服务台上的 FollowDesk"
    "（包括正在导入的），再启动本程序；升级完成后其他服务台也要换成新版本。"
)

AfterUpgrade = Callable[[Connection, "str | None"], None]


def _is_locked(e: Exception) -> bool:
    text_ = str(e).lower()
    return "database is locked" in text_ or "database is busy" in text_


def _upgrade_file(path: Path, rev: str | None, after_upgrade: AfterUpgrade | None,
                  busy_timeout_ms: int, *, repair: bool = False,
                  backup: Path | None = None) -> MigrationResult:
    """One transaction: lock, copy the old file aside, every step, the derived tables, commit.

    A crash or a refusal anywhere leaves the file exactly as it was. `repair`: first remove
    what an older release's interrupted upgrade left behind (see _half_upgrade_leftovers)."""
    engine = transactional_engine(path, busy_timeout_ms=busy_timeout_ms)
    try:
        with engine.begin() as conn:
            # Another desk may have upgraded while we waited for the lock.
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            now = (conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                   if "alembic_version" in names else None)
            if now == HEAD_REVISION:
                return MigrationResult(now, now)
            if now != rev:
                rev = now
                if rev is not None and rev not in known_revisions():
                    raise _newer(rev)
            # Copied while we hold the write lock: exactly what the upgrade starts from.
            if backup is None and rev is not None:
                backup = backup_sqlite(path, f"before-upgrade-{rev}")
            if repair and rev is not None:
                for statement in _half_upgrade_leftovers(conn, rev, path):
                    conn.exec_driver_sql(statement)
            _run_upgrade(conn)
            if after_upgrade is not None:
                after_upgrade(conn, rev)
        return MigrationResult(rev, HEAD_REVISION, backup)
    except OperationalError as e:
        if _is_locked(e):
            raise DatabaseBusyError(BUSY_MESSAGE) from e
        if not repair and _is_leftover_clash(e):
            engine.dispose()
            return _upgrade_file(path, rev, after_upgrade, busy_timeout_ms, repair=True,
                                 backup=backup)
        raise
    finally:
        engine.dispose()


def _is_leftover_clash(e: Exception) -> bool:
    text_ = str(e).lower()
    return "already exists" in text_ or "duplicate column name" in text_


def _schema(conn) -> tuple[dict[str, set[str]], set[str]]:
    """{table: columns}, index names — SQLite's own objects and alembic_version left out."""
    tables: dict[str, set[str]] = {}
    indexes: set[str] = set()
    for kind, name in conn.exec_driver_sql("SELECT type, name FROM sqlite_master").all():
        if name.startswith("sqlite_") or name == "alembic_version":
            continue
        if kind == "table":
            cols = conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all()
            tables[name] = {c[1] for c in cols}
        elif kind == "index":
            indexes.add(name)
    return tables, indexes


def _half_upgrade_leftovers(conn, rev: str, path: Path) -> list[str]:
    """What an older release's interrupted upgrade left: pysqlite ran the leading CREATE/ALTER
    statements of the step in autocommit, then the crash rolled back the rest and the version
    stayed at `rev` — every later start then failed with "table … already exists".

    Those leftovers are exactly the tables, columns and indexes the file has beyond the schema
    of `rev` (built in memory to compare). They hold nothing: no release wrote to them, and the
    step's own inserts were rolled back. A leftover table with rows is not touched: the user is
    sent to the pre-upgrade backup instead."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as sconn:
            _run_upgrade(sconn, rev)
            want_tables, want_indexes = _schema(sconn)
    finally:
        scratch.dispose()
    have_tables, have_indexes = _schema(conn)
    statements = [f'DROP INDEX "{name}"' for name in sorted(have_indexes - want_indexes)]
    for table in sorted(set(have_tables) - set(want_tables)):
        if conn.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first() is not None:
            raise DatabaseError(
                f"数据库上次升级没有完成，留下了有数据的表 {table}，程序不能自动修复。"
                f"数据未做改动；升级前的备份在 {path.parent} 中"
                f"（文件名含 before-upgrade-{rev}），请联系维护人员。")
        statements.append(f'DROP TABLE "{table}"')
    for table in sorted(set(have_tables) & set(want_tables)):
        for column in sorted(have_tables[table] - want_tables[table]):
            statements.append(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    return statements


CREATING_SUFFIX = ".creating"


def _create_file(path: Path, after_upgrade: AfterUpgrade | None) -> MigrationResult:
    """A new database is built in a temporary file beside it and appears whole, or not at all.

    Killed half-way, only a `*.creating` file is left, which the next start removes."""
    _remove_stale_creations(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{CREATING_SUFFIX}")
    engine = transactional_engine(tmp)
    try:
        with engine.begin() as conn:
            _run_upgrade(conn)
            if after_upgrade is not None:
                after_upgrade(conn, None)
    finally:
        engine.dispose()
    try:
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return MigrationResult(None, HEAD_REVISION)


def _publish(tmp: Path, path: Path) -> None:
    """Give the finished file its name without replacing a database another desk created in
    the meantime (that one is then used)."""
    if path.exists():
        if not _half_created(path):
            return  # another desk was quicker: its database is the one
        # an empty file, or one an older release began to create in place and was killed
        # (FollowDesk's tables only, not one row in any): nothing to lose
        for side in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + side).unlink(missing_ok=True)
        os.replace(tmp, path)
        return
    for side in ("-wal", "-shm", "-journal"):  # leftovers of a file deleted by hand
        path.with_name(path.name + side).unlink(missing_ok=True)
    try:
        os.link(tmp, path)  # fails if the name exists, unlike a rename on Linux
    except FileExistsError:
        return
    except OSError:  # a file system without hard links (FAT on a USB drive)
        if not path.exists():
            os.replace(tmp, path)


def _half_created(path: Path) -> bool:
    """An empty file, or FollowDesk tables without a version and without a single row: what an
    older release left when killed while creating the database in place. Refusing it (as a
    foreign database) would lock the center out of a file that holds nothing."""
    from db.models import Base

    known = set(Base.metadata.tables) | {"alembic_version"}
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")}
            if not names <= known:
                return False
            return all(con.execute(f'SELECT 1 FROM "{n}" LIMIT 1').fetchone() is None
                       for n in names)
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False


def _remove_stale_creations(path: Path) -> None:
    """`*.creating` files of a killed start; the ones of a start still running are young."""
    cutoff = time.time() - 600
    for stale in path.parent.glob(f"{glob.escape(path.name)}.*{CREATING_SUFFIX}*"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()


def _newer(rev: str) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"这个数据库由更新版本的 FollowDesk 创建（数据库版本 {rev}，本程序最高支持 "
        f"{HEAD_REVISION}）。请安装最新版本的程序后再打开，数据未做任何改动。"
    )


def prepare_database(engine: Engine, *, after_upgrade: AfterUpgrade | None = None,
                     busy_timeout_ms: int = UPGRADE_BUSY_TIMEOUT_MS) -> MigrationResult:
    """Bring the database to HEAD_REVISION. `after_upgrade(connection, from_revision)` runs
    inside the upgrade's transaction, for work that must land with the new schema or not at all.
    """
    rev, has_tables = current_revision(engine)
    if rev == HEAD_REVISION:
        return MigrationResult(rev, rev)
    path = sqlite_path(engine)
    if rev is None and has_tables and not (path is not None and _half_created(path)):
        raise ForeignDatabaseError(
            "这个数据库文件不是 FollowDesk 的数据库（缺少版本信息），为免损坏数据，程序不会打开它。"
        )
    if rev is not None and rev not in known_revisions():
        raise _newer(rev)
    if path is None:  # in memory, or a database server: its own transaction is enough
        with engine.begin() as conn:
            _run_upgrade(conn)
            if after_upgrade is not None:
                after_upgrade(conn, rev)
        return MigrationResult(rev, HEAD_REVISION)
    if rev is None:
        result = _create_file(path, after_upgrade)
        rev, _ = current_revision(engine)
        if rev == HEAD_REVISION:
            return result
        # another desk created it meanwhile with an older release: upgrade that one
    return _upgrade_file(path, rev, after_upgrade, busy_timeout_ms)
