"""One open database: engine, short-lived sessions stamped with who is working."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from db.engine import make_engine, make_session_factory
from db.migrate import MigrationResult, prepare_database


class Store:
    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        self.migration: MigrationResult | None = prepare_database(self.engine) if migrate else None
        self._factory = make_session_factory(self.engine)
        self.actor_id: int | None = None
        if self.migration is not None and self._read_model_stale():
            self._rebuild_read_model()

    def _read_model_stale(self) -> bool:
        from sqlalchemy import func, select

        from db.models import Customer, CustomerSummary

        with self.engine.connect() as conn:
            customers = conn.execute(select(func.count(Customer.id))).scalar_one()
            summaries = conn.execute(select(func.count(CustomerSummary.customer_id))).scalar_one()
        return customers != summaries

    def _rebuild_read_model(self) -> None:
        """An upgraded database gets its derived tables recomputed from the records."""
        from app.search_index import rebuild_all

        with self.session() as s:
            rebuild_all(s)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        with self._factory() as s:
            s.info["actor_id"] = self.actor_id
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def read(self) -> Session:
        return self._factory()

    def close(self) -> None:
        self.engine.dispose()
