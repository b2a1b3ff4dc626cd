"""The archive list as a lazy Qt model: it holds customer ids and fetches rows a page at a time.

Filtering and sorting happen in SQL (app.archive.ArchiveService.search_ids); the model never
loads the whole table (Anki's browser/table/model.py does the same).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.archive import ArchiveService, SummaryRow, format_archive_no
from ui.common import tr

Index = QModelIndex | QPersistentModelIndex

# (summary field, header); the field doubles as the SQL sort key.
COLUMNS = [
    ("archive_no", "档案编号"),
    ("name", "客户名称"),
    ("phone", "联系电话"),
    ("plates", "车号"),
    ("models", "车型"),
    ("next_maintenance_date", "下次保养期"),
    ("clerk_name", "跟踪业务员"),
    ("last_visit_date", "最近来访"),
]
PAGE = 100
CustomerIdRole = Qt.ItemDataRole.UserRole + 1


class ArchiveTableModel(QAbstractTableModel):
    def __init__(self, archive: ArchiveService, parent=None):
        super().__init__(parent)
        self._archive = archive
        self._ids: list[int] = []
        self._rows: dict[int, SummaryRow] = {}
        self._query = ""
        self._sort = "archive_no"
        self._descending = False
        self._deleted = False
        self._loaded = False

    # -- queries

    @property
    def query(self) -> str:
        return self._query

    def set_query(self, query: str) -> None:
        self._query = query
        self.refresh()

    def set_show_deleted(self, deleted: bool) -> None:
        self._deleted = deleted
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._ids = self._archive.search_ids(
            self._query, sort=self._sort, descending=self._descending, deleted=self._deleted
        )
        self._rows.clear()
        self._loaded = True
        self.endResetModel()

    def refresh_customer(self, customer_id: int) -> None:
        """Re-read one row after an edit, without resetting the view."""
        self._rows.pop(customer_id, None)
        try:
            row = self._ids.index(customer_id)
        except ValueError:
            return
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def customer_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, customer_id: int) -> int:
        try:
            return self._ids.index(customer_id)
        except ValueError:
            return -1

    # -- Qt model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return tr(COLUMNS[section][1])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == CustomerIdRole:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        value = getattr(row, COLUMNS[index.column()][0])
        if index.column() == 0:
            return format_archive_no(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value or ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key, descending = COLUMNS[column][0], order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._sort, self._descending) and self._loaded:
            return  # the view re-announces its sort indicator; the rows are already in order
        self._sort, self._descending = key, descending
        self.refresh()

    def _row(self, row: int) -> SummaryRow | None:
        if not 0 <= row < len(self._ids):
            return None
        cid = self._ids[row]
        hit = self._rows.get(cid)
        if hit is None:
            start = row - row % PAGE
            page = self._ids[start : start + PAGE]
            if len(self._rows) > 20 * PAGE:
                self._rows.clear()
            self._rows.update(self._archive.summary_rows(page))
            hit = self._rows.get(cid)
        return hit
