"""Several desks on one database: creating customers, logging calls, editing, importing.

    python benchmarks/stress_desks.py [--desks 3] [--seconds 20] [--import-rows 5000]

Each desk is its own process with its own Store (as a PC would be), working as fast as it can
for --seconds; one more process imports a sheet of --import-rows customers in the middle. At the
end the database is checked: every customer a desk was told it created is there, archive numbers
are distinct, and every call logged is kept. Prints operations, errors by kind, stale edits
refused (lost updates prevented) and the longest wait for a save. SQLite only for now.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def desk(url: str, tag: int, seconds: float, out: mp.Queue) -> None:
    from app.archive import ArchiveService, CustomerInput, StaleEdit
    from app.contacts import CallInput, ContactService
    from app.staff import StaffService
    from app.store import Store, StoreBusyError

    store = Store(url)
    store.actor_id = StaffService(store).by_name("admin").id
    archive, contacts = ArchiveService(store), ContactService(store)
    stats = {"created": [], "calls": 0, "edits": 0, "stale": 0, "busy": 0, "errors": {},
             "longest_wait_ms": 0.0}
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        started = time.monotonic()
        try:
            cid = archive.create_customer(CustomerInput(
                name=f"压测{tag}-{n}", phone=f"13{tag}{n:09d}"[:11]))
            stats["created"].append(cid)
            from app import clock

            contacts.log_call(CallInput(customer_id=cid, called_at=clock.now(),
                                        key_points="压力测试"))
            stats["calls"] += 1
            # two edits from the same read: the second must be refused, not silently applied
            read = archive.detail(cid)
            archive.update_customer(cid, CustomerInput(name=read.name, phone=read.phone,
                                                       notes="第一次"), read.version)
            try:
                archive.update_customer(cid, CustomerInput(name=read.name, phone=read.phone,
                                                           notes="第二次"), read.version)
            except StaleEdit:
                stats["stale"] += 1
            stats["edits"] += 1
        except StoreBusyError:
            stats["busy"] += 1
        except Exception as e:  # noqa: BLE001 - counted and reported
            kind = type(e).__name__
            stats["errors"][kind] = stats["errors"].get(kind, 0) + 1
        stats["longest_wait_ms"] = max(stats["longest_wait_ms"],
                                       (time.monotonic() - started) * 1000)
    store.close()
    out.put(stats)


def importer(url: str, path: str, delay: float, out: mp.Queue) -> None:
    from app.importer import import_file
    from app.staff import StaffService
    from app.store import Store

    time.sleep(delay)
    store = Store(url)
    store.actor_id = StaffService(store).by_name("admin").id
    started = time.monotonic()
    try:
        report = import_file(store, Path(path))
        out.put({"import_rows": report.rows, "import_s": time.monotonic() - started})
    except Exception as e:  # noqa: BLE001
        out.put({"import_error": f"{type(e).__name__}: {e}"})
    store.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--desks", type=int, default=3)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--import-rows", type=int, default=5000)
    args = p.parse_args()
    from app.staff import StaffService
    from app.store import Store

    folder = Path(tempfile.mkdtemp(prefix="followdesk-stress-"))
    url = f"sqlite:///{folder / 'center.sqlite'}"
    store = Store(url)
    StaffService(store).create_first_admin("admin", "管理员", "stress-test-1",
                                           center_name="压力测试服务中心")
    store.close()
    sheet = folder / "import.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["客户名称", "联系电话", "车号", "送修日期", "维修养护项目"])
        for i in range(args.import_rows):
            w.writerow([f"导入{i}", f"15{i:09d}", f"粤B{i:05d}", "2026-11-01", "更换机油"])
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=desk, args=(url, t + 1, args.seconds, out))
             for t in range(args.desks)]
    procs.append(mp.Process(target=importer, args=(url, str(sheet), args.seconds / 4, out)))
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    desks = [r for r in results if "created" in r]
    other = {k: v for r in results if "created" not in r for k, v in r.items()}
    created = [cid for r in desks for cid in r["created"]]
    store = Store(url)
    from sqlalchemy import func, select

    from db.models import Call, Customer

    with store.read() as s:
        present = set(s.scalars(select(Customer.id).where(Customer.id.in_(created))))
        numbers = s.scalar(select(func.count(func.distinct(Customer.archive_no))))
        customers = s.scalar(select(func.count(Customer.id)))
        calls = s.scalar(select(func.count(Call.id)))
    store.close()
    summary = {
        "desks": args.desks, "seconds": args.seconds,
        "customers_created": len(created), "lost_customers": len(set(created) - present),
        "calls_logged": sum(r["calls"] for r in desks), "calls_kept": calls,
        "edits": sum(r["edits"] for r in desks),
        "stale_edits_refused": sum(r["stale"] for r in desks),
        "saves_given_up_busy": sum(r["busy"] for r in desks),
        "errors": {k: sum(r["errors"].get(k, 0) for r in desks)
                   for k in {k for r in desks for k in r["errors"]}},
        "longest_wait_ms": round(max(r["longest_wait_ms"] for r in desks)),
        "archive_numbers_distinct": numbers == customers,
        **other,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
