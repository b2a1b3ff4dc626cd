"""节假日与调休 entered by the center: the notice, its import, and what it changes downstream."""

import datetime as dt
import json

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.cli import main
from app.normalize import ValidationError
from app.public_days import PublicDayService
from app.staff import StaffService
from app.summary import Period, compute
from app.tasks import TaskService
from app.workdays import NoticeDay
from db.models import PublicDayKind, Role, TaskKind, VisitKind

D = dt.date
OFF, WORK = PublicDayKind.OFF, PublicDayKind.WORK
SPRING_2027 = [NoticeDay(D(2027, 2, 5) + dt.timedelta(days=i), OFF, "春节") for i in range(8)]


@pytest.fixture
def service(store):
    return PublicDayService(store)


@pytest.fixture
def on_day(frozen_clock):
    return frozen_clock.freeze


def customer_picked_up(store, archive, admin, pickup: dt.date, name="张伟") -> int:
    cid = archive.create_customer(
        CustomerInput(name=name, phone="13812345678", address="广州", clerk_id=admin.id),
        [VehicleInput(plate="粤A12345", model="朗逸")])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=pickup,
                                                pickup_date=pickup))
    return cid


def first_followup(store, cid, today):
    return next(t for t in TaskService(store).for_customer(cid, today)
                if t.kind == TaskKind.FIRST_FOLLOWUP)


def write_csv(path, rows):
    path.write_text("日期,类型,名称\n" + "".join(",".join(r) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_a_notice_with_bad_lines_says_each_and_changes_nothing(service, tmp_path):
    path = write_csv(tmp_path / "2027.csv", [
        ("2027-01-01", "休", "元旦"),
        ("2027-01-01", "休", "元旦"),  # twice
        ("2027-02-03", "班", ""),  # a Wednesday
        ("2027-02-06", "假", "春节"),  # neither 休 nor 班
        ("2027-02-30", "休", "春节"),  # no such day
        ("明年", "休", ""),  # unreadable
    ])
    result = service.import_notice(path)
    assert not result.saved
    lines = sorted(p.line for p in result.problems)
    assert lines == [3, 4, 5, 6, 7]
    text = "\n".join(p.message for p in result.problems)
    assert "重复" in text and "星期三" in text and "“假”" in text and "不存在" in text
    assert not service.year(2027).entered


def test_an_imported_notice_moves_the_suggested_day(store, archive, admin, service, tmp_path,
                                                    on_day):
    on_day(D(2027, 2, 3))
    cid = customer_picked_up(store, archive, admin, D(2027, 2, 3))  # window 02-06 … 02-10
    before = first_followup(store, cid, D(2027, 2, 3))
    assert (before.suggested_day, before.calendar) == (D(2027, 2, 11), "computed")
    assert before.carried_over
    rows = [(d.day.isoformat(), "休", d.name) for d in SPRING_2027]
    rows.append(("2027-02-20", "班", "春节调休上班"))
    result = service.import_notice(write_csv(tmp_path / "notice.csv", rows), dry_run=True)
    assert result.problems == [] and not result.saved and not service.year(2027).entered
    result = service.import_notice(tmp_path / "notice.csv")
    assert result.saved and result.count == 9
    after = first_followup(store, cid, D(2027, 2, 3))
    assert (after.suggested_day, after.calendar) == (D(2027, 2, 15), "official")
    assert service.calendar().day_info(D(2027, 2, 20)).makeup_workday


def test_a_call_on_the_first_working_day_after_spring_festival_counts_on_time(
        store, archive, admin, on_day):
    from app.contacts import CallInput, ContactService

    on_day(D(2027, 2, 3))
    cid = customer_picked_up(store, archive, admin, D(2027, 2, 3))
    task = first_followup(store, cid, D(2027, 2, 3))
    on_day(D(2027, 2, 11))
    ContactService(store).log_call(CallInput(
        customer_id=cid, called_at=dt.datetime(2027, 2, 11, 10), task_id=task.task_id,
        points_covered=[1], satisfaction="satisfied"), D(2027, 2, 11))
    with store.read() as s:
        figures = compute(s, Period.month(2027, 2), as_of=D(2027, 3, 1))
    assert figures.values["first_followups_on_time"] == 1
    assert figures.values["first_followup_on_time_rate"] == 1.0


def test_saving_a_year_checks_every_line_and_a_clerk_may_not(store, service):
    with pytest.raises(ValidationError, match="星期三"):
        service.save_year(2027, [NoticeDay(D(2027, 2, 3), WORK, "")])
    with pytest.raises(ValidationError, match="不在 2027 年内"):
        service.save_year(2027, [NoticeDay(D(2028, 1, 1), OFF, "元旦")])
    clerk = StaffService(store).create("wangfang", "王芳", Role.CLERK, "secret12")
    with pytest.raises(ValidationError, match="业务主管"):
        service.save_year(2027, SPRING_2027, by=clerk)
    service.save_year(2027, SPRING_2027)
    assert service.year(2027).entered
    assert service.as_notice(2027) == SPRING_2027
    service.clear_year(2027)
    assert not service.year(2027).entered


def test_the_supervisor_is_asked_for_next_year_from_november(service):
    assert service.notice_due(D(2026, 10, 31)) is None  # 2026 carried by the library
    assert service.notice_due(D(2026, 11, 1)) == 2027
    service.save_year(2027, SPRING_2027)
    assert service.notice_due(D(2026, 11, 1)) is None
    assert service.notice_due(D(2028, 1, 5)) == 2028


def test_the_work_week_is_a_setting(service):
    assert service.work_week() == (frozenset(range(5)), True)
    service.save_work_week({0, 1, 2, 3, 4, 5}, carry_over=False)
    assert service.work_week() == (frozenset(range(6)), False)
    assert service.calendar().is_working_day(D(2026, 12, 19))  # a Saturday
    with pytest.raises(ValidationError):
        service.save_work_week(set(), carry_over=True)


def test_cli_holidays_and_tasks_say_which_days_are_official(store, archive, admin, tmp_path,
                                                             capsys, on_day, monkeypatch):
    db = store.url.removeprefix("sqlite:///")
    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "secret12")
    assert main(["--db", db, "holidays", "--year", "2027", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["calendar"] == "computed" and not out["entered"]
    new_year = next(d for d in out["days"] if d["date"] == "2027-01-01")
    assert new_year == {"date": "2027-01-01", "kind": "off", "name": "元旦",
                        "source": "computed"}
    on_day(D(2027, 2, 3))
    customer_picked_up(store, archive, admin, D(2027, 2, 3))
    assert main(["--db", db, "tasks", "--from", "2027-02-06", "--json"]) == 0
    [item] = [t for t in json.loads(capsys.readouterr().out) if t["kind"] == "first_followup"]
    assert (item["suggested_day"], item["calendar"], item["carried_over"]) == (
        "2027-02-11", "computed", True)
    assert main(["--db", db, "tasks", "--from", "2027-02-06"]) == 0
    assert "2027 年按推算（未录入国务院通知）" in capsys.readouterr().out

    bad = write_csv(tmp_path / "bad.csv", [("2027-02-03", "班", "")])
    assert main(["--db", db, "--user", "admin", "holidays", "--import", str(bad)]) == 1
    assert "星期三" in capsys.readouterr().err
    sheet = tmp_path / "2027.xlsx"
    assert main(["--db", db, "holidays", "--year", "2027", "--template", str(sheet)]) == 0
    assert main(["--db", db, "holidays", "--import", str(sheet), "--dry-run"]) == 0
    assert "检查通过" in capsys.readouterr().out
    assert main(["--db", db, "holidays", "--import", str(sheet)]) == 2  # who is doing it?
    assert main(["--db", db, "--user", "admin", "holidays", "--import", str(sheet)]) == 0
    assert main(["--db", db, "holidays", "--year", "2027", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert out["calendar"] == "official" and out["entered"]


def test_a_make_up_day_in_the_year_before_joins_that_year_without_replacing_it(service, tmp_path):
    service.save_year(2026, [NoticeDay(D(2026, 10, 1), OFF, "国庆节")])
    notice = write_csv(tmp_path / "2027.csv", [("2026-12-27", "班", "元旦调休上班")] + [
        (d.day.isoformat(), "休", d.name) for d in SPRING_2027])
    assert service.import_notice(notice).saved
    assert [d.day for d in service.as_notice(2026)] == [D(2026, 10, 1), D(2026, 12, 27)]
    assert len(service.as_notice(2027)) == 8
