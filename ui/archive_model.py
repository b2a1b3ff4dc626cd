"""The archive list as a lazy Qt model: it holds customer ids and fetches rows a page at a time.

Filtering, ranking and sorting happen in SQL (app.search_index.matching_ids): with a query the
best matches come first and the sorted column orders the rows within a rank. The model never
loads the whole table (Anki's browser/table/model.py does the same).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from app.archive import ArchiveService, SummaryRow, format_archive_no
from ui.lazy_model import Index, LazyIdModel

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
CustomerIdRole = Qt.ItemDataRole.UserRole + 1


class ArchiveTableModel(LazyIdModel):
    def __init__(self, archive: ArchiveService, parent=None):
        super().__init__(parent)
        self._archive = archive
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
        self._loaded = True
        self.reset_ids(self._archive.search_ids(
            self._query, sort=self._sort, descending=self._descending, deleted=self._deleted
        ))

    def refresh_customer(self, customer_id: int) -> None:
        """Re-read one row after an edit, without resetting the view."""
        self.forget(customer_id)

    def customer_id(self, row: int) -> int | None:
        return self.id_at(row)

    # -- LazyIdModel

    def headers(self) -> list[str]:
        return [header for _key, header in COLUMNS]

    def fetch_rows(self, ids: list[int]) -> dict[int, SummaryRow]:
        return self._archive.summary_rows(ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == CustomerIdRole:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row_data(index.row())
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
