"""The strict facts reader: each hostile input of issue 19 refused with its exact message."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from caseworker.domain.rules import RuleSet, evaluate
from caseworker.domain.rules.reader import FactsRefused, read_facts, sources

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE: dict[str, Any] = json.loads((ROOT / "docs" / "examples" / "facts.json").read_text())
DELETE = object()
ID_A = "00000000-0000-4000-8000-00000000000a"


def edited(*changes: tuple[tuple[str | int, ...], Any]) -> str:
    """The example facts (visit 2026-10-12; Ann Okafor, lead; Mia Okafor, child) edited."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes:
        place = data
        for key in path[:-1]:
            place = place[key]
        if value is DELETE:
            del place[path[-1]]
        else:
            place[path[-1]] = value
    return json.dumps(data)


def refusal(text: str | bytes, rules: RuleSet) -> list[str]:
    with pytest.raises(FactsRefused) as caught:
        read_facts(text.encode() if isinstance(text, str) else text, rules)
    return caught.value.problems


MIA = ("household", "members", 1)
ANN = ("household", "members", 0)
PENCE = "expected a whole number of pence (no quotes), such as 120000 for £1,200.00"
DATE = "expected a date written as YYYY-MM-DD, such as 2026-06-15"
SCORE = "expected a score from 0 to 3 (no quotes), or null if not scored"
HUGE = "1000000000000000000000000000000 pence is more than the most accepted, £1,000,000.00"
TENURES = (
    'expected one of "owner_mortgage", "owner_outright", "private_renter", "social_renter", '
    '"homeless", "temporary_accommodation", "living_with_family"'
)

HOSTILE: list[tuple[str, str, str]] = [
    (
        "yes read as true",
        edited((("visit", "no_money_for_food_or_fuel"), "yes")),
        "No money for food or fuel (no_money_for_food_or_fuel): expected true or false "
        '(without quotes); got "yes" (text in quotes)',
    ),
    (
        "1200 in quotes read as 1200",
        edited((("household", "savings_pence"), "1200")),
        f'Savings (savings_pence): {PENCE}; got "1200" (text in quotes)',
    ),
    (
        "true savings read as 1p",
        edited((("household", "savings_pence"), True)),
        f"Savings (savings_pence): {PENCE}; got true",
    ),
    (
        "pence with a fraction",
        edited((("household", "savings_pence"), 1200.5)),
        f"Savings (savings_pence): {PENCE}; got 1200.5",
    ),
    (
        "duplicate key, the last silently winning",
        '{"household": {"savings_pence": 1, "savings_pence": 2}, "visit": {}}',
        'Savings ("savings_pence") is given twice in one place; keep one value',
    ),
    (
        "10^30 pence of savings",
        edited((("household", "savings_pence"), 10**30)),
        f"Savings (savings_pence): {HUGE} (100000000 pence); check for extra zeros",
    ),
    (
        "10^30 pence of arrears",
        edited((("household", "rent_arrears_pence"), 10**30)),
        f"Rent arrears (rent_arrears_pence): {HUGE} (100000000 pence); check for extra zeros",
    ),
    (
        "10^30 pence of allowance in the file",
        edited((("allowance_left_pence",), 10**30)),
        f"Officer's offline allowance left (allowance_left_pence): {HUGE} (100000000 pence); "
        "check for extra zeros",
    ),
    (
        "a prior award of true",
        edited((("prior_awards", 0, "amount_pence"), True)),
        f"Award 1 in the last year: Amount (amount_pence): {PENCE}; got true",
    ),
    (
        "date of birth centuries before",
        edited(((*MIA, "date_of_birth"), "1890-01-01")),
        "Member 2 (Mia Okafor): Date of birth (date_of_birth): must be in 1900 or later; "
        "check the year",
    ),
    (
        "date of birth over 120 years before the visit",
        edited(((*MIA, "date_of_birth"), "1901-01-01")),
        "Member 2 (Mia Okafor): Date of birth (date_of_birth): 1901-01-01 is 120 or more "
        "years before the visit date (2026-10-12); check the year",
    ),
    (
        "born after the visit (age -1)",
        edited(((*MIA, "date_of_birth"), "2027-01-01")),
        "Member 2 (Mia Okafor): Date of birth (date_of_birth): 2027-01-01 is after the "
        "visit date (2026-10-12); check the year",
    ),
    (
        "date of birth centuries after",
        edited(((*MIA, "date_of_birth"), "2500-01-01")),
        "Member 2 (Mia Okafor): Date of birth (date_of_birth): 2500-01-01 is after the "
        "visit date (2026-10-12); check the year",
    ),
    (
        "a date as a number (read as 1970)",
        edited(((*MIA, "date_of_birth"), 0)),
        f"Member 2 (Mia Okafor): Date of birth (date_of_birth): {DATE}; got 0",
    ),
    (
        "a date written day first",
        edited(((*MIA, "date_of_birth"), "03/02/2016")),
        f'Member 2 (Mia Okafor): Date of birth (date_of_birth): {DATE}; got "03/02/2016" '
        "(text in quotes)",
    ),
    (
        "visit centuries after the version in force",
        edited((("visit", "visit_date"), "2300-10-12")),
        "Visit date (visit_date): 2300-10-12 is more than 1096 days after policy version "
        "2026-10 came into force (2026-10-01); check the year",
    ),
    (
        "visit centuries before any version",
        edited((("visit", "visit_date"), "1726-10-12")),
        "Visit date (visit_date): no rules are in force on 1726-10-12: the first version "
        "(2026-04) starts on 2026-04-01",
    ),
    (
        "earnings fell after the visit",
        edited(((*ANN, "earnings_fell_on"), "2026-11-01")),
        "Member 1 (Ann Okafor): Date earnings fell (earnings_fell_on): 2026-11-01 is later "
        "than the visit date (the visit date is 2026-10-12); check the year",
    ),
    (
        "hearing ten years after the visit",
        edited((("visit", "hearing_date"), "2036-11-01")),
        "Possession or eviction hearing (hearing_date): 2036-11-01 is later than 366 days "
        "after the visit (the visit date is 2026-10-12); check the year",
    ),
    (
        "two members with one id",
        edited(((*ANN, "id"), ID_A), ((*MIA, "id"), ID_A)),
        f"Member 2 (Mia Okafor): id ({ID_A}) is also the id of Member 1 (Ann Okafor); "
        "each member needs their own id",
    ),
    (
        "no members at all",
        edited((("household", "members"), [])),
        "Members (members): none given; a household has at least one member, the lead contact",
    ),
    (
        "a 10-year-old lead contact",
        edited(((*ANN, "date_of_birth"), "2016-05-14")),
        "Member 1 (Ann Okafor): the lead contact must be an adult (18 or over on the visit "
        "date, policy part 2), and is 10",
    ),
    (
        "two lead contacts",
        edited(((*MIA, "relationship"), "lead_contact")),
        "Members (members): exactly one member must be the lead contact",
    ),
    (
        "a score in quotes",
        edited((("visit", "capitals", "financial"), "3")),
        f'Four capitals (capitals): Financial capital (financial): {SCORE}; got "3" '
        "(text in quotes)",
    ),
    (
        "a score of true",
        edited((("visit", "capitals", "financial"), True)),
        f"Four capitals (capitals): Financial capital (financial): {SCORE}; got true",
    ),
    (
        "a score above 3",
        edited((("visit", "capitals", "financial"), 4)),
        "Four capitals (capitals): Financial capital (financial): must be at most 3; got 4",
    ),
    (
        "negative savings",
        edited((("household", "savings_pence"), -1)),
        "Savings (savings_pence): must be 0 or more; got -1",
    ),
    (
        "missing visit date",
        edited((("visit", "visit_date"), DELETE)),
        f"Visit date (visit_date): missing; {DATE}",
    ),
    (
        "an unknown key at the top",
        edited((("extra",), 1)),
        'The facts: unknown field "extra"; expected "household", "visit", "prior_awards", '
        '"allowance_left_pence"',
    ),
    (
        "not an object",
        "[1, 2]",
        'expected one household\'s facts: a JSON object with "household" and "visit"',
    ),
    ("not JSON", '{"household": ', "not valid JSON at line 1, column 15: Expecting value"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_input_is_refused_with_one_plain_line(
    text: str, message: str, rules: RuleSet
) -> None:
    assert refusal(text, rules) == [message]


def test_the_example_is_accepted(rules: RuleSet) -> None:
    facts = read_facts(edited(), rules)
    assert [m.full_name for m in facts.household.members] == ["Ann Okafor", "Mia Okafor"]


def test_a_byte_order_mark_is_accepted(rules: RuleSet) -> None:
    """Windows Notepad saves UTF-8 with a byte-order mark."""
    facts = read_facts(b"\xef\xbb\xbf" + edited().encode(), rules)
    assert facts.household.savings_pence == 120000


def test_a_file_that_is_not_utf8_is_refused(rules: RuleSet) -> None:
    data = edited().replace("Okafor", "Ok\u00e1for").encode("latin-1")
    byte = data.index(b"\xe1") + 1
    assert refusal(data, rules) == [f"the file is not UTF-8 text (byte {byte}); save it as UTF-8"]


def test_a_duplicate_key_deep_inside_is_refused(rules: RuleSet) -> None:
    text = edited().replace(
        '"relationship": "child"', '"relationship": "child", "relationship": "lead_contact"'
    )
    assert refusal(text, rules) == [
        'Relationship ("relationship") is given twice in one place; keep one value'
    ]


def test_members_are_numbered_from_1_with_their_name_or_without(rules: RuleSet) -> None:
    text = edited(((*MIA, "first_name"), ""), ((*MIA, "surname"), ""))
    assert refusal(text, rules) == [
        "Member 2: First name (first_name): must not be empty",
        "Member 2: Surname (surname): must not be empty",
    ]
    assert refusal(edited(((*MIA, "first_name"), "")), rules) == [
        "Member 2 (Okafor): First name (first_name): must not be empty"
    ]


def test_a_misspelt_field_suggests_the_closest(rules: RuleSet) -> None:
    assert refusal(edited((("household", "savings"), 1200)), rules) == [
        'Household: unknown field "savings"; did you mean "savings_pence" (Savings)?'
    ]
    assert refusal(edited(((*MIA, "date_of_brith"), "2016-02-03")), rules) == [
        'Member 2 (Mia Okafor): unknown field "date_of_brith"; '
        'did you mean "date_of_birth" (Date of birth)?'
    ]


def test_a_misspelt_value_or_its_label_suggests_the_closest(rules: RuleSet) -> None:
    assert refusal(edited((("household", "tenure"), "owner_mortage")), rules) == [
        f'Tenure (tenure): {TENURES}; got "owner_mortage" (text in quotes); '
        'did you mean "owner_mortgage"?'
    ]
    assert refusal(edited((("household", "tenure"), "Private renter")), rules) == [
        f'Tenure (tenure): {TENURES}; got "Private renter" (text in quotes); '
        'did you mean "private_renter"?'
    ]


def test_no_message_uses_pydantics_wording(rules: RuleSet) -> None:
    for _name, text, _message in HOSTILE:
        for line in refusal(text, rules):
            assert "Input should" not in line and "Extra inputs" not in line, line


def test_dates_are_checked_against_the_visit_not_the_clock(rules: RuleSet) -> None:
    """The test clock says 2026-11-27; a visit in 2027 for a baby born in 2027 is fine."""
    text = edited(
        (("visit", "visit_date"), "2027-06-15"),
        (("visit", "work_event_date"), "2027-06-20"),
        ((*MIA, "date_of_birth"), "2027-01-02"),
        ((*ANN, "earnings_fell_on"), "2027-05-01"),
    )
    facts = read_facts(text.encode(), rules)
    result = evaluate(facts, rules)
    assert result.policy_version == "2026-10"
    assert facts.household.members[1].date_of_birth is not None


def test_several_problems_are_one_line_each(rules: RuleSet) -> None:
    text = edited((("household", "savings_pence"), "1200"), (("visit", "family_strain"), 1))
    assert refusal(text, rules) == [
        f'Savings (savings_pence): {PENCE}; got "1200" (text in quotes)',
        "Family strain (family_strain): expected true or false (without quotes); got 1",
    ]


def test_json_lines_and_folders_are_split_per_household(tmp_path: Path) -> None:
    lines = tmp_path / "many.jsonl"
    lines.write_text(edited() + "\n\n" + edited() + "\n", encoding="utf-8")
    assert [(s.name, s.line) for s in sources(lines)] == [
        (f"{lines}:1", 1),
        (f"{lines}:3", 3),
    ]
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in ("b.json", "a.json", "notes.txt"):
        (folder / name).write_text(edited(), encoding="utf-8")
    assert [Path(s.name).name for s in sources(folder)] == ["a.json", "b.json"]


ODD_INPUTS = [
    *(text for _, text, _ in HOSTILE),
    edited(),
    "\ufeff" + edited(),
    edited().replace('"relationship": "child"', '"relationship": "child", "relationship": "child"'),
    edited().replace("Okafor", "Ok\\u00e1for"),  # an escape: read by the standard library
    edited((("household", "savings_pence"), 10**19)),  # 20 digits: beyond orjson's integers
    edited((("household", "savings_pence"), float("nan"))),  # NaN: orjson refuses it
    "[" + edited() + "]",
    '"text"',
    "{",
    "",
]


# Made afresh for each reading when the facts give none.
_IDS: Any = {
    "household": {"id": True, "members": {"__all__": {"id"}}},
    "visit": {"id", "household_id"},
}


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_bytes_are_read_as_their_text_is(text: str, rules: RuleSet) -> None:
    """A line of a file (bytes, read without decoding when plain) and the same text give
    the same facts or the same refusal, word for word."""
    outcomes = []
    for given in (text, text.encode()):
        try:
            facts = read_facts(given, rules)
        except FactsRefused as exc:
            outcomes.append(exc.problems)
        else:
            outcomes.append(facts.model_dump(exclude=_IDS))
    assert outcomes[0] == outcomes[1]


def test_a_byte_order_mark_before_a_duplicate_key_is_still_refused(rules: RuleSet) -> None:
    text = edited().replace('"tenure": ', '"tenure": "homeless", "tenure": ', 1)
    assert refusal(b"\xef\xbb\xbf" + text.encode(), rules) == [
        'Tenure ("tenure") is given twice in one place; keep one value'
    ]


def test_members_without_ids_get_their_own(rules: RuleSet) -> None:
    data = edited().encode()  # no ids given
    ids = [m.id for m in read_facts(data, rules).household.members]
    ids += [m.id for m in read_facts(data, rules).household.members]
    assert len(set(ids)) == 4
    assert all(i.version == 4 for i in ids)
