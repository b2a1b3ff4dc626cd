"""Small worlds several test files build the same way."""

import datetime as dt
import os

from app.archive import ArchiveService, CustomerInput, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService, RequestInput
from app.summary import Period
from app.tasks import TaskService
from db.models import VisitKind

D = dt.date

# The day the frozen clock reads in every test (tests/conftest.py). CI runs the suite a second
# and third time with this moved to a month's first day and a year's last day.
TODAY = D.fromisoformat(os.environ.get("FOLLOWDESK_TEST_TODAY") or "2026-12-15")
NOW = dt.datetime.combine(TODAY, dt.time(10, 30))
NOV = Period.month(2026, 11)


def november_2026(store, archive: ArchiveService, clerk_id: int, today: dt.date) -> list[int]:
    """Three November visits (the second a comeback): 张伟 called inside the window and
    satisfied, 王芳芳 called late and unsatisfied with a complaint for 车间, 李强 not called."""
    ids = []
    for i, (name, pickup, comeback) in enumerate([
        ("张伟", D(2026, 11, 2), False), ("王芳芳", D(2026, 11, 10), True),
        ("李强", D(2026, 11, 20), False),
    ]):
        cid = archive.create_customer(
            CustomerInput(name=name, phone=f"1381234567{i}", address="广州", clerk_id=clerk_id),
            [VehicleInput(plate=f"粤A1234{i}", model="朗逸", kind="轿车",
                          warranty_end=D(2027, 1, 1) if i == 0 else None)])
        vid = archive.detail(cid).vehicles[0].id
        archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=pickup,
                                                     pickup_date=pickup, is_comeback=comeback))
        ids.append(cid)
    tasks = TaskService(store)
    tasks.sync(ids, today)
    firsts = {t.customer_id: t for t in tasks.between(NOV.start, NOV.end, today)
              if t.kind == "first_followup"}
    contacts = ContactService(store)
    contacts.log_call(CallInput(customer_id=ids[0], called_at=dt.datetime(2026, 11, 6, 10),
                                task_id=firsts[ids[0]].task_id, points_covered=[1],
                                satisfaction="satisfied"))
    contacts.log_call(CallInput(
        customer_id=ids[1], called_at=dt.datetime(2026, 11, 19, 10),
        task_id=firsts[ids[1]].task_id, points_covered=[1], satisfaction="unsatisfied",
        request=RequestInput("返修后仍漏油", "escalated", True, "车间")), today=D(2026, 11, 19))
    return ids


def when_open(steps):
    """Run steps(dialog) as soon as a modal dialog is up (the UI tests' way into exec());
    returns what it saw: the dialog's class and the size it opened at."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen = {}

    def act():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, act)
            return
        seen["class"] = type(dialog).__name__
        seen["size"] = dialog.size()
        steps(dialog)

    QTimer.singleShot(0, act)
    return seen
