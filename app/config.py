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
    return f"sqlite:///{path}"


def database_url(cli_value: str | None = None) -> str:
    chosen = cli_value or os.environ.get(ENV_DB)
    if chosen:
        return to_url(chosen)
    return to_url(str(data_dir() / "followdesk.sqlite"), create_folder=True)
