"""Duplicate matching: each way a family gets registered twice, and what must not match."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from caseworker.domain.duplicates import (
    THRESHOLD,
    Person,
    Profile,
    compare,
    find_pairs,
    phone_key,
    profile_from_fields,
    rank,
)

DOB = date(1985, 3, 12)


def existing(
    first: str,
    surname: str,
    dob: date | None = DOB,
    postcode: str = "SE15 4QF",
    phone: str = "",
    email: str = "",
    others: tuple[Person, ...] = (),
) -> Profile:
    return Profile(
        (Person(first, surname, dob), *others),
        postcode,
        phone,
        email,
        uuid.uuid4(),
        f"JS01-{uuid.uuid4().int % 100_000:05d}",
    )


def typed(**fields: str) -> Profile:
    return profile_from_fields(fields)


@pytest.mark.parametrize(
    ("first", "surname", "reason"),
    [
        ("Zoe", "Smtih", "letters swapped"),
        ("Zoe", "Smyth", "one letter different"),
        ("Zoe", "O'Brien-Smith", "hyphenated or changed surname"),
        ("Zoë", "SMITH", "accents or punctuation aside"),
        ("Smith", "Zoe", "first name and surname swapped"),
    ],
)
def test_same_birth_date_with_a_near_name_matches_at_a_new_postcode(
    first: str, surname: str, reason: str
) -> None:
    old = existing("Zoe", "Smith")
    found = compare(
        typed(first_name=first, surname=surname, date_of_birth="12/03/1985", postcode="N1 9GU"),
        old,
    )
    assert found is not None
    score, reasons = found
    assert score >= THRESHOLD
    assert "same date of birth (12/03/1985)" in reasons
    assert any(reason in r for r in reasons), reasons
    assert not any("postcode" in r for r in reasons)


def test_accents_fold_so_nguyen_matches_nguyen_with_diacritics() -> None:
    found = compare(
        typed(first_name="Thi", surname="Nguyen", date_of_birth="12/03/1985"),
        existing("Thị", "Nguyễn"),
    )
    assert found is not None
    assert any(r.startswith("same surname (Nguyen and Nguyễn") for r in found[1])


def test_typing_surname_and_birth_date_is_enough_before_the_first_name() -> None:
    found = compare(typed(surname="Smith", date_of_birth="1985-03-12"), existing("Zoe", "Smith"))
    assert found is not None and found[0] >= THRESHOLD


def test_same_postcode_with_a_similar_first_name_matches() -> None:
    found = compare(
        typed(first_name="Jon", surname="Adeyemi", postcode="se154qf"),
        existing("John", "Adeyem", dob=None),
    )
    assert found is not None
    assert "same postcode (SE15 4QF)" in found[1]
    assert any(r.startswith("similar first name (Jon and John") for r in found[1])


def test_same_phone_or_email_with_the_same_first_name_matches() -> None:
    old = existing("Amara", "Okafor", dob=None, postcode="N1 9GU", phone="07700 900123")
    old_mail = existing("Amara", "Okafor", dob=None, postcode="N1 9GU", email="a.ok@example.org")
    by_phone = compare(typed(first_name="Amara", surname="Obi", phone="+44 7700 900123"), old)
    by_mail = compare(typed(first_name="Amara", email=" A.OK@example.org "), old_mail)
    assert by_phone is not None and "same phone number" in by_phone[1]
    assert by_mail is not None and "same email address" in by_mail[1]


def test_a_partner_in_another_household_matches_and_says_so() -> None:
    old = existing("Sam", "Patel", dob=date(1970, 1, 1), others=(Person("Zoe", "Smith", DOB),))
    found = compare(typed(first_name="Zoe", surname="Smith", date_of_birth="12/03/1985"), old)
    assert found is not None
    assert "matches member Zoe Smith" in found[1]


@pytest.mark.parametrize(
    ("fields", "old"),
    [
        # A common surname and first name, nothing else agreeing: namesakes, not duplicates.
        (
            {"first_name": "John", "surname": "Smith", "date_of_birth": "01/01/1990"},
            existing("John", "Smith", dob=date(1971, 6, 2), postcode="N1 9GU"),
        ),
        # Same postcode, same surname, but different birth dates: a family, two people.
        (
            {
                "first_name": "John",
                "surname": "Smith",
                "date_of_birth": "01/01/1990",
                "postcode": "SE15 4QF",
            },
            existing("Mary", "Smith", dob=date(1992, 5, 5)),
        ),
        # Twins: same birth date and surname, different first names.
        (
            {"first_name": "Oliver", "surname": "Smith", "date_of_birth": "12/03/1985"},
            existing("Harriet", "Smith", postcode="N1 9GU"),
        ),
        # Same birth date and first name, unrelated surname, nothing else: coincidence.
        (
            {"first_name": "Zoe", "surname": "Kowalczyk", "date_of_birth": "12/03/1985"},
            existing("Zoe", "Smith", postcode="N1 9GU"),
        ),
        # A short surname one letter away is a different name, not a typo.
        (
            {"first_name": "Ann", "surname": "Lea", "date_of_birth": "12/03/1985"},
            existing("Kim", "Lee", postcode="N1 9GU"),
        ),
        # Names alone, however close, with no birth date, postcode, phone or email.
        ({"first_name": "Zoe", "surname": "Smith"}, existing("Zoe", "Smith")),
    ],
)
def test_not_a_duplicate(fields: dict[str, str], old: Profile) -> None:
    assert compare(profile_from_fields(fields), old) is None


def test_half_typed_birth_date_and_postcode_are_ignored() -> None:
    profile = typed(surname="Smith", date_of_birth="12/03/19", postcode="SE15 4")
    assert profile.people[0].date_of_birth is None
    assert profile.postcode == ""
    assert compare(profile, existing("Zoe", "Smith")) is None


def test_rank_puts_the_closest_first_and_limits() -> None:
    exact = existing("Zoe", "Smith")
    typo = existing("Zoe", "Smyth", postcode="N1 9GU")
    others = [existing("Zoe", "Smith", dob=date(1960, 1, 1), postcode="E1 6AN") for _ in range(5)]
    found = rank(
        typed(first_name="Zoe", surname="Smith", date_of_birth="12/03/1985", postcode="SE15 4QF"),
        [typo, *others, exact],
    )
    assert [m.household_id for m in found] == [exact.household_id, typo.household_id]
    assert found[0].score > found[1].score
    assert found[0].why.startswith("Same date of birth (12/03/1985); same surname (Smith)")
    assert len(rank(typed(surname="Smith", date_of_birth="12/03/1985"), [exact, typo], 1)) == 1


def test_phone_key_treats_plus_44_as_zero_and_ignores_short_numbers() -> None:
    assert phone_key("+44 (0)7700 900123") != ""  # the (0) is kept but still comparable
    assert phone_key("+44 7700 900123") == phone_key("07700-900-123") == "07700900123"
    assert phone_key("999") == ""


def test_find_pairs_reports_each_pair_once_in_id_order() -> None:
    a = existing("Zoe", "Smith", phone="07700 900123")
    b = existing("Zoe", "Smtih", phone="07700900123")
    c = existing("Priya", "Shah", dob=date(1990, 2, 2), postcode="E1 6AN")
    pairs = find_pairs([a, b, c])
    assert len(pairs) == 1
    pair = pairs[0]
    assert pair.first < pair.second
    assert {pair.first, pair.second} == {a.household_id, b.household_id}
    assert "same phone number" in pair.reasons and "same postcode (SE15 4QF)" in pair.reasons
