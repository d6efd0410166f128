"""The modulus check's exception rules 1 to 14, on synthetic weight rows.

The published weight table and the specification's test cases are copyright (see
docs/payments.md), so none is used here: every row below is made up to make one rule
visible, and each expected result is worked out by hand in the comment beside it.
The 14 digits are named as in the specification: u v w x y z (sort code), a b c d e f
g h (account number). Weights are listed in that order.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from caseworker.domain import modulus
from caseworker.domain.modulus import CheckResult

VALID, INVALID, NOT_CHECKED = CheckResult.VALID, CheckResult.INVALID, CheckResult.NOT_CHECKED

TABLE = modulus.parse_weights(
    # exception 1: DBLAL, weight 1 on every account digit, 27 added to the total
    "100000 100099 DBLAL 0 0 0 0 0 0 1 1 1 1 1 1 1 1 1\n"
    # exceptions 2 and 9: the table's first row counts only h; the second counts u and h
    "200000 200099 MOD11 0 0 0 0 0 0 0 0 0 0 0 0 0 1 2\n"
    "200000 200099 MOD11 1 0 0 0 0 0 0 0 0 0 0 0 0 1 9\n"
    # exception 3: MOD10 on h, then DBLAL on c
    "300000 300099 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 0 1\n"
    "300000 300099 DBLAL 0 0 0 0 0 0 0 0 1 0 0 0 0 0 3\n"
    # exception 4: MOD11 on a alone; the remainder must be gh
    "400000 400099 MOD11 0 0 0 0 0 0 1 0 0 0 0 0 0 0 4\n"
    # exception 5: MOD11 on z and a (11 - remainder = g), DBLAL on z and b (10 - r = h)
    "500000 500099 MOD11 0 0 0 0 0 1 1 0 0 0 0 0 0 0 5\n"
    "500000 500099 DBLAL 0 0 0 0 0 1 0 1 0 0 0 0 0 0 5\n"
    # exception 6: both rows count only h
    "600000 600099 MOD11 0 0 0 0 0 0 0 0 0 0 0 0 0 1 6\n"
    "600000 600099 DBLAL 0 0 0 0 0 0 0 0 0 0 0 0 0 1 6\n"
    # exception 7: MOD10 on u, a, g and h
    "700000 700099 MOD10 1 0 0 0 0 0 1 0 0 0 0 0 1 1 7\n"
    # exception 8: MOD11 on z and h, the sort code taken as 090126
    "800000 800099 MOD11 0 0 0 0 0 1 0 0 0 0 0 0 0 1 8\n"
    # exceptions 10 and 11: MOD11 on u, a, b, f and g; then MOD10 on h
    "110000 110099 MOD11 1 0 0 0 0 0 1 1 0 0 0 1 1 0 10\n"
    "110000 110099 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 0 1 11\n"
    # exceptions 12 and 13: MOD10 on h; then MOD11 on g
    "120000 120099 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 0 1 12\n"
    "120000 120099 MOD11 0 0 0 0 0 0 0 0 0 0 0 0 1 0 13\n"
    # the same two checks with no exception: both must pass
    "121000 121099 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 0 1\n"
    "121000 121099 MOD11 0 0 0 0 0 0 0 0 0 0 0 0 1 0\n"
    # exception 14: MOD11 on g alone
    "140000 140099 MOD11 0 0 0 0 0 0 0 0 0 0 0 0 1 0 14\n"
)
# Exception 5's substitution: 500001 is checked as 500009 (so z is 9, not 1).
SUBSTITUTIONS = modulus.parse_substitutions("500001 500009\n")


@pytest.mark.parametrize(
    ("sort_code", "account", "expected"),
    [
        # -- 1: digits of the products summed, plus 27, must divide by 10.
        ("100000", "00000003", VALID),  # 3 + 27 = 30
        ("100000", "00000000", INVALID),  # 0 + 27 = 27 (valid without the rule)
        ("100000", "00000010", INVALID),  # 1 + 27 = 28
        # -- 2 and 9: a = 0 keeps the table's weights: h counts, 0 → 0, passes.
        ("200000", "01000000", VALID),  # (exception 2's weights would give b*4 = 4)
        # a ≠ 0, g ≠ 9: weights 0 0 1 2 5 3 6 4 8 7 10 9 3 1; sort code 200000 gives
        # w..z = 0, so a*6 + h*1 = 6 + 5 = 11 → passes (the table's weights: 5, fails).
        ("200000", "10000005", VALID),
        # a ≠ 0, g = 9: weights 0 0 0 0 0 0 0 0 8 7 10 9 3 1: 9*3 + 6 = 33 → passes
        # (the g ≠ 9 weights: 6 + 27 + 6 = 39, remainder 6; the table's: 6).
        ("200000", "10000096", VALID),
        # first: 6 + 8 = 14, fails; 9: the second row with sort code 309634, so u = 3:
        # 3*1 + 8 = 11 → passes (with 200000 it would be 2 + 8 = 10, fails).
        ("200000", "10000008", VALID),
        # first: a*6 = 6, fails; second: 3 + 0 = 3, fails.
        ("200000", "10000000", INVALID),
        # -- 3: the second (DBLAL) check needs c = 0; not made when c is 6 or 9.
        ("300000", "00600000", VALID),  # first: h = 0 passes; second skipped (c = 6)
        ("300000", "00900000", VALID),  # c = 9 likewise
        ("300000", "00500000", INVALID),  # second: 5, fails
        ("300000", "00600001", INVALID),  # first: 1, fails (both checks still needed)
        # -- 4: remainder of a*1 by 11 must equal gh.
        ("400000", "70000007", VALID),  # remainder 7, gh = 07 (plain MOD11 would fail)
        ("400000", "70000070", INVALID),  # remainder 7, gh = 70
        ("400000", "00000000", VALID),  # remainder 0, gh = 00
        # -- 5: 500001 is checked as 500009 (z = 9). MOD11: z + a = 9 + 0 = 9,
        # 11 - 9 = 2 = g; DBLAL: z + b = 9, 10 - 9 = 1 = h.
        ("500001", "00000021", VALID),  # (unsubstituted, z = 1: remainder 1, invalid)
        ("500001", "00000022", INVALID),  # DBLAL wants h = 1, h is 2
        # 500002 has no substitute: z = 2, remainder 2, g must be 11 - 2 = 9.
        ("500002", "00000021", INVALID),
        # 500002 with a = 9, b = 8: MOD11 2 + 9 = 11, remainder 0 needs g = 0;
        # DBLAL 2 + 8 = 10, remainder 0 needs h = 0.
        ("500002", "98000000", VALID),
        ("500002", "98000010", INVALID),  # remainder 0 but g = 1
        ("500009", "30000000", INVALID),  # 9 + 3 = 12, remainder 1: always invalid
        # -- 6: a of 4 to 8 with g = h is a foreign currency account: not checked.
        ("600000", "40000011", NOT_CHECKED),  # (checked, h = 1 would fail)
        ("600000", "30000011", INVALID),  # a = 3: checked; h = 1 fails
        ("600000", "90000011", INVALID),  # a = 9: checked; fails
        ("600000", "40000010", VALID),  # g ≠ h: checked; h = 0 passes
        # -- 7: g = 9 zeroes the weights u to b. Sort code 700000: u = 7.
        ("700000", "50000091", VALID),  # g + h = 9 + 1 = 10 (unzeroed: 7+5+9+1 = 22)
        ("700000", "50000092", INVALID),  # 9 + 2 = 11
        ("700000", "20000010", VALID),  # g ≠ 9: 7 + 2 + 1 + 0 = 10
        ("700000", "30000010", INVALID),  # 7 + 3 + 1 + 0 = 11
        # -- 8: the sort code taken as 090126: z = 6, so 6 + h must divide by 11.
        ("800000", "00000005", VALID),  # 6 + 5 = 11 (with z = 0 it would be 5)
        ("800000", "00000000", INVALID),  # 6 + 0 = 6 (with z = 0 it would pass)
        # -- 10 and 11: first u + a + b + f + g (u = 1), zeroed u to b when ab is 09 or
        # 99 and g is 9; second h must be 0; either passing is enough.
        ("110000", "09000291", VALID),  # zeroed: f + g = 2 + 9 = 11 (else 1+0+9+2+9 = 21)
        ("110000", "99000291", VALID),  # zeroed: 11 (else 1+9+9+2+9 = 30)
        ("110000", "18000291", INVALID),  # ab = 18: 1+1+8+2+9 = 21; second h = 1
        ("110000", "09000281", INVALID),  # g = 8: 1+0+9+2+8 = 20; second h = 1
        ("110000", "18000290", VALID),  # first fails (21), second h = 0 passes
        # -- 12 and 13: first h must be 0, second g must be 0; either is enough.
        ("120000", "00000010", VALID),  # first passes
        ("120000", "00000001", VALID),  # first fails, second passes
        ("120000", "00000011", INVALID),  # both fail
        ("121000", "00000001", INVALID),  # the same rows without exceptions: both needed
        # -- 14: g*1 must divide by 11; else if h is 0, 1 or 9 the account moves right
        # one place (h dropped, 0 in front), so the new g is the old f.
        ("140000", "00000000", VALID),  # g = 0: the first check passes
        ("140000", "00000050", VALID),  # g = 5 fails; h = 0; new g = f = 0 passes
        ("140000", "00000051", VALID),  # h = 1 likewise
        ("140000", "00000059", VALID),  # h = 9 likewise
        ("140000", "00000052", INVALID),  # h = 2: no second check
        ("140000", "00000350", INVALID),  # new g = f = 3 fails
    ],
)
def test_exception_rules(sort_code: str, account: str, expected: CheckResult) -> None:
    assert modulus.check(sort_code, account, TABLE, SUBSTITUTIONS) is expected


def test_a_sort_code_the_table_does_not_cover_is_not_checked() -> None:
    assert modulus.check("990000", "12345678", TABLE) is NOT_CHECKED


def test_exception_5_without_a_substitution_table_uses_the_sort_code_itself() -> None:
    # z = 1: MOD11 1 + 0 = 1, remainder 1: invalid.
    assert modulus.check("500001", "00000021", TABLE) is INVALID


def test_negative_weights_are_read() -> None:
    # MOD11 with h weighted -1 and g 1: g - h = 0 passes when g equals h.
    table = modulus.parse_weights("010000 010099 MOD11 0 0 0 0 0 0 0 0 0 0 0 0 1 -1\n")
    assert modulus.check("010000", "00000077", table) is VALID
    assert modulus.check("010000", "00000076", table) is INVALID


# -- reading the council's files ----------------------------------------------------------


def test_a_malformed_weight_line_is_named_by_line_and_column() -> None:
    text = (
        "100000 100099 MOD10 0 0 0 0 0 0 1 1 1 1 1 1 1 1\n"
        "\n"
        "100100 100199 MOD12 0 0 0 0 0 0 1 1 1 1 1 1 1 1\n"
        "100200 10020X MOD10 0 0 0 0 0 0 1 1 1 1 1 one 1 1\n"
        "100300 100399 MOD10 0 0 0 0 0 0 1 1 1 1 1 1 1 1 15\n"
        "100400 100499 MOD10 0 0 0 0 0 0 1 1\n"
        "100599 100500 MOD10 0 0 0 0 0 0 1 1 1 1 1 1 1 1\n"
    )
    with pytest.raises(modulus.TableError) as caught:
        modulus.parse_weights(text)
    assert caught.value.problems == [
        "Line 3, column 3 (method): expected MOD10, MOD11 or DBLAL, found 'MOD12'",
        "Line 4, column 2 (end sort code): expected a sort code of 6 digits, found '10020X'",
        "Line 4, column 15 (weight f): expected a whole number, found 'one'",
        "Line 5, column 18 (exception): expected an exception number from 1 to 14, found '15'",
        "Line 6: expected 17 or 18 columns (start and end sort codes, the method, 14 weights "
        "and perhaps an exception number), found 11",
        "Line 7, column 2 (end sort code): the range ends (100500) before it starts (100599)",
    ]


def test_an_empty_weight_table_is_refused() -> None:
    with pytest.raises(modulus.TableError, match="no rows"):
        modulus.parse_weights("\n\n")


def test_a_malformed_substitution_line_is_named_by_line_and_column() -> None:
    text = "938173 938017\n938289\n93828 938068\n938173 938000\n"
    with pytest.raises(modulus.TableError) as caught:
        modulus.parse_substitutions(text)
    assert caught.value.problems == [
        "Line 2: expected 2 columns (a sort code and the sort code to use instead), found 1",
        "Line 3, column 1 (sort code): expected a sort code of 6 digits, found '93828'",
        "Line 4, column 1 (sort code): 938173 is listed twice",
    ]


@pytest.mark.parametrize("parse", [modulus.parse_weights, modulus.parse_substitutions])
def test_a_file_of_another_kind_is_named_for_its_first_20_bad_lines_only(
    parse: Callable[[str], object],
) -> None:
    with pytest.raises(modulus.TableError) as caught:
        parse("Dear finance team,\n\n" + "not a table line\n" * 30)
    problems = caught.value.problems
    assert len(problems) == 21 and problems[-1] == "(the rest of the file was not read)"
    assert problems[0].startswith("Line 1") and problems[19].startswith(
        "Line 21"
    )  # line 2 is blank
    with pytest.raises(modulus.TableError) as caught:  # exactly 20: nothing left unread
        parse("not a table line\n" * 20)
    assert len(caught.value.problems) == 20
    assert "(the rest of the file was not read)" not in caught.value.problems


# -- account numbers of other lengths (the specification's standardisation) ------------

# Sort code 200000: MOD10 on g and h (g + h must divide by 10). Sort code 300005: MOD10
# on z and h (z + h must divide by 10); 300000 to 300004 are in no row.
LENGTHS = modulus.Table.read(
    "200000 200000 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 1 1\n"
    "300005 300005 MOD10 0 0 0 0 0 1 0 0 0 0 0 0 0 1\n"
)
FIRST = "the first eight digits (Co-operative Bank and Nationwide)"
LAST = "the last eight digits (NatWest)"


@pytest.mark.parametrize(
    ("sort_code", "account", "expected"),
    [
        ("200000", "123455", [("200000", "00123455")]),  # 6 digits: two zeros in front
        ("200000", "1234555", [("200000", "01234555")]),  # 7 digits: one zero in front
        ("200000", "12345678", [("200000", "12345678")]),
        # 9 digits (Santander): the first digit replaces the sort code's last
        ("300000", "512345675", [("300005", "12345675")]),
        # 10 digits: first eight (Co-operative Bank, Nationwide), last eight (NatWest)
        ("200000", "1234567891", [("200000", "12345678"), ("200000", "34567891")]),
    ],
)
def test_each_length_is_read_as_the_specification_says(
    sort_code: str, account: str, expected: list[tuple[str, str]]
) -> None:
    got = modulus.readings(sort_code, account)
    assert [(r.sort_code, r.account_number) for r in got] == expected


@pytest.mark.parametrize("account", ["12345", "12345678901", "", "1234567a"])
def test_other_lengths_have_no_reading(account: str) -> None:
    with pytest.raises(ValueError):
        modulus.readings("200000", account)


@pytest.mark.parametrize(
    ("sort_code", "account", "result", "rule"),
    [
        # 00123455: g + h = 5 + 5 = 10 passes; 01234555 likewise; 12345678: 7 + 8 fails
        ("200000", "123455", VALID, ""),
        ("200000", "1234555", VALID, ""),
        ("200000", "12345678", INVALID, ""),
        # checked as 300005 / 12345675: z + h = 5 + 5 = 10 passes; as 300000 it would
        # not be checked (no row), so VALID shows the sort code was changed
        ("300000", "512345675", VALID, "Santander"),
        ("300000", "512345674", INVALID, "Santander"),  # 5 + 4 = 9 fails
        ("300000", "412345675", NOT_CHECKED, "Santander"),  # 300004 is in no row
    ],
)
def test_check_any_of_6_to_9_digits(
    sort_code: str, account: str, result: CheckResult, rule: str
) -> None:
    got = modulus.check_any(sort_code, account, LENGTHS)
    assert got.result is result
    assert (rule in got.rule) if rule else got.rule == ""


BOTH = "10 digits, bank not known from the sort code: checked as " + FIRST + " and as " + LAST


@pytest.mark.parametrize(
    ("account", "result", "rule"),
    [
        # first 12345678: 7 + 8 = 15 fails; last 34567891: 9 + 1 = 10 passes (NatWest)
        ("1234567891", VALID, f"{BOTH}; passed as {LAST}"),
        # first 12345646: 4 + 6 = 10 passes (Co-op); last 34564611: 1 + 1 = 2 fails
        ("1234564611", VALID, f"{BOTH}; passed as {FIRST}"),
        # first 12345646 passes; last 34564655: 5 + 5 = 10 passes
        ("1234564655", VALID, f"{BOTH}; passed as {FIRST} and as {LAST}"),
        # first 7 + 8 fails; last 34567811: 1 + 1 fails
        (
            "1234567811",
            INVALID,
            "10 digits, bank not known from the sort code: read as " + FIRST + " and as " + LAST,
        ),
    ],
)
def test_ten_digits_pass_when_either_reading_passes(
    account: str, result: CheckResult, rule: str
) -> None:
    got = modulus.check_any("200000", account, LENGTHS)
    assert (got.result, got.rule) == (result, rule)


def test_ten_digits_on_a_sort_code_no_row_covers_are_not_checked() -> None:
    assert modulus.check_any("900000", "1234567891", LENGTHS).result is NOT_CHECKED
