"""Every dialog opens inside a 1024×768 screen, usable there, and reopens at the size the user
gave it (ui.common.fit_dialog / remember_size, called by common.run and common.present)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize

from app.archive import CustomerInput, VehicleInput, VisitInput
from db.models import VisitKind
from tests.worlds import TODAY, when_open

SMALL = QRect(0, 0, 1024, 768)


@pytest.fixture
def small_screen(monkeypatch):
    from ui import common

    monkeypatch.setattr(common, "available_area", lambda _widget=None: QRect(SMALL))
    return SMALL


@pytest.fixture
def window(qtbot, store, admin, archive, ui_settings, msgbox, small_screen):
    from ui.main_window import MainWindow

    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州", clerk_id=admin.id),
        [VehicleInput(plate="粤A12345", model="朗逸", vin="LSVAB12C3DE456789")])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=TODAY,
                                                pickup_date=TODAY))
    w = MainWindow(store, admin, ui_settings, today_fn=lambda: TODAY)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.customer_id = cid
    w.archive_tab.select_customer(cid)
    return w


def _agenda_item(w):
    from app.tasks import AgendaItem

    return AgendaItem(task_id=1, kind="first_service", status="open", customer_id=w.customer_id,
                      archive_no=1, customer_name="张伟", phone="13812345678", plate="粤A12345",
                      window_start=TODAY, due=TODAY, owner_id=None, owner_name="", topic="首保",
                      under_warranty=False)


def _dialogs():
    """(name, factory(window) -> dialog) for every dialog of ui/."""
    from ui import (
        absence_dialog,
        call_dialog,
        campaign_dialog,
        close_task_dialog,
        customer_dialog,
        forms_tab,
        holiday_dialog,
        records_tab,
        recycle_bin,
        request_dialog,
        settings_dialog,
        staff_dialog,
        template_dialog,
        visit_dialog,
    )
    from ui.app import ExceptionDialog
    from ui.import_dialog import ImportDialog  # noqa: F401  (opened from a chosen file)
    from ui.letter_dialog import LetterDialog

    def detail(w):
        return w.archive.detail(w.customer_id)

    return [
        ("CustomerDialog new", lambda w: customer_dialog.CustomerDialog(
            w.archive, w.clerks(), w)),
        ("CustomerDialog edit", lambda w: customer_dialog.CustomerDialog(
            w.archive, w.clerks(), w, customer=detail(w))),
        ("VehicleDialog", lambda w: customer_dialog.VehicleDialog(
            w.archive, w.customer_id, w, vehicle=detail(w).vehicles[0])),
        ("VisitDialog", lambda w: visit_dialog.VisitDialog(
            w.archive, w.clerks(), w, customer_id=w.customer_id)),
        ("VisitDialog picker", lambda w: visit_dialog.VisitDialog(w.archive, w.clerks(), w)),
        ("CallDialog", lambda w: call_dialog.CallDialog(
            w.contacts(), w.archive, w, customer_id=w.customer_id, clerks=w.clerks())),
        ("CallDialog task", lambda w: call_dialog.CallDialog(
            w.contacts(), w.archive, w, task=_agenda_item(w), clerks=w.clerks())),
        ("CallDialog incoming", lambda w: call_dialog.CallDialog(
            w.contacts(), w.archive, w, incoming=True, clerks=w.clerks())),
        ("LetterDialog", lambda w: LetterDialog(w.letters(), w, customer_ids=[w.customer_id],
                                                today_fn=lambda: TODAY)),
        ("CampaignDialog", lambda w: campaign_dialog.CampaignDialog(
            _campaigns(w), w, lambda: TODAY)),
        ("RequestQueueDialog", lambda w: request_dialog.RequestQueueDialog(
            w.contacts(), w, today_fn=lambda: TODAY)),
        ("TemplateDialog", lambda w: template_dialog.TemplateDialog(w.letters(), w)),
        ("RecycleBinDialog", lambda w: recycle_bin.RecycleBinDialog(w.archive, w)),
        ("StaffDialog", lambda w: staff_dialog.StaffDialog(w.staff, w)),
        ("StaffEditDialog", lambda w: staff_dialog.StaffEditDialog(w.staff, w)),
        ("AbsenceDialog", lambda w: absence_dialog.AbsenceDialog(
            w.tasks, w.clerks(), w, today_fn=lambda: TODAY)),
        ("RulesDialog", lambda w: settings_dialog.RulesDialog(w.tasks, w)),
        ("HolidayDialog", lambda w: holiday_dialog.HolidayDialog(
            _public_days(w), w.user, w, today_fn=lambda: TODAY)),
        ("NoticeLineDialog", lambda w: holiday_dialog.NoticeLineDialog(
            TODAY.year, None, lambda _d: None, w)),
        ("CloseWithoutCallDialog", lambda w: close_task_dialog.CloseWithoutCallDialog(
            _agenda_item(w), "首保", "今天", w)),
        ("RecordDialog", lambda w: records_tab.RecordDialog("电话记录", "<p>内容</p>",
                                                            w.customer_id, w)),
        ("FormDialog", lambda w: forms_tab.FormDialog(
            w.forms(), forms_tab.FormRequest("archive", customer_ids=[w.customer_id]), w)),
        ("ExceptionDialog", lambda w: ExceptionDialog("Traceback …\n" * 80)),
    ]


def _campaigns(w):
    from app.campaigns import CampaignService

    return CampaignService(w.store)


def _public_days(w):
    from app.public_days import PublicDayService

    return PublicDayService(w.store)


def _fits(dialog, area: QRect) -> None:
    frame = dialog.frameGeometry()
    room = QSize(area.width() - 16, area.height() - 48)
    assert dialog.width() <= room.width() and dialog.height() <= room.height(), dialog.size()
    assert area.contains(frame.topLeft()), frame
    # usable: what the layout needs fits too (it is not squeezed below its minimum)
    need = dialog.minimumSizeHint()
    assert need.width() <= room.width() and need.height() <= room.height(), need


@pytest.mark.parametrize("name,make", _dialogs(), ids=[n for n, _ in _dialogs()])
def test_every_dialog_fits_1024x768(qtbot, window, small_screen, name, make):
    from ui import common

    dialog = make(window)
    qtbot.addWidget(dialog)
    common.fit_dialog(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _fits(dialog, small_screen)
    # Qt appends the application's name to every title: a title does not say it again.
    assert "售后跟踪服务台" not in dialog.windowTitle()
    dialog.close()


def test_a_resized_dialog_reopens_at_its_saved_size(qtbot, window, ui_settings):
    seen = when_open(lambda d: (d.resize(700, 500), d.reject()))
    window.act_vehicle.trigger()
    assert seen["class"] == "VehicleDialog" and seen["size"] != QSize(700, 500)

    again = when_open(lambda d: d.reject())
    window.act_vehicle.trigger()
    assert again["size"] == QSize(700, 500)
    # per dialog class: another dialog keeps its own size
    other = when_open(lambda d: d.reject())
    window.act_bin.trigger()
    assert other["class"] == "RecycleBinDialog" and other["size"] != QSize(700, 500)


def test_a_saved_size_larger_than_this_screen_is_clamped(qtbot, window, ui_settings,
                                                         small_screen):
    ui_settings.setValue("dialogs/RecycleBinDialog/size", QSize(1800, 1000))
    seen = when_open(lambda d: d.reject())
    window.act_bin.trigger()
    assert seen["size"] == QSize(small_screen.width() - 16, small_screen.height() - 48)


def test_the_main_window_opens_inside_a_small_screen(qtbot, window, small_screen):
    assert window.windowTitle() == "管理员（管理员）"  # + " — 售后跟踪服务台" by Qt
    frame = window.frameGeometry()
    assert window.width() <= small_screen.width() and window.height() <= small_screen.height()
    assert small_screen.contains(frame.topLeft())
    # every tab built: none asks for more than the screen has
    window.records_page.ensure_built()
    window.forms_page.ensure_built()
    window.summary_page.ensure_built()
    need = window.minimumSizeHint()
    assert need.width() <= small_screen.width() - 16 and need.height() <= small_screen.height() - 48
    window.forms_page.widget.stop()


# ---------------------------------------------------------------- reads right


def _lines(document) -> list[str]:
    """Every laid-out line of a rich-text document (table cells included)."""
    lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            text = block.text()[line.textStart():line.textStart() + line.textLength()]
            lines.append(text.replace("\xa0", " "))
        block = block.next()
    return lines


def test_the_archive_page_never_breaks_a_number(qtbot, archive, admin):
    from PySide6.QtGui import QTextDocument

    from ui.archive_tab import customer_html

    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", phone2="020-83390553",
                      address="广州市增城区增城大道295号", clerk_id=admin.id),
        [VehicleInput(plate="粤AD12345", model="别克GL8", maintenance_cycle_months=6,
                      maintenance_cycle_km=5000)])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=TODAY,
                                                pickup_date=TODAY, mileage_km=48444,
                                                amount_fen=102350))
    page = customer_html(archive.detail(cid))
    for width in (360, 300):  # the page beside the list on a 1024×768 screen, and narrower
        doc = QTextDocument()
        doc.setHtml(page)
        doc.setTextWidth(width)
        doc.size()  # lays the document out
        lines = _lines(doc)
        for whole in ("48,444 公里", "1023.50", "13812345678", "020-83390553", "粤AD12345",
                      "5000 公里", TODAY.isoformat()):
            assert any(whole in line for line in lines), (whole, "|".join(lines))
    # where the page has room, it takes no more than it has (no scroll bar for nothing)
    for width in range(420, 1000, 37):
        doc = QTextDocument()
        doc.setHtml(page)
        doc.setTextWidth(width)
        assert doc.size().width() <= width, width


@pytest.mark.parametrize("before", [None, 1920, 1366])
def test_the_archive_list_needs_no_horizontal_scrollbar_at_1200(qtbot, window, archive, admin,
                                                                before):
    for n in range(40):  # enough for a vertical scroll bar, which takes width too
        archive.create_customer(CustomerInput(name=f"客户{n}", phone=f"1391234{n:04d}",
                                              clerk_id=admin.id))
    window.archive_tab.reload()
    window.tabs.setCurrentWidget(window.archive_tab)
    if before:  # made narrower from a wider window
        window.resize(before, 720)
        qtbot.wait(20)
    window.resize(1200, 720)
    qtbot.wait(20)
    table = window.archive_tab.table
    header = table.horizontalHeader()
    columns = sum(header.sectionSize(c) for c in range(header.count()))
    assert columns <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    assert window.archive_tab.detail.width() >= 400  # and the page keeps its room
    # a phone and a date are shown whole in their columns
    fm = table.fontMetrics()
    assert header.sectionSize(2) >= fm.horizontalAdvance("13812345678") + 8
    assert header.sectionSize(7) >= fm.horizontalAdvance("2026-12-15") + 8


def test_the_vehicle_dialog_shows_a_whole_vin(qtbot, window):
    from ui import common
    from ui.customer_dialog import VehicleDialog

    dialog = VehicleDialog(window.archive, window.customer_id, window,
                           vehicle=window.archive.detail(window.customer_id).vehicles[0])
    qtbot.addWidget(dialog)
    common.fit_dialog(dialog)
    dialog.show()
    vin = dialog.fields.vin
    assert vin.text() == "LSVAB12C3DE456789"
    assert vin.width() >= vin.fontMetrics().horizontalAdvance("W" * 17) + 8
    assert dialog.width() >= 400


@pytest.mark.parametrize("name,make", _dialogs(), ids=[n for n, _ in _dialogs()])
def test_no_placeholder_is_cut(qtbot, window, name, make):
    from PySide6.QtWidgets import QLineEdit

    from ui import common

    dialog = make(window)
    qtbot.addWidget(dialog)
    common.fit_dialog(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for edit in dialog.findChildren(QLineEdit):
        hint = edit.placeholderText()
        if hint and edit.isVisible() and not edit.text():
            assert not _elided(edit), hint
    dialog.close()


def _elided(edit) -> bool:
    """Qt elides a placeholder that does not fit ("…"): drawn wider, the text changes."""
    from PySide6.QtCore import QRect

    width, height = edit.width(), edit.height()
    before = edit.grab().toImage()
    edit.setFixedWidth(width + 120)
    after = edit.grab().toImage()
    edit.setMinimumWidth(0)
    edit.setMaximumWidth(16777215)
    area = QRect(0, 0, width - 6, height)
    return before.copy(area) != after.copy(area)


def _has_ink(widget) -> bool:
    """Something is drawn: some pixel is much darker than the background."""
    image = widget.grab().toImage()
    return any(image.pixelColor(x, y).lightness() < 200
               for y in range(0, image.height(), 2) for x in range(0, image.width(), 2))


def test_empty_registers_say_so(qtbot, store, admin):
    from app.contacts import ContactService
    from app.letters import LetterService
    from ui.records_tab import RecordsTab

    tab = RecordsTab(ContactService(store), LetterService(store), [admin],
                     today_fn=lambda: TODAY)
    qtbot.addWidget(tab)
    tab.resize(900, 500)
    tab.show()
    qtbot.waitExposed(tab)
    calls = tab.calls.table
    assert calls.model().rowCount() == 0
    assert calls.empty_message() == "还没有通话记录"
    assert _has_ink(calls.viewport())
    tab.tabs.setCurrentIndex(1)
    assert tab.letter_pane.table.empty_message() == "还没有信函"
    tab.customer.setText("没有这个人")
    tab.apply_filters()
    assert tab.letter_pane.table.empty_message() == "没有符合条件的信函"
    tab.show_deleted.setChecked(True)
    assert calls.empty_message() == "没有已删除的通话记录"


def test_toolbar_icons_are_a_real_icon_set_not_qt_standard_pixmaps(qtbot, window):
    from PySide6.QtWidgets import QStyle, QToolBar

    toolbar = window.findChild(QToolBar, "mainToolbar")
    actions = [a for a in toolbar.actions() if not a.isSeparator()]
    style = window.style()
    generic = []
    for sp in QStyle.StandardPixmap:
        image = style.standardIcon(sp).pixmap(24, 24).toImage()
        if not image.isNull():
            generic.append(image)
    assert len(actions) >= 8 and generic
    images = []
    for action in actions:
        assert not action.icon().isNull(), action.text()
        image = action.icon().pixmap(24, 24).toImage()
        assert not any(image == g for g in generic), action.text()
        images.append(image)
    # each says something of its own
    assert all(a != b for i, a in enumerate(images) for b in images[i + 1:])


def test_growing_for_error_messages_is_not_remembered_as_the_users_size(qtbot, window,
                                                                        ui_settings):
    def steps(d):
        d.fields.vin.setText("LSV123")  # too short: a message under the field
        d.fields.plate.setText("")
        d.save()
        assert d.fields.error_text("vin")
        d.reject()

    seen = when_open(steps)
    window.act_vehicle.trigger()
    assert seen["class"] == "VehicleDialog"
    assert ui_settings.value("dialogs/VehicleDialog/size") is None
