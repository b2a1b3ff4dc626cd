"""The archive list's read model: one customer_summary row per customer.

search_text holds every form a clerk may type, already folded (lower case, half-width, no
spaces): the name, its pinyin initials and full pinyin (surname read every way it can be),
phones without separators, plates. A plain substring match then finds 1- and 2-character
names too, which an FTS5 trigram index cannot.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.normalize import search_key
from db.models import Customer, CustomerSummary, Staff, Vehicle, Visit

SEPARATOR = "|"


@lru_cache(maxsize=4096)
def pinyin_keys(name: str) -> tuple[str, ...]:
    """Initials and full pinyin; the surname's other readings too (曾 ceng/zeng)."""
    if not name or name.isascii():
        return ()
    from pypinyin import Style, lazy_pinyin, pinyin  # costs ~0.4 s: only when writing

    full = lazy_pinyin(name, errors="default")
    initials = [p[:1] for p in full]
    keys = {"".join(initials), "".join(full)}
    for reading in pinyin(name[0], style=Style.NORMAL, heteronym=True)[0]:
        keys.add(reading[:1] + "".join(initials[1:]))
        keys.add(reading + "".join(full[1:]))
    return tuple(sorted(search_key(k) for k in keys))


def build_search_text(name: str, phones: Iterable[str], plates: Iterable[str]) -> str:
    parts = [search_key(name), *pinyin_keys(name)]
    parts += [search_key(p).replace("-", "") for p in phones if p]
    parts += [search_key(p) for p in plates if p]
    return SEPARATOR.join(p for p in parts if p)


def _summaries(s: Session, ids: list[int]) -> list[dict]:
    customers = s.scalars(select(Customer).where(Customer.id.in_(ids))).all()
    vehicles: dict[int, list[Vehicle]] = {}
    for v in s.scalars(
        select(Vehicle)
        .where(Vehicle.customer_id.in_(ids), Vehicle.deleted_at.is_(None))
        .order_by(Vehicle.id)
    ):
        vehicles.setdefault(v.customer_id, []).append(v)
    last_visit = dict(
        s.execute(
            select(Visit.customer_id, func.max(Visit.intake_date))
            .where(Visit.customer_id.in_(ids), Visit.deleted_at.is_(None))
            .group_by(Visit.customer_id)
        ).all()
    )
    clerk_names = dict(s.execute(select(Staff.id, Staff.name)).all())
    rows = []
    for c in customers:
        own = vehicles.get(c.id, [])
        plates = [v.plate for v in own]
        next_dates = [v.next_maintenance_date for v in own if v.next_maintenance_date]
        phones = [p for p in (c.phone, c.phone2) if p]
        rows.append(
            dict(
                customer_id=c.id,
                archive_no=c.archive_no,
                name=c.name,
                phone=" / ".join(phones),
                plates=" ".join(plates),
                models=" ".join(dict.fromkeys(v.model for v in own if v.model)),
                next_maintenance_date=min(next_dates) if next_dates else None,
                clerk_name=clerk_names.get(c.clerk_id, "") if c.clerk_id else "",
                last_visit_date=last_visit.get(c.id),
                deleted=c.deleted_at is not None,
                search_text=build_search_text(c.name, phones, plates),
            )
        )
    return rows


CHUNK = 500


def refresh_customers(s: Session, customer_ids: Iterable[int]) -> None:
    """Rewrite the summary rows of these customers from the records (inside s's transaction)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    s.flush()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = _summaries(s, chunk)
        s.execute(delete(CustomerSummary).where(CustomerSummary.customer_id.in_(chunk)))
        if rows:
            # The Table, not the mapped class: one executemany instead of ORM row batches.
            s.execute(insert(CustomerSummary.__table__), rows)


def refresh_for_clerk(s: Session, staff_id: int) -> None:
    ids = s.scalars(select(Customer.id).where(Customer.clerk_id == staff_id)).all()
    refresh_customers(s, ids)


def rebuild_all(s: Session) -> int:
    ids = s.scalars(select(Customer.id)).all()
    refresh_customers(s, ids)
    return len(ids)
