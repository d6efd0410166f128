"""Qt item models that adapt service data for the views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from caseworker.domain.assessment import Stage
from caseworker.domain.money import format_pence
from caseworker.domain.packages import PackageStatus
from caseworker.services.parked import NOT_ACCEPTED
from caseworker.store.households import HouseholdSummary

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[str, int, int], list[HouseholdSummary]]
_DISPLAY = Qt.ItemDataRole.DisplayRole


class HouseholdListModel(QAbstractTableModel):
    """Search results, fetched a page at a time as the view scrolls (never every row)."""

    HEADERS = (
        "Case reference",
        "Lead contact",
        "Postcode",
        "Last visit",
        "Stage",
        "Pending package",
        "Review due",
    )
    PAGE = 100

    def __init__(self, fetch: Fetch, max_rows: int) -> None:
        super().__init__()
        self._fetch = fetch
        self._max_rows = max_rows
        self._query = ""
        self._rows: list[HouseholdSummary] = []
        self._exhausted = True

    def set_query(self, query: str) -> None:
        self.beginResetModel()
        self._query = query
        self._rows = self._fetch(query, 0, self.PAGE)
        self._exhausted = len(self._rows) < self.PAGE
        self.endResetModel()

    def clear(self) -> None:
        """No query and no rows (nobody signed in), without asking the store."""
        self.beginResetModel()
        self._query = ""
        self._rows = []
        self._exhausted = True
        self.endResetModel()

    def summary(self, row: int) -> HouseholdSummary:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or role not in (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole):
            return None
        row = self._rows[index.row()]
        return (
            f"{row.reference} ({NOT_ACCEPTED.lower()})" if row.not_accepted else row.reference,
            row.lead_name,
            row.postcode,
            row.last_visit.strftime("%d/%m/%Y") if row.last_visit else "No visit yet",
            f"{row.stage} {Stage(row.stage).label}" if row.stage else "Not scored",
            _pending(row),
            row.review_due.strftime("%d/%m/%Y") if row.review_due else "",
        )[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and len(self._rows) < self._max_rows

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        more = self._fetch(self._query, len(self._rows), self.PAGE)
        self._exhausted = len(more) < self.PAGE
        if more:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()


def _pending(row: HouseholdSummary) -> str:
    """The package not yet settled, in words: "£120.00 Waiting for a team manager"."""
    if row.pending_status is None:
        return ""
    return f"{format_pence(row.pending_pence or 0)} {PackageStatus(row.pending_status).label}"


class ListTableModel(QAbstractTableModel):
    """A small read-only table of rows already in memory (members, timeline)."""

    def __init__(self, headers: tuple[str, ...]) -> None:
        super().__init__()
        self._headers = headers
        self._rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or role not in (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole):
            return None
        return self._rows[index.row()][index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self._headers[section]
        return None


_TEXT_ROLES = (_DISPLAY, Qt.ItemDataRole.AccessibleTextRole)


class RecordsModel(QAbstractTableModel):
    """A read-only table of records already in memory, one row each; subclasses say
    how a record reads (``_cells``) and which columns hold figures (``RIGHT``)."""

    HEADERS: tuple[str, ...] = ()
    RIGHT: frozenset[int] = frozenset()
    ALIGN = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
    RIGHT_ALIGN = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight

    def __init__(self) -> None:
        super().__init__()
        self._records: list[Any] = []

    def _set(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def _at(self, row: int) -> Any:
        return self._records[row] if 0 <= row < len(self._records) else None

    def _cells(self, record: Any) -> tuple[str, ...]:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.RIGHT_ALIGN if index.column() in self.RIGHT else self.ALIGN
        if role not in _TEXT_ROLES:
            return None
        return self._cells(self._records[index.row()])[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None
