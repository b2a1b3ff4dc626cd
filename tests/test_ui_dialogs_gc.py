"""Each dialog opened and closed with real keys, then a garbage collection: no crash.

Before the pickers emitted a Signal, a bound method stored on a child widget made the
collector free a CallDialog under Qt: the process died at the next gc after F4.
"""

import gc

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from app.archive import CustomerInput, VehicleInput, VisitInput
from db.models import VisitKind
from tests.worlds import TODAY, when_open


@pytest.fixture
def window(qtbot, store, admin, archive, ui_settings, msgbox):
    from ui.main_window import MainWindow

    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州", clerk_id=admin.id),
        [VehicleInput(plate="粤A12345", model="朗逸")])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=TODAY,
                                                pickup_date=TODAY))
    w = MainWindow(store, admin, ui_settings, today_fn=lambda: TODAY)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.customer_id = cid
    return w


def collect(qtbot):
    QApplication.sendPostedEvents(None, 0)  # deleteLater
    gc.collect()
    qtbot.wait(10)
    gc.collect()


def test_f4_pick_the_caller_then_escape_then_gc(qtbot, window, msgbox):
    msgbox.confirm_answer = True  # "discard what you typed?"

    def steps(d):
        QTest.keyClicks(d.caller.search, "5678")
        QTest.keyClick(d.caller.search, Qt.Key.Key_Return)
        QTest.keyClick(d, Qt.Key.Key_Escape)

    seen = when_open(steps)
    QTest.keyClick(window, Qt.Key.Key_F4)
    assert seen["class"] == "CallDialog"
    collect(qtbot)
    assert window.isVisible() and window.findChildren(QDialog) == []


def test_f4_pick_the_caller_and_save_then_gc(qtbot, window):
    def steps(d):
        QTest.keyClicks(d.caller.search, "13812345678")
        QTest.keyClick(d.caller.search, Qt.Key.Key_Return)
        d.key_points.setPlainText("咨询保养价格")
        QTest.keyClick(d, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    seen = when_open(steps)
    QTest.keyClick(window, Qt.Key.Key_F4)
    assert seen["class"] == "CallDialog"
    collect(qtbot)
    assert window.contacts().calls_for_customer(window.customer_id)
    assert window.findChildren(QDialog) == []


def test_visit_dialog_pick_then_escape_then_gc(qtbot, window, msgbox):
    msgbox.confirm_answer = True

    def steps(d):
        QTest.keyClicks(d.picker.search, "zw")
        QTest.keyClick(d.picker.search, Qt.Key.Key_Return)
        QTest.keyClick(d, Qt.Key.Key_Escape)

    seen = when_open(steps)
    window.act_visit.trigger()
    assert seen["class"] == "VisitDialog"
    collect(qtbot)
    assert window.findChildren(QDialog) == []


def test_call_from_the_archive_page_then_escape_then_gc(qtbot, window, msgbox):
    msgbox.confirm_answer = True
    window.archive_tab.select_customer(window.customer_id)
    seen = when_open(lambda d: QTest.keyClick(d, Qt.Key.Key_Escape))
    window.act_call.trigger()
    assert seen["class"] == "CallDialog"
    collect(qtbot)
    assert window.findChildren(QDialog) == []


def test_the_call_dialog_fits_a_small_screen_with_save_in_reach(qtbot, window):
    from ui.call_dialog import CallDialog

    dialog = CallDialog(window.contacts(), window.archive, window,
                        customer_id=window.customer_id)
    qtbot.addWidget(dialog)
    area = dialog.screen().availableGeometry()
    assert dialog.width() <= area.width() and dialog.height() <= area.height()
    assert dialog.minimumSizeHint().width() <= 1000 and dialog.minimumSizeHint().height() <= 700
    dialog.resize(1000, 700)
    dialog.show()
    save = dialog.save_button
    assert dialog.rect().contains(save.mapTo(dialog, save.rect().bottomRight()))
