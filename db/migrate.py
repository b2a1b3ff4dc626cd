"""Bring a database to the schema this release expects, safely.

An older database is copied to a timestamped backup and upgraded; a database written by a
newer release is refused. Alembic is imported only when there is work to do: it costs ~200 ms.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text

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
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def prepare_database(engine: Engine) -> MigrationResult:
    rev, has_tables = current_revision(engine)
    if rev == HEAD_REVISION:
        return MigrationResult(rev, rev)
    if rev is None and has_tables:
        raise ForeignDatabaseError(
            "这个数据库文件不是 FollowDesk 的数据库（缺少版本信息），为免损坏数据，程序不会打开它。"
        )
    if rev is not None and rev not in known_revisions():
        raise NewerDatabaseError(
            f"这个数据库由更新版本的 FollowDesk 创建（数据库版本 {rev}，本程序最高支持 "
            f"{HEAD_REVISION}）。请安装最新版本的程序后再打开，数据未做任何改动。"
        )
    backup = None
    path = sqlite_path(engine)
    if rev is not None and path is not None and path.exists():
        backup = backup_sqlite(path, f"before-upgrade-{rev}")
    upgrade_to(engine, "head")
    return MigrationResult(rev, HEAD_REVISION, backup)
