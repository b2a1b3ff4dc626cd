"""Calendar benchmark: today's agenda and the month view on a 10-year, 50k-customer demo.

    python benchmarks/bench_calendar.py [--db PATH] [--runs 15]

Each figure stands beside raw sqlite3 fetching the same rows in the same run.
Target (issue 3): each < 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREEN = 40  # agenda rows one screen shows


def median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, default=ROOT / "bench-data" / "demo50k-10y.sqlite")
    p.add_argument("--runs", type=int, default=15)
    args = p.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating a 10-year demo with 50000 customers at {args.db} …", flush=True)
        subprocess.run([sys.executable, "-m", "app", "--db", str(args.db), "demo",
                        "--customers", "50000", "--years", "10"], check=True, cwd=ROOT)

    from app import clock
    from app.staff import StaffService
    from app.store import Store
    from app.tasks import TaskService

    store = Store(f"sqlite:///{args.db}")
    tasks = TaskService(store)
    staff = StaffService(store)
    clerk = staff.login("wangfang", "wangfang123")
    boss = staff.login("zhuguan", "zhuguan123")
    today = clock.today()
    raw = sqlite3.connect(args.db)
    n_tasks = raw.execute("SELECT count(*) FROM task").fetchone()[0]
    n_customers = raw.execute("SELECT count(*) FROM customer").fetchone()[0]

    # The agenda as the window shows it: every id in urgency order, rows for one screen.
    ids_sql = ("SELECT id FROM task WHERE status = 'open' AND window_start <= ? {owner} "
               "ORDER BY due, id")
    rows_sql = (
        "SELECT t.id, t.kind, t.status, t.customer_id, s.archive_no, s.name, s.phone, "
        "v.plate, s.plates, t.window_start, t.due, t.owner_id, t.topic, t.under_warranty, "
        "t.done_on FROM task t JOIN customer_summary s ON s.customer_id = t.customer_id "
        "LEFT JOIN vehicle v ON v.id = t.vehicle_id WHERE t.id IN ({marks})")
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    month_sql = ("SELECT due, kind, status, owner_id, count(*) FROM task WHERE due >= ? "
                 "AND due <= ? AND status != 'cancelled' {owner} "
                 "GROUP BY due, kind, status, owner_id")

    def raw_agenda(owner_id=None):
        sql = ids_sql.format(owner="AND owner_id = ?" if owner_id else "")
        params = [today.isoformat()] + ([owner_id] if owner_id else [])

        def run():
            ids = [r[0] for r in raw.execute(sql, params)][:SCREEN]
            raw.execute(rows_sql.format(marks=",".join("?" * len(ids))), ids).fetchall()
        return run

    def app_agenda(viewer):
        def run():  # as the tab does it: the plan once (capacity spreading), one screen of rows
            plan = tasks.agenda_plan(viewer, today)
            tasks.agenda_items(viewer, today, plan.ids[:SCREEN], plan=plan)
        return run

    def raw_month(owner_id=None):
        sql = month_sql.format(owner="AND owner_id = ?" if owner_id else "")
        params = [first.isoformat(), last.isoformat()] + ([owner_id] if owner_id else [])
        return lambda: raw.execute(sql, params).fetchall()

    cases = [
        ("今日工作, supervisor (all)", app_agenda(boss), raw_agenda(),
         len(tasks.agenda_ids(boss, today))),
        ("今日工作, clerk 王芳", app_agenda(clerk), raw_agenda(clerk.id),
         len(tasks.agenda_ids(clerk, today))),
        ("month view, supervisor", lambda: tasks.month_counts(boss, today.year, today.month,
                                                              today), raw_month(),
         sum(c.open + c.done for c in tasks.month_counts(boss, today.year, today.month,
                                                        today).values())),
        ("month view, clerk 王芳", lambda: tasks.month_counts(clerk, today.year, today.month,
                                                            today), raw_month(clerk.id),
         sum(c.open + c.done for c in tasks.month_counts(clerk, today.year, today.month,
                                                        today).values())),
    ]
    print(f"\n{n_customers} customers, {n_tasks} tasks; median of {args.runs} runs")
    print(f"  {'view':<28}{'rows':>7}{'FollowDesk':>13}{'raw sqlite3':>13}{'ratio':>8}")
    for label, app_fn, raw_fn, rows in cases:
        a, r = median_ms(app_fn, args.runs), median_ms(raw_fn, args.runs)
        print(f"  {label:<28}{rows:>7}{a:>11.1f}ms{r:>11.1f}ms{a / r:>7.2f}x")
    print("  target: each < 50 ms")
    store.close()


if __name__ == "__main__":
    main()
