import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseworker.domain.dates import age_on
from caseworker.domain.money import MoneyError, format_pence, parse_pounds
from caseworker.domain.postcode import PostcodeError, normalise_postcode, outward_code
from caseworker.domain.search_terms import household_terms, name_terms, parse_query


@pytest.mark.parametrize(
    ("text", "pence"),
    [("0", 0), ("80", 8000), ("80.5", 8050), ("1,234.50", 123450), ("£12.07", 1207)],
)
def test_parse_pounds(text: str, pence: int) -> None:
    assert parse_pounds(text) == pence


@pytest.mark.parametrize("text", ["-5", "abc", "1.234", "12,34.5.6", ""])
def test_parse_pounds_refuses_bad_amounts(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_pounds(text)


def test_format_pence() -> None:
    assert format_pence(123450) == "£1,234.50"
    assert format_pence(5) == "£0.05"
    assert format_pence(99_999) == "£999.99"
    assert format_pence(100_000) == "£1,000.00"
    assert format_pence(-123_456) == "-£1,234.56"
    # either side of one thousands separator (written from a table) and two
    assert format_pence(100_005) == "£1,000.05"
    assert format_pence(1_203_407) == "£12,034.07"
    assert format_pence(99_999_999) == "£999,999.99"
    assert format_pence(100_000_000) == "£1,000,000.00"


@given(st.integers(-(10**12), 10**12))
def test_format_pence_reads_as_the_plain_format(pence: int) -> None:
    sign, whole = ("-", -pence) if pence < 0 else ("", pence)
    assert format_pence(pence) == f"{sign}£{whole // 100:,}.{whole % 100:02d}"


@pytest.mark.parametrize(
    ("raw", "normal", "outward"),
    [
        ("se15 4qf", "SE15 4QF", "SE15"),
        ("SE14QF", "SE1 4QF", "SE1"),
        ("SW1A1AA", "SW1A 1AA", "SW1A"),
    ],
)
def test_postcodes(raw: str, normal: str, outward: str) -> None:
    assert normalise_postcode(raw) == normal
    assert outward_code(raw) == outward


_POSTCODE_LIKE = st.from_regex(r"\A\s?[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s{0,2}[0-9][A-Za-z]{2}\s?\Z")


@given(st.one_of(_POSTCODE_LIKE, st.text(max_size=10)))
def test_a_postcode_already_normal_is_given_back_as_any_other_is_normalised(raw: str) -> None:
    """The shortcut for a postcode already written the normal way (the stored ones)
    answers as the whole normalisation does: the same text, or the same refusal."""
    compact = "".join(raw.split()).upper()
    if _FULL_POSTCODE.fullmatch(compact):
        assert normalise_postcode(raw) == f"{compact[:-3]} {compact[-3:]}"
    else:
        with pytest.raises(PostcodeError):
            normalise_postcode(raw)


_FULL_POSTCODE = re.compile(r"GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}")


@pytest.mark.parametrize("raw", ["XYZ", "SE15", "12345", "SE15 4QFF", ""])
def test_malformed_postcodes(raw: str) -> None:
    with pytest.raises(PostcodeError):
        normalise_postcode(raw)


def test_birthday_on_the_day_counts() -> None:
    assert age_on(date(2008, 10, 1), date(2026, 10, 1)) == 18
    assert age_on(date(2008, 10, 2), date(2026, 10, 1)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_name_terms_fold_accents_and_joiners() -> None:
    assert {"obriensmith", "obrien", "smith"} <= name_terms("O'Brien-Smith")
    assert "zoe" in name_terms("Zoë")
    assert "nguyen" in name_terms("Nguyễn")
    assert "김민준" in name_terms("김민준")


def test_query_matches_terms_by_prefix() -> None:
    terms = household_terms("JS01-00001", "SE15 4QF", [("Zoë", "O'Brien", date(1985, 3, 12))])
    for query in ["zo", "OBRI", "o'brien", "se15 4qf", "12/03/1985", "js01-0000"]:
        for rng in parse_query(query):
            assert any(
                (t == rng.lo) if rng.hi is None else (rng.lo <= t < rng.hi) for t in terms
            ), query
