"""文件 → 备份与恢复: the backups in the backup folder, a copy now, restore, the folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import backup
from app.normalize import ValidationError
from app.staff import StaffInfo
from app.store import Store
from ui import common
from ui.common import tr

KIND_LABELS = {backup.ROUTINE: "备份", backup.BEFORE_RESTORE: "恢复前的数据"}


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{max(n, 1) / 1e3:.0f} KB"


class BackupDialog(QDialog):
    def __init__(self, store: Store, user: StaffInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.user = user
        self.restored: backup.RestoreResult | None = None
        self.setWindowTitle(tr("备份与恢复"))
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setWordWrap(True)
        note = QLabel(tr("每天第一次启动和每次退出时自动备份；保留最近 {d} 天、{w} 周、{m} 个月"
                         "各一份。备份文件夹最好放在另一块硬盘或 U 盘上。").format(
            d=backup.DAILY, w=backup.WEEKLY, m=backup.MONTHLY))
        note.setWordWrap(True)
        note.setStyleSheet("color:#555")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("备份时间"), tr("大小"), tr("类别"), tr("文件")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.restore_selected())

        self.backup_button = QPushButton(tr("立即备份"))
        self.restore_button = QPushButton(tr("恢复所选…"))
        self.restore_file_button = QPushButton(tr("从其他文件恢复…"))
        self.open_button = QPushButton(tr("打开文件夹"))
        self.folder_button = QPushButton(tr("更改备份文件夹…"))
        close = QPushButton(tr("关闭"))
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self.restore_other_file)
        self.open_button.clicked.connect(self.open_folder)
        self.folder_button.clicked.connect(self.change_folder)
        close.clicked.connect(self.reject)
        self.restore_file_button.setEnabled(user.is_supervisor)
        self.folder_button.setEnabled(user.is_supervisor)
        if not user.is_supervisor:
            tip = tr("只有业务主管或管理员可以恢复备份和更改备份文件夹。")
            for b in (self.restore_button, self.restore_file_button, self.folder_button):
                b.setToolTip(tip)
        self.backup_button.setEnabled(not store.damage)
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.restore_file_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.open_button, self.folder_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folder_label)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        common.fit_to_screen(self, 760, 460)
        self.reload()

    # -- the list

    def folder(self) -> Path:
        return backup.backup_folder(self.store)

    def reload(self) -> None:
        folder = self.folder()
        self.folder_label.setText(tr("备份文件夹：{f}").format(f=folder))
        self.backups = backup.list_backups(folder, backup.database_path(self.store).stem)
        self.table.setRowCount(len(self.backups))
        for row, b in enumerate(self.backups):
            cells = [f"{b.taken_at:%Y-%m-%d %H:%M:%S}", _size(b.size),
                     tr(KIND_LABELS.get(b.label, b.label)), b.path.name]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        if self.backups:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> backup.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.user.is_supervisor and self.selected() is not None)

    # -- actions

    def backup_now(self) -> None:
        try:
            path = backup.take_backup(self.store)
        except backup.BackupError as e:
            common.warning(self, tr("备份"), str(e))
            return
        self.reload()
        common.information(self, tr("备份"), tr("已备份：{p}").format(p=path))

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and self.user.is_supervisor:
            when = f"{chosen.taken_at:%Y-%m-%d %H:%M}"
            self.restore(chosen.path, tr("{t} 的备份").format(t=when))

    def restore_other_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("选择备份文件"), str(self.folder()),
                                              tr("FollowDesk 数据库 (*.sqlite *.db);;所有文件 (*)"))
        if name:
            self.restore(Path(name), Path(name).name)

    def restore(self, source: Path, label: str) -> None:
        try:
            backup.check_backup_file(source)
        except backup.BackupError as e:
            common.warning(self, tr("不能恢复"), str(e))
            return
        if not common.confirm(self, tr("恢复备份"), tr(
                "用 {label} 替换现在的全部数据？\n\n"
                "现在的数据会先另存到备份文件夹（“恢复前的数据”）。恢复后程序会关闭，请重新启动；其他服务台也请关闭后重新启动。").format(label=label)):
            return
        try:
            self.restored = backup.restore(self.store, source, by=self.user)
        except (backup.BackupError, ValidationError) as e:
            common.warning(self, tr("不能恢复"), getattr(e, "message", None) or str(e))
            return
        common.information(self, tr("已恢复"), tr(
            "已用 {label} 恢复数据库。\n恢复前的数据保存在：{saved}\n\n程序现在关闭，请重新启动。"
        ).format(label=label, saved=self.restored.saved_current or tr("（无）")))
        self.accept()

    def open_folder(self) -> None:
        folder = self.folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            common.warning(self, tr("备份文件夹"), tr("找不到备份文件夹：{f}").format(f=folder))
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def change_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, tr("选择备份文件夹"), str(self.folder()))
        if name:
            self.set_folder(Path(name))

    def set_folder(self, folder: Path | None) -> bool:
        try:
            backup.set_backup_folder(self.store, folder, by=self.user)
        except (backup.BackupError, ValidationError) as e:
            common.warning(self, tr("备份文件夹"), getattr(e, "message", None) or str(e))
            return False
        self.reload()
        return True
