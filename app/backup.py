"""Routine backups, restore and the start-up health check of a SQLite database.

Copies go through SQLite's online backup API, which copies a consistent state even while other
desks write (copying the live file does not). Routine copies are taken at the first start of a
day and on exit into the backup folder (a setting; default `backups` beside the database) and
rotated: the newest of each of the last 7 days, 4 weeks and 12 months are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app import clock

DAILY, WEEKLY, MONTHLY = 7, 4, 12
FOLDER_KEY = "backup.folder"
ROUTINE = "backup"  # rotated
BEFORE_RESTORE = "before-restore"  # kept until removed by hand
_NAME = re.compile(r"^(?P<stem>.+)-(?P<label>backup|before-restore)-"
                   r"(?P<stamp>\d{8}-\d{6})(?:-\d+)?\.sqlite$")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    size: int
    label: str

    @property
    def routine(self) -> bool:
        return self.label == ROUTINE


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str = ""


# -- where


def database_path(store) -> Path:
    from db.migrate import sqlite_path

    path = sqlite_path(store.engine)
    if path is None:
        raise BackupError("这个数据库不是本机文件（服务器数据库或内存数据库），"
                          "请用服务器自带的备份工具（PostgreSQL 为 pg_dump）。")
    return path.resolve()


def default_folder(db_path: Path) -> Path:
    return db_path.parent / "backups"


def backup_folder(store) -> Path:
    """The folder set in 备份与恢复, else `backups` beside the database. A damaged database
    whose setting cannot be read uses the default."""
    db_path = database_path(store)
    try:
        from db.models import Setting

        with store.read() as s:
            row = s.get(Setting, FOLDER_KEY)
            if row is not None and row.value.strip():
                return Path(row.value.strip())
    except Exception:  # noqa: BLE001 - a damaged file must still find its backups
        pass
    return default_folder(db_path)


def check_folder(folder: Path) -> Path:
    """The folder exists (created if its parent does) and takes a file; else BackupError."""
    folder = Path(folder).expanduser()
    if not folder.is_absolute():
        raise BackupError(f"请选择完整的文件夹路径（如 E:\\FollowDesk备份），而不是“{folder}”。")
    try:
        folder.mkdir(parents=False, exist_ok=True)
        probe = folder / ".followdesk-write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except FileNotFoundError:
        raise BackupError(f"找不到文件夹 {folder.parent}：U 盘或移动硬盘是否已插好？") from None
    except OSError as e:
        raise BackupError(f"不能在 {folder} 中保存文件：{e.strerror or e}") from None
    return folder


def set_backup_folder(store, folder: Path | None, *, by=None) -> Path:
    """None goes back to the default folder. Supervisor and administrator only."""
    from app.staff import acting, refuse_clerk
    from db.models import Setting

    refuse_clerk(acting(store, by), "只有业务主管或管理员可以更改备份文件夹。")
    target = default_folder(database_path(store)) if folder is None else check_folder(folder)
    with store.session() as s:
        row = s.get(Setting, FOLDER_KEY)
        value = "" if folder is None else str(target)
        if row is None:
            s.add(Setting(key=FOLDER_KEY, value=value))
        else:
            row.value = value
    return target


# -- copies


def copy_database(source: Path, target: Path) -> Path:
    """An online backup of `source` into `target`, which appears whole or not at all."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # a copy is a self-contained file: no -wal beside it
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        os.replace(partial, target)
    except sqlite3.Error as e:
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{e}") from None
    except OSError as e:
        partial.unlink(missing_ok=True)
        raise BackupError(f"不能保存备份 {target}：{e.strerror or e}") from None
    finally:
        src.close()
    return target


def _target_name(folder: Path, stem: str, label: str, when: dt.datetime) -> Path:
    base = f"{stem}-{label}-{when:%Y%m%d-%H%M%S}"
    target, n = folder / f"{base}.sqlite", 1
    while target.exists():
        target, n = folder / f"{base}-{n}.sqlite", n + 1
    return target


def take_backup(store, *, folder: Path | None = None, label: str = ROUTINE,
                rotate_after: bool = True) -> Path:
    """A copy into the backup folder now (立即备份, `followdesk backup`), then rotation."""
    if getattr(store, "damage", None):
        raise BackupError("数据库已损坏：它的副本不放进备份文件夹，以免把完好的备份挤出轮换。"
                          "如需保留现状，请用 followdesk backup -o 文件 另存。")
    db_path = database_path(store)
    folder = check_folder(folder or backup_folder(store))
    target = copy_database(db_path, _target_name(folder, db_path.stem, label, clock.now()))
    if rotate_after and label == ROUTINE:
        rotate(folder, db_path.stem, clock.today())
    return target


def routine_backup(store, *, on_exit: bool = False) -> Path | None:
    """At start: the day's first copy, unless one was taken today. On exit: always.
    A damaged database is never copied (its copy would push good ones out of the rotation)."""
    if getattr(store, "damage", None):
        return None
    db_path = database_path(store)
    folder = backup_folder(store)
    if not on_exit:
        today = clock.today()
        if any(b.taken_at.date() == today and b.routine
               for b in list_backups(folder, db_path.stem)):
            return None
    return take_backup(store, folder=folder)


# -- the list and rotation


def list_backups(folder: Path, stem: str | None = None) -> list[BackupInfo]:
    """Backups in `folder` (of the database named `stem`), newest first."""
    found: list[BackupInfo] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for path in entries:
        m = _NAME.match(path.name)
        if not m or (stem is not None and m["stem"] != stem):
            continue
        try:
            when = dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S")
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        found.append(BackupInfo(path, when, size, m["label"]))
    found.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return found


def to_keep(backups: list[BackupInfo], today: dt.date) -> set[Path]:
    """Grandfather-father-son: the newest routine copy of each of the last DAILY days, WEEKLY
    ISO weeks and MONTHLY months that have one. Copies of other kinds are not rotated."""
    keep = {b.path for b in backups if not b.routine}
    routine = sorted((b for b in backups if b.routine), key=lambda b: b.taken_at, reverse=True)
    for bucket, count in ((lambda d: d, DAILY), (lambda d: d.isocalendar()[:2], WEEKLY),
                          (lambda d: (d.year, d.month), MONTHLY)):
        seen: list = []
        for b in routine:
            key = bucket(b.taken_at.date())
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(b.path)
    # a copy "from the future" (a clock set wrong) is kept: rotation must never lose the newest
    keep |= {b.path for b in routine if b.taken_at.date() > today}
    return keep


def rotate(folder: Path, stem: str, today: dt.date) -> list[Path]:
    backups = list_backups(folder, stem)
    keep = to_keep(backups, today)
    removed = []
    for b in backups:
        if b.path not in keep:
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.path)
    return removed


# -- checks and restore


def quick_check(path: Path) -> str | None:
    """None when SQLite's quick_check finds the file sound, else what it says."""
    try:
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in con.execute("PRAGMA quick_check")]
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return str(e)
    if rows == ["ok"]:
        return None
    # SQLite lists every bad cell; the first line says enough for the message
    lines = [line for r in rows for line in str(r).splitlines()
             if line.strip() and not line.startswith("***")]
    first = lines[0] if lines else "quick_check"
    return first[:120] + (f" 等 {len(lines)} 处" if len(lines) > 1 else "")


def check_backup_file(path: Path) -> str:
    """The revision of a file fit to restore, else BackupError saying why not."""
    from db.migrate import HEAD_REVISION, known_revisions

    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到文件：{path}")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in names or "customer" not in names:
                raise BackupError(f"{path.name} 不是 FollowDesk 的数据库，不能用来恢复。")
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            rev = row[0] if row else None
            result = [r[0] for r in con.execute("PRAGMA integrity_check")]
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path.name} 不是完好的数据库文件（{e}），不能用来恢复。") from None
    if result != ["ok"]:
        raise BackupError(f"{path.name} 已损坏（{'；'.join(result[:2])}），不能用来恢复。")
    if rev is None or rev not in known_revisions():
        raise BackupError(f"{path.name} 由更新版本的 FollowDesk 保存（数据库版本 {rev}，本程序最高"
                          f"支持 {HEAD_REVISION}），请安装新版本后再恢复。")
    return rev


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    revision: str
    saved_current: Path | None


def restore(store, source: Path, *, by=None) -> RestoreResult:
    """Replace the database's content with `source`: checked first, the current content saved
    into the backup folder first. Supervisor and administrator only. The program must be
    started again afterwards (an older backup is upgraded then)."""
    from app.staff import acting, refuse_clerk

    refuse_clerk(acting(store, by), "只有业务主管或管理员可以恢复备份。")
    db_path = database_path(store)
    source = Path(source).resolve()
    if source == db_path:
        raise BackupError("这就是正在使用的数据库文件，不能用它恢复自己。")
    revision = check_backup_file(source)
    folder = check_folder(backup_folder(store))
    saved = _save_current(db_path, folder)
    store.close()  # no pooled connection of ours holds the file while it is overwritten
    try:
        src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(db_path, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as e:
        raise BackupError(f"恢复没有完成（{e}）。数据库未被改动；恢复前的数据已保存在 "
                          f"{saved}。" if saved else f"恢复没有完成（{e}）。") from None
    return RestoreResult(source, revision, saved)


def _save_current(db_path: Path, folder: Path) -> Path | None:
    if not db_path.exists():
        return None
    target = _target_name(folder, db_path.stem, BEFORE_RESTORE, clock.now())
    try:
        return copy_database(db_path, target)
    except BackupError:
        # a damaged file may not go through the backup API: keep its bytes as they are
        import shutil

        shutil.copy2(db_path, target)
        return target


def last_good_backup(folder: Path, stem: str) -> BackupInfo | None:
    """The newest backup that passes quick_check."""
    for b in list_backups(folder, stem):
        if quick_check(b.path) is None:
            return b
    return None


def damage_message(store, problem: str) -> str:
    """What a clerk reads when the database fails quick_check: it is not written to, and
    where the last good copy is."""
    db_path = database_path(store)
    good = last_good_backup(backup_folder(store), db_path.stem)
    where = (f"最近一次完好的备份是 {good.path}（{good.taken_at:%Y-%m-%d %H:%M}）。"
             if good else "备份文件夹中没有找到完好的备份。")
    return (f"数据库文件已损坏（{problem}），为免错上加错，程序不会再写入它，只能查看。"
            f"{where}请业务主管在“文件 → 备份与恢复”中恢复，"
            f"或运行 followdesk restore 备份文件。")


def health_check(store) -> Health:
    """PRAGMA quick_check at start; a damaged database is marked so no session writes to it."""
    try:
        db_path = database_path(store)
    except BackupError:
        return Health(True)
    if not db_path.exists():
        return Health(True)
    problem = quick_check(db_path)
    if problem is None:
        return Health(True)
    message = damage_message(store, problem)
    store.damage = message
    return Health(False, message)
