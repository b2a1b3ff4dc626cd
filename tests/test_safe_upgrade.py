"""An upgrade or a new database interrupted at any moment leaves a file that opens (issue 14)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import db.migrate
from app.archive import ArchiveService
from app.store import Store
from db.engine import make_engine
from db.migrate import HEAD_REVISION, DatabaseBusyError, prepare_database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).with_name("fixtures")


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _start_killed_at(path: Path, step: str) -> subprocess.CompletedProcess:
    """A separate process opens the database and is killed (SIGKILL: no clean-up at all)
    right after the migration step `step` ran."""
    script = (
        "import os, signal, db.migrate\n"
        "from app.store import Store\n"
        f"def hook(rev):\n"
        f"    if rev == {step!r}:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "db.migrate.after_step = hook\n"
        f"Store({f'sqlite:///{path}'!r})\n"
        "print('finished')\n"
    )
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _assert_old_data(store: Store) -> None:
    archive = ArchiveService(store)
    [cid] = archive.search_ids("zw")
    detail = archive.detail(cid)
    assert detail.name == "张伟" and detail.vehicles[0].plate == "粤A12345"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")
def test_an_upgrade_killed_half_way_leaves_the_old_database_which_upgrades_next_time(tmp_path):
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0004.sqlite", path)
    done = _start_killed_at(path, "0006")  # 0005 (filed_summary) and 0006 already ran
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "finished" not in done.stdout
    # Nothing of the half-done upgrade is in the file: neither the version nor the new tables.
    assert _revision(path) == "0004"
    assert "filed_summary" not in _tables(path)
    store = Store(f"sqlite:///{path}")
    assert store.migration.from_revision == "0004"
    assert store.migration.to_revision == HEAD_REVISION
    _assert_old_data(store)
    store.close()
    assert _revision(path) == HEAD_REVISION


def test_an_upgrade_that_fails_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0001.sqlite", path)
    tables_before = _tables(path)

    def fail(rev):
        if rev == "0005":
            raise RuntimeError("disk unplugged")

    monkeypatch.setattr(db.migrate, "after_step", fail)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        Store(f"sqlite:///{path}")
    assert _revision(path) == "0001" and _tables(path) == tables_before
    monkeypatch.setattr(db.migrate, "after_step", None)
    store = Store(f"sqlite:///{path}")
    _assert_old_data(store)  # the search index was rebuilt inside the upgrade
    store.close()


def test_derived_tables_are_built_inside_the_upgrade(tmp_path, monkeypatch):
    """A crash after the schema steps but before the rebuild must not leave an upgraded
    database without its tasks: the rebuild is part of the same transaction."""
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0001.sqlite", path)

    def fail(_s, *_a, **_k):
        raise RuntimeError("power cut")

    monkeypatch.setattr("app.followup.sync_customers", fail)
    with pytest.raises(RuntimeError, match="power cut"):
        Store(f"sqlite:///{path}")
    assert _revision(path) == "0001"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")
def test_a_new_database_killed_while_being_created_leaves_nothing_that_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    done = _start_killed_at(path, "0003")
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not path.exists()
    leftovers = list(tmp_path.glob("new.sqlite.*.creating"))
    assert leftovers  # the half-built file has a name of its own
    store = Store(f"sqlite:///{path}")
    assert store.migration.to_revision == HEAD_REVISION
    store.close()
    assert _revision(path) == HEAD_REVISION


def test_stale_half_built_files_are_removed_and_an_empty_file_is_replaced(tmp_path):
    path = tmp_path / "new.sqlite"
    stale = tmp_path / "new.sqlite.123-abcd.creating"
    stale.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    young = tmp_path / "new.sqlite.456-ef01.creating"  # another desk creating it right now
    young.write_bytes(b"half")
    now = time.time()  # the clock the program reads (faked in .ci/run), not the disk's own
    os.utime(young, (now, now))
    path.touch()  # an empty file: nothing to lose
    store = Store(f"sqlite:///{path}")
    store.close()
    assert _revision(path) == HEAD_REVISION
    assert not stale.exists() and young.exists()


def test_upgrade_waits_for_a_desk_that_is_saving(tmp_path):
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0004.sqlite", path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE customer SET name = name")
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    result = prepare_database(make_engine(f"sqlite:///{path}"), busy_timeout_ms=10_000)
    other.close()
    assert result.from_revision == "0004" and _revision(path) == HEAD_REVISION


def test_a_database_that_stays_busy_is_refused_with_a_message_and_left_alone(tmp_path):
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0004.sqlite", path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseBusyError, match="另一台服务台正在使用"):
        prepare_database(make_engine(f"sqlite:///{path}"), busy_timeout_ms=200)
    other.execute("ROLLBACK")
    other.close()
    assert _revision(path) == "0004"
    assert "filed_summary" not in _tables(path)


def test_a_desk_on_the_old_release_learns_the_database_was_upgraded(tmp_path, monkeypatch):
    path = tmp_path / "center.sqlite"
    store = Store(f"sqlite:///{path}")
    assert store.outdated_message() is None
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    message = store.outdated_message()
    assert message is not None and "新版本" in message and "关闭" in message
    store.close()


def test_a_commit_is_on_the_disk_before_the_save_returns(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_an_upgrade_while_another_desk_keeps_saving(tmp_path):
    """The issue's probe: a second desk writing all the time made 10 of 60 upgrades fail
    half-way. Now the upgrade takes the lock, the other desk's saves wait for it, and nothing
    fails on either side."""
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0004.sqlite", path)
    stop = threading.Event()
    errors: list[Exception] = []
    saves = []

    def other_desk():
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
        while not stop.is_set():
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("UPDATE customer SET address = ? WHERE name = '张伟'",
                            (f"中山大道 {len(saves)} 号",))
                con.execute("COMMIT")
                saves.append(1)
            except sqlite3.Error as e:
                errors.append(e)
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
            stop.wait(0.005)  # not time.sleep: under faketime (.ci/run) it fails with EINVAL
        con.close()

    desk = threading.Thread(target=other_desk)
    desk.start()
    while not saves:
        stop.wait(0.01)
    try:
        store = Store(f"sqlite:///{path}")
    finally:
        stop.set()
        desk.join()
    assert store.migration.from_revision == "0004" and _revision(path) == HEAD_REVISION
    _assert_old_data(store)
    store.close()
    assert errors == [] and len(saves) > 1


def _stuck_like_an_older_release(path: Path, step: str) -> None:
    """What the previous release left when killed mid-upgrade: migrations run through a plain
    pysqlite connection, whose leading DDL was committed on its own."""
    script = (
        "import os, signal, db.migrate\n"
        "from db.engine import make_engine\n"
        f"db.migrate.after_step = lambda rev: os.kill(os.getpid(), signal.SIGKILL) "
        f"if rev == {step!r} else None\n"
        f"db.migrate.upgrade_to(make_engine({f'sqlite:///{path}'!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")
@pytest.mark.parametrize("rev, leftover", [("0001", "customer_summary"),
                                           ("0004", "filed_summary"),
                                           ("0008", "insurance_renewal")])
def test_a_database_stuck_by_an_older_release_is_repaired_and_upgraded(tmp_path, rev, leftover):
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / f"db-{rev}.sqlite", path)
    _stuck_like_an_older_release(path, f"{int(rev) + 1:04d}")
    # the state the issue describes: new tables, old version
    assert _revision(path) == rev and leftover in _tables(path)
    store = Store(f"sqlite:///{path}")
    assert store.migration.from_revision == rev
    assert len(list(tmp_path.glob(f"center.before-upgrade-{rev}-*.sqlite"))) == 1
    _assert_old_data(store)
    store.close()
    assert _revision(path) == HEAD_REVISION


def test_a_leftover_table_with_rows_is_not_dropped(tmp_path):
    path = tmp_path / "center.sqlite"
    shutil.copy(FIXTURES / "db-0004.sqlite", path)
    with sqlite3.connect(path) as con:  # as if somebody had typed into it
        con.execute("CREATE TABLE filed_summary (id INTEGER PRIMARY KEY, note TEXT)")
        con.execute("INSERT INTO filed_summary (note) VALUES ('x')")
    with pytest.raises(db.migrate.DatabaseError, match="before-upgrade-0004"):
        Store(f"sqlite:///{path}")
    assert _revision(path) == "0004"
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT note FROM filed_summary").fetchall() == [("x",)]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")
def test_a_new_database_an_older_release_began_in_place_is_created_again(tmp_path):
    """The older release created tables straight in the file; killed in its first steps it
    left FollowDesk tables without a version, refused as foreign at every later start."""
    path = tmp_path / "new.sqlite"
    _stuck_like_an_older_release(path, "0002")
    assert path.exists() and "customer" in _tables(path)
    store = Store(f"sqlite:///{path}")
    assert store.migration.to_revision == HEAD_REVISION
    store.close()
    assert _revision(path) == HEAD_REVISION


def test_followdesk_tables_with_rows_but_no_version_are_still_refused(tmp_path):
    from db.migrate import ForeignDatabaseError

    path = tmp_path / "odd.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO customer (name) VALUES ('张伟')")
    before = path.read_bytes()
    with pytest.raises(ForeignDatabaseError):
        Store(f"sqlite:///{path}")
    assert path.read_bytes() == before
