"""The archive list's read model: one customer_summary row per customer.

search_text holds every form a clerk may type, already folded (lower case, half-width, no
spaces): the name, its pinyin initials and full pinyin (surname read every way it can be),
phones without separators, plates. A plain substring match then finds 1- and 2-character
names too, which an FTS5 trigram index cannot.

A search ranks what it finds (matching_ids): a term equal to a whole field (the name, the
initials, a phone, a plate) first, then a field starting with it, then a match anywhere.
Scanning 50k rows, SQLite's LIKE is quick for ASCII terms (it skips ahead with strcspn) and
slow for Chinese (it decodes every character); instr is the reverse, so each term gets the
faster of the two. Both compare the same folded text, so they find the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Connection, delete, func, insert, select
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


def search_terms(query: str) -> list[str]:
    """The words of a query, folded like search_text; every one must match."""
    return [t for t in (search_key(w) for w in (query or "").split()) if t]


# Rank the matches only when there are at most this many. The first keystroke or two of a
# phone, a plate or a pinyin ("1", "13", "粤A", "z") match 12k–50k customers, where ranking
# tells nothing yet and would cost 5–25 ms a keystroke; those lists keep the display order.
# A surname alone (张, 3k of 50k) is still ranked.
RANK_AT_MOST = 5_000


class _Sql:
    """Writes one statement's text and collects its parameters in the same order."""

    def __init__(self) -> None:
        self.params: list[object] = []

    def bind(self, value: object) -> str:
        self.params.append(value)
        return "?"

    def contains(self, term: str) -> str:
        """Scanning 50k rows, LIKE is quick for ASCII (it skips ahead with strcspn) and slow
        for Chinese (it decodes every character); instr is the reverse. The text and the
        term are folded alike (search_key), so both find the same rows."""
        if term.isascii():
            return f"search_text LIKE {self.bind(f'%{_escape_like(term)}%')} ESCAPE '\\'"
        return f"instr(search_text, {self.bind(term)}) > 0"

    def starts(self, term: str) -> str:
        if term.isascii():
            return f"search_text LIKE {self.bind(f'{_escape_like(term)}%')} ESCAPE '\\'"
        return f"substr(search_text, 1, {len(term)}) = {self.bind(term)}"

    def rank(self, term: str) -> str:
        """0: a field equals term; 1: a field starts with it; 2: found inside a field only.

        The prefix test builds no string per row (it runs on every match); the exact test,
        run only on rows that passed it, wraps the text in separators.
        """
        bar = SEPARATOR
        prefix = f"({self.starts(term)} OR {self.contains(bar + term)})"
        exact = f"instr('{bar}' || search_text || '{bar}', {self.bind(bar + term + bar)}) > 0"
        return f"(CASE WHEN {prefix} THEN (CASE WHEN {exact} THEN 0 ELSE 1 END) ELSE 2 END)"


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _split_ids(joined: str | None) -> list[int]:
    return list(map(int, joined.split(","))) if joined else []


def matching_ids(
    conn: Connection, query: str, sort: str = "archive_no", *, descending: bool = False,
    deleted: bool = False,
) -> list[int]:
    """Customer ids matching every word of query: best rank first, sort within a rank.

    A customer's rank is the sum of its words' ranks (_Sql.rank). SQLite walks the matches
    once along the covering index, in archive order, and stops after RANK_AT_MOST + 1; rather
    than sort them by rank it strings together the ids of each rank (one group_concat per
    rank; an ordered subquery under an aggregate is not flattened, so the order holds), and
    Python splits the strings, which is also quicker than fetching 50k one-column rows.
    Sorted by another column, the walked rows are sorted before they are strung together.
    Past RANK_AT_MOST matches the list is unranked: in archive order it is read on from where
    the walk stopped. Plain SQL text: the same statements built with the expression language
    cost 2–3 ms a keystroke.
    """
    if sort not in CustomerSummary.__table__.c:
        raise KeyError(sort)
    terms = search_terms(query)
    by_archive = sort == "archive_no"
    order = f"{sort} {'DESC' if descending else 'ASC'}"
    if not by_archive:
        order += ", archive_no"

    def matches(columns: str, sql: _Sql, order: str = order, after: int | None = None) -> str:
        where = [f"deleted = {sql.bind(deleted)}", *(sql.contains(t) for t in terms)]
        if after is not None:
            where.append(f"archive_no {'<' if descending else '>'} {sql.bind(after)}")
        return (f"SELECT {columns} FROM customer_summary WHERE {' AND '.join(where)} "
                f"ORDER BY {order}")

    if terms:
        sql = _Sql()
        rank = " + ".join(sql.rank(t) for t in terms)  # its parameters come first in the text
        if by_archive:
            walk = matches(f"customer_id AS id, archive_no, {rank} AS rank", sql)
            walk += f" LIMIT {sql.bind(RANK_AT_MOST + 1)}"
        else:
            walk = matches(f"customer_id AS id, archive_no, {sort}, {rank} AS rank", sql,
                           order="archive_no")
            walk = f"SELECT * FROM ({walk} LIMIT {sql.bind(RANK_AT_MOST + 1)}) ORDER BY {order}"
        buckets = ", ".join(
            f"group_concat(CASE WHEN rank = {r} THEN id END)" for r in range(2 * len(terms) + 1)
        )
        last = "min" if descending else "max"
        count, reached, walked, *by_rank = conn.exec_driver_sql(
            f"SELECT count(*), {last}(archive_no), group_concat(id), {buckets} FROM ({walk})",
            tuple(sql.params),
        ).one()
        if count <= RANK_AT_MOST:
            return [i for joined in by_rank for i in _split_ids(joined)]
        if by_archive:
            sql = _Sql()
            rest = matches("customer_id AS id", sql, after=reached)
            return _split_ids(walked) + _split_ids(
                conn.exec_driver_sql(f"SELECT group_concat(id) FROM ({rest})",
                                     tuple(sql.params)).scalar()
            )
    sql = _Sql()
    text = f"SELECT group_concat(id) FROM ({matches('customer_id AS id', sql)})"
    return _split_ids(conn.exec_driver_sql(text, tuple(sql.params)).scalar())


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
