"""UK bank account modulus check (Pay.UK, formerly Vocalink, "Validating account numbers").

No well-kept Python library does this (the PyPI packages found were last released
years ago or are untried 0.1 releases), so the algorithm is implemented here, from
the published specification, with its three methods:

- ``MOD10`` and ``MOD11``: each of the 14 digits (sort code then account number)
  times its weight, summed; valid when the sum divides by 10 (or 11);
- ``DBLAL`` (double alternate): the same products, but their *digits* are summed;
  valid when that divides by 10;

and its exception rules 1 to 14 (:func:`check`; each rule is described where it is
applied). The 14 digits are named as the specification names them:
``u v w x y z`` (sort code) ``a b c d e f g h`` (account number).

The weight table is NOT the full published one. ``WEIGHTS`` is a small subset whose
rows were checked against the specification's own worked examples. The council
loads the current table (``valacdos.txt``) and the sort code substitution table for
exception 5 (``scsubtab.txt``), which Pay.UK publishes under its own terms, with
``caseworker payments modulus-table``; :func:`parse_weights` and
:func:`parse_substitutions` read and check them. As the specification says, a sort
code the table does not cover cannot be checked and is accepted ("not checked").

Account numbers of 6, 7, 9 and 10 digits are read as the specification says
(:func:`readings`, :func:`check_any`; a 10-digit number both ways, see docs/payments.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
    # The table does not cover the sort code, or the specification says the number
    # cannot be checked (exception 6: a foreign currency account).
    NOT_CHECKED = "not checked"


class TableError(ValueError):
    """A weight or substitution table that cannot be used: every problem, one a line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Lines in the published file's layout: start, end, method, 14 weights, [exception].
WEIGHTS_SUBSET = """\
089000 089999 MOD10 0 0 0 0 0 0 7 1 3 7 1 3 7 1
107999 107999 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1
202959 202959 DBLAL 2 1 2 1 2 1 2 1 2 1 2 1 2 1
"""

_WEIGHT_NAMES = "uvwxyzabcdefgh"
_COLUMNS = (
    "start sort code",
    "end sort code",
    "method",
    *(f"weight {n}" for n in _WEIGHT_NAMES),
    "exception",
)
_MAX_PROBLEMS = 20  # a file of another kind would otherwise name every one of its lines


def _column(number: int) -> str:
    return f"column {number} ({_COLUMNS[number - 1]})"


def _weight_row(parts: list[str], say: list[str], where: str) -> WeightRow | None:
    """One line's row, or None with its problems added to ``say``."""
    before = len(say)
    if len(parts) < 17:
        say.append(
            f"{where}: expected 17 or 18 columns (start and end sort codes, the method, "
            f"14 weights and perhaps an exception number), found {len(parts)}"
        )
        return None
    if len(parts) > 18:
        say.append(
            f"{where}, column 19: expected at most 18 columns (the last is the exception "
            f"number), found {len(parts)}"
        )
        return None
    for number in (1, 2):
        if not (len(parts[number - 1]) == 6 and parts[number - 1].isdigit()):
            say.append(
                f"{where}, {_column(number)}: expected a sort code of 6 digits, "
                f"found {parts[number - 1]!r}"
            )
    if len(say) == before and parts[0] > parts[1]:
        say.append(
            f"{where}, {_column(2)}: the range ends ({parts[1]}) before it starts ({parts[0]})"
        )
    if parts[2] not in Method.__members__:
        say.append(f"{where}, {_column(3)}: expected MOD10, MOD11 or DBLAL, found {parts[2]!r}")
    weights: list[int] = []
    for number in range(4, 18):
        text = parts[number - 1]
        try:
            weights.append(int(text))
        except ValueError:
            say.append(f"{where}, {_column(number)}: expected a whole number, found {text!r}")
    exception: int | None = None
    if len(parts) == 18:
        text = parts[17]
        if text.isdigit() and 1 <= int(text) <= 14:
            exception = int(text)
        else:
            say.append(
                f"{where}, {_column(18)}: expected an exception number from 1 to 14, found {text!r}"
            )
    if len(say) != before:
        return None
    return WeightRow(parts[0], parts[1], Method(parts[2]), tuple(weights), exception)


def _table_lines(text: str, problems: list[str]) -> Iterator[tuple[str, list[str]]]:
    """Each line that is not blank, as where it is (``Line N``) and its columns, until
    ``problems`` holds ``_MAX_PROBLEMS``: then a note that the rest was not read."""
    for number, line in enumerate(text.splitlines(), start=1):
        if len(problems) >= _MAX_PROBLEMS:
            problems.append("(the rest of the file was not read)")
            return
        parts = line.split()
        if parts:
            yield f"Line {number}", parts


def parse_weights(text: str) -> tuple[WeightRow, ...]:
    """Rows of a weight table in the published layout (``valacdos.txt``).

    Blank lines are ignored. Any other line that is not a row raises
    :class:`TableError`, naming each bad line by its number and column in plain words.
    """
    rows: list[WeightRow] = []
    problems: list[str] = []
    for where, parts in _table_lines(text, problems):
        row = _weight_row(parts, problems, where)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append("The weight table has no rows: is this the file valacdos.txt?")
    if problems:
        raise TableError(problems)
    return tuple(rows)


def parse_substitutions(text: str) -> dict[str, str]:
    """The sort code substitution table for exception 5 (``scsubtab.txt``): each line a
    sort code and the sort code to check it as. Bad lines raise :class:`TableError`."""
    table: dict[str, str] = {}
    problems: list[str] = []
    names = ("sort code", "sort code to use instead")
    for where, parts in _table_lines(text, problems):
        if len(parts) != 2:
            problems.append(
                f"{where}: expected 2 columns (a sort code and the sort code to use "
                f"instead), found {len(parts)}"
            )
            continue
        bad = [i for i, p in enumerate(parts) if not (len(p) == 6 and p.isdigit())]
        for i in bad:
            problems.append(
                f"{where}, column {i + 1} ({names[i]}): expected a sort code of 6 digits, "
                f"found {parts[i]!r}"
            )
        if not bad and parts[0] in table:
            problems.append(f"{where}, column 1 (sort code): {parts[0]} is listed twice")
        elif not bad:
            table[parts[0]] = parts[1]
    if problems:
        raise TableError(problems)
    return table


WEIGHTS = parse_weights(WEIGHTS_SUBSET)


@dataclass(frozen=True)
class Table:
    """The weight rows and the exception 5 substitutions a check uses."""

    rows: tuple[WeightRow, ...]
    substitutions: Mapping[str, str]

    @classmethod
    def read(cls, weights: str, substitutions: str = "") -> Table:
        """The council's files, checked (:class:`TableError` names each bad line)."""
        problems: list[str] = []
        rows: tuple[WeightRow, ...] = ()
        subs: dict[str, str] = {}
        try:
            rows = parse_weights(weights)
        except TableError as exc:
            problems += [f"Weight table: {p}" for p in exc.problems]
        try:
            subs = parse_substitutions(substitutions)
        except TableError as exc:
            problems += [f"Substitution table: {p}" for p in exc.problems]
        if problems:
            raise TableError(problems)
        return cls(rows, subs)

    def check(self, sort_code: str, account_number: str) -> CheckResult:
        return check(sort_code, account_number, self.rows, self.substitutions)


#: The subset shipped, used until the council loads the published table.
SUBSET = Table(WEIGHTS, {})

# Positions of the 14 digits (sort code u..z, account a..h).
_A, _B, _C, _G, _H = 6, 7, 8, 12, 13

# Exception 2: the weights that replace the table's when a is not 0 (g is 9, or not).
_EXCEPTION_2_G9 = (0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1)
_EXCEPTION_2 = (0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1)
# Exception 8 checks every number as if its sort code were 090126; exception 9 (the
# second check of a 2 and 9 pair) as if it were 309634.
_EXCEPTION_8_SORT_CODE = "090126"
_EXCEPTION_9_SORT_CODE = "309634"
# Pairs of exceptions (first row, second row) where either check passing is enough.
_EITHER = {(2, 9), (10, 11), (12, 13)}


def _digit_sum(product: int) -> int:
    total = sum(int(c) for c in str(abs(product)))
    return total if product >= 0 else -total


def _zero_first_eight(weights: tuple[int, ...]) -> tuple[int, ...]:
    return (0,) * 8 + weights[8:]


def _passes(row: WeightRow, digits: str, substitutions: Mapping[str, str]) -> bool:
    """One row's check of the 14 digits, with the row's exception rule applied."""
    weights = row.weights
    account = digits[6:]
    a, g, h = int(digits[_A]), int(digits[_G]), int(digits[_H])
    match row.exception:
        case 2 if a != 0:
            # Exception 2: when a is not 0, other weights are used (these if g is 9).
            weights = _EXCEPTION_2_G9 if g == 9 else _EXCEPTION_2
        case 3 if digits[_C] in "69":
            # Exception 3: when c is 6 or 9, this (double alternate) check is not made.
            return True
        case 5:
            # Exception 5: a sort code listed in the substitution table is checked as
            # the sort code it is listed with.
            digits = substitutions.get(digits[:6], digits[:6]) + account
        case 7 if g == 9:
            # Exception 7: when g is 9, the weights for u to b are taken as 0.
            weights = _zero_first_eight(weights)
        case 8:
            digits = _EXCEPTION_8_SORT_CODE + account
        case 9:
            digits = _EXCEPTION_9_SORT_CODE + account
        case 10 if digits[_A : _B + 1] in ("09", "99") and g == 9:
            # Exception 10: when ab is 09 or 99 and g is 9, the weights for u to b are 0.
            weights = _zero_first_eight(weights)
    products = [int(d) * w for d, w in zip(digits, weights, strict=True)]
    match row.method:
        case Method.MOD10:
            return sum(products) % 10 == 0
        case Method.MOD11:
            remainder = sum(products) % 11
            if row.exception == 4:
                # Exception 4: the remainder must be the number gh.
                return remainder == int(digits[_G : _H + 1])
            if row.exception == 5:
                # Exception 5: remainder 0 needs g = 0; remainder 1 fails; otherwise
                # 11 less the remainder must be g.
                if remainder == 0:
                    return g == 0
                return remainder != 1 and 11 - remainder == g
            return remainder == 0
        case Method.DBLAL:
            total = sum(_digit_sum(p) for p in products)
            if row.exception == 1:
                # Exception 1: 27 is added to the total before dividing by 10.
                total += 27
            if row.exception == 5:
                # Exception 5: remainder 0 needs h = 0; otherwise 10 less the
                # remainder must be h.
                remainder = total % 10
                return h == 0 if remainder == 0 else 10 - remainder == h
            return total % 10 == 0


def _exception_14_second(row: WeightRow, digits: str) -> bool:
    """Exception 14's second check: when h is 0, 1 or 9, h is removed, the account
    number moves right one place with a 0 in front, and the row's check is made again."""
    if digits[_H] not in "019":
        return False
    return _passes(row, digits[:6] + "0" + digits[6:13], {})


def check(
    sort_code: str,
    account_number: str,
    table: tuple[WeightRow, ...] = WEIGHTS,
    substitutions: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check 6 sort code digits and 8 account number digits (callers clean them first).

    The rows whose range holds the sort code are checked in order (the table has at
    most two for a sort code). With two rows both must pass, except after the pairs of
    exceptions 2 and 9, 10 and 11, 12 and 13, where one passing is enough.
    ``substitutions`` is the sort code substitution table for exception 5.
    """
    if not (len(sort_code) == 6 and sort_code.isdigit()) or not (
        len(account_number) == 8 and account_number.isdigit()
    ):
        raise ValueError("check() takes 6 sort code digits and 8 account number digits")
    rows = [r for r in table if r.start <= sort_code <= r.end][:2]
    if not rows:
        return CheckResult.NOT_CHECKED
    digits = sort_code + account_number
    # Exception 6: when a is 4 to 8 and g equals h, the account is in a foreign
    # currency and the checks cannot be used.
    foreign = digits[_A] in "45678" and digits[_G] == digits[_H]
    if foreign and any(r.exception == 6 for r in rows):
        return CheckResult.NOT_CHECKED
    subs = substitutions or {}
    first = _passes(rows[0], digits, subs)
    if len(rows) == 1:
        if not first and rows[0].exception == 14:
            # Exception 14: a number failing the first check gets a second one.
            first = _exception_14_second(rows[0], digits)
        return CheckResult.VALID if first else CheckResult.INVALID
    pair = (rows[0].exception, rows[1].exception)
    if pair in _EITHER:
        ok = first or _passes(rows[1], digits, subs)
    else:
        ok = first and _passes(rows[1], digits, subs)
    return CheckResult.VALID if ok else CheckResult.INVALID


# -- account numbers of other lengths ------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One way of reading an account number as 6 sort code and 8 account digits."""

    sort_code: str
    account_number: str
    rule: str  # in plain words, for the officer and the record


@dataclass(frozen=True)
class Standardised:
    """What the check made of a number: its result and, for a number that is not 8
    digits, how it was read (empty for 8 digits)."""

    result: CheckResult
    rule: str = ""


#: The lengths of account number UK banks issue (the specification's "standardisation").
ACCOUNT_LENGTHS = (6, 7, 8, 9, 10)

_FIRST_EIGHT = "the first eight digits (Co-operative Bank and Nationwide)"
_LAST_EIGHT = "the last eight digits (NatWest)"


def readings(sort_code: str, account_number: str) -> tuple[Reading, ...]:
    """The specification's readings of a non-standard account number (digits only).

    - 6 or 7 digits: zeros in front, to 8;
    - 9 digits (Santander): the sort code's last digit is replaced by the account
      number's first digit, and the account number's last eight digits are used;
    - 10 digits: NatWest uses the last eight digits, the Co-operative Bank (and, as
      handled here, Nationwide) the first eight. Which bank a sort code belongs to is
      not in Pay.UK's tables, so both readings are returned and either passing is
      enough (:func:`check_any`).
    """
    if not (len(sort_code) == 6 and sort_code.isdigit()) or not account_number.isdigit():
        raise ValueError("readings() takes 6 sort code digits and an account number's digits")
    match len(account_number):
        case 6 | 7:
            return (Reading(sort_code, account_number.rjust(8, "0"), ""),)
        case 8:
            return (Reading(sort_code, account_number, ""),)
        case 9:
            return (
                Reading(
                    sort_code[:5] + account_number[0],
                    account_number[1:],
                    "9 digits (Santander): read with the account number's first digit as "
                    "the sort code's last, and the last eight digits as the account number",
                ),
            )
        case 10:
            return (
                Reading(sort_code, account_number[:8], _FIRST_EIGHT),
                Reading(sort_code, account_number[2:], _LAST_EIGHT),
            )
    raise ValueError(f"an account number has 6 to 10 digits, not {len(account_number)}")


def check_any(sort_code: str, account_number: str, table: Table | None = None) -> Standardised:
    """:func:`check` of each reading of a 6 to 10 digit account number.

    Valid when any reading passes; not checked when none passes but one cannot be
    checked (the sort code is not in the table, or exception 6); else invalid. For
    10 digits the rule says which reading passed, or that neither did.
    """
    use = table or SUBSET
    found = [
        (r, use.check(r.sort_code, r.account_number)) for r in readings(sort_code, account_number)
    ]
    if len(found) == 1:
        return Standardised(found[0][1], found[0][0].rule)
    passed = [r.rule for r, result in found if result is CheckResult.VALID]
    if passed:
        return Standardised(
            CheckResult.VALID,
            "10 digits, bank not known from the sort code: checked as "
            f"{_FIRST_EIGHT} and as {_LAST_EIGHT}; passed as " + " and as ".join(passed),
        )
    results = {result for _, result in found}
    result = CheckResult.NOT_CHECKED if CheckResult.NOT_CHECKED in results else CheckResult.INVALID
    return Standardised(
        result,
        f"10 digits, bank not known from the sort code: read as {_FIRST_EIGHT} and as "
        f"{_LAST_EIGHT}",
    )
