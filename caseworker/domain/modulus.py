"""UK bank account modulus check (Pay.UK, formerly Vocalink, "Validating account numbers").

No well-kept Python library does this (the PyPI packages found were last released
years ago or are untried 0.1 releases), so the algorithm is implemented here, from
the published specification, with its three methods:

- ``MOD10`` and ``MOD11``: each of the 14 digits (sort code then account number)
  times its weight, summed; valid when the sum divides by 10 (or 11);
- ``DBLAL`` (double alternate): the same products, but their *digits* are summed;
  valid when that divides by 10.

The weight table is NOT the full published one. ``WEIGHTS`` is a small subset whose
rows were checked against the specification's own worked examples; a team that has
the current table from Pay.UK can pass its text to :func:`parse_weights` and
:func:`check` instead. As the specification says, a sort code the table does not
cover cannot be checked and is accepted; so is one whose row carries an
"exception" code (1 to 14), because the exceptions are not implemented here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Method(StrEnum):
    MOD10 = "MOD10"
    MOD11 = "MOD11"
    DBLAL = "DBLAL"


@dataclass(frozen=True)
class WeightRow:
    start: str  # sort code, 6 digits
    end: str
    method: Method
    weights: tuple[int, ...]  # 14 weights: u v w x y z a b c d e f g h
    exception: int | None = None


class CheckResult(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    NOT_CHECKED = "not checked"  # the table does not cover the sort code, or has an exception


# Lines in the published file's layout: start, end, method, 14 weights, [exception].
WEIGHTS_SUBSET = """\
089000 089999 MOD10 0 0 0 0 0 0 7 1 3 7 1 3 7 1
107999 107999 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1
202959 202959 DBLAL 2 1 2 1 2 1 2 1 2 1 2 1 2 1
"""


def parse_weights(text: str) -> tuple[WeightRow, ...]:
    """Rows of a weight table in the published layout (blank lines ignored)."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        weights = tuple(int(p) for p in parts[3:17])
        exception = int(parts[17]) if len(parts) > 17 else None
        rows.append(WeightRow(parts[0], parts[1], Method(parts[2]), weights, exception))
    return tuple(rows)


WEIGHTS = parse_weights(WEIGHTS_SUBSET)


def _passes(row: WeightRow, digits: str) -> bool:
    products = [int(d) * w for d, w in zip(digits, row.weights, strict=True)]
    match row.method:
        case Method.MOD10:
            return sum(products) % 10 == 0
        case Method.MOD11:
            return sum(products) % 11 == 0
        case Method.DBLAL:
            return sum(int(c) for p in products for c in str(p)) % 10 == 0


def check(
    sort_code: str, account_number: str, table: tuple[WeightRow, ...] = WEIGHTS
) -> CheckResult:
    """Check 6 sort code digits and 8 account number digits (callers clean them first)."""
    if len(sort_code) != 6 or len(account_number) != 8:
        raise ValueError("check() takes 6 sort code digits and 8 account number digits")
    rows = [r for r in table if r.start <= sort_code <= r.end]
    if not rows or any(r.exception is not None for r in rows):
        return CheckResult.NOT_CHECKED
    digits = sort_code + account_number
    return CheckResult.VALID if all(_passes(r, digits) for r in rows) else CheckResult.INVALID
