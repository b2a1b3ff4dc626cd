"""The program's one clock: every "today" and "now" the rules and windows use comes from here.

Tests freeze it (tests/conftest.py); `FOLLOWDESK_TODAY=YYYY-MM-DD` runs the program or the
command line as if it were that day (for a demo, a screenshot, or a check of next year's
calendar). Audit stamps in db/ keep the wall clock: they record when a change really happened.
"""

from __future__ import annotations

import datetime as dt
import os
import time

_frozen_at: dt.datetime | None = None
_frozen_monotonic = 0.0


def now() -> dt.datetime:
    """Local wall time, or the frozen moment plus the seconds since it was frozen."""
    if _frozen_at is not None:
        return _frozen_at + dt.timedelta(seconds=time.monotonic() - _frozen_monotonic)
    return dt.datetime.now()


def today() -> dt.date:
    return now().date()


def freeze(moment: dt.datetime | dt.date) -> None:
    """From now on the clock reads `moment` (a date means 10:00 that day), and runs on from it."""
    global _frozen_at, _frozen_monotonic
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(10, 0))
    _frozen_at, _frozen_monotonic = moment, time.monotonic()


def unfreeze() -> None:
    global _frozen_at
    _frozen_at = None


def freeze_from_environment(value: str | None = None) -> None:
    """Honour FOLLOWDESK_TODAY (YYYY-MM-DD); a value that is not a date is ignored."""
    value = value if value is not None else os.environ.get("FOLLOWDESK_TODAY", "")
    try:
        freeze(dt.date.fromisoformat(value.strip()))
    except ValueError:
        return
