"""The 送修 dialog proposes 保养 from the work typed and collects 保养周期 / 下次保养期 (R1)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.staff import StaffService
from db.models import VisitKind

D = dt.date


@pytest.fixture
def car(archive):
    cid = archive.create_customer(
        CustomerInput(name="陈静", phone="13512340000"),
        [VehicleInput(plate="粤A55555", model="丰田卡罗拉", maintenance_cycle_months=6)])
    return cid, archive.detail(cid).vehicles[0].id


def dialog_for(qtbot, archive, store, cid, **kw):
    from ui.visit_dialog import VisitDialog

    dialog = VisitDialog(archive, StaffService(store).list(), customer_id=cid, **kw)
    qtbot.addWidget(dialog)
    return dialog


def test_the_dialog_proposes_maintenance_from_the_items(qtbot, archive, store, car):
    cid, _ = car
    dialog = dialog_for(qtbot, archive, store, cid)
    assert dialog.kind.currentData() == VisitKind.REPAIR
    dialog.items.setText("更换机油机滤")
    assert dialog.kind.currentData() == VisitKind.MAINTENANCE
    dialog.items.setText("补胎")
    assert dialog.kind.currentData() == VisitKind.REPAIR
    # the clerk's own choice stands
    dialog.kind.setCurrentIndex(dialog.kind.findData(VisitKind.CONSULTATION))
    dialog.kind.activated.emit(dialog.kind.currentIndex())
    dialog.items.setText("更换机油机滤")
    assert dialog.kind.currentData() == VisitKind.CONSULTATION


def test_the_dialog_shows_and_saves_the_maintenance_plan(qtbot, archive, store, car):
    cid, vid = car
    dialog = dialog_for(qtbot, archive, store, cid)
    assert dialog.cycle_months.text() == "6"
    assert dialog.next_maintenance.text() == ""
    dialog.intake.setText("2026-11-01")
    dialog.pickup.setText("2026-11-02")
    dialog.items.setText("更换机油机滤")
    dialog.cycle_months.setText("3")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    v = archive.detail(cid).vehicles[0]
    assert v.maintenance_cycle_months == 3
    assert (v.next_maintenance_date, v.next_maintenance_basis) == (D(2027, 2, 2), "按 3 个月")

    again = dialog_for(qtbot, archive, store, cid)
    assert again.next_maintenance.date() == D(2027, 2, 2)
    assert again.next_basis.text() == "按 3 个月"
    again.intake.setText("2026-11-10")
    again.items.setText("补胎")
    assert again.kind.currentData() == VisitKind.REPAIR
    again.next_maintenance.setText("2027-01-20")  # typed by the clerk: it wins
    again.save()
    assert again.result() == again.DialogCode.Accepted
    v = archive.detail(cid).vehicles[0]
    assert (v.next_maintenance_date, v.next_maintenance_manual) == (D(2027, 1, 20), True)


def test_a_correction_keeps_its_recorded_kind(qtbot, archive, store, car):
    cid, vid = car
    visit_id = archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=D(2026, 11, 1), service_items="顺便换机油"))
    dialog = dialog_for(qtbot, archive, store, cid, visit=archive.visit(visit_id))
    dialog.items.setText("顺便换机油，补胎")
    assert dialog.kind.currentData() == VisitKind.REPAIR


def test_a_bad_cycle_is_shown_under_its_field(qtbot, archive, store, car):
    cid, _ = car
    dialog = dialog_for(qtbot, archive, store, cid)
    dialog.intake.setText("2026-11-01")
    dialog.cycle_months.setText("abc")
    dialog.save()
    assert dialog.fields.error_text("maintenance_cycle_months")
    assert archive.detail(cid).visits == []
