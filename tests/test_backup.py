"""Routine backups, rotation, restore and the start-up health check (issue 14, item 4)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from app import backup
from app.archive import ArchiveService, CustomerInput
from app.normalize import ValidationError
from app.staff import StaffService
from app.store import DamagedDatabaseError, Store
from db.models import Role


def _add(store, name: str, phone: str) -> int:
    return ArchiveService(store).create_customer(CustomerInput(name=name, phone=phone))


def _names(path: Path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {r[0] for r in con.execute("SELECT name FROM customer")}


def _db(store) -> Path:
    return backup.database_path(store)


def test_a_backup_holds_every_committed_row_even_those_still_in_the_wal(store):
    for i in range(30):
        _add(store, f"客户{i}", f"1381234{i:04d}")
    # Nothing has been checkpointed: the rows live in the -wal file, which a plain copy misses.
    assert Path(str(_db(store)) + "-wal").stat().st_size > 0
    path = backup.take_backup(store)
    assert path.parent == _db(store).parent / "backups"
    assert len(_names(path)) == 30
    assert not Path(str(path) + "-wal").exists()
    assert backup.check_backup_file(path) == backup.check_backup_file(path)  # a sound copy
    [info] = backup.list_backups(path.parent, _db(store).stem)
    assert info.path == path and info.size == path.stat().st_size and info.routine


def test_first_start_of_the_day_and_every_exit(store, frozen_clock):
    assert backup.routine_backup(store) is not None
    assert backup.routine_backup(store) is None  # a second start the same day
    assert backup.routine_backup(store, on_exit=True) is not None
    today = frozen_clock.today()
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8, 0))
    frozen_clock.freeze(tomorrow)
    assert backup.routine_backup(store) is not None  # a new day
    # the newest copy of each day is kept: the exit copy replaced the morning one
    taken = [b.taken_at for b in backup.list_backups(backup.backup_folder(store))]
    assert len(taken) == 2 and taken[0] == tomorrow
    assert taken[1].date() == today and taken[1].minute >= 30


def test_rotation_keeps_7_days_4_weeks_12_months(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    today = dt.date(2026, 11, 18)
    for n in range(400):  # a copy every day for more than a year, two on some days
        day = today - dt.timedelta(days=n)
        for hour in ((8, 18) if n % 3 == 0 else (8,)):
            (folder / f"center-backup-{day:%Y%m%d}-{hour:02d}0000.sqlite").write_bytes(b"x")
    (folder / "center-before-restore-20250101-090000.sqlite").write_bytes(b"x")
    (folder / "other-backup-20240101-090000.sqlite").write_bytes(b"x")  # another database
    (folder / "notes.txt").write_text("mine")
    backup.rotate(folder, "center", today)
    kept = backup.list_backups(folder, "center")
    routine = [b.taken_at for b in kept if b.routine]
    days = {t.date() for t in routine}
    # the last 7 days, newest copy of each
    assert {today - dt.timedelta(days=n) for n in range(7)} <= days
    assert dt.datetime(2026, 11, 18, 18) in routine and dt.datetime(2026, 11, 18, 8) not in routine
    assert len({d.isocalendar()[:2] for d in days}) >= 4
    assert {(d.year, d.month) for d in days} == {
        (2026, m) for m in range(1, 12)} | {(2025, 12)}
    assert len(routine) <= 7 + 4 + 12
    assert any(not b.routine for b in kept)  # a pre-restore copy is never rotated away
    assert (folder / "other-backup-20240101-090000.sqlite").exists()
    assert (folder / "notes.txt").exists()


def test_a_backup_folder_is_a_setting_checked_when_set(store, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(backup.BackupError, match="U 盘"):
        backup.set_backup_folder(store, tmp_path / "unplugged" / "FollowDesk")
    assert backup.set_backup_folder(store, usb / "FollowDesk") == usb / "FollowDesk"
    assert backup.take_backup(store).parent == usb / "FollowDesk"
    clerk = StaffService(store).create("wang", "王芳", Role.CLERK, "secret12")
    with pytest.raises(ValidationError, match="业务主管或管理员"):
        backup.set_backup_folder(store, usb, by=clerk)
    backup.set_backup_folder(store, None)
    assert backup.backup_folder(store) == _db(store).parent / "backups"


def test_restore_checks_the_file_saves_the_current_data_first(store, tmp_path):
    _add(store, "张伟", "13812345678")
    saved = backup.take_backup(store)
    _add(store, "李娜", "13912345678")
    url = store.url
    result = backup.restore(store, saved)
    assert result.saved_current is not None and _names(result.saved_current) == {"张伟", "李娜"}
    again = Store(url)
    assert {ArchiveService(again).detail(i).name for i in ArchiveService(again).search_ids("")} \
        == {"张伟"}
    again.close()


def test_restore_refuses_a_clerk_and_bad_files(store, tmp_path):
    clerk = StaffService(store).create("wang", "王芳", Role.CLERK, "secret12")
    good = backup.take_backup(store)
    with pytest.raises(ValidationError, match="业务主管或管理员"):
        backup.restore(store, good, by=clerk)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(backup.BackupError, match="不是 FollowDesk"):
        backup.check_backup_file(foreign)
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all " * 100)
    with pytest.raises(backup.BackupError, match="不是完好的数据库"):
        backup.check_backup_file(text)
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(good.read_bytes())
    with sqlite3.connect(newer) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(backup.BackupError, match="更新版本"):
        backup.check_backup_file(newer)
    with pytest.raises(backup.BackupError, match="找不到"):
        backup.check_backup_file(tmp_path / "missing.sqlite")


def _corrupt(path: Path) -> None:
    """Scribble over the customer table's leaf pages, leaving the schema readable."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        page = con.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in con.execute(
            "SELECT pageno FROM dbstat WHERE name = 'customer' AND pagetype = 'leaf'")]
    assert len(pages) > 2
    with open(path, "r+b") as f:
        for number in pages[1:]:
            f.seek((number - 1) * page + 8)
            f.write(b"\xff" * 64)


def test_a_damaged_database_is_opened_read_only_naming_the_last_good_backup(tmp_path):
    path = tmp_path / "center.sqlite"
    store = Store(f"sqlite:///{path}")
    for i in range(400):
        _add(store, f"客户{i}", f"1391234{i:04d}")
    good = backup.take_backup(store)
    store.close()
    _corrupt(path)
    assert backup.quick_check(path) is not None
    damaged = Store(f"sqlite:///{path}", check=True)
    assert damaged.damage is not None
    assert str(good) in damaged.damage and "不会再写入" in damaged.damage
    with pytest.raises(DamagedDatabaseError, match="已损坏"):
        with damaged.session():
            pass
    assert backup.routine_backup(damaged) is None  # a damaged copy never joins the rotation
    with pytest.raises(backup.BackupError, match="-o"):
        backup.take_backup(damaged)
    assert [b.path for b in backup.list_backups(good.parent)] == [good]
    damaged.close()


def test_a_sound_database_passes_the_check(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ok.sqlite'}", check=True)
    assert store.damage is None
    _add(store, "张伟", "13812345678")
    store.close()
