"""Several desks on one database file (issue 14): creating customers at the same moment never
clashes on the archive number and nothing is lost."""

from __future__ import annotations

import threading

import pytest

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


def _hold_write_lock(path, seconds: float, started: threading.Event) -> None:
    import sqlite3

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")  # another desk importing
    started.set()
    threading.Event().wait(seconds)
    con.execute("COMMIT")
    con.close()


def test_a_save_waits_for_another_desks_long_write(store):
    path = store.url.removeprefix("sqlite:///")
    started = threading.Event()
    other = threading.Thread(target=_hold_write_lock, args=(path, 1.0, started))
    other.start()
    started.wait(5)
    cid = ArchiveService(store).create_customer(CustomerInput(name="张伟", phone="13812345678"))
    other.join()
    assert ArchiveService(store).detail(cid).name == "张伟"


def test_a_save_that_waits_too_long_says_so_and_writes_nothing(store):
    from app.store import StoreBusyError

    path = store.url.removeprefix("sqlite:///")
    store.busy_wait_s = 0.5
    started = threading.Event()
    other = threading.Thread(target=_hold_write_lock, args=(path, 2.0, started))
    other.start()
    started.wait(5)
    archive = ArchiveService(store)
    try:
        with pytest.raises(StoreBusyError) as busy:
            archive.create_customer(CustomerInput(name="张伟", phone="13812345678"))
    finally:
        other.join()
    assert "没有保存" in str(busy.value) and "还在窗口里" in str(busy.value)
    assert archive.search_ids("张伟") == []


def test_a_database_on_a_network_filesystem_is_refused(tmp_path, monkeypatch):
    from app import config
    from app.config import DatabasePathError, to_url

    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.setattr(config, "_mounts", lambda: [("/", "ext4"), (str(share), "cifs")])
    with pytest.raises(DatabasePathError) as refused:
        to_url(str(share / "center.sqlite"))
    assert "网络盘" in str(refused.value) and "PostgreSQL" in str(refused.value)
    assert to_url(str(tmp_path / "local.sqlite")).endswith("local.sqlite")  # a local disk
    with pytest.raises(DatabasePathError):
        to_url("//server/share/center.sqlite")


def test_checking_a_big_file_leaves_the_other_desks_free_to_save(store, tmp_path):
    import csv as csv_module

    from app.importer import BATCH, import_file
    from app.store import StoreBusyError

    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv_module.writer(f)
        writer.writerow(["客户名称", "联系电话"])
        for i in range(BATCH * 2 + 5):
            writer.writerow([f"导入{i}", f"15{i:09d}"])
    other = Store(store.url)
    other.actor_id = store.actor_id
    other.busy_wait_s = 0.5
    saved: list[object] = []

    def another_desk_saves(done: int, total: int) -> None:
        if 0 < done < total and not saved:  # half-way through the check
            try:
                saved.append(ArchiveService(other).create_customer(
                    CustomerInput(name="别的服务台", phone="13900001111")))
            except StoreBusyError as e:
                saved.append(e)

    report = import_file(store, path, dry_run=True, progress=another_desk_saves)
    other.close()
    assert saved and isinstance(saved[0], int)  # not kept waiting by the check
    assert report.imported == BATCH * 2 + 5
    assert ArchiveService(store).search_ids("导入1") == []  # the check wrote nothing
