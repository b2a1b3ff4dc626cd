"""What follows from the records: the archive list row and the follow-up tasks.

Every writer of customers, vehicles or visits calls refresh_derived in the same transaction,
so the list and the agenda never disagree with the archive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app import clock
from app.followup import sync_customers
from app.search_index import refresh_customers
from app.settings import load_rules


def refresh_derived(
    s: Session,
    customer_ids: Iterable[int],
    actor_id: int | None = None,
    today: dt.date | None = None,
    hand_entered: Iterable[int] = (),
) -> None:
    """hand_entered: visits a clerk just typed in; they get their tasks however late (补录)."""
    ids = sorted(set(customer_ids))
    refresh_customers(s, ids)
    sync_customers(s, ids, load_rules(s), today or clock.today(), actor_id,
                   hand_entered=hand_entered)
