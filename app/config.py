"""Where the database lives: --db, then FOLLOWDESK_DB, then the user's data folder."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "FollowDesk"
ENV_DB = "FOLLOWDESK_DB"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False, ensure_exists=True)


def log_dir() -> Path:
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False, ensure_exists=True)


class DatabasePathError(ValueError):
    """A database path that must not be used; the message is for the user."""


# Filesystems on another machine: SQLite's locking (WAL above all) is not safe there.
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "9p",
                       "fuse.sshfs", "davfs", "fuse.davfs2", "ncpfs"}
NETWORK_MESSAGE = (
    "数据库文件在网络盘上（{where}）。多台服务台共用网络盘上的数据库文件会损坏数据"
    "（SQLite 的锁在网络文件系统上不可靠）。\n\n"
    "一台电脑使用：请把数据库放在本机硬盘上。\n"
    "多台服务台同时使用：请使用数据库服务器（PostgreSQL），见 README 中“几台服务台共用”一节。")


def _mounts() -> list[tuple[str, str]]:
    """(mount point, filesystem type) of this machine (Linux); [] where unknown."""
    try:
        text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.append((parts[1].replace("\\040", " "), parts[2]))
    return out


def _windows_remote_drive(path: Path) -> bool:
    if os.name != "nt" or not path.drive or path.drive.startswith("\\\\"):
        return False
    import ctypes

    DRIVE_REMOTE = 4
    return ctypes.windll.kernel32.GetDriveTypeW(path.drive + "\\") == DRIVE_REMOTE


def network_location(path: Path) -> str | None:
    """Why this path is on another machine (a UNC path, a mapped network drive, an nfs/cifs
    mount), or None for a local disk."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "网络共享路径"
    if _windows_remote_drive(path):
        return f"网络驱动器 {path.drive}"
    best = ("", "")
    for point, fstype in _mounts():
        if (text == point or text.startswith(point.rstrip("/") + "/")) and \
                len(point) > len(best[0]):
            best = (point, fstype)
    if best[1].lower() in NETWORK_FILESYSTEMS:
        return f"{best[1]} 网络文件系统 {best[0]}"
    return None


def to_url(path_or_url: str, *, create_folder: bool = False) -> str:
    """A path becomes a sqlite URL. Its folder must exist: a mistyped path or a network drive
    that is not connected would otherwise get a new, empty database (and the window would
    offer to create a first administrator). Only the default location is created."""
    if "://" in path_or_url:
        return path_or_url
    path = Path(path_or_url).expanduser().resolve()
    if create_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise DatabasePathError(
            f"数据库所在的文件夹不存在：{path.parent}\n"
            "请检查路径是否写错，网络盘或 U 盘是否已连接。为免误建一个空数据库，程序没有打开它。")
    where = network_location(path)
    if where is not None:
        raise DatabasePathError(NETWORK_MESSAGE.format(where=where))
    return f"sqlite:///{path}"


def database_url(cli_value: str | None = None) -> str:
    chosen = cli_value or os.environ.get(ENV_DB)
    if chosen:
        return to_url(chosen)
    return to_url(str(data_dir() / "followdesk.sqlite"), create_folder=True)
