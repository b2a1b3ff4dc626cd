"""The preview and the 打印 button draw what the PDF draws (issue 13): one page of each form
rendered both ways — the PDF through pypdfium2, the QPainter path (ui.forms_tab.render_page,
which the printer uses too) to a QImage — and the ruled lines compared: the rows and columns
of dark pixels must fall in the same places. The grey label fills once covered the lines in
the QPainter path only."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from app.forms import FormsService
from app.forms_pdf import layout_form, write_form_pdf
from app.staff import StaffService
from tests.test_forms import TODAY, build_world
from tests.test_paper_pdf import archive_form, call_record_form, register_form
from tests.test_ui_forms import wait_idle
from ui.forms_tab import FormsTab, render_page

pdfium = pytest.importorskip("pypdfium2")

DPI = 144
# A 0.5 pt rule at 144 dpi is one pixel, or two half-grey ones when it straddles a pixel
# edge: darker than 200 catches both, and not the label shading (0.88 → 224).
DARK = 200


def _has_run(values, min_run: int) -> bool:
    run = 0
    for v in values:
        run = run + 1 if v < DARK else 0
        if run >= min_run:
            return True
    return False


def ruled_lines(grid: list[list[int]]) -> tuple[dict[int, list[int]], list[int]]:
    """Horizontal rules per 10 mm strip of the page ({strip: [y…]}: a rule hidden under one
    label cell shows as missing in that strip), x of the vertical rules.

    A horizontal rule is a dark run of 7 mm within the strip, a vertical one of 6 mm down
    the page: longer than any stroke of the 9 pt text or the 17 pt title.
    """
    h, w = len(grid), len(grid[0])
    mm = DPI / 25.4
    strip = int(10 * mm)
    ys = {}
    for s in range(0, w - strip + 1, strip):
        ys[s // strip] = [y for y in range(h) if _has_run(grid[y][s:s + strip], int(7 * mm))]
    xs = [x for x in range(w) if _has_run((grid[y][x] for y in range(h)), int(6 * mm))]
    return ys, xs


def merge(positions: list[int]) -> list[float]:
    """Adjacent pixel rows (one antialiased line) as one position."""
    out: list[list[int]] = []
    for p in positions:
        if out and p - out[-1][-1] <= 1:
            out[-1].append(p)
        else:
            out.append([p])
    return [sum(g) / len(g) for g in out]


def pdf_grid(path, index: int) -> list[list[int]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        image = doc[index].render(scale=DPI / 72).to_pil().convert("L")
    finally:
        doc.close()
    w, h = image.size
    data = image.tobytes()
    return [list(data[y * w:(y + 1) * w]) for y in range(h)]


def qt_grid(image: QImage) -> list[list[int]]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h, stride = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    return [list(data[y * stride:y * stride + w]) for y in range(h)]


def same_lines(a: list[float], b: list[float], tol: float = 1.6) -> tuple[list, list]:
    only_a = [p for p in a if not any(abs(p - q) <= tol for q in b)]
    only_b = [q for q in b if not any(abs(p - q) <= tol for p in a)]
    return only_a, only_b


@pytest.mark.parametrize("make", [archive_form, call_record_form, register_form],
                         ids=["archive", "call-record", "call-register"])
def test_preview_rules_fall_where_the_pdf_rules_fall(qapp, tmp_path, make):
    layout = layout_form(make())
    out = tmp_path / "page.pdf"
    write_form_pdf(layout, out)
    pdf = pdf_grid(out, 0)
    qt = qt_grid(render_page(layout, 0, DPI))
    # the same page size (pdfium rounds the pixel size up, render_page down)
    assert abs(len(pdf) - len(qt)) <= 1 and abs(len(pdf[0]) - len(qt[0])) <= 1
    pdf_ys, pdf_xs = ruled_lines(pdf)
    qt_ys, qt_xs = ruled_lines(qt)
    pdf_xs, qt_xs = merge(pdf_xs), merge(qt_xs)
    assert len(pdf_xs) >= 5, pdf_xs
    assert sum(len(merge(v)) >= 8 for v in pdf_ys.values()) >= 10, pdf_ys
    for strip, ys in pdf_ys.items():
        assert same_lines(merge(ys), merge(qt_ys.get(strip, []))) == ([], []), \
            f"horizontal rules differ {strip * 10}–{strip * 10 + 10} mm from the left"
    assert same_lines(pdf_xs, qt_xs) == ([], []), "vertical rules differ"


def test_the_binding_margin_is_set_beside_the_print_button(qtbot, store, archive):
    world = build_world(store, archive)
    tab = FormsTab(world.forms, StaffService(store).list(), today_fn=lambda: TODAY)
    qtbot.addWidget(tab)
    tab.resize(1000, 760)
    tab.show()
    wait_idle(qtbot, tab.preview)
    spin = tab.preview.binding_spin
    assert spin.value() == 25 and spin.suffix() == " mm"
    before = tab.preview.layout_
    spin.setValue(35)
    qtbot.waitUntil(lambda: tab.preview.layout_ is not before and not tab.preview.busy(),
                    timeout=20000)
    assert FormsService(store).binding_mm() == 35
    layout = tab.preview.layout_
    top = max(op[2] + op[4] for op in layout.pages[0] if op[0] == 0)  # text tops
    assert layout.page_size[1] - top >= 35 * 72 / 25.4 - 0.01  # the register's head edge
    tab.stop()


def test_the_preview_and_the_print_say_which_characters_no_font_has(
        qtbot, store, archive, monkeypatch, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from app import pdf_fonts
    from app.archive import CustomerInput
    from ui import forms_tab
    from ui.forms_tab import print_archive_form

    if not pdf_fonts.register_fonts().embedded:
        pytest.skip("no TrueType Chinese font on this machine")
    pdf_fonts.clear_cache()
    monkeypatch.setattr(pdf_fonts, "fallback_candidates", lambda: [])
    try:
        g = pdf_fonts.glyphs()
        if g.font_for(g.choice.name, "𠮷") is not None:
            pytest.skip("the primary font itself has 𠮷")
        cid = archive.create_customer(CustomerInput(name="吉𠮷田", phone="13812345678"), [])
        dialog = print_archive_form(None, FormsService(store), cid, modal=False)
        qtbot.addWidget(dialog)
        wait_idle(qtbot, dialog.preview)
        status = dialog.preview.status.text()
        assert "𠮷" in status and "fonts-hanazono" in status

        def choose(parent, count):
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(tmp_path / "printed.pdf"))
            return printer

        monkeypatch.setattr(forms_tab, "choose_printer", choose)
        dialog.preview.print_button.click()
        qtbot.waitUntil(lambda: not dialog.preview.busy()
                        and dialog.preview.last_result is not None)
        status = dialog.preview.status.text()
        assert status.startswith("已送往打印机") and "𠮷" in status
        dialog.preview.stop()
    finally:
        monkeypatch.undo()
        pdf_fonts.clear_cache()
