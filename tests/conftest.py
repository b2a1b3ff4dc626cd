from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if os.environ.get("FAKETIME"):
    # Under libfaketime (.ci/run's dated passes) Python's time.sleep fails with EINVAL: its
    # clock_nanosleep deadline is faked, the monotonic clock is not. subprocess.wait() and any
    # test that pauses sleep through it; a timed wait on an Event uses the real clock.
    import threading
    import time

    _pause = threading.Event()
    time.sleep = lambda seconds: _pause.wait(seconds) if seconds > 0 else None

from app.archive import ArchiveService  # noqa: E402
from app.staff import StaffInfo, StaffService  # noqa: E402
from app.store import Store  # noqa: E402
from db.models import Role  # noqa: E402


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every test runs on the same known day; a test that needs another calls clock.freeze."""
    from app import clock
    from tests.worlds import NOW

    clock.freeze(NOW)
    yield clock
    clock.unfreeze()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 at its real cost takes ~0.1 s a hash; tests check behaviour, not the cost."""
    from argon2 import PasswordHasher

    import app.staff

    monkeypatch.setattr(app.staff, "_hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'followdesk.sqlite'}")
    admin = StaffService(s).create("admin", "管理员", Role.ADMIN, "secret12")
    s.actor_id = admin.id
    yield s
    s.close()


@pytest.fixture
def admin(store) -> StaffInfo:
    return StaffService(store).login("admin", "secret12")


@pytest.fixture
def archive(store) -> ArchiveService:
    return ArchiveService(store)


@dataclass
class MessageBoxes:
    """Stands in for ui.common's modal boxes: records them and answers as told."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    confirm_answer: bool = True
    choose_answer: int | None = None

    def install(self, monkeypatch) -> None:
        from ui import common

        def record(kind):
            def show(_parent, title, text, *rest):
                self.shown.append((kind, title, text))
                if kind == "confirm":
                    return self.confirm_answer
                if kind == "choose":
                    buttons = rest[0]
                    return len(buttons) - 1 if self.choose_answer is None else self.choose_answer
                return None
            return show

        for kind in ("information", "warning", "critical", "confirm", "choose"):
            monkeypatch.setattr(common, kind, record(kind))


@pytest.fixture
def msgbox(monkeypatch) -> MessageBoxes:
    boxes = MessageBoxes()
    boxes.install(monkeypatch)
    return boxes


@pytest.fixture
def ui_settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def placeholder_center_warned(monkeypatch):
    """The once-a-session warning about the default center name on paper stays out of the
    way (a real box would wait for a click); a test about it sets warned back to False."""
    import ui.letterhead

    monkeypatch.setattr(ui.letterhead, "warned", True)
