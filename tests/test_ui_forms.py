"""The 登记表 tab and the one-customer / one-call print dialogs, driven through the widgets."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog

from app.forms import FormRequest
from app.forms_pdf import layout_form
from app.staff import StaffService
from tests.test_forms import NOV, TODAY, World, build_world
from ui import forms_tab
from ui.forms_tab import FormsTab, print_archive_form, print_call_record, render_page


@pytest.fixture
def world(store, archive) -> World:
    return build_world(store, archive)


@pytest.fixture
def tab(qtbot, world):
    t = FormsTab(world.forms, StaffService(world.store).list(), today_fn=lambda: TODAY)
    qtbot.addWidget(t)
    t.resize(1000, 800)
    t.show()
    wait_idle(qtbot, t.preview)
    yield t
    t.stop()


def wait_idle(qtbot, preview, timeout=20000):
    qtbot.waitUntil(lambda: not preview.busy() and preview.layout_ is not None,
                    timeout=timeout)


def expected_pages(world, form, start=NOV[0], end=NOV[1], **kw) -> int:
    data = world.forms.gather(FormRequest(form, start=start, end=end, today=TODAY, **kw))
    return layout_form(data).page_count


def test_choices_produce_the_preview_pages(qtbot, tab, world):
    assert tab.form_combo.currentData() == "call-register"
    assert (tab.start_edit.text(), tab.end_edit.text()) == ("2026-11-01", "2026-11-30")
    assert tab.preview.page_count == expected_pages(world, "call-register") >= 3
    assert tab.preview.page_label.text() == f"页 共 {tab.preview.page_count} 页"
    assert "61 行" in tab.preview.status.text()

    tab.set_form("letter-register")
    wait_idle(qtbot, tab.preview)
    qtbot.waitUntil(lambda: tab.preview.request.form == "letter-register")
    assert tab.preview.page_count == expected_pages(world, "letter-register")

    tab.clerk_combo.setCurrentIndex(tab.clerk_combo.findText("王芳"))
    tab.set_form("call-register")
    qtbot.waitUntil(lambda: not tab.preview.busy()
                    and tab.preview.request.form == "call-register")
    assert tab.preview.request.clerk_id == world.clerk_id
    assert "41 行" in tab.preview.status.text()

    tab.period_combo.setCurrentIndex(tab.period_combo.findData("last_month"))
    qtbot.waitUntil(lambda: not tab.preview.busy()
                    and tab.preview.request.start == dt.date(2026, 10, 1))
    assert tab.end_edit.text() == "2026-10-31"
    assert "1 行" in tab.preview.status.text()

    tab.clerk_combo.setCurrentIndex(0)  # 全部业务员
    qtbot.waitUntil(lambda: not tab.preview.busy() and tab.preview.request.clerk_id is None)
    tab.period_combo.setCurrentIndex(tab.period_combo.findData("custom"))
    assert not tab.start_edit.isReadOnly()
    tab.start_edit.setText("2026-11-20")
    tab.end_edit.setText("2026-11-19")
    tab.refresh_button.click()
    assert tab.error.isVisible() and "早于" in tab.error.text()
    assert not tab.preview.busy()
    tab.end_edit.setText("2026-11-21")
    tab.set_form("call-record")
    wait_idle(qtbot, tab.preview)
    qtbot.waitUntil(lambda: not tab.preview.busy() and tab.preview.request.form == "call-record")
    assert tab.preview.page_count == 5 and not tab.error.isVisible()

    tab.preview.page_spin.setValue(3)
    assert tab.preview.view.index == 2
    tab.preview.next_button.click()
    assert tab.preview.view.index == 3
    tab.set_form("archive")
    qtbot.waitUntil(lambda: not tab.preview.busy() and tab.preview.request.form == "archive")
    assert tab.preview.page_count >= 1
    tab.preview.grab()  # paints the page without a Qt warning


def test_the_work_runs_off_the_ui_thread(qtbot, tab, world, monkeypatch):
    threads = []
    real = world.forms.gather

    def gather(req, progress=None, cancelled=None):
        threads.append(threading.get_ident())
        return real(req, progress, cancelled)

    monkeypatch.setattr(world.forms, "gather", gather)
    tab.refresh()
    assert tab.preview.busy()
    wait_idle(qtbot, tab.preview)
    qtbot.waitUntil(lambda: not tab.preview.busy())
    assert threads and threading.get_ident() not in threads


def test_a_long_job_can_be_cancelled_and_the_window_stays_live(qtbot, tab, world, monkeypatch):
    started = threading.Event()

    def slow(req, progress=None, cancelled=None):
        started.set()
        for i in range(1000):
            if cancelled():
                return None
            progress(i, 1000)
            threading.Event().wait(0.01)
        return None

    monkeypatch.setattr(world.forms, "gather", slow)
    pages_before = tab.preview.page_count
    tab.refresh()
    assert started.wait(5)
    qtbot.waitUntil(lambda: tab.preview.bar.value() > 0)  # progress reaches the UI
    assert tab.preview.cancel_button.isVisible()
    tab.preview.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.preview.busy(), timeout=5000)
    assert tab.preview.status.text() == "已取消。"
    assert tab.preview.page_count == pages_before  # the old preview is kept


def test_save_pdf_and_excel(qtbot, tab, world, tmp_path, monkeypatch):
    answers = [str(tmp_path / "登记表"), str(tmp_path / "登记表.xlsx")]
    asked = []

    def get_save(parent, title, default, filter_):
        asked.append(default)
        return answers.pop(0), filter_

    monkeypatch.setattr(QFileDialog, "getSaveFileName", get_save)
    tab.preview.pdf_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "登记表.pdf").exists() and not tab.preview.busy())
    assert "跟踪服务电话登记表-20261101-20261130.pdf" in asked[0]
    assert len(PdfReader(str(tmp_path / "登记表.pdf")).pages) == tab.preview.page_count
    assert "已保存" in tab.preview.status.text()
    # others on a shared PC can open the files (not 0600 as the temporary file was made)
    from app.files import umask

    shared = 0o666 & ~umask()
    qtbot.waitUntil(lambda: (tmp_path / "登记表.pdf").stat().st_mode & 0o777 == shared)
    tab.preview.xlsx_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "登记表.xlsx").exists() and not tab.preview.busy())
    assert tab.preview.last_result.rows == world.register_calls
    qtbot.waitUntil(lambda: (tmp_path / "登记表.xlsx").stat().st_mode & 0o777 == shared)


def test_print_sends_the_pages_to_the_chosen_printer(qtbot, tab, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    out = tmp_path / "printed.pdf"

    def choose(parent, count):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(forms_tab, "choose_printer", choose)
    tab.preview.print_button.click()
    qtbot.waitUntil(lambda: not tab.preview.busy() and tab.preview.last_result is not None)
    assert tab.preview.last_result == tab.preview.page_count
    reader = PdfReader(str(out))
    assert len(reader.pages) == tab.preview.page_count
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # the register prints landscape
    assert "跟踪服务电话登记表" in reader.pages[0].extract_text()


def test_archive_form_and_call_record_for_one(qtbot, world, monkeypatch):
    dialog = print_archive_form(None, world.forms, world.long_customer, modal=False)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, dialog.preview)
    assert dialog.windowTitle() == "客户档案基本资料表"
    assert dialog.preview.page_count >= 2  # 60 visits
    image = render_page(dialog.preview.layout_, 1, 40)
    assert image.width() < image.height()
    names = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda p, t, default, f: (names.append(default), ("", ""))[1])
    dialog.preview.pdf_button.click()  # the clerk cancels the file dialog
    assert names[0].endswith("客户档案基本资料表-000001-客户甲.pdf")
    dialog.reject()

    dialog = print_call_record(None, world.forms, world.complaint_call, modal=False)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, dialog.preview)
    assert dialog.preview.page_count == 1
    assert dialog.preview.data.sheets[0].handling == "escalated"
    dialog.reject()


# ---------------------------------------------------------------- fit, zoom, big prints


def _page_fits_width(preview) -> bool:
    page = preview.view.page_rect()
    viewport = preview.scroll.viewport()
    bar = preview.scroll.verticalScrollBar()
    room = viewport.width() + (bar.width() if bar.isVisible() else 0)
    return page.right() <= viewport.width() and page.width() >= room - 80


def test_the_preview_follows_a_resize_made_on_another_tab(qtbot, world):
    from PySide6.QtWidgets import QTabWidget, QWidget

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    other = QWidget()
    tab = FormsTab(world.forms, StaffService(world.store).list(), today_fn=lambda: TODAY)
    tabs.addTab(other, "客户档案")
    tabs.addTab(tab, "登记表")
    tabs.resize(1000, 700)
    tabs.show()
    tabs.setCurrentWidget(tab)
    wait_idle(qtbot, tab.preview)
    assert _page_fits_width(tab.preview)
    for width in (1400, 1000):
        tabs.setCurrentWidget(other)
        tabs.resize(width, 700)
        qtbot.wait(10)
        tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: _page_fits_width(tab.preview))
        assert not tab.preview.scroll.horizontalScrollBar().isVisible()
    tab.stop()


def test_whole_page_and_zoom_in_and_out(qtbot, tab):
    preview = tab.preview
    width_zoom = preview.view.zoom
    assert preview.fit_width_button.isChecked()
    assert preview.zoom_label.text() == f"{round(width_zoom * 100)}%"

    preview.fit_page_button.click()
    page = preview.view.page_rect()
    assert page.bottom() <= preview.scroll.viewport().height()  # the whole page shows
    assert page.right() <= preview.scroll.viewport().width()
    assert not preview.scroll.verticalScrollBar().isVisible()

    preview.zoom_in_button.click()
    preview.zoom_in_button.click()
    assert preview.view.zoom > width_zoom  # larger than the width: scrolls sideways
    qtbot.waitUntil(lambda: preview.scroll.horizontalScrollBar().isVisible())
    assert not preview.fit_width_button.isChecked() and not preview.fit_page_button.isChecked()
    assert preview.zoom_label.text() == f"{round(preview.view.zoom * 100)}%"
    zoom = preview.view.zoom
    preview.zoom_out_button.click()
    assert preview.view.zoom == pytest.approx(zoom / 1.25)

    preview.fit_width_button.click()
    assert preview.view.zoom == pytest.approx(width_zoom)


def _pdf_printer(out):
    from PySide6.QtPrintSupport import QPrinter

    def choose(parent, count):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    return choose


def test_a_big_print_asks_first_with_the_page_count(msgbox, qtbot, tab, tmp_path,
                                                    monkeypatch):
    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(forms_tab, "choose_printer", _pdf_printer(out))
    monkeypatch.setattr(forms_tab, "BIG_PRINT", 2)  # the register has 3 pages and more
    n = tab.preview.page_count
    msgbox.confirm_answer = False
    tab.preview.print_button.click()
    [(kind, _title, text)] = msgbox.shown
    assert kind == "confirm" and f"将打印 {n} 页" in text
    assert not tab.preview.busy() and not out.exists()

    msgbox.confirm_answer = True
    tab.preview.print_button.click()
    qtbot.waitUntil(lambda: not tab.preview.busy() and tab.preview.last_result is not None)
    assert tab.preview.last_result == n and out.exists()


def test_a_small_print_asks_nothing(msgbox, qtbot, tab, tmp_path, monkeypatch):
    monkeypatch.setattr(forms_tab, "choose_printer", _pdf_printer(tmp_path / "p.pdf"))
    tab.preview.print_button.click()
    qtbot.waitUntil(lambda: not tab.preview.busy() and tab.preview.last_result is not None)
    assert msgbox.shown == []
