"""下次保养期: one rule (app.rules.next_maintenance), recomputed on every visit change, the
clerk's typed date winning until the next maintenance visit; visit kinds from the work done;
an imported archive giving its future maintenance reminders."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select

from app import rules
from app.archive import (
    ArchiveService,
    CustomerInput,
    MaintenancePlan,
    VehicleInput,
    VisitInput,
    classify_visit_kind,
)
from app.importer import import_file
from app.settings import DEFAULT_MAINTENANCE_WORDS, load_maintenance_words, save_maintenance_words
from db.models import Task, TaskKind, Vehicle, Visit, VisitKind

D = dt.date


# ---------------------------------------------------------------- the rule, without a DB


def test_cycle_by_months():
    assert rules.next_maintenance(D(2026, 11, 2), 6, None, []) == (D(2027, 5, 2), "按 6 个月")
    assert rules.next_maintenance(D(2026, 8, 31), 6, None, [])[0] == D(2027, 2, 28)


def test_cycle_by_km_from_the_pace_of_two_readings():
    readings = [(D(2026, 1, 1), 10000), (D(2026, 4, 11), 13800)]  # 3800 km in 100 days
    due, basis = rules.next_maintenance(D(2026, 4, 11), None, 5000, readings)
    assert due == D(2026, 4, 11) + dt.timedelta(days=132)  # 5000 / 38 ≈ 132 days
    assert basis == "按 5000 公里，日均 38 公里"


def test_whichever_comes_first():
    slow = [(D(2026, 1, 1), 10000), (D(2026, 7, 1), 11000)]  # ~5.5 km a day
    fast = [(D(2026, 1, 1), 10000), (D(2026, 4, 11), 20000)]  # 100 km a day
    assert rules.next_maintenance(D(2026, 7, 1), 6, 5000, slow) == (D(2027, 1, 1), "按 6 个月")
    due, basis = rules.next_maintenance(D(2026, 4, 11), 6, 5000, fast)
    assert due == D(2026, 5, 31) and basis == "按 5000 公里，日均 100 公里"


def test_no_maintenance_or_no_cycle_gives_nothing():
    assert rules.next_maintenance(None, 6, 5000, []) == (None, "")
    assert rules.next_maintenance(D(2026, 7, 1), None, None, []) == (None, "")
    # a km cycle without enough odometer history: no pace, no date
    assert rules.next_maintenance(D(2026, 7, 1), None, 5000, [(D(2026, 7, 1), 9000)]) == (
        None, "")


# ---------------------------------------------------------------- the archive service


@pytest.fixture
def car(archive: ArchiveService):
    cid = archive.create_customer(
        CustomerInput(name="陈静", phone="13512340000"),
        [VehicleInput(plate="粤A55555", maintenance_cycle_months=6)],
    )
    return cid, archive.detail(cid).vehicles[0].id


def maintenance(intake, pickup=None, km=None, items="更换机油机滤"):
    return VisitInput(kind=VisitKind.MAINTENANCE, intake_date=intake, pickup_date=pickup,
                      service_items=items, mileage_km=km)


def next_of(archive, cid):
    v = archive.detail(cid).vehicles[0]
    return v.next_maintenance_date, v.next_maintenance_basis, v.next_maintenance_manual


def test_a_maintenance_visit_sets_the_date_with_its_basis(archive, car):
    cid, vid = car
    archive.register_visit(cid, vid, maintenance(D(2026, 11, 1), D(2026, 11, 2)))
    assert next_of(archive, cid) == (D(2027, 5, 2), "按 6 个月", False)


def test_km_cycle_uses_the_cars_odometer_readings(archive, car):
    cid, vid = car
    v = archive.detail(cid).vehicles[0]
    archive.update_vehicle(vid, VehicleInput(**{**vars(v.as_input()),
                                                "maintenance_cycle_km": 5000}))
    archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=D(2026, 1, 1), service_items="补胎", mileage_km=10000))
    archive.register_visit(cid, vid, maintenance(D(2026, 4, 11), km=20000))
    assert next_of(archive, cid) == (D(2026, 5, 31), "按 5000 公里，日均 100 公里", False)


def test_a_corrected_pickup_moves_the_date(archive, car):
    cid, vid = car
    visit_id = archive.register_visit(cid, vid, maintenance(D(2026, 11, 1), D(2026, 11, 2)))
    archive.update_visit(visit_id, vid, maintenance(D(2026, 11, 1), D(2026, 11, 6)))
    assert next_of(archive, cid)[0] == D(2027, 5, 6)
    # corrected into a repair: no maintenance left, the derived date goes
    archive.update_visit(visit_id, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=D(2026, 11, 1), service_items="补胎"))
    assert next_of(archive, cid) == (None, "", False)


def test_deleting_the_latest_maintenance_falls_back_to_the_one_before(archive, car):
    cid, vid = car
    archive.register_visit(cid, vid, maintenance(D(2026, 5, 10)))
    latest = archive.register_visit(cid, vid, maintenance(D(2026, 11, 1), D(2026, 11, 2)))
    assert next_of(archive, cid)[0] == D(2027, 5, 2)
    archive.delete_visit(latest)
    assert next_of(archive, cid)[0] == D(2026, 11, 10)


def test_a_back_dated_maintenance_does_not_move_the_date(archive, car):
    cid, vid = car
    archive.register_visit(cid, vid, maintenance(D(2026, 11, 1), D(2026, 11, 2)))
    archive.register_visit(cid, vid, maintenance(D(2026, 3, 1)))
    assert next_of(archive, cid)[0] == D(2027, 5, 2)


def test_the_clerks_typed_date_wins_until_the_next_maintenance_visit(archive, car):
    cid, vid = car
    archive.register_visit(cid, vid, maintenance(D(2026, 5, 1), D(2026, 5, 2)))
    assert next_of(archive, cid)[0] == D(2026, 11, 2)
    v = archive.detail(cid).vehicles[0]
    archive.update_vehicle(vid, VehicleInput(**{**vars(v.as_input()),
                                                "next_maintenance_date": D(2026, 12, 20)}))
    assert next_of(archive, cid) == (D(2026, 12, 20), "", True)
    # saving the vehicle again unchanged keeps it typed; a repair or a correction does not move it
    v = archive.detail(cid).vehicles[0]
    archive.update_vehicle(vid, v.as_input())
    repair = archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=D(2026, 6, 1), service_items="补胎"))
    archive.delete_visit(repair)
    assert next_of(archive, cid) == (D(2026, 12, 20), "", True)
    # an older maintenance typed in late (补录) does not count as the next one
    archive.register_visit(cid, vid, maintenance(D(2026, 3, 1)))
    assert next_of(archive, cid) == (D(2026, 12, 20), "", True)
    # the next maintenance visit takes over again
    archive.register_visit(cid, vid, maintenance(D(2026, 11, 20), D(2026, 11, 21)))
    assert next_of(archive, cid) == (D(2027, 5, 21), "按 6 个月", False)


def test_clearing_the_typed_date_hands_it_back_to_the_rule(archive, car):
    cid, vid = car
    archive.register_visit(cid, vid, maintenance(D(2026, 5, 1), D(2026, 5, 2)))
    v = archive.detail(cid).vehicles[0]
    archive.update_vehicle(vid, VehicleInput(**{**vars(v.as_input()),
                                                "next_maintenance_date": D(2026, 12, 20)}))
    v = archive.detail(cid).vehicles[0]
    archive.update_vehicle(vid, VehicleInput(**{**vars(v.as_input()),
                                                "next_maintenance_date": None}))
    assert next_of(archive, cid) == (D(2026, 11, 2), "按 6 个月", False)


def test_the_plan_collected_at_the_visit_updates_the_car(archive, car):
    cid, vid = car
    archive.register_visit(cid, vid, maintenance(D(2026, 11, 1), D(2026, 11, 2)),
                           MaintenancePlan(cycle_months=3))
    v = archive.detail(cid).vehicles[0]
    assert v.maintenance_cycle_months == 3
    assert (v.next_maintenance_date, v.next_maintenance_basis) == (D(2027, 2, 2), "按 3 个月")
    archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=D(2026, 11, 10), service_items="补胎"),
        MaintenancePlan(cycle_months=3, next_maintenance_date=D(2027, 1, 15)))
    assert next_of(archive, cid) == (D(2027, 1, 15), "", True)


# ---------------------------------------------------------------- visit kinds


def test_classification_words():
    words = DEFAULT_MAINTENANCE_WORDS
    for items in ("首保", "二保", "三保", "常规保养", "更换机油机滤", "换机油", "更换机油、机滤"):
        assert classify_visit_kind(items, words) == VisitKind.MAINTENANCE, items
    for items in ("更换刹车片", "补胎", "四轮定位", ""):
        assert classify_visit_kind(items, words) == VisitKind.REPAIR, items


def test_the_word_list_is_a_setting(store):
    with store.read() as s:
        assert load_maintenance_words(s) == DEFAULT_MAINTENANCE_WORDS
    with store.session() as s:
        save_maintenance_words(s, ["保养", " 换油 ", ""])
    with store.read() as s:
        words = load_maintenance_words(s)
    assert words == ("保养", "换油")
    assert classify_visit_kind("换油", words) == VisitKind.MAINTENANCE
    assert classify_visit_kind("更换机滤", words) == VisitKind.REPAIR
    assert ArchiveService(store).maintenance_words() == words


# ---------------------------------------------------------------- import


def workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话", "车号", "送修日期", "出厂日期", "维修养护项目",
               "保养周期(月)", "行驶里程", "类别"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_an_imported_maintenance_visit_yields_next_years_reminder(store, tmp_path, frozen_clock):
    """The issue's example: a 二保 on 2026-12-01 with a 6-month cycle → due June 2027."""
    frozen_clock.freeze(D(2026, 12, 15))
    path = workbook(tmp_path / "a.xlsx", [
        ["钱进", "13011112222", "粤G12345", "2026-12-01", None, "二保", 6, None, "维修"],
        ["孙丽", "13500005555", "粤G54321", "2026-12-02", None, "更换刹车片", 6, None, None],
    ])
    report = import_file(store, path)
    assert report.as_json_dict()["imported"] == 2
    with store.read() as s:
        kinds = dict(s.execute(select(Visit.service_items, Visit.kind)).all())
        assert kinds == {"二保": VisitKind.MAINTENANCE, "更换刹车片": VisitKind.REPAIR}
        car = s.scalars(select(Vehicle).where(Vehicle.plate == "粤G12345")).one()
        assert car.next_maintenance_date == D(2027, 6, 1)
        assert car.next_maintenance_basis == "按 6 个月" and not car.next_maintenance_manual
        other = s.scalars(select(Vehicle).where(Vehicle.plate == "粤G54321")).one()
        assert other.next_maintenance_date is None
        [task] = s.scalars(select(Task).where(Task.kind == TaskKind.MAINTENANCE)).all()
        assert task.vehicle_id == car.id and task.due == D(2027, 6, 1)
        assert task.status == "open"


def test_import_uses_the_word_setting_and_the_km_pace(store, tmp_path, frozen_clock):
    frozen_clock.freeze(D(2026, 12, 15))
    with store.session() as s:
        save_maintenance_words(s, ["换油"])
    path = workbook(tmp_path / "b.xlsx", [
        ["钱进", "13011112222", "粤G12345", "2026-01-01", None, "补胎", None, 10000, None],
        ["钱进", "13011112222", "粤G12345", "2026-04-11", None, "换油", 12, 20000, None],
        ["钱进", "13011112222", "粤G12345", "2026-05-01", None, "更换机油机滤", None, None, None],
    ])
    import_file(store, path)
    with store.read() as s:
        kinds = [k for (k,) in s.execute(select(Visit.kind).order_by(Visit.intake_date))]
        assert kinds == [VisitKind.REPAIR, VisitKind.MAINTENANCE, VisitKind.REPAIR]
        car = s.scalars(select(Vehicle).where(Vehicle.plate == "粤G12345")).one()
        # 12 months → 2027-04-11; no km cycle in this sheet, so months decide
        assert car.next_maintenance_date == D(2027, 4, 11)


def test_a_newer_imported_maintenance_replaces_the_clerks_date(archive, store, tmp_path,
                                                                 frozen_clock):
    frozen_clock.freeze(D(2026, 12, 15))
    cid = archive.create_customer(
        CustomerInput(name="钱进", phone="13011112222"),
        [VehicleInput(plate="粤G12345", maintenance_cycle_months=6,
                      next_maintenance_date=D(2026, 12, 30))])
    assert next_of(archive, cid) == (D(2026, 12, 30), "", True)
    import_file(store, workbook(tmp_path / "c.xlsx", [
        ["钱进", "13011112222", "粤G12345", "2026-12-01", "2026-12-02", "首保", None, None, None],
    ]))
    assert next_of(archive, cid) == (D(2027, 6, 2), "按 6 个月", False)


def test_the_maintenance_reminder_follows_a_correction(archive, store, car, frozen_clock):
    frozen_clock.freeze(D(2026, 12, 15))
    cid, vid = car
    visit_id = archive.register_visit(cid, vid, maintenance(D(2026, 11, 1), D(2026, 11, 2)))
    archive.update_visit(visit_id, vid, maintenance(D(2026, 11, 1), D(2026, 11, 6)))
    with store.read() as s:
        open_dues = [t.due for t in s.scalars(select(Task).where(
            Task.kind == TaskKind.MAINTENANCE, Task.status == "open"))]
    assert open_dues == [D(2027, 5, 6)]
