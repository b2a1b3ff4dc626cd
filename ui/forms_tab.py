"""登记表: the four standard forms (R11) — preview, print, save as PDF or Excel.

The pages are laid out once by app.forms_pdf (in a worker thread) and drawn here with
QPainter from the same drawing operations the PDF is made of: the preview is the PDF's
layout, and printing sends the same vector pages to the printer (QtPdf is not part of
PySide6-Essentials, so no PDF is rasterised). Gathering, laying out, saving and printing run
in a QThread; the worker never touches a widget, and every job can be cancelled.

Wiring: FormsTab(forms, clerks, parent) is the tab; print_archive_form(parent, forms,
customer_id) and print_call_record(parent, forms, call_id) open the same preview for one
customer's archive form or one call's record, from the archive page or a call.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QObject,
    QPointF,
    QRectF,
    QSize,
    QStandardPaths,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QKeySequence,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.files import share
from app.forms import FORMS, PERIODS, REGISTERS, FormInputError, FormRequest, FormsService
from app.normalize import ValidationError
from app.staff import StaffInfo
from ui import common
from ui.common import DateField, tr
from ui.letterhead import warn_placeholder_center

log = logging.getLogger(__name__)

TEXT, LINE, FILL, CHECK = 0, 1, 2, 3  # app.forms_pdf's operation kinds
# app.forms_pdf.TICK and app.pdf_fonts.MISSING_MARK, kept here so that opening the window
# does not import the PDF modules (tests/test_paper_pdf.py checks they agree)
TICK = ((0.2, 0.52), (0.42, 0.24), (0.82, 0.8))
MISSING_MARK = "〓"


# ---------------------------------------------------------------- painting the pages


_families: dict[str, str] = {}
_CJK_FAMILIES = ["Microsoft YaHei", "SimSun", "WenQuanYi Micro Hei", "Noto Sans CJK SC",
                 "Source Han Sans SC", "PingFang SC", "Heiti SC"]


def font_family(path: str | None) -> str:
    """The Qt family of the PDF's font file (loaded once), else a Chinese system font."""
    key = path or ""
    if key not in _families:
        family = ""
        if path:
            fid = QFontDatabase.addApplicationFont(path)
            if fid >= 0:
                found = QFontDatabase.applicationFontFamilies(fid)
                family = found[0] if found else ""
        if not family:
            installed = set(QFontDatabase.families())
            family = next((f for f in _CJK_FAMILIES if f in installed), QFont().family())
        _families[key] = family
    return _families[key]


def paint_page(p: QPainter, ops: list[tuple], page_h: float, family: str,
               missing: set[str] | frozenset[str] = frozenset()) -> None:
    """Draw one page's operations; the painter's units are points (1/72 inch).

    Characters no PDF font has (`missing`) are drawn as the PDF draws them, as 〓: the
    preview and the printer show what the saved PDF will show.
    """
    fonts: dict[tuple[float, bool], tuple[QFont, QFontMetricsF]] = {}
    # A font's point size is turned into pixels with the device's DPI; the painter is
    # already scaled to points, so ask for the size that comes out as `size` units.
    per_pt = 72.0 / max(p.device().logicalDpiY(), 1)
    pen = QPen(QColor(0, 0, 0))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    # The shading goes under everything, as in the PDF (PdfPainter fills first): painted in
    # the layout's order, a label's grey fill covered the rules drawn before it.
    for op in ops:
        if op[0] == FILL:
            _, x, y, w, h, gray = op
            g = int(gray * 255)
            p.fillRect(QRectF(x, page_h - y - h, w, h), QColor(g, g, g))
    for op in ops:
        kind = op[0]
        if kind == TEXT:
            _, x, y, text, size, bold, align = op
            if missing and not missing.isdisjoint(text):
                text = "".join(MISSING_MARK if ch in missing else ch for ch in text)
            got = fonts.get((size, bold))
            if got is None:
                f = QFont(family)
                f.setPointSizeF(size * per_pt)
                f.setBold(bold)
                f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
                got = fonts[(size, bold)] = (f, QFontMetricsF(f, p.device()))
            f, fm = got
            p.setFont(f)
            p.setPen(pen)
            if align != "l":
                w = fm.horizontalAdvance(text)  # device units before scaling: points
                x -= w / 2 if align == "c" else w
            p.drawText(QPointF(x, page_h - y), text)
        elif kind == LINE:
            _, x1, y1, x2, y2, width = op
            pen.setWidthF(width)
            p.setPen(pen)
            p.drawLine(QPointF(x1, page_h - y1), QPointF(x2, page_h - y2))
        elif kind == CHECK:
            _, x, y, size, checked = op
            pen.setWidthF(0.6)
            p.setPen(pen)
            p.drawRect(QRectF(x, page_h - y - size, size, size))
            if checked:
                pen.setWidthF(1.1)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                p.setPen(pen)
                p.drawPolyline([QPointF(x + size * px, page_h - y - size * py)
                                for px, py in TICK])
                pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)


def render_page(layout, index: int, dpi: float = 96.0) -> QImage:
    """One page as an image (tests, screenshots)."""
    w, h = layout.page_size
    image = QImage(int(w * dpi / 72), int(h * dpi / 72), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor("white"))
    p = QPainter(image)
    p.scale(dpi / 72, dpi / 72)
    paint_page(p, layout.pages[index], h, font_family(layout.font.path if layout.font else None),
               layout.missing)
    p.end()
    return image


def print_layout(printer, layout, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 pages: range | None = None) -> int:
    """Send the pages to a QPrinter as vector drawing; returns the pages printed."""
    from PySide6.QtGui import QPageLayout, QPageSize

    orientation = QPageLayout.Orientation.Landscape if layout.landscape else \
        QPageLayout.Orientation.Portrait
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(orientation)
    printer.setFullPage(True)
    printer.setDocName(layout.title)
    family = font_family(layout.font.path if layout.font else None)
    wanted = pages if pages is not None else range(layout.page_count)
    p = QPainter()
    if not p.begin(printer):
        raise OSError(tr("打印机无法开始打印。"))
    done = 0
    try:
        scale = printer.resolution() / 72.0
        for k, i in enumerate(wanted):
            if cancelled and cancelled():
                break
            if k:
                printer.newPage()
            p.save()
            p.scale(scale, scale)
            paint_page(p, layout.pages[i], layout.page_size[1], family, layout.missing)
            p.restore()
            done += 1
            if progress:
                progress(k + 1, len(wanted))
    finally:
        p.end()
    return done


BIG_PRINT = 100  # more pages than this: the clerk confirms the page count first
FIT_WIDTH, FIT_PAGE, FIXED = "width", "page", "fixed"  # PageView zoom modes
ZOOM_STEP, ZOOM_MIN, ZOOM_MAX = 1.25, 0.25, 4.0
MARGIN = 12  # grey around the page


class PageView(QWidget):
    """One page, drawn at the zoom asked for (vector, sharp at any size): fitted to the width
    of the view (the default), the whole page in the view, or a fixed zoom (zoom in/out)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_ = None
        self.index = 0
        self.zoom = 1.0
        self.mode = FIT_WIDTH
        self.room = QSize(600, 400)  # the scroll area's viewport
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_page(self, layout, index: int) -> None:
        self.layout_, self.index = layout, index
        self._resize()
        self.update()

    def set_room(self, room: QSize) -> None:
        """The viewport's size changed (or the page did): zoom to fit again."""
        self.room = QSize(room)
        self._resize()

    def set_width(self, width: int) -> None:
        self.set_room(QSize(width, self.room.height()))

    def set_mode(self, mode: str, zoom: float | None = None) -> None:
        self.mode = mode
        if zoom is not None:
            self.zoom = min(max(zoom, ZOOM_MIN), ZOOM_MAX)
        self._resize()

    def _fit_zoom(self) -> float:
        w, h = self.layout_.page_size
        # Room for the margins and a vertical scroll bar: never a horizontal one.
        by_width = max(self.room.width() - 2 * MARGIN - 20, 200) / w
        if self.mode == FIT_PAGE:
            return min(by_width, max(self.room.height() - 2 * MARGIN, 150) / h)
        return by_width

    def _resize(self) -> None:
        if self.layout_ is None:
            self.setFixedHeight(200)
            return
        if self.mode != FIXED:
            self.zoom = self._fit_zoom()
        w, h = self.layout_.page_size
        self.setFixedHeight(int(h * self.zoom) + 2 * MARGIN)
        # A fixed zoom may be wider than the view: then it scrolls sideways.
        self.setMinimumWidth(int(w * self.zoom) + 2 * MARGIN if self.mode == FIXED else 0)
        self.update()

    def page_rect(self) -> QRectF:
        """Where the page is drawn, in widget coordinates."""
        if self.layout_ is None:
            return QRectF()
        w, h = self.layout_.page_size
        x0 = max((self.width() - w * self.zoom) / 2, MARGIN)
        return QRectF(x0, MARGIN, w * self.zoom, h * self.zoom)

    def sizeHint(self) -> QSize:
        if self.layout_ is None:
            return QSize(600, 200)
        w, h = self.layout_.page_size
        return QSize(int(w * self.zoom) + 2 * MARGIN, int(h * self.zoom) + 2 * MARGIN)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#808080"))
        if self.layout_ is None or not self.layout_.pages:
            p.end()
            return
        w, h = self.layout_.page_size
        page = self.page_rect()
        p.translate(page.left(), page.top())
        p.scale(self.zoom, self.zoom)
        p.fillRect(QRectF(0, 0, w, h), QColor("white"))
        index = min(self.index, self.layout_.page_count - 1)
        paint_page(p, self.layout_.pages[index], h,
                   font_family(self.layout_.font.path if self.layout_.font else None),
                   self.layout_.missing)
        p.end()


# ---------------------------------------------------------------- work off the UI thread


class FormJob(QObject):
    """Runs fn(progress, cancelled) in a QThread; talks to the widgets only by signals."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn
        self.cancel_requested = False
        self.thread_id: int | None = None  # where run() ran (tests check it is not the UI's)

    def run(self) -> None:
        self.thread_id = threading.get_ident()
        try:
            result = self.fn(lambda done, total: self.progressed.emit(done, total),
                             lambda: self.cancel_requested)
        except (FormInputError, ValidationError) as e:
            self.failed.emit(str(e))
        except PermissionError as e:
            self.failed.emit(tr("无法写入 {p}：文件可能正被其他程序打开，请关闭后重试，"
                                "或换一个文件名。").format(p=e.filename or ""))
        except OSError as e:
            self.failed.emit(tr("无法保存：{e}").format(e=e.strerror or e))
        except Exception as e:  # the user sees why; the log has the traceback
            log.exception("form job failed")
            self.failed.emit(tr("生成表格失败：{e}").format(e=e))
        else:
            self.finished.emit(result)


def choose_printer(parent: QWidget, page_count: int):
    """The printer the clerk picks (QPrintDialog), with its page range; None if cancelled.

    Tests replace this."""
    from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("打印"))
    dialog.setMinMax(1, max(page_count, 1))
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def save_path(parent: QWidget, title: str, name: str, filter_: str, suffix: str) -> Path | None:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) \
        or str(Path.home())
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / name), filter_)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    return path


class FormPreview(QWidget):
    """Pages of one form request: preview, page through, print, save PDF / Excel.

    `request_fn()` gives what to print (None: the choices are not valid yet, already said).
    """

    busyChanged = Signal(bool)

    def __init__(self, forms: FormsService, request_fn: Callable[[], FormRequest | None],
                 name_fn: Callable[[FormRequest], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.forms = forms
        self.request_fn = request_fn
        self.name_fn = name_fn
        self.request: FormRequest | None = None  # what data/layout were made for
        self.data = None
        self.layout_ = None
        self.last_result = None
        self.job: FormJob | None = None
        self.thread: QThread | None = None
        self._pending: tuple | None = None

        self.view = PageView()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.view)
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setMinimumHeight(300)
        # The page follows the viewport itself: a resize made while this tab was hidden
        # reaches the viewport only when it is laid out again, after our own resizeEvent.
        self.scroll.viewport().installEventFilter(self)

        self.fit_width_button = QToolButton(text=tr("适合页宽"))
        self.fit_page_button = QToolButton(text=tr("整页"))
        self.zoom_out_button = QToolButton(text=tr("缩小"))
        self.zoom_in_button = QToolButton(text=tr("放大"))
        self.zoom_out_button.setShortcut(QKeySequence.StandardKey.ZoomOut)
        self.zoom_in_button.setShortcut(QKeySequence.StandardKey.ZoomIn)
        self.zoom_out_button.setToolTip(tr("缩小（Ctrl+-）"))
        self.zoom_in_button.setToolTip(tr("放大（Ctrl++）"))
        for b in (self.fit_width_button, self.fit_page_button):
            b.setCheckable(True)
            b.setAutoExclusive(True)
        self.fit_width_button.setChecked(True)
        self.zoom_label = QLabel("100%")
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("400%") + 6)
        self.fit_width_button.clicked.connect(lambda: self.set_zoom_mode(FIT_WIDTH))
        self.fit_page_button.clicked.connect(lambda: self.set_zoom_mode(FIT_PAGE))
        self.zoom_in_button.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))

        self.prev_button = QPushButton(tr("◀ 上一页"))
        self.next_button = QPushButton(tr("下一页 ▶"))
        self.page_spin = QSpinBox()
        self.page_spin.setMinimum(1)
        self.page_spin.setMaximum(1)
        self.page_spin.setPrefix(tr("第 "))
        self.page_label = QLabel(tr("页 共 0 页"))
        self.print_button = QPushButton(tr("打印…"))
        self.pdf_button = QPushButton(tr("保存 PDF…"))
        self.xlsx_button = QPushButton(tr("保存 Excel…"))
        # 装订边距: the punch margin on the bound edge, saved for every form (app.settings)
        from app.settings import BINDING_RANGE

        self.binding_spin = QSpinBox()
        self.binding_spin.setObjectName("bindingMargin")
        self.binding_spin.setRange(*BINDING_RANGE)
        self.binding_spin.setSuffix(" mm")
        self.binding_spin.setValue(forms.binding_mm())
        self.binding_spin.setToolTip(tr(
            "打孔装订一侧的留白：纵向表格（档案、记录表）在左侧，横向登记表在顶端"
            "（表头朝装订线）。孔距纸边约 12 毫米，默认 25 毫米。"))
        self._binding_timer = QTimer(self)
        self._binding_timer.setSingleShot(True)
        self._binding_timer.setInterval(400)
        self._binding_timer.timeout.connect(self._binding_changed)
        self.binding_spin.valueChanged.connect(self._binding_timer.start)
        self.prev_button.clicked.connect(lambda: self.page_spin.stepBy(-1))
        self.next_button.clicked.connect(lambda: self.page_spin.stepBy(1))
        self.page_spin.valueChanged.connect(self._show_page)
        self.print_button.clicked.connect(self.print_pages)
        self.pdf_button.clicked.connect(lambda: self.save("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.save("xlsx"))

        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.page_spin)
        nav.addWidget(self.page_label)
        nav.addWidget(self.next_button)
        nav.addSpacing(8)
        nav.addWidget(self.fit_width_button)
        nav.addWidget(self.fit_page_button)
        nav.addWidget(self.zoom_out_button)
        nav.addWidget(self.zoom_label)
        nav.addWidget(self.zoom_in_button)
        nav.addStretch(1)
        nav.addWidget(QLabel(tr("装订边距：")))
        nav.addWidget(self.binding_spin)
        nav.addSpacing(8)
        nav.addWidget(self.print_button)
        nav.addWidget(self.pdf_button)
        nav.addWidget(self.xlsx_button)

        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.hide()
        self.cancel_button = QPushButton(tr("取消"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        progress = QHBoxLayout()
        progress.addWidget(self.status, 1)
        progress.addWidget(self.bar)
        progress.addWidget(self.cancel_button)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(nav)
        box.addLayout(progress)
        box.addWidget(self.scroll, 1)
        self._update_buttons()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    # -- state

    def busy(self) -> bool:
        return self.thread is not None

    @property
    def page_count(self) -> int:
        return self.layout_.page_count if self.layout_ is not None else 0

    def _update_buttons(self) -> None:
        has = self.layout_ is not None and self.page_count > 0
        busy = self.busy()
        for b in (self.print_button, self.pdf_button, self.xlsx_button):
            b.setEnabled(has and not busy)
        self.prev_button.setEnabled(has and self.page_spin.value() > 1)
        self.next_button.setEnabled(has and self.page_spin.value() < self.page_count)
        self.page_spin.setEnabled(has)
        for b in (self.fit_width_button, self.fit_page_button, self.zoom_in_button,
                  self.zoom_out_button):
            b.setEnabled(has)
        self.zoom_label.setText(f"{round(self.view.zoom * 100)}%")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.scroll.viewport() and event.type() == event.Type.Resize:
            self._fit_view()
        return super().eventFilter(obj, event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_view()

    def _fit_view(self) -> None:
        """The room the page has: the viewport, plus a vertical scroll bar's width if one is
        showing (the page is fitted as if it always were, so it never flips)."""
        room = self.scroll.viewport().size()
        bar = self.scroll.verticalScrollBar()
        if bar.isVisible():
            room.setWidth(room.width() + bar.width())
        self.view.set_room(room)
        self.zoom_label.setText(f"{round(self.view.zoom * 100)}%")

    def set_zoom_mode(self, mode: str) -> None:
        """适合页宽 or 整页."""
        (self.fit_width_button if mode == FIT_WIDTH else self.fit_page_button).setChecked(True)
        self.view.set_mode(mode)
        self._fit_view()

    def zoom_by(self, factor: float) -> None:
        for b in (self.fit_width_button, self.fit_page_button):
            b.setAutoExclusive(False)
            b.setChecked(False)
            b.setAutoExclusive(True)
        self.view.set_mode(FIXED, self.view.zoom * factor)
        self._fit_view()

    def _show_page(self, number: int) -> None:
        if self.layout_ is not None:
            self.view.show_page(self.layout_, number - 1)
            self._fit_view()
            self.scroll.verticalScrollBar().setValue(0)
        self._update_buttons()

    # -- jobs

    def _start(self, label: str, fn: Callable, done: Callable[[object], None]) -> None:
        if self.busy():
            # One job at a time: the running one is told to stop, this one follows.
            self._pending = (label, fn, done)
            if self.job is not None:
                self.job.cancel_requested = True
            return
        self.status.setStyleSheet("")
        self.status.setText(label)
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_button.show()
        self.thread = QThread(self)
        self.job = FormJob(fn)
        self.job.moveToThread(self.thread)
        self.thread.started.connect(self.job.run)
        self.job.progressed.connect(self._progress)
        self.job.finished.connect(done)
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self.thread.quit)
        self.job.failed.connect(self.thread.quit)
        self.thread.finished.connect(self._thread_done)
        self.thread.start()
        self._update_buttons()
        self.busyChanged.emit(True)

    def _thread_done(self) -> None:
        thread, job = self.thread, self.job
        self.thread = None
        if job is not None:
            job.deleteLater()
        if thread is not None:
            thread.deleteLater()
        self.bar.hide()
        self.cancel_button.hide()
        self._update_buttons()
        self.busyChanged.emit(False)
        if self._pending is not None:
            label, fn, done = self._pending
            self._pending = None
            self._start(label, fn, done)

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _failed(self, message: str) -> None:
        self.status.setStyleSheet("color: #c0392b;")
        self.status.setText(message)

    def cancel(self) -> None:
        if self.job is not None and self.busy():
            self.job.cancel_requested = True
            self._pending = None
            self.status.setText(tr("正在取消…"))

    def stop(self) -> None:
        """Cancel and wait for the worker (closing the window)."""
        self._pending = None
        if self.thread is not None:
            if self.job is not None:
                self.job.cancel_requested = True
            self.thread.quit()
            self.thread.wait(15000)

    # -- preview

    def _binding_changed(self) -> None:
        value = self.binding_spin.value()
        if value == self.forms.binding_mm():
            return
        self.forms.save_binding_mm(value)
        if self.layout_ is not None or self.request is not None:
            self.refresh()

    def refresh(self) -> None:
        """Gather and lay out the pages for the current choices, off the UI thread."""
        req = self.request_fn()
        if req is None:
            return
        forms = self.forms

        def work(progress, cancelled):
            from app.forms_pdf import layout_form

            data = forms.gather(req, lambda d, t: progress(d * 400 // max(t, 1), 1000),
                                cancelled)
            if data is None:
                return None
            layout = layout_form(data, lambda d, t: progress(400 + d * 600 // max(t, 1), 1000),
                                 cancelled)
            return None if layout is None else (req, data, layout)

        self._start(tr("正在准备预览…"), work, self._previewed)

    def _previewed(self, result) -> None:
        if result is None:
            self.status.setText(tr("已取消。"))
            return
        self.request, self.data, self.layout_ = result
        n = self.layout_.page_count
        self.page_spin.blockSignals(True)
        self.page_spin.setMaximum(max(n, 1))
        self.page_spin.setValue(1)
        self.page_spin.blockSignals(False)
        self.page_label.setText(tr("页 共 {n} 页").format(n=n))
        self._show_page(1)
        what = tr("{rows} 行").format(rows=self.layout_.rows) if self.request.form in REGISTERS \
            else tr("{rows} 份").format(rows=self.layout_.rows)
        text = tr("{title}：{what}，共 {n} 页。").format(title=self.layout_.title, what=what, n=n)
        note = self.layout_.font_note
        self.status.setStyleSheet("color: #b35900;" if note else "")
        self.status.setText(text + (("\n" + note) if note else ""))

    # -- output

    def save(self, fmt: str) -> None:
        if self.layout_ is None or self.request is None:
            return
        warn_placeholder_center(self, self.data.header.center)
        if fmt == "pdf":
            path = save_path(self, tr("保存 PDF"), self.name_fn(self.request) + ".pdf",
                             tr("PDF 文件 (*.pdf)"), ".pdf")
        else:
            path = save_path(self, tr("保存 Excel"), self.name_fn(self.request) + ".xlsx",
                             tr("Excel 工作簿 (*.xlsx)"), ".xlsx")
        if path is None:
            return
        layout, data = self.layout_, self.data

        def work(progress, cancelled):
            if fmt == "pdf":
                from app.forms_pdf import write_form_pdf

                return write_form_pdf(layout, path, progress=progress, cancelled=cancelled)
            from app.forms_xlsx import write_form_xlsx

            return write_form_xlsx(data, path, progress=progress, cancelled=cancelled)

        self._start(tr("正在保存 {p}…").format(p=path.name), work, self._saved)

    def _saved(self, result) -> None:
        self.last_result = result
        if result.cancelled:
            self.status.setText(tr("已取消，没有保存文件。"))
            return
        share(result.path)  # others on a shared PC can open it (the PDF writer makes 0600)
        text = tr("已保存 {p}").format(p=result.path)
        note = getattr(result, "font_note", "")
        self.status.setStyleSheet("color: #b35900;" if note else "")
        self.status.setText(text + (("\n" + note) if note else ""))

    def print_pages(self) -> None:
        if self.layout_ is None:
            return
        warn_placeholder_center(self, self.data.header.center)
        printer = choose_printer(self, self.page_count)
        if printer is None:
            return
        first, last = printer.fromPage(), printer.toPage()
        pages = range(first - 1, min(last, self.page_count)) if first > 0 and last > 0 \
            else range(self.page_count)
        if len(pages) > BIG_PRINT and not common.confirm(self, tr("打印"), tr(
                "将打印 {n} 页，要用掉 {n} 张纸，打印需要一段时间。\n确定要全部打印吗？"
                "（可在打印对话框中只选部分页码。）").format(n=len(pages))):
            return
        layout = self.layout_
        self._printer = printer  # kept alive while the worker paints on it

        def work(progress, cancelled):
            return print_layout(printer, layout, progress, cancelled, pages)

        self._start(tr("正在打印…"), work, self._printed)

    def _printed(self, pages: int) -> None:
        self.last_result = pages
        note = self.layout_.font_note if self.layout_ is not None else ""
        self.status.setStyleSheet("color: #b35900;" if note else "")
        self.status.setText(tr("已送往打印机：{n} 页。").format(n=pages)
                            + (("\n" + note) if note else ""))


# ---------------------------------------------------------------- the tab


def default_name(req: FormRequest, forms: FormsService | None = None) -> str:
    title = FORMS[req.form]
    if req.form in REGISTERS or (req.customer_ids is None and req.call_ids is None):
        period = f"{req.start:%Y%m%d}-{req.end:%Y%m%d}" if req.start and req.end else ""
        who = f"-{req.clerk_name}" if req.clerk_name else ""
        return f"{title}-{period}{who}"
    if req.call_ids:
        return f"{title}-第{req.call_ids[0]}号"
    if req.customer_ids and forms is not None:
        try:
            sheet = forms.archive_sheet(req.customer_ids[0])
            return f"{title}-{sheet.archive_no}-{sheet.name}"
        except FormInputError:
            pass
    return title


class FormsTab(QWidget):
    """登记表: choose a form, a period and a clerk; the pages show below."""

    def __init__(self, forms: FormsService, clerks: list[StaffInfo],
                 parent: QWidget | None = None, *,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.forms = forms
        self.today_fn = today_fn

        self.form_combo = QComboBox()
        for key in ("call-register", "letter-register", "call-record", "archive"):
            self.form_combo.addItem(tr(FORMS[key]), key)
        self.period_combo = QComboBox()
        for key, label in PERIODS.items():
            self.period_combo.addItem(tr(label), key)
        self.period_combo.setCurrentIndex(1)  # 本月
        self.start_edit = DateField()
        self.end_edit = DateField()
        self.clerk_combo = QComboBox()
        self.clerk_combo.addItem(tr("全部业务员"), None)
        for c in clerks:
            self.clerk_combo.addItem(c.name, c.id)
        self.refresh_button = QPushButton(tr("预览"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("表格：")))
        row.addWidget(self.form_combo)
        row.addSpacing(12)
        row.addWidget(QLabel(tr("期间：")))
        row.addWidget(self.period_combo)
        row.addWidget(self.start_edit)
        row.addWidget(QLabel(tr("至")))
        row.addWidget(self.end_edit)
        row.addSpacing(12)
        row.addWidget(QLabel(tr("经办人：")))
        row.addWidget(self.clerk_combo)
        row.addStretch(1)
        row.addWidget(self.refresh_button)

        self.preview = FormPreview(forms, self.request, lambda r: default_name(r, forms))
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.error)
        box.addWidget(self.preview, 1)

        self._set_period_dates()
        self.form_combo.currentIndexChanged.connect(self._choices_changed)
        self.period_combo.currentIndexChanged.connect(self._period_changed)
        self.clerk_combo.currentIndexChanged.connect(self._choices_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.start_edit.returnPressed.connect(self.refresh)
        self.end_edit.returnPressed.connect(self.refresh)

    def _set_period_dates(self) -> None:
        from app.forms import period_range

        key = self.period_combo.currentData()
        custom = key == "custom"
        self.start_edit.setReadOnly(not custom)
        self.end_edit.setReadOnly(not custom)
        if not custom:
            start, end = period_range(key, self.today_fn())
            self.start_edit.set_date(start)
            self.end_edit.set_date(end)

    def _period_changed(self) -> None:
        self._set_period_dates()
        if self.period_combo.currentData() == "custom":
            self.start_edit.setFocus()
            self.start_edit.selectAll()
            return
        self._choices_changed()

    def _choices_changed(self) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.preview.layout_ is None and not self.preview.busy():
            self.refresh()

    def request(self) -> FormRequest | None:
        """What the choices ask for; None (and the reason shown) when a date is wrong."""
        try:
            start = self.start_edit.date("start", "开始日期")
            end = self.end_edit.date("end", "结束日期")
        except ValidationError as e:
            return self._bad(e.message)
        if start is None or end is None:
            return self._bad(tr("请填写开始和结束日期。"))
        if end < start:
            return self._bad(tr("结束日期早于开始日期。"))
        self.error.hide()
        clerk_id = self.clerk_combo.currentData()
        return FormRequest(self.form_combo.currentData(), start=start, end=end,
                           clerk_id=clerk_id,
                           clerk_name=self.clerk_combo.currentText() if clerk_id else "",
                           today=self.today_fn())

    def _bad(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        return None

    def set_form(self, form: str) -> None:
        self.form_combo.setCurrentIndex(self.form_combo.findData(form))

    def refresh(self) -> None:
        self.preview.refresh()

    def stop(self) -> None:
        self.preview.stop()

    def closeEvent(self, event) -> None:
        # A QThread destroyed while it runs aborts the whole program (qFatal): a tab closed
        # with its own window (or a test's) waits for the preview's worker first.
        self.preview.stop()
        super().closeEvent(event)


# ---------------------------------------------------------------- one customer, one call


class FormDialog(QDialog):
    """The preview of one customer's archive form or one call's record, to print or save."""

    def __init__(self, forms: FormsService, req: FormRequest, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr(FORMS[req.form]))
        self.req = req
        self.preview = FormPreview(forms, lambda: req, lambda r: default_name(r, forms), self)
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        box = QVBoxLayout(self)
        box.addWidget(self.preview, 1)
        box.addLayout(buttons)
        self.resize(860, 900)
        self.preview.refresh()

    def reject(self) -> None:
        if self.preview.busy():
            self.preview.cancel()
            self.preview.stop()
        super().reject()

    def closeEvent(self, event) -> None:
        self.preview.stop()
        super().closeEvent(event)


def _open_dialog(parent: QWidget | None, forms: FormsService, req: FormRequest,
                 modal: bool) -> FormDialog:
    dialog = FormDialog(forms, req, parent)
    if modal:
        common.run(dialog)
    else:
        common.present(dialog)
    return dialog


def print_archive_form(parent: QWidget | None, forms: FormsService, customer_id: int, *,
                       modal: bool = True) -> FormDialog:
    """客户档案基本资料表 for one customer: preview, print, save (from the archive page)."""
    return _open_dialog(parent, forms, FormRequest("archive", customer_ids=[customer_id]),
                        modal)


def print_call_record(parent: QWidget | None, forms: FormsService, call_id: int, *,
                      modal: bool = True) -> FormDialog:
    """跟踪服务电话记录表 for one call: preview, print, save (from a call)."""
    return _open_dialog(parent, forms, FormRequest("call-record", call_ids=[call_id]), modal)

