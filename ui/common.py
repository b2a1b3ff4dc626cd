"""Small pieces every dialog uses: tr(), message boxes tests can silence, field widgets."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.normalize import ValidationError, parse_date


def tr(text: str) -> str:
    return QCoreApplication.translate("FollowDesk", text)


ICON_COLOR, ICON_DISABLED = "#2c3e50", "#b4b9be"


def icon(name: str, color: str = ICON_COLOR) -> QIcon:
    """A toolbar/menu icon from the Material Design set qtawesome ships (e.g. "mdi6.printer");
    drawn from a font, sharp at any size. An empty icon if qtawesome is missing."""
    import os

    os.environ.setdefault("QT_API", "pyside6")  # qtawesome speaks Qt through QtPy
    try:
        import qtawesome
    except ImportError:  # the program still works, without pictures
        logging.getLogger(__name__).warning("qtawesome is not installed: no icons")
        return QIcon()
    return qtawesome.icon(name, color=color, color_disabled=ICON_DISABLED)


def app_settings() -> QSettings:
    """Window sizes and column widths; an ini file in the user's config folder."""
    from platformdirs import user_config_path

    path = user_config_path("FollowDesk", appauthor=False, ensure_exists=True) / "ui.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


# ---------------------------------------------------------------- message boxes
# One place for modal boxes, so tests can replace them (qutebrowser's misc/msgbox.py).


def available_area(widget: QWidget | None = None) -> QRect:
    """The free area of the screen the widget is on (the primary one before it is shown)."""
    screen = (widget.screen() if widget is not None else None) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)


# Room a window frame takes around the client area (title bar, borders).
FRAME_WIDTH, FRAME_HEIGHT = 16, 48


def room(widget: QWidget | None = None) -> QSize:
    area = available_area(widget)
    return QSize(area.width() - FRAME_WIDTH, area.height() - FRAME_HEIGHT)


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Open at the wanted size, or at what the screen's free area allows."""
    free = room(widget)
    widget.resize(min(width, free.width()), min(height, free.height()))


def _settings_for(widget: QWidget) -> QSettings | None:
    """The settings of the main window the dialog belongs to (tests give it a file of theirs)."""
    w = widget.parentWidget()
    while w is not None:
        settings = getattr(w, "settings", None)
        if isinstance(settings, QSettings):
            return settings
        w = w.parentWidget()
    return None


def _size_key(dialog: QWidget) -> str:
    return f"dialogs/{type(dialog).__name__}/size"


# A line edit's frame, text margins and a clear button: room beside the text itself.
EDIT_PADDING = 16
CLEAR_BUTTON = 22
PLACEHOLDER_MAX = 440


def text_room(edit: QLineEdit, text: str) -> int:
    """The width a line edit needs to show text whole."""
    extra = CLEAR_BUTTON if edit.isClearButtonEnabled() else 0
    return edit.fontMetrics().horizontalAdvance(text) + EDIT_PADDING + extra


def fit_placeholders(widget: QWidget) -> None:
    """Widen each line edit to show its whole placeholder (a hint cut off says nothing)."""
    for edit in widget.findChildren(QLineEdit):
        hint = edit.placeholderText()
        if hint:
            edit.setMinimumWidth(max(edit.minimumWidth(),
                                     min(text_room(edit, hint), PLACEHOLDER_MAX)))


class _OpenedSize(QObject):
    """Showing may still adjust a dialog's size (polish, fonts, its layout's minimum): the size
    it has when shown is the one it opened at, whatever the user does after."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show and obj is self.parent():
            obj.setProperty("_opened_size", obj.size())
        return False


def fit_dialog(dialog: QWidget, settings: QSettings | None = None) -> None:
    """Every dialog opens inside the screen's free area, at the size the user last gave it.

    The dialog's own size (or the saved one) is clamped to the free area; a minimum size the
    screen cannot hold is lowered to it too: such a dialog scrolls inside (see scroll_body).
    """
    fit_placeholders(dialog)
    free = room(dialog)
    settings = settings if settings is not None else _settings_for(dialog)
    size = dialog.size() if dialog.testAttribute(Qt.WidgetAttribute.WA_Resized) \
        else dialog.sizeHint()
    saved = settings.value(_size_key(dialog)) if settings is not None else None
    if isinstance(saved, QSize) and saved.isValid():
        size = saved
    minimum = dialog.minimumSize()
    if minimum.width() > free.width() or minimum.height() > free.height():
        dialog.setMinimumSize(minimum.boundedTo(free))
    size = size.expandedTo(dialog.minimumSizeHint().boundedTo(free)).boundedTo(free)
    dialog.resize(size)
    dialog.setProperty("_opened_size", size)
    if dialog.findChild(_OpenedSize) is None:
        dialog.installEventFilter(_OpenedSize(dialog))
    if dialog.parentWidget() is not None and dialog.isWindow():
        # Centred on the parent, but never hanging off the free area.
        area = available_area(dialog)
        centre = dialog.parentWidget().window().frameGeometry().center()
        x = min(max(centre.x() - size.width() // 2, area.left()),
                area.right() - size.width() - FRAME_WIDTH // 2)
        y = min(max(centre.y() - size.height() // 2, area.top()),
                area.bottom() - size.height() - FRAME_HEIGHT + FRAME_WIDTH // 2)
        dialog.move(max(x, area.left()), max(y, area.top()))


def remember_size(dialog: QWidget, settings: QSettings | None = None) -> None:
    """Keep the size the user resized the dialog to, for the next time it opens."""
    settings = settings if settings is not None else _settings_for(dialog)
    if settings is None:
        return
    if user_sized(dialog) or settings.value(_size_key(dialog)) is not None:
        settings.setValue(_size_key(dialog), dialog.size())


def user_sized(dialog: QWidget) -> bool:
    """The dialog is not at the size it opened at, nor grown only as far as its layout made
    it (an error message shown): the user resized it."""
    opened = dialog.property("_opened_size")
    if not isinstance(opened, QSize):
        return False
    return dialog.size() not in (opened, opened.expandedTo(dialog.minimumSizeHint()))


def scroll_body(content: QWidget) -> QScrollArea:
    """The form part of a dialog in a frameless scroll area: a small screen scrolls it and the
    buttons below stay in reach."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    return scroll


def run(dialog: QDialog) -> int:
    """exec() a dialog fitted to the screen (fit_dialog), keep its size when closed, then have
    Qt delete it: a dialog parented to the main window would otherwise live (hidden) until the
    program closes, and a day of calls piles them up."""
    fit_dialog(dialog)
    try:
        return dialog.exec()
    finally:
        remember_size(dialog)
        dialog.deleteLater()


def present(dialog: QDialog, *, window_modal: bool = False) -> None:
    """show() (or open(), window_modal) a dialog that does not block: fitted and remembered
    like run()'s."""
    fit_dialog(dialog)
    dialog.finished.connect(lambda _code, d=dialog: remember_size(d))
    if window_modal:
        dialog.open()
    else:
        dialog.show()


def information(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def warning(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def critical(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent, title, text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def choose(parent: QWidget | None, title: str, text: str, buttons: list[str]) -> int:
    """Index of the button pressed; the last button is the Escape answer."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    made = [box.addButton(b, QMessageBox.ButtonRole.ActionRole) for b in buttons]
    box.setEscapeButton(made[-1])
    box.setDefaultButton(made[-1])
    box.exec()
    clicked = box.clickedButton()
    return made.index(clicked) if clicked in made else len(buttons) - 1


# ---------------------------------------------------------------- fields


class DateField(QLineEdit):
    """A date typed the way clerks write it (2026-3-5, 2026/3/5, 2026年3月5日).

    Up/Down move a day, PageUp/PageDown a month; 't' or '.' alone means today.
    """

    dateChanged = Signal()

    def __init__(self, parent: QWidget | None = None, *, today_default: bool = False):
        super().__init__(parent)
        self.setPlaceholderText(tr("如 2026-03-05"))
        self.setMaxLength(20)
        if today_default:
            self.set_date(clock.today())
        self.textChanged.connect(self.dateChanged)

    def set_date(self, day: dt.date | None) -> None:
        self.setText(day.isoformat() if day else "")

    def date(self, field: str = "date", label: str = "日期") -> dt.date | None:
        """The date typed; raises ValidationError with a Chinese message when it isn't one."""
        text = self.text().strip()
        if text.lower() in ("t", "."):
            return clock.today()
        return parse_date(text, field, label)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1,
        }
        key = Qt.Key(event.key())
        if key in steps or key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            try:
                day = self.date() or clock.today()
            except ValidationError:
                day = clock.today()
            if key in steps:
                day += dt.timedelta(days=steps[key])
            else:
                from app.dates import add_months

                day = add_months(day, 1 if key == Qt.Key.Key_PageUp else -1)
            self.set_date(day)
            return
        super().keyPressEvent(event)


class ErrorForm(QWidget):
    """A QFormLayout whose rows each carry a red message line under the field."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

    def add(self, name: str, label: str, widget: QWidget) -> QWidget:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error_{name}")
        error.setStyleSheet("color: #c0392b;")
        error.setWordWrap(True)
        error.hide()
        box.addWidget(error)
        self.form.addRow(label, holder)
        self.fields[name] = widget
        self.errors[name] = error
        return widget

    def clear_errors(self) -> None:
        for name, label in self.errors.items():
            label.hide()
            label.clear()
            self.fields[name].setStyleSheet("")

    def show_errors(self, errors: dict[str, str]) -> bool:
        """Show each message under its field and focus the first; False if none applied."""
        self.clear_errors()
        first = None
        for name, message in errors.items():
            if name not in self.errors:
                continue
            self.errors[name].setText(message)
            self.errors[name].show()
            self.fields[name].setStyleSheet("border: 1px solid #c0392b;")
            first = first or self.fields[name]
        if first is not None:
            first.setFocus()
        # Wrapped messages need height the layout did not have: let the dialog grow (within
        # the screen), and not count that as a size the user chose (remember_size).
        window = self.window()
        chosen = user_sized(window)
        grown = window.size().expandedTo(window.sizeHint()).boundedTo(room(window))
        window.resize(grown)  # a window's resize may land later: keep the size asked for
        if not chosen and isinstance(window.property("_opened_size"), QSize):
            window.setProperty("_opened_size", grown)
        # A message for no field of this form (a refusal for the user's role, say) must not
        # vanish: it gets a box of its own.
        stray = [m for name, m in errors.items() if name not in self.errors and m]
        if stray:
            warning(window, tr("不能保存"), "\n".join(stray))
        return first is not None

    def error_text(self, name: str) -> str:
        return self.errors[name].text()


class EmptyStateTable(QTableView):
    """A table that says why it is empty ("还没有通话记录") instead of showing white space."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.empty_text: Callable[[], str] = lambda: ""

    def empty_message(self) -> str:
        model = self.model()
        return self.empty_text() if model is not None and model.rowCount() == 0 else ""

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        text = self.empty_message()
        if text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                                 | Qt.TextFlag.TextWordWrap), text)
            painter.end()


class LazyTab(QWidget):
    """A tab page whose real widget is built the first time it is shown.

    The window opens on one tab; the others should not cost every start.
    """

    def __init__(self, build, parent: QWidget | None = None):
        super().__init__(parent)
        self._build = build
        self.widget: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure_built(self) -> QWidget:
        if self.widget is None:
            self.widget = self._build()
            self._layout.addWidget(self.widget)
        return self.widget

    def showEvent(self, event) -> None:
        self.ensure_built()
        super().showEvent(event)
