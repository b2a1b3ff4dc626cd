"""修改记录: who changed what and when, for one customer or (the administrator) the center."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.history import ChangeInfo
from ui.common import tr

HEADERS = ("时间", "操作人", "记录", "操作", "项目", "原内容", "新内容")


class HistoryDialog(QDialog):
    def __init__(self, title: str, changes: list[ChangeInfo], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.changes = changes
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(tr("筛选：操作人、项目或内容中的文字"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.table = QTableWidget(len(changes), len(HEADERS))
        self.table.setObjectName("changes")
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        for row, c in enumerate(changes):
            for col, text in enumerate((c.at.strftime("%Y-%m-%d %H:%M"), c.who, c.what,
                                        c.action, c.field, c.old, c.new)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        fm = self.table.fontMetrics()
        # sized for what the columns hold, not for the header alone (an empty log squeezed them)
        for col, sample in enumerate(("2026-12-02 10:30", "王芳芳", "车辆 #12345", "修改",
                                      "下次保养期为手填")):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, fm.horizontalAdvance(sample) + 18)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.resize(960, 560)
        self._apply_filter("")

    def _apply_filter(self, text: str) -> None:
        text = text.strip()
        shown = 0
        for row in range(self.table.rowCount()):
            hit = not text or any(text in (self.table.item(row, col).text())
                                  for col in range(self.table.columnCount()))
            self.table.setRowHidden(row, not hit)
            shown += hit
        self.count.setText(tr("共 {n} 条修改记录").format(n=shown) if self.changes
                           else tr("还没有修改记录"))

    def visible_rows(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]


__all__ = ["HistoryDialog", "Qt"]
