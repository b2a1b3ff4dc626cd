"""Several desks on one database file (issue 14): creating customers at the same moment never
clashes on the archive number and nothing is lost."""

from __future__ import annotations

import threading

from app.archive import ArchiveService, CustomerInput
from app.store import Store


def test_two_desks_creating_customers_at_once_get_distinct_numbers(store, tmp_path):
    url = store.url
    errors: list[Exception] = []
    made: list[int] = []

    def desk(tag: str) -> None:
        mine = Store(url)
        mine.actor_id = store.actor_id
        archive = ArchiveService(mine)
        try:
            for i in range(25):
                made.append(archive.create_customer(
                    CustomerInput(name=f"客户{tag}{i}", phone=f"138{tag}{i:07d}")))
        except Exception as e:  # noqa: BLE001 - the test reports any failure
            errors.append(e)
        finally:
            mine.close()

    desks = [threading.Thread(target=desk, args=(t,)) for t in ("1", "2", "3")]
    for d in desks:
        d.start()
    for d in desks:
        d.join()
    assert errors == []
    archive = ArchiveService(store)
    numbers = {archive.detail(cid).archive_no for cid in made}
    assert len(made) == 75 and len(numbers) == 75
