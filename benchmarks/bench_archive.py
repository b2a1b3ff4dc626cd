"""Archive benchmark: cold start to the first painted archive screen, and search per keystroke.

    python benchmarks/bench_archive.py [--db PATH] [--customers 50000] [--runs 7] [--search-only]

Every figure is set beside a floor measured in the same run:
- start: a bare QApplication + window + `import sqlalchemy.orm`, painted once;
- search: the same query in raw sqlite3 (ids in display order + the first screen of rows).
Targets (issue 2): start <= 1.5x floor; each search < 20 ms and <= 3x raw.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's app/ and ui/, not whichever one the venv has installed.
sys.path.insert(0, str(ROOT))
PROBE = Path(__file__).with_name("start_probe.py")
SCREEN_ROWS = 30


def ensure_db(path: Path, customers: int) -> None:
    if path.exists():
        return
    print(f"generating demo database with {customers} customers at {path} …", flush=True)
    subprocess.run([sys.executable, "-m", "app", "--db", str(path), "demo",
                    "--customers", str(customers)], check=True, cwd=ROOT)


def time_start(args: list[str]) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(PROBE), *args], stdout=subprocess.PIPE,
                            env=env, cwd=ROOT, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.wait()
    if line.strip() != "painted":
        raise RuntimeError(f"probe {args} did not paint")
    return elapsed


def median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, default=ROOT / "bench-data" / "demo50k.sqlite")
    p.add_argument("--customers", type=int, default=50000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--search-only", action="store_true", help="skip the cold-start figures")
    args = p.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    ensure_db(args.db, args.customers)

    if not args.search_only:
        bench_start(args)
    bench_search(args)


def bench_start(args) -> None:
    # -- cold start, alternating so both see the same machine load
    time_start(["floor"]), time_start(["app", str(args.db)])  # warm the OS file cache
    floor, app, default = [], [], []
    for _ in range(args.runs):
        floor.append(time_start(["floor"]))
        app.append(time_start(["app", str(args.db)]))
        default.append(time_start(["app-default", str(args.db)]))
    f_ms, a_ms = statistics.median(floor) * 1000, statistics.median(app) * 1000
    d_ms = statistics.median(default) * 1000
    print(f"\ncold start to first painted screen (median of {args.runs})")
    print(f"  floor (QApplication + window + sqlalchemy.orm): {f_ms:7.0f} ms")
    print(f"  FollowDesk archive screen:                      {a_ms:7.0f} ms"
          f"   ratio {a_ms / f_ms:.2f}x (target <= 1.5x)")
    print(f"  FollowDesk opening tab (跟踪日历):              {d_ms:7.0f} ms"
          f"   ratio {d_ms / f_ms:.2f}x")


def bench_search(args) -> None:
    # -- search per keystroke
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.archive import ArchiveService
    from app.search_index import search_terms
    from app.store import Store
    from ui.archive_model import ArchiveTableModel

    qapp = QApplication.instance() or QApplication([])  # noqa: F841
    store = Store(f"sqlite:///{args.db}")
    archive = ArchiveService(store)
    model = ArchiveTableModel(archive)
    model.refresh()
    raw = sqlite3.connect(args.db)
    n = raw.execute("SELECT count(*) FROM customer WHERE deleted_at IS NULL").fetchone()[0]

    # Real terms from the data: a 3-char name, a 2-char name, phone and plate fragments.
    three = raw.execute("SELECT name FROM customer WHERE length(name)=3 LIMIT 1 OFFSET 777"
                        ).fetchone()[0]
    two = raw.execute("SELECT name FROM customer WHERE length(name)=2 LIMIT 1 OFFSET 555"
                      ).fetchone()[0]
    phone = raw.execute("SELECT phone FROM customer WHERE phone LIKE '1%' LIMIT 1 OFFSET 333"
                        ).fetchone()[0][3:7]
    plate = raw.execute("SELECT plate FROM vehicle LIMIT 1 OFFSET 444").fetchone()[0][2:5]
    initials = "zw"

    def app_search(q: str):
        def run():
            model.set_query(q)
            for r in range(min(SCREEN_ROWS, model.rowCount())):
                for c in range(model.columnCount()):
                    model.index(r, c).data()
        return run

    def raw_search(q: str):
        terms = search_terms(q)
        where = " AND ".join(["search_text LIKE ? ESCAPE '\\'"] * len(terms)) or "1"
        sql_ids = (f"SELECT customer_id FROM customer_summary WHERE deleted = 0 AND {where} "
                   "ORDER BY archive_no")
        params = [f"%{t}%" for t in terms]

        def run():
            ids = [r[0] for r in raw.execute(sql_ids, params)]
            page = ids[:100]
            marks = ",".join("?" * len(page))
            raw.execute("SELECT * FROM customer_summary WHERE customer_id IN "
                        f"({marks})", page).fetchall()
        return run

    print(f"\nsearch per keystroke on {n} customers (median of {args.runs * 3} runs; "
          "ids + first screen of rows)")
    print(f"  {'query':<22}{'matches':>8}{'FollowDesk':>12}{'raw sqlite3':>13}{'ratio':>8}")
    for label, q in [(f"3-char name {three}", three), (f"2-char name {two}", two),
                     (f"pinyin initials {initials}", initials),
                     (f"phone part {phone}", phone), (f"plate part {plate}", plate),
                     # The first keystroke of a name (IME commits the surname) and of a phone:
                     # the widest result sets a clerk meets.
                     ("1-char surname 张", "张"), ("first digit 1", "1")]:
        a = median_ms(app_search(q), args.runs * 3)
        r = median_ms(raw_search(q), args.runs * 3)
        print(f"  {label:<22}{model.rowCount():>8}{a:>10.2f}ms{r:>11.2f}ms{a / r:>7.2f}x")
    print("  targets: < 20 ms and <= 3x raw")
    store.close()


if __name__ == "__main__":
    main()
