"""What synchronous=FULL costs a call save, against NORMAL, on the disk this runs on.

    .venv/bin/python benchmarks/bench_sync.py [--calls 200] [--dir PATH]

Each mode gets its own copy of the same small database (WAL, 200 customers each with an open
follow-up); the timed part is ContactService.log_call, one transaction a call as at the desk.
Prints the milliseconds per save for each mode and the ratio FULL / NORMAL. Run it with --dir
on the disk the center uses (a PC's SSD or hard disk; a USB stick is far slower).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db.engine  # noqa: E402
from app import clock  # noqa: E402
from app.archive import ArchiveService, CustomerInput, VehicleInput  # noqa: E402
from app.contacts import CallInput, ContactService  # noqa: E402
from app.store import Store  # noqa: E402

NOW = dt.datetime(2026, 12, 15, 10, 30)


def build(path: Path, customers: int) -> list[int]:
    store = Store(f"sqlite:///{path}")
    archive = ArchiveService(store)
    ids = [archive.create_customer(CustomerInput(name=f"客户{i}", phone=f"138{i:08d}"),
                                   [VehicleInput(plate=f"粤A{i:05d}")])
           for i in range(customers)]
    store.close()
    return ids


def timed_saves(path: Path, ids: list[int], calls: int) -> list[float]:
    store = Store(f"sqlite:///{path}")
    contacts = ContactService(store)
    took = []
    for n in range(calls):
        cid = ids[n % len(ids)]
        data = CallInput(customer_id=cid, called_at=NOW, call_type="followup",
                         key_points="车况良好，客户满意", satisfaction="satisfied", result="满意",
                         close_followup=False)
        start = time.perf_counter()
        contacts.log_call(data, NOW.date())
        took.append(time.perf_counter() - start)
    with store.engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    store.close()
    assert mode == {"NORMAL": 1, "FULL": 2}[db.engine.SYNCHRONOUS], mode
    return took


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--customers", type=int, default=200)
    p.add_argument("--dir", type=Path, help="where the test databases go (default: a temp dir)")
    args = p.parse_args()
    clock.freeze(NOW)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp) / "base.sqlite"
        ids = build(base, args.customers)
        results = {}
        for mode in ("NORMAL", "FULL", "NORMAL", "FULL"):  # interleaved: a busy disk hits both
            path = Path(tmp) / f"{mode}-{len(results)}.sqlite"
            path.write_bytes(base.read_bytes())
            db.engine.SYNCHRONOUS = mode
            results.setdefault(mode, []).extend(timed_saves(path, ids, args.calls // 2))
    for mode, took in results.items():
        print(f"{mode:<6}  median {statistics.median(took) * 1000:6.2f} ms   "
              f"mean {statistics.fmean(took) * 1000:6.2f} ms   "
              f"p95 {sorted(took)[int(len(took) * 0.95)] * 1000:6.2f} ms   ({len(took)} saves)")
    ratio = statistics.median(results["FULL"]) / statistics.median(results["NORMAL"])
    print(f"FULL / NORMAL (median): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
