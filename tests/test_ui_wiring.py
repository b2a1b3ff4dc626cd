"""The main window opens the right dialog for each contact action."""

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from db.models import VisitKind
from tests.worlds import NOW, TODAY


@pytest.fixture
def window(qtbot, store, admin, archive, ui_settings, msgbox):
    from ui.main_window import MainWindow

    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州", clerk_id=admin.id),
        [VehicleInput(plate="粤A12345", model="朗逸")])
    vid = archive.detail(cid).vehicles[0].id
    pickup = TODAY - dt.timedelta(days=4)
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=pickup,
                                                pickup_date=pickup))
    w = MainWindow(store, admin, ui_settings)
    qtbot.addWidget(w)
    w.customer_id = cid
    return w


@pytest.fixture
def opened(monkeypatch):
    """Replaces exec() of the contact dialogs: records which dialog opened, with what."""
    seen = []
    from ui import call_dialog, campaign_dialog, letter_dialog, request_dialog

    for module, name in ((call_dialog, "CallDialog"), (letter_dialog, "LetterDialog"),
                         (campaign_dialog, "CampaignDialog"),
                         (request_dialog, "RequestQueueDialog")):
        cls = getattr(module, name)
        monkeypatch.setattr(cls, "exec", lambda self, _n=name: seen.append((_n, self)) or 0)
    return seen


def test_f3_on_a_task_opens_the_call_dialog_for_it(window, opened):
    tab = window.calendar_tab
    tab.show_view(tab.AGENDA)
    model = tab.agenda_table.model()
    row = next(r for r in range(model.rowCount()) if model.item(r).kind == "first_followup")
    tab._select_row(tab.agenda_table, row)
    item = tab.current_item()
    tab.call_current()
    name, dialog = opened[-1]
    assert name == "CallDialog" and dialog.task.task_id == item.task_id


def test_contact_menu_actions(window, opened):
    window.archive_tab.select_customer(window.customer_id)
    window.act_call.trigger()
    assert opened[-1][0] == "CallDialog"
    window.act_incoming.trigger()
    assert opened[-1][0] == "CallDialog" and opened[-1][1].incoming
    window.act_letter.trigger()
    assert opened[-1][0] == "LetterDialog"
    window.act_campaigns.trigger()
    assert opened[-1][0] == "CampaignDialog"
    window.act_requests.trigger()
    assert opened[-1][0] == "RequestQueueDialog"
    menus = [a.text() for a in window.menuBar().actions()]
    assert "联系(&L)" in menus


def test_the_statistics_tab_is_built_when_opened(window, qtbot, archive):
    # The tab opens on today's month: a visit today is in it whatever day of the month it is.
    vid = archive.detail(window.customer_id).vehicles[0].id
    archive.register_visit(window.customer_id, vid, VisitInput(
        kind=VisitKind.CONSULTATION, intake_date=TODAY, pickup_date=TODAY))
    assert window.summary_page.widget is None
    window.show()
    window.tabs.setCurrentWidget(window.summary_page)
    qtbot.waitUntil(lambda: window.summary_page.widget is not None)
    qtbot.waitUntil(lambda: window.summary_tab.figures is not None)
    assert window.summary_tab.figures.values["visits"] >= 1


def test_printing_the_archive_form_and_a_call_record(window, monkeypatch):
    import ui.forms_tab

    printed = []
    monkeypatch.setattr(ui.forms_tab, "print_archive_form",
                        lambda parent, forms, cid, **kw: printed.append(("archive", cid)))
    monkeypatch.setattr(ui.forms_tab, "print_call_record",
                        lambda parent, forms, call_id, **kw: printed.append(("call", call_id)))
    window.archive_tab.select_customer(window.customer_id)
    window.act_print_archive.trigger()
    window.records_tab.printCallRecord.emit(7)
    assert printed == [("archive", window.customer_id), ("call", 7)]


def test_the_forms_tab_is_built_when_opened(window, qtbot):
    assert window.forms_page.widget is None
    window.show()
    window.tabs.setCurrentWidget(window.forms_page)
    qtbot.waitUntil(lambda: window.forms_page.widget is not None)
    window.close()  # stops any export the tab started


def test_the_archive_page_keeps_the_calls_and_letters(window, store, qtbot):

    from app.contacts import CallInput, ContactService

    ContactService(store).log_call(CallInput(
        customer_id=window.customer_id, called_at=NOW, points_covered=[1],
        key_points="车况良好，提醒保养", satisfaction="satisfied"))
    window.archive_tab.select_customer(window.customer_id)
    qtbot.waitUntil(lambda: "通话记录" in window.archive_tab.detail.toPlainText())
    text = window.archive_tab.detail.toPlainText()
    assert "通话记录（1）" in text and "车况良好，提醒保养" in text and "信函（0）" in text


def test_qt_own_buttons_and_menus_speak_chinese(qtbot):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from ui.app import install_qt_chinese

    assert install_qt_chinese(QApplication.instance())
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes
                           | QDialogButtonBox.StandardButton.No)
    qtbot.addWidget(box)
    texts = {box.button(b).text() for b in (QDialogButtonBox.StandardButton.Yes,
                                            QDialogButtonBox.StandardButton.No)}
    assert texts == {"是(&Y)", "否(&N)"}
    assert QCoreApplication.translate("QWidgetTextControl", "&Copy") != "&Copy"
    # what qtbase_zh_CN leaves in English: Qt's own file dialog (no native one on the PC)
    from PySide6.QtWidgets import QFileDialog, QLabel

    dialog = QFileDialog(None, "打开")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    assert not any("Look" in t or "Files" in t for t in labels)
