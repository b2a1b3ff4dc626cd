"""Start the window: open (and if needed upgrade) the database, log in, show the archive."""

from __future__ import annotations

import logging
import sys
import traceback

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
)

from app.staff import StaffInfo, StaffService
from app.store import Store
from db.migrate import DatabaseError
from ui import common
from ui.common import tr

log = logging.getLogger("followdesk")


class ExceptionDialog(QDialog):
    """An unexpected error: say so plainly, with details the clerk can copy to support."""

    def __init__(self, details: str):
        super().__init__()
        self.setWindowTitle(tr("程序出错"))
        self.resize(640, 360)
        text = QPlainTextEdit(details)
        text.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr(
            "程序遇到了意外错误。已保存的数据不受影响，本次操作可能没有完成。\n"
            "请把下面的内容复制给维护人员：")))
        layout.addWidget(text)
        layout.addWidget(buttons)


def _excepthook(exc_type, exc, tb) -> None:
    from app.staff import RoleRefused

    if isinstance(exc, RoleRefused) and QApplication.instance() is not None:
        # not a bug: the user asked for somebody else's work (a path the window forgot to
        # hide); say so plainly instead of showing a traceback
        log.info("refused: %s", exc.message)
        common.warning(None, tr("没有权限"), exc.message)
        return
    from app.store import StoreBusyError

    if isinstance(exc, StoreBusyError):  # another desk's long write: nothing is lost
        log.warning("busy: %s", exc)
        if QApplication.instance() is not None:
            common.warning(None, tr("数据库正忙"), str(exc))
        return
    if isinstance(exc, DatabaseError):  # a damaged or upgraded database: its message says all
        log.error("refused: %s", exc)
        if QApplication.instance() is not None:
            common.critical(None, tr("数据库不能写入"), str(exc))
        return
    # The engine hides SQL parameters (names, phones) from its errors; the traceback's own
    # lines carry no values, so this text is safe for followdesk.log and the support mail.
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unhandled exception\n%s", details)
    if QApplication.instance() is not None:
        common.run(ExceptionDialog(details))


def setup_logging() -> None:
    from logging.handlers import RotatingFileHandler

    from app.config import log_dir

    handler = RotatingFileHandler(log_dir() / "followdesk.log", maxBytes=1_000_000,
                                  backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    enable_crash_trace(log_dir() / "crash.log")


_crash_file = None  # kept open for the process's life: faulthandler writes to it on a crash


def enable_crash_trace(path) -> None:
    """A native crash (segfault in Qt) leaves the Python stack of every thread in crash.log,
    instead of a window that simply vanishes."""
    import faulthandler
    import time

    global _crash_file
    try:
        _crash_file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for life
        _crash_file.write(f"--- FollowDesk started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        _crash_file.flush()
        faulthandler.enable(file=_crash_file, all_threads=True)
    except OSError:
        faulthandler.enable()


_translators: list = []  # kept alive as long as the application


# Strings qtbase_zh_CN leaves in English (Qt's own file dialog, where the PC has no native one).
QT_GAPS = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    ("QFileDialog", "Look in:"): "查找范围：",
    ("QFileDialog", "Files of type:"): "文件类型：",
}


def _gap_translator(parent):
    from PySide6.QtCore import QTranslator

    class GapTranslator(QTranslator):
        def translate(self, context, source, disambiguation=None, n=-1):
            return QT_GAPS.get((context, source))  # None: not ours, the next translator's

        def isEmpty(self) -> bool:
            return False

    return GapTranslator(parent)


def install_qt_chinese(app: QApplication) -> bool:
    """Qt's own buttons and menus (Yes/No, OK, the Cut/Copy/Paste menu) in Chinese, whatever
    the PC's locale: qtbase_zh_CN ships with PySide6."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    if _translators:
        return True
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_zh_CN", folder):
        logging.getLogger(__name__).warning("qtbase_zh_CN not found in %s", folder)
        return False
    app.installTranslator(translator)
    _translators.append(translator)
    gaps = _gap_translator(app)  # installed last: asked first
    app.installTranslator(gaps)
    _translators.append(gaps)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    return True


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("FollowDesk")
    install_qt_chinese(app)
    app.setApplicationDisplayName(tr("售后跟踪服务台"))
    app.setStyle("Fusion")
    font = app.font()
    font.setPointSize(max(font.pointSize(), 10))
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    return app


def login(store: Store, hint: str = "") -> StaffInfo | None:
    from ui.login import FirstAdminDialog, LoginDialog

    staff = StaffService(store)
    if staff.needs_first_admin():
        first = FirstAdminDialog(staff)
        common.fit_dialog(first)
        if first.exec() != QDialog.DialogCode.Accepted:
            return None
        return first.user
    dialog = LoginDialog(staff, hint=hint)
    common.fit_dialog(dialog)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.user


def refuse_to_start(message: str) -> int:
    """Before any database is opened (a --db folder that does not exist): say why, in a box."""
    make_application()
    common.critical(None, tr("无法打开数据库"), message)
    return 2


def routine_backup(store: Store, *, on_exit: bool = False) -> str:
    """The day's first start and every exit leave a copy; a problem is a note, never a stop."""
    from app import backup

    try:
        backup.routine_backup(store, on_exit=on_exit)
    except backup.BackupError as e:
        log.warning("routine backup failed: %s", e)
        return tr("自动备份没有完成：{e}").format(e=e)
    except Exception:
        log.exception("routine backup failed")
        return tr("自动备份没有完成，详情见日志。")
    return ""


def run(url: str, *, demo_hint: str = "") -> int:
    setup_logging()
    app = make_application()
    sys.excepthook = _excepthook
    try:
        store = Store(url, check=True)
    except DatabaseError as e:
        common.critical(None, tr("无法打开数据库"), str(e))
        return 2
    except Exception as e:
        log.exception("cannot open database %s", url)
        common.critical(None, tr("无法打开数据库"), tr(
            "打不开数据库：{url}\n\n{e}\n\n如果文件正被别的程序占用，请关闭后再试。"
        ).format(url=url, e=e))
        return 2
    if store.damage:
        common.critical(None, tr("数据库已损坏"), store.damage)
    backup_note = "" if store.damage else routine_backup(store)
    user = login(store, demo_hint)
    if user is None:
        return 0
    from ui.main_window import MainWindow

    window = MainWindow(store, user)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.show()
    if backup_note:
        window.statusBar().showMessage(backup_note, 60000)
    code = app.exec()
    if not store.damage and not window.restored:
        routine_backup(store, on_exit=True)
    store.close()
    return code
