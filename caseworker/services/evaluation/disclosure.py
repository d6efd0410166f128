"""Disclosure control in one place: how a figure becomes text, and small counts are hidden."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import assert_never

from caseworker.domain.money import format_pence

SMALL_COUNT = 5  # counts from 1 to SMALL_COUNT - 1 are suppressed
FEWER_THAN_5 = "fewer than 5"
SUPPRESSED = f"suppressed ({FEWER_THAN_5})"
WITHHELD = "withheld"
NOT_AVAILABLE = "n/a"


class Kind(StrEnum):
    COUNT = "count"
    MONEY = "money"  # pence
    SCORE = "score"  # an average score, 0 to 3
    CHANGE = "change"  # an average change of score, signed
    PERCENT = "percent"
    RATIO = "ratio"  # pounds avoided per pound awarded


def is_small(count: int) -> bool:
    """A count that could point to a family: 1 to 4 (0 is safe to show)."""
    return 0 < count < SMALL_COUNT


@dataclass(frozen=True)
class Figure:
    """One value as the report will show it, with the count of records it rests on.

    ``basis`` is that count for money, averages and ratios (a count is its own
    basis); ``None`` means the value does not come from people's records (a
    unit cost, the fund's budget) and is never suppressed.
    """

    value: int | float | None
    kind: Kind = Kind.COUNT
    basis: int | None = None
    withheld: bool = False
    protected: bool = True  # False only on the team's own dashboard (``for_the_team``)

    @property
    def basis_count(self) -> int | None:
        if self.kind is Kind.COUNT:
            return int(self.value or 0)
        return self.basis

    @property
    def suppressed(self) -> bool:
        basis = self.basis_count
        return self.protected and basis is not None and is_small(basis)

    @property
    def shown(self) -> bool:
        return not self.suppressed and not self.withheld and self.value is not None

    def plotted(self) -> float:
        """The value a chart may draw: 0 for anything not shown (its label says why)."""
        return float(self.value or 0) if self.shown else 0.0


def present(figure: Figure, plain: bool = False) -> str:
    """The one place a figure becomes text, for the PDF and the CSV alike.

    Counts from 1 to 4 become "fewer than 5"; money and averages resting on 1
    to 4 records are suppressed; withheld cells (which would give a suppressed
    one away by subtraction from a total) say so. ``plain`` drops thousands
    separators and the pound sign, for analysts' tools.
    """
    if figure.suppressed:
        return FEWER_THAN_5 if figure.kind is Kind.COUNT else SUPPRESSED
    if figure.withheld:
        return WITHHELD
    value = figure.value
    if value is None:
        return NOT_AVAILABLE
    match figure.kind:
        case Kind.COUNT:
            return f"{int(value)}" if plain else f"{int(value):,}"
        case Kind.MONEY:
            return f"{int(value) / 100:.2f}" if plain else format_pence(int(value))
        case Kind.SCORE:
            return f"{value:.2f}"
        case Kind.CHANGE:
            return f"{value:+.2f}"
        case Kind.PERCENT:
            return f"{value:.1f}" if plain else f"{value:.1f}%"
        case Kind.RATIO:
            return f"{value:.2f}" if plain else f"£{value:,.2f}"
        case _:
            assert_never(figure.kind)


def count(value: int) -> Figure:
    return Figure(value)


def money(pence: int, basis: int | None) -> Figure:
    return Figure(pence, Kind.MONEY, basis)


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """A table of the report: the PDF draws it (and its chart), the CSV flattens it."""

    key: str
    title: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str = ""

    def row(self, label: str) -> Row:
        return next(r for r in self.rows if r.label == label)


def _withheld(cells: Sequence[Figure]) -> set[int]:
    """Cells to withhold so that a lone suppressed cell cannot be had from the column total.

    With exactly one suppressed cell, the smallest other shown, non-zero cell
    is withheld too; with two or more, the total gives only their sum.
    """
    small = [i for i, c in enumerate(cells) if c.suppressed]
    if len(small) != 1:
        return set()
    others = [
        (c.basis_count or 0, i)
        for i, c in enumerate(cells)
        if i != small[0] and not c.suppressed and (c.basis_count or 0) > 0
    ]
    return {min(others)[1]} if others else set()


def table(
    key: str,
    title: str,
    label_header: str,
    columns: Sequence[str],
    rows: Iterable[tuple[str, Sequence[Figure]]],
    total: Sequence[Figure] | None = None,
    note: str = "",
) -> Table:
    """A table with small counts protected; with a total, column by column (``_withheld``)."""
    built = [(label, list(cells)) for label, cells in rows]
    if total is not None:
        for c in range(len(columns)):
            for i in _withheld([cells[c] for _label, cells in built]):
                cell = built[i][1][c]
                built[i][1][c] = Figure(cell.value, cell.kind, cell.basis, withheld=True)
    return Table(
        key=key,
        title=title,
        label_header=label_header,
        columns=tuple(columns),
        rows=tuple(Row(label, tuple(cells)) for label, cells in built),
        total=Row("Total", tuple(total)) if total is not None else None,
        note=note,
    )


def for_the_team(shown: Table) -> Table:
    """The table in full, for the team's own managers on their dashboard.

    Small-number suppression protects people in what is published or shared (the
    evaluation report, its CSV); a team's manager already sees every case of the
    team, and a dashboard of "fewer than 5" told them nothing (issue 18).
    """

    def opened(row: Row) -> Row:
        return Row(
            row.label,
            tuple(Figure(c.value, c.kind, c.basis, protected=False) for c in row.cells),
        )

    return replace(
        shown,
        rows=tuple(opened(r) for r in shown.rows),
        total=opened(shown.total) if shown.total is not None else None,
    )
