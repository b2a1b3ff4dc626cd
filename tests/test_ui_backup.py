"""文件 → 备份与恢复, driven through its buttons."""

from __future__ import annotations

import re
import sqlite3

from PySide6.QtCore import Qt

from app import backup
from app.archive import ArchiveService, CustomerInput
from app.staff import StaffService
from db.models import Role
from tests.worlds import TODAY
from ui.backup_dialog import BackupDialog


def _names(path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {r[0] for r in con.execute("SELECT name FROM customer")}


def test_backup_now_lists_the_copy_and_restore_brings_it_back(qtbot, store, admin, msgbox):
    archive = ArchiveService(store)
    archive.create_customer(CustomerInput(name="张伟", phone="13812345678"))
    dialog = BackupDialog(store, admin)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0
    assert not dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text().startswith(TODAY.isoformat())
    assert re.fullmatch(r"\d+(\.\d)? (KB|MB)", dialog.table.item(0, 1).text())
    assert msgbox.shown[-1][0] == "information"
    archive.create_customer(CustomerInput(name="李娜", phone="13912345678"))
    db_path = backup.database_path(store)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert any(kind == "confirm" and "恢复前的数据" in text for kind, _t, text in msgbox.shown)
    assert dialog.restored is not None
    assert _names(db_path) == {"张伟"}
    assert _names(dialog.restored.saved_current) == {"张伟", "李娜"}
    assert "请重新启动" in msgbox.shown[-1][2]


def test_restore_asks_first_and_no_means_nothing_changes(qtbot, store, admin, msgbox):
    ArchiveService(store).create_customer(CustomerInput(name="张伟", phone="13812345678"))
    backup.take_backup(store)
    ArchiveService(store).create_customer(CustomerInput(name="李娜", phone="13912345678"))
    dialog = BackupDialog(store, admin)
    qtbot.addWidget(dialog)
    msgbox.confirm_answer = False
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.restored is None
    assert _names(backup.database_path(store)) == {"张伟", "李娜"}


def test_a_clerk_may_back_up_but_not_restore_or_move_the_folder(qtbot, store):
    clerk = StaffService(store).create("wang", "王芳", Role.CLERK, "secret12")
    backup.take_backup(store)
    dialog = BackupDialog(store, clerk)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.backup_button.isEnabled() and dialog.open_button.isEnabled()
    assert not dialog.restore_button.isEnabled()
    assert not dialog.restore_file_button.isEnabled()
    assert not dialog.folder_button.isEnabled()
    assert "业务主管" in dialog.restore_button.toolTip()


def test_a_folder_that_is_not_there_is_refused_plainly(qtbot, store, admin, msgbox, tmp_path):
    dialog = BackupDialog(store, admin)
    qtbot.addWidget(dialog)
    assert not dialog.set_folder(tmp_path / "unplugged" / "FollowDesk")
    assert msgbox.shown[-1][0] == "warning" and "U 盘" in msgbox.shown[-1][2]
    assert dialog.set_folder(tmp_path / "FollowDesk")
    assert str(tmp_path / "FollowDesk") in dialog.folder_label.text()


def test_the_file_menu_offers_backups_to_everyone(qtbot, store, ui_settings):
    from ui.main_window import MainWindow

    clerk = StaffService(store).create("wang", "王芳", Role.CLERK, "secret12")
    w = MainWindow(store, clerk, ui_settings, today_fn=lambda: TODAY)
    qtbot.addWidget(w)
    file_menu = w.menuBar().actions()[0].menu()
    assert "备份与恢复…" in [a.text() for a in file_menu.actions()]


def test_a_damaged_database_says_so_in_the_window_and_refuses_a_save(
        qtbot, store, admin, ui_settings, monkeypatch):
    import pytest

    from app.store import DamagedDatabaseError
    from ui.main_window import MainWindow

    w = MainWindow(store, admin, ui_settings, today_fn=lambda: TODAY)
    qtbot.addWidget(w)
    assert not hasattr(w, "damage_label")
    store.damage = "数据库文件已损坏（测试），最近一次完好的备份是 X。"
    w2 = MainWindow(store, admin, ui_settings, today_fn=lambda: TODAY)
    qtbot.addWidget(w2)
    assert w2.damage_label.text() == "数据库已损坏，只能查看"
    assert "最近一次完好的备份" in w2.damage_label.toolTip()
    with pytest.raises(DamagedDatabaseError):
        ArchiveService(store).create_customer(CustomerInput(name="张伟", phone="13812345678"))
    dialog = BackupDialog(store, admin)
    qtbot.addWidget(dialog)
    assert not dialog.backup_button.isEnabled()  # a damaged copy would push good ones out


def test_the_window_tells_a_desk_on_an_old_release_to_close(qtbot, store, admin, ui_settings,
                                                            msgbox):
    from ui.main_window import MainWindow

    w = MainWindow(store, admin, ui_settings, today_fn=lambda: TODAY)
    qtbot.addWidget(w)
    w.check_schema()
    assert msgbox.shown == []
    with sqlite3.connect(backup.database_path(store)) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    w.check_schema()
    w.check_schema()  # said once
    assert [kind for kind, _t, _x in msgbox.shown] == ["warning"]
    assert "新版本" in msgbox.shown[0][2]
