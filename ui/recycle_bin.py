"""回收站: deleted customers, restorable."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.archive import ArchiveService
from ui.archive_model import ArchiveTableModel
from ui.common import tr


class RecycleBinDialog(QDialog):
    def __init__(self, archive: ArchiveService, parent: QWidget | None = None):
        super().__init__(parent)
        self.archive = archive
        self.restored: list[int] = []
        self.setWindowTitle(tr("回收站 — 已删除的客户"))
        self.resize(820, 420)
        self.model = ArchiveTableModel(archive, self)
        self.model.set_show_deleted(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.restore_button = QPushButton(tr("恢复所选客户"))
        self.restore_button.clicked.connect(self.restore)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        close.rejected.connect(self.reject)
        self.info = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.info, 1)
        row.addWidget(self.restore_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("删除的客户保留在这里，档案编号不会再分配给别人。")))
        layout.addWidget(self.table)
        layout.addLayout(row)
        self._update_info()

    def _update_info(self) -> None:
        n = self.model.rowCount()
        self.info.setText(tr("回收站中有 {n} 位客户").format(n=n))
        self.restore_button.setEnabled(n > 0)

    def restore(self) -> None:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        ids = [cid for r in sorted(rows) if (cid := self.model.customer_id(r)) is not None]
        for cid in ids:
            self.archive.restore_customer(cid)
        self.restored.extend(ids)
        self.model.refresh()
        self._update_info()
