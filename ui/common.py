"""Small pieces every dialog uses: tr(), message boxes tests can silence, field widgets."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.normalize import ValidationError, parse_date


def tr(text: str) -> str:
    return QCoreApplication.translate("FollowDesk", text)


def app_settings() -> QSettings:
    """Window sizes and column widths; an ini file in the user's config folder."""
    from platformdirs import user_config_path

    path = user_config_path("FollowDesk", appauthor=False, ensure_exists=True) / "ui.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


# ---------------------------------------------------------------- message boxes
# One place for modal boxes, so tests can replace them (qutebrowser's misc/msgbox.py).


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Open at the wanted size, or at what the screen's free area allows."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, area.width() - 16), min(height, area.height() - 48)
    widget.resize(width, height)


def run(dialog: QDialog) -> int:
    """exec() a dialog, then have Qt delete it: a dialog parented to the main window would
    otherwise live (hidden) until the program closes, and a day of calls piles them up."""
    try:
        return dialog.exec()
    finally:
        dialog.deleteLater()


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
        # Wrapped messages need height the layout did not have: let the dialog grow.
        self.window().adjustSize()
        return first is not None

    def error_text(self, name: str) -> str:
        return self.errors[name].text()


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
