"""The shape every long table shares: row ids in display order, rows fetched a page at a time.

Filtering and sorting happen in SQL (the app/ services return the ids); the model keeps at
most a few pages of rows (Anki's browser/table/model.py does the same).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ui.common import tr

Index = QModelIndex | QPersistentModelIndex
PAGE = 100
MAX_CACHED_PAGES = 20


class LazyIdModel(QAbstractTableModel):
    """Subclasses give the column headers and fetch the rows of a list of ids."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids: list[int] = []
        self._rows: dict[int, object] = {}

    # -- for subclasses

    def headers(self) -> list[str]:
        raise NotImplementedError

    def fetch_rows(self, ids: list[int]) -> dict[int, object]:
        raise NotImplementedError

    def reset_ids(self, ids: list[int], rows: dict[int, object] | None = None) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = dict(rows or {})
        self.endResetModel()

    # -- rows

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, row_id: int) -> int:
        try:
            return self._ids.index(row_id)
        except ValueError:
            return -1

    def row_data(self, row: int):
        """The row's record, fetching its page on first use."""
        if not 0 <= row < len(self._ids):
            return None
        rid = self._ids[row]
        hit = self._rows.get(rid)
        if hit is None:
            start = row - row % PAGE
            if len(self._rows) > MAX_CACHED_PAGES * PAGE:
                self._rows.clear()
            self._rows.update(self.fetch_rows(self._ids[start : start + PAGE]))
            hit = self._rows.get(rid)
        return hit

    def forget(self, row_id: int) -> None:
        """Re-read one row on its next paint (after an edit), without a reset."""
        self._rows.pop(row_id, None)
        row = self.row_of(row_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    # -- Qt model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = self.headers()
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(headers):
            return tr(headers[section])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None
