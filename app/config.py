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


def to_url(path_or_url: str) -> str:
    if "://" in path_or_url:
        return path_or_url
    path = Path(path_or_url).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def database_url(cli_value: str | None = None) -> str:
    chosen = cli_value or os.environ.get(ENV_DB)
    if chosen:
        return to_url(chosen)
    return to_url(str(data_dir() / "followdesk.sqlite"))
