"""The named facts that rule conditions refer to, derived from FACTS.json.

Policy part 2 (ages, NEET, work income drop, workless, out-of-work benefits,
borough) is implemented here in Python, once, with its thresholds taken from
the version in force. Rule files can only name these facts; they cannot
compute anything themselves, which is what keeps them safe to hand to a
council.

Values are three-valued so that the engine never guesses: a fact is known, or
unknown because something was not recorded (``Derived.missing`` says what). A
numeric fact is an interval ``(lowest, highest)`` with ``highest`` ``None``
when unbounded, so a sum with an unrecorded part is still decided when the
recorded parts already settle the question. ``None`` for a numeric fact means
"does not apply" (no hearing, no stated cost), which fails every comparison.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from caseworker.domain.assessment import CAPITALS
from caseworker.domain.household import Benefit, IncomeDropReason, Member, Tenure, WorkStatus
from caseworker.domain.money import format_pence
from caseworker.domain.rules.facts import Facts
from caseworker.domain.rules.model import Definitions
from caseworker.domain.visit import WorkEvent

Tri = bool | None
Num = tuple[int, int | None]
FactValue = bool | str | Num | None
UNKNOWN: Num = (0, None)

_OUT_OF_WORK = frozenset(
    {Benefit.JOBSEEKERS_ALLOWANCE, Benefit.EMPLOYMENT_SUPPORT_ALLOWANCE, Benefit.INCOME_SUPPORT}
)
_LOST_CONTRACT = IncomeDropReason.LOST_CONTRACT
_SELF_EMPLOYED = WorkStatus.SELF_EMPLOYED
_EMPLOYED = WorkStatus.EMPLOYED
_UNEMPLOYED = WorkStatus.UNEMPLOYED
_STATUTORY_CRISIS = frozenset({Tenure.HOMELESS, Tenure.TEMPORARY_ACCOMMODATION})
_EVENT_NAMES = {
    WorkEvent.JOB_START: "job start",
    WorkEvent.INTERVIEW: "job interview",
    WorkEvent.HOURS_RESTORED: "hours restored",
}


class Kind(StrEnum):
    BOOL = "bool"
    MONEY = "money"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Missing:
    """A recorded field the decision needs; ``field`` is the model path for the UI."""

    field: str
    label: str
    member_id: str | None = None


@dataclass(frozen=True, slots=True)
class FactSpec:
    """What a fact is called in rule files and how it reads in an explanation."""

    name: str
    kind: Kind
    label: str
    yes: str = ""
    no: str = ""
    describe: Callable[[Derived, str], str] | None = None


class Derived:
    """The named facts of one evaluation (values, what is missing, who made them true)."""

    # :func:`derive` sets each field as ``__init__`` does (a field added here goes there too).
    __slots__ = ("detail", "facts", "missing", "people", "texts", "values", "visit_date")

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.visit_date = facts.visit.visit_date
        self.values: dict[str, FactValue] = {}
        self.missing: dict[str, tuple[Missing, ...]] = {}
        self.detail: dict[str, Any] = {}
        self.texts: dict[str, str] = {}  # explanations of facts, made once per evaluation
        self.people: list[_Person] = []

    def number(self, name: str) -> Num:
        """A numeric fact's interval (unknown when absent); callers know the fact is numeric."""
        value: Any = self.values.get(name)  # not typing.cast: a call on every look-up
        return value if value is not None else UNKNOWN


def missing_labels(missing: Iterable[Missing]) -> str:
    """ "savings, tenure not recorded"."""
    return ", ".join(dict.fromkeys(m.label for m in missing)) + " not recorded"


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(value: date) -> str:
    """ "1 May 2026" (not strftime: that follows the machine's locale and is slower)."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def days_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's end (31 Mar - 1 -> 28 Feb)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


_months_before = functools.lru_cache(maxsize=4096)(months_before)  # a visit date repeats


def not3(value: Tri) -> Tri:
    return None if value is None else not value


class _Person:
    """One member's part-2 definitions on the visit date, each three-valued."""

    # The member facts are kept in ``row`` only (in _MEMBER_FACTS order, read by index);
    # ``adult``, ``neet`` and ``age`` are also read by name. ``_missing`` is set when
    # first asked for (most members have every field recorded).
    # Made by :func:`_person`.
    __slots__ = ("_missing", "adult", "age", "member", "neet", "row", "status")
    _missing: tuple[tuple[Missing, ...], tuple[Missing, ...]]
    member: Member
    age: int | None
    adult: Tri
    status: WorkStatus | None
    neet: Tri
    row: tuple[Tri, Tri, Tri, Tri, Tri]

    # The other member facts by name, from ``row`` (for tests and readers by name).
    adult_drop = property(lambda self: self.row[0])
    self_employed_drop = property(lambda self: self.row[2])
    unemployed_or_reduced = property(lambda self: self.row[3])
    adult_working = property(lambda self: self.row[4])

    @property
    def name(self) -> str:
        member = self.member  # Member.full_name, written out (one call fewer per phrase)
        return f"{member.first_name} {member.surname}"

    def missing(self, uses_status: bool) -> tuple[Missing, ...]:
        """The member's unrecorded fields that leave a fact about them undecided."""
        try:
            dob, status = self._missing
        except AttributeError:  # not asked for before
            dob, status = self._missing = self._find_missing()
        return dob + status if uses_status else dob

    def _find_missing(self) -> tuple[tuple[Missing, ...], tuple[Missing, ...]]:
        member_id = str(self.member.id)
        dob: tuple[Missing, ...] = ()
        status: tuple[Missing, ...] = ()
        member_id = str(self.member.id)
        if self.age is None:
            dob = (Missing("member.date_of_birth", f"{self.name}'s date of birth", member_id),)
        if self.status is None:
            status = (Missing("member.work_status", f"{self.name}'s work status", member_id),)
        return dob, status


_new: Any = object.__new__


def _person(
    member: Member, on: date, adult_age: int, young_min: int, young_max: int, drop_from: date
) -> _Person:
    """One member's :class:`_Person` on the visit date (a plain call: no ``__init__`` to
    reach through the class, for every member of every visit). ``adult_age``,
    ``young_min``, ``young_max``: the adult age and the young person's lowest and highest
    (Definitions); ``drop_from``: the first day of a work income drop that counts."""
    # Kleene "and" written out in locals.
    person: _Person = _new(_Person)
    person.member = member
    dob = member.date_of_birth
    if dob is None:
        age = None
        adult: Tri = None
    else:  # dates.age_on, written out (a birthday on the visit date counts)
        age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
        adult = age >= adult_age
    person.age = age
    person.adult = adult
    status = person.status = member.work_status
    # Employed or self-employed, by identity (an enum's hash is a Python call).
    working: Tri = None if status is None else (status is _EMPLOYED or status is _SELF_EMPLOYED)
    adult_working: Tri
    if adult is False or working is False:
        adult_working = False
    else:
        adult_working = None if adult is None or working is None else True
    neet: Tri
    if member.in_education_or_training or working:
        neet = False
    elif age is None or working is None:
        in_range = age is None or young_min <= age <= young_max
        neet = None if in_range else False
    else:
        neet = young_min <= age <= young_max
    fell = member.earnings_fell_on
    drop = fell is not None and drop_from <= fell <= on
    adult_drop: Tri = adult if drop else False
    self_employed_drop: Tri
    if not drop:
        self_employed_drop = False
    elif member.earnings_fall_reason is _LOST_CONTRACT:
        self_employed_drop = adult
    elif adult is False or status is None:
        self_employed_drop = False if adult is False else None
    else:
        self_employed = status is _SELF_EMPLOYED
        self_employed_drop = (None if adult is None else True) if self_employed else False
    unemployed_or_reduced: Tri
    if member.reduced_hours or status is _UNEMPLOYED:
        unemployed_or_reduced = adult
    else:
        unemployed_or_reduced = None if status is None else False
    person.neet = neet
    person.row = (adult_drop, neet, self_employed_drop, unemployed_or_reduced, adult_working)
    return person


_MEMBER_FACTS = (
    # (fact, _Person attribute, whether an unknown result can be due to the work status)
    ("adult_work_income_drop", "adult_drop", False),
    ("neet_young_person", "neet", True),
    ("self_employed_income_drop", "self_employed_drop", True),
    ("adult_unemployed_or_reduced_hours", "unemployed_or_reduced", True),
    ("adult_in_work", "adult_working", True),
)

_MEMBER_FACTS_AT = tuple((i, name, uses) for i, (name, _, uses) in enumerate(_MEMBER_FACTS))


def _any_person(
    d: Derived, name: str, people: Iterable[_Person], attribute: str, uses_status: bool
) -> Tri:
    """Record whether any person's ``attribute`` holds (Kleene "or"); the first is the witness."""
    unknown: list[Missing] = []
    for p in people:
        result = getattr(p, attribute)
        if result:
            d.values[name] = True
            d.detail[name] = p
            return True
        if result is None:
            unknown.extend(p.missing(uses_status))
    if unknown:
        d.values[name] = None
        d.missing[name] = tuple(unknown)
        return None
    d.values[name] = False
    return False


# The recorded parts each money fact sums: (household field, label), in order.
# ``Derived.detail[fact]`` holds their pence (None when not recorded) in the same
# order: the explanation's table key as it is, one tuple made per fact.
_RENT = ("rent_arrears_pence", "rent arrears")
_MORTGAGE = ("mortgage_arrears_pence", "mortgage arrears")
_UTILITY = ("utility_arrears_pence", "utility arrears")
PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "savings": (("savings_pence", "savings"),),
    "utility_arrears": (_UTILITY,),
    "rent_and_mortgage_arrears": (_RENT, _MORTGAGE),
    "arrears_and_debts": (
        _RENT,
        _MORTGAGE,
        _UTILITY,
        ("council_tax_arrears_pence", "council tax arrears"),
        ("other_debts_pence", "other debts"),
    ),
}
_PART_LABELS = {name: tuple(label for _, label in parts) for name, parts in PARTS.items()}


def _amount(d: Derived, name: str, pences: tuple[int | None, ...]) -> None:
    """A money fact summed from its recorded parts' pence (None: not recorded; PARTS)."""
    low = 0
    gaps: list[Missing] = []
    for (field, label), pence in zip(PARTS[name], pences, strict=True):
        if pence is None:
            gaps.append(Missing(f"household.{field}", label))
        else:
            low += pence
    d.values[name] = (low, None if gaps else low)
    d.detail[name] = pences
    if gaps:
        d.missing[name] = tuple(gaps)


_SCORE_FACTS = tuple(
    (c, f"{c}_score", (Missing(f"visit.capitals.{c}", f"{c} score"),)) for c in CAPITALS
)  # (capital, fact, what is missing when it is not scored): made once
_TENURE_GAP = (Missing("household.tenure", "tenure"),)
_BENEFITS_GAP = (Missing("household.benefits", "benefits claimed"),)


# Facts that the default policy only reads for award items (part 5); they are
# derived only once a household is found eligible, unless a council's rules
# read them elsewhere (see compile.Segment.item_facts_early).
ITEM_FACTS = frozenset(
    {
        "work_event_days_away",
        "getting_to_work_cost",
        "tools_cost",
        "course_fee",
        "childcare_cost",
        "work_person_adult",
        "course_person_adult",
        "course_person_neet",
        "youngest_member_age",
    }
)


def derive(facts: Facts, defs: Definitions, *, item_facts: bool = True) -> Derived:
    """Compute the named facts for ``facts`` under the definitions in force.

    With ``item_facts`` false, the :data:`ITEM_FACTS` are left for
    :func:`derive_item_facts`.
    """
    # Derived(facts), written out: no __init__ reached through the class
    d: Derived = _new(Derived)
    household, visit = facts.household, facts.visit
    d.facts = facts
    d.visit_date = on = visit.visit_date
    values: dict[str, FactValue] = {}
    missing: dict[str, tuple[Missing, ...]] = {}
    detail: dict[str, Any] = {}
    d.values, d.missing, d.detail, d.texts = values, missing, detail, {}

    capitals = visit.capitals
    scores = (capitals.financial, capitals.mental, capitals.social, capitals.human)
    financial, mental, social, human = scores
    if financial is None or mental is None or social is None or human is None:
        for (_, name, gap), score in zip(_SCORE_FACTS, scores, strict=True):
            if score is None:
                values[name] = UNKNOWN
                missing[name] = gap
            else:
                values[name] = (score, score)
    else:  # every capital scored: written out (CAPITALS order, as _SCORE_FACTS)
        values["financial_score"] = (financial, financial)
        values["mental_score"] = (mental, mental)
        values["social_score"] = (social, social)
        values["human_score"] = (human, human)

    # The Household model keeps its postcode normalised ("SE15 4QF"), so the outward
    # code is the part before the space (caseworker.domain.postcode.outward_code
    # would normalise it again, on every evaluation).
    values["postcode_district"] = household.postcode.partition(" ")[0]

    h = household
    savings = h.savings_pence
    utility = h.utility_arrears_pence
    rent = h.rent_arrears_pence
    mortgage = h.mortgage_arrears_pence
    council = h.council_tax_arrears_pence
    other = h.other_debts_pence
    # _amount, written out for the usual case of every part recorded
    if savings is None or utility is None or rent is None or mortgage is None:
        _amount(d, "savings", (savings,))
        _amount(d, "utility_arrears", (utility,))
        _amount(d, "rent_and_mortgage_arrears", (rent, mortgage))
    else:
        values["savings"] = (savings, savings)
        detail["savings"] = (savings,)
        values["utility_arrears"] = (utility, utility)
        detail["utility_arrears"] = (utility,)
        both = rent + mortgage
        values["rent_and_mortgage_arrears"] = (both, both)
        detail["rent_and_mortgage_arrears"] = (rent, mortgage)
    everything = (rent, mortgage, utility, council, other)
    if rent is None or mortgage is None or utility is None or council is None or other is None:
        _amount(d, "arrears_and_debts", everything)
    else:  # _amount, written out for every part recorded
        total = rent + mortgage + utility + council + other
        values["arrears_and_debts"] = (total, total)
        detail["arrears_and_debts"] = everything

    tenure = household.tenure
    if tenure is None:
        values["homeless_or_temporary_accommodation"] = None
        missing["homeless_or_temporary_accommodation"] = _TENURE_GAP
    else:
        values["homeless_or_temporary_accommodation"] = tenure in _STATUTORY_CRISIS

    drop_from = _months_before(on, defs.income_drop_months)
    adult_age, young_min, young_max = (
        defs.adult_age,
        defs.young_person_min_age,
        defs.young_person_max_age,
    )
    people: list[_Person] = []
    rows = []
    for m in household.members:
        p = _person(m, on, adult_age, young_min, young_max, drop_from)
        people.append(p)
        rows.append(p.row)
    d.people = people  # the last of Derived's fields
    # _any_person, written out: a member fact's column (its value for each member, in
    # order) holds True for the first member who makes it true (the witness), else
    # None when a member's is unknown (what is missing: theirs, in order), else False.
    columns = zip(*rows, strict=True)  # none for a household with no members
    for (_, name, uses_status), column in zip(_MEMBER_FACTS_AT, columns, strict=False):
        if True in column:
            values[name] = True
            detail[name] = people[column.index(True)]
        elif None in column:
            values[name] = None
            missing[name] = tuple(
                [
                    gap
                    for p, result in zip(people, column, strict=True)
                    if result is None
                    for gap in p.missing(uses_status)
                ]
            )
        else:
            values[name] = False
    if not people:
        for _, name, _ in _MEMBER_FACTS_AT:
            values[name] = False
    in_work = values["adult_in_work"]
    workless = None if in_work is None else not in_work
    values["workless_household"] = workless
    if workless is None:
        missing["workless_household"] = missing["adult_in_work"]

    benefits = household.benefits
    if benefits is None:
        values["benefits_claimed"] = values["out_of_work_benefits"] = None
        missing["benefits_claimed"] = missing["out_of_work_benefits"] = _BENEFITS_GAP
    else:
        values["benefits_claimed"] = bool(benefits)
        detail["benefits_claimed"] = benefits
        if not _OUT_OF_WORK.isdisjoint(benefits):
            values["out_of_work_benefits"] = True
        elif Benefit.UNIVERSAL_CREDIT in benefits:
            values["out_of_work_benefits"] = workless
            if workless is None:
                missing["out_of_work_benefits"] = missing["adult_in_work"]
        else:
            values["out_of_work_benefits"] = False
        detail["out_of_work_benefits"] = benefits

    values["no_money_for_food_or_fuel"] = visit.no_money_for_food_or_fuel
    values["unfamiliar_with_benefits"] = visit.unfamiliar_with_benefits
    values["family_strain"] = visit.family_strain
    values["substance_use_reported"] = visit.substance_use

    hearing = visit.hearing_date
    if hearing is not None:
        days = (hearing - on).days
        values["hearing_days_away"] = (days, days)
        detail["hearing_days_away"] = hearing
    if item_facts:
        derive_item_facts(d)
    return d


def derive_item_facts(d: Derived) -> None:
    """The facts award items read: the work event, stated costs, who they are for."""
    visit = d.facts.visit
    values = d.values
    on = d.visit_date
    people = d.people
    if visit.work_event is not None:
        d.detail["work_event_days_away"] = visit.work_event
        if visit.work_event_date is None:
            values["work_event_days_away"] = UNKNOWN
            d.missing["work_event_days_away"] = (
                Missing("visit.work_event_date", "date of the job, interview or hours"),
            )
        else:
            days = (visit.work_event_date - on).days
            values["work_event_days_away"] = (days, days)
    for name, pence in (
        ("getting_to_work_cost", visit.getting_to_work_cost_pence),
        ("tools_cost", visit.tools_cost_pence),
        ("course_fee", visit.course_fee_pence),
        ("childcare_cost", visit.childcare_cost_pence),
    ):
        if pence is not None:
            values[name] = (pence, pence)

    _named_person(d, "work_person_adult", people, visit.work_member_id, "adult", False)
    _named_person(d, "course_person_adult", people, visit.course_member_id, "adult", False)
    _named_person(d, "course_person_neet", people, visit.course_member_id, "neet", True)

    _youngest(d, people)


def _named_person(
    d: Derived,
    name: str,
    people: list[_Person],
    member_id: object,
    attribute: str,
    uses_status: bool,
) -> None:
    """The named member's ``attribute`` holds; with nobody named, any member's may."""
    chosen = [p for p in people if p.member.id == member_id] if member_id is not None else people
    _any_person(d, name, chosen, attribute, uses_status)


def _youngest(d: Derived, people: list[_Person]) -> None:
    if not people:
        return
    known = [p for p in people if p.age is not None]
    youngest = min(known, key=lambda p: p.age or 0) if known else None
    gaps = tuple(m for p in people if p.age is None for m in p.missing(False))
    high = youngest.age if youngest is not None else None
    d.values["youngest_member_age"] = (0, high) if gaps else (high or 0, high)
    d.detail["youngest_member_age"] = youngest
    if gaps:
        d.missing["youngest_member_age"] = gaps


# --- how facts read in explanations -------------------------------------------------


def format_value(kind: Kind, value: int) -> str:
    return format_pence(value) if kind is Kind.MONEY else str(value)


def _describe_parts(d: Derived, name: str) -> str:
    """A money fact with its recorded parts: "mortgage arrears £1,240.00"."""
    pences: tuple[int | None, ...] = d.detail[name]  # in PARTS order
    value: Any = d.values.get(name)  # Derived.number, written out
    low, high = value if value is not None else UNKNOWN
    # Each recorded part that is not nil, as it reads ("rent arrears £934.91").
    shown = [
        f"{label} {format_pence(pence)}"
        for label, pence in zip(_PART_LABELS[name], pences)  # noqa: B905 - PARTS order
        if pence
    ]
    if high is not None and len(shown) == 1:
        return shown[0]
    label = FACTS[name].label
    text = (
        f"{label} {format_pence(low)}"
        if high is not None
        else f"{label} at least {format_pence(low)}"
    )
    if len(shown) > 1 or (high is None and shown):
        text += f" ({' and '.join(shown)})"
    return text


def _person_phrase(phrase: Callable[[_Person], str]) -> Callable[[Derived, str], str]:
    """Describe a member fact by the member who made it true (its witness)."""

    def describe(d: Derived, name: str) -> str:
        return phrase(d.detail[name])

    return describe


def _fell(p: _Person) -> str:
    fell = p.member.earnings_fell_on
    return long_date(fell) if fell else ""


# The phrases most visits need (a trigger of 4.3 holds for most), each one function:
# the witness's name (_Person.name) and the date (long_date) written out.


def _drop_phrase(d: Derived, name: str) -> str:
    member = d.detail[name].member
    fell = member.earnings_fell_on
    on = f"{fell.day} {_MONTHS[fell.month - 1]} {fell.year}" if fell else ""
    return f"{member.first_name} {member.surname}'s earnings fell on {on}"


def _neet_phrase(d: Derived, name: str) -> str:
    p: _Person = d.detail[name]
    member = p.member
    return (
        f"{member.first_name} {member.surname} ({p.age}) "
        "is not in education, employment or training"
    )


_NEET_PHRASE = _neet_phrase
_AGE_PHRASE = _person_phrase(lambda p: f"{p.name} is {p.age}")


def _unemployed_phrase(d: Derived, name: str) -> str:
    p: _Person = d.detail[name]
    if p.status is WorkStatus.UNEMPLOYED:
        return f"{p.name} is unemployed"
    return f"{p.name} is on reduced hours"


def _days_phrase(what: Callable[[Derived], str]) -> Callable[[Derived, str], str]:
    def describe(d: Derived, name: str) -> str:
        low, high = d.number(name)
        if high is None:
            return f"{what(d)}, date not recorded"
        if low == 0:
            when = "on the visit date"
        else:
            when = f"{days_text(abs(low))} {'after' if low > 0 else 'before'} the visit"
        return f"{what(d)}, {when}"

    return describe


def _youngest_phrase(d: Derived, name: str) -> str:
    p: _Person | None = d.detail[name]
    if p is None:
        return "no date of birth recorded"
    return f"{p.name} is {p.age}"


def _stage_phrase(d: Derived, name: str) -> str:
    low, high = d.number(name)
    if low == high:
        return f"stage {low}"
    options: tuple[int, ...] = d.detail.get(name, ())
    if not options:
        return "stage not decided"
    return "stage " + ", ".join(str(s) for s in options[:-1]) + f" or {options[-1]}"


_BENEFIT_TEXT = {b: b.value.replace("_", " ") for b in Benefit}  # "universal credit"


def _benefits_phrase(d: Derived, name: str) -> str:
    benefits: list[Benefit] = d.detail[name]
    names = ", ".join([_BENEFIT_TEXT[b] for b in benefits])
    if name == "out_of_work_benefits" and not _OUT_OF_WORK.intersection(benefits):
        return f"receives universal credit with no earnings ({names})"
    return f"benefits claimed: {names}"


def _bool(name: str, label: str, yes: str, no: str, describe: Any = None) -> FactSpec:
    return FactSpec(name, Kind.BOOL, label, yes, no, describe)


def _number(name: str, kind: Kind, label: str, describe: Any = None) -> FactSpec:
    return FactSpec(name, kind, label, describe=describe)


_FACT_LIST = (
    *(_number(f"{c}_score", Kind.NUMBER, f"{c} score") for c in CAPITALS),
    _number("stage", Kind.NUMBER, "stage", _stage_phrase),
    FactSpec("postcode_district", Kind.TEXT, "postcode district"),
    _number("savings", Kind.MONEY, "savings", _describe_parts),
    _number("rent_and_mortgage_arrears", Kind.MONEY, "rent and mortgage arrears", _describe_parts),
    _number("utility_arrears", Kind.MONEY, "utility arrears", _describe_parts),
    _number("arrears_and_debts", Kind.MONEY, "arrears and other debts", _describe_parts),
    _bool(
        "homeless_or_temporary_accommodation",
        "homeless or in temporary accommodation",
        "homeless or in temporary accommodation",
        "not homeless or in temporary accommodation",
        lambda d, n: f"tenure is {d.facts.household.tenure.replace('_', ' ')}",
    ),
    _bool(
        "adult_work_income_drop",
        "an adult with a work income drop",
        "an adult's earnings fell in the 12 months before the visit",
        "no adult's earnings fell in the 12 months before the visit",
        _drop_phrase,
    ),
    _bool(
        "neet_young_person",
        "a NEET young person",
        "a young person not in education, employment or training",
        "no young person not in education, employment or training",
        _NEET_PHRASE,
    ),
    _bool(
        "self_employed_income_drop",
        "a self-employed adult with a work income drop",
        "a self-employed adult whose earnings fell in the 12 months before the visit",
        "no self-employed adult whose earnings fell in the 12 months before the visit",
        _person_phrase(
            lambda p: f"{p.name} is self-employed and their earnings fell on {_fell(p)}"
        ),
    ),
    _bool(
        "adult_unemployed_or_reduced_hours",
        "an adult unemployed or on reduced hours",
        "an adult unemployed or on reduced hours",
        "no adult unemployed or on reduced hours",
        _unemployed_phrase,
    ),
    _bool(
        "adult_in_work",
        "an adult in paid work",
        "an adult in paid work",
        "no adult in paid work",
        _person_phrase(lambda p: f"{p.name} is {(p.status or '').replace('_', '-')}"),
    ),
    _bool(
        "workless_household",
        "a workless household",
        "no adult in paid work",
        "an adult is in paid work",
    ),
    _bool(
        "benefits_claimed",
        "benefits claimed",
        "benefits claimed",
        "no benefits claimed",
        _benefits_phrase,
    ),
    _bool(
        "out_of_work_benefits",
        "out-of-work benefits",
        "receives out-of-work benefits",
        "no out-of-work benefits",
        _benefits_phrase,
    ),
    _bool(
        "no_money_for_food_or_fuel",
        "no money for food or fuel",
        "no money for food or fuel this week",
        "has money for food and fuel this week",
    ),
    _bool(
        "unfamiliar_with_benefits",
        "unfamiliar with the benefit system",
        "unfamiliar with the benefit system",
        "familiar with the benefit system",
    ),
    _bool("family_strain", "family strain", "family strain reported", "no family strain reported"),
    _bool(
        "substance_use_reported",
        "substance use",
        "substance use reported",
        "no substance use reported",
    ),
    _number(
        "hearing_days_away",
        Kind.NUMBER,
        "days from the visit to the hearing",
        _days_phrase(
            lambda d: (
                f"possession or eviction hearing on {long_date(d.detail['hearing_days_away'])}"
            )
        ),
    ),
    _number(
        "work_event_days_away",
        Kind.NUMBER,
        "days from the visit to the job, interview or hours",
        _days_phrase(lambda d: _work_event_text(d)),
    ),
    _number("getting_to_work_cost", Kind.MONEY, "cost of getting to work"),
    _number("tools_cost", Kind.MONEY, "cost of tools or equipment"),
    _number("course_fee", Kind.MONEY, "course fee"),
    _number("childcare_cost", Kind.MONEY, "childcare cost"),
    _bool(
        "work_person_adult",
        "the person getting to work is an adult",
        "the person getting to work is an adult",
        "the person getting to work is not an adult",
        _AGE_PHRASE,
    ),
    _bool(
        "course_person_adult",
        "the person with the course place is an adult",
        "the person with the course place is an adult",
        "the person with the course place is not an adult",
        _AGE_PHRASE,
    ),
    _bool(
        "course_person_neet",
        "the person with the course place is a NEET young person",
        "the person with the course place is a NEET young person",
        "the person with the course place is not a NEET young person",
        _NEET_PHRASE,
    ),
    _number("youngest_member_age", Kind.NUMBER, "age of the youngest member", _youngest_phrase),
)


def _work_event_text(d: Derived) -> str:
    event: WorkEvent = d.detail["work_event_days_away"]
    when = d.facts.visit.work_event_date
    text = _EVENT_NAMES[event]
    return f"{text} on {long_date(when)}" if when else text


FACTS: dict[str, FactSpec] = {spec.name: spec for spec in _FACT_LIST}
"""Every fact a rule file may name."""


# --- what an explanation of a fact depends on -----------------------------------------
#
# A clause's explanation depends only on the values of the facts it reads and on
# what their descriptions read from ``Derived.detail``. ``KEYS[fact]`` is that, as a
# hashable value (with the value itself), so the compiled policy can keep each
# clause's explanation in a table and build it once per distinct key (see
# compile.Clause.explain). A fact not listed is explained by its value alone.


# The source of a key function's ``fn(d, name)`` as an expression, for the clauses'
# generated functions to write out instead of calling it (conditions._ClauseWriter):
# ``$n`` is the fact's name (``repr``), ``$v`` a variable of its own. The same value as
# the function's, which stays for the other callers.
KEY_SOURCES: dict[Callable[[Derived, str], object], str] = {}


def _witness(*attributes: str) -> Callable[[Derived, str], object]:
    """Key a member fact by what its phrase reads of the member who made it true."""
    if len(attributes) == 1:  # every fact's phrase reads one: no list to unpack
        (attribute,) = attributes

        def key_one(d: Derived, name: str) -> object:
            p: _Person | None = d.detail.get(name)
            if p is None:
                return None
            member = p.member
            return (member.first_name, member.surname, getattr(p, attribute))

        KEY_SOURCES[key_one] = (
            "(None if ($v := d.detail.get($n)) is None else "
            f"($v.member.first_name, $v.member.surname, $v.{attribute}))"
        )
        return key_one

    def key(d: Derived, name: str) -> object:
        p: _Person | None = d.detail.get(name)
        if p is None:
            return None
        return (p.member.first_name, p.member.surname, *[getattr(p, a) for a in attributes])

    return key


def _fell_key(d: Derived, name: str) -> object:
    p: _Person | None = d.detail.get(name)
    if p is None:
        return None
    return (p.member.first_name, p.member.surname, p.member.earnings_fell_on)


def _parts_key(d: Derived, name: str) -> object:
    return d.detail[name]  # the parts' pence (PARTS), as made once by derive


def _detail_key(d: Derived, name: str) -> object:
    detail = d.detail.get(name)
    return tuple(detail) if isinstance(detail, list) else detail


def _tenure_key(d: Derived, name: str) -> object:
    return d.facts.household.tenure


def _work_event_key(d: Derived, name: str) -> object:
    return (d.detail.get(name), d.facts.visit.work_event_date)


KEY_SOURCES[_fell_key] = (
    "(None if ($v := d.detail.get($n)) is None else "
    "($v.member.first_name, $v.member.surname, $v.member.earnings_fell_on))"
)
KEY_SOURCES[_parts_key] = "d.detail[$n]"
KEY_SOURCES[_detail_key] = "(tuple($v) if isinstance($v := d.detail.get($n), list) else $v)"
KEY_SOURCES[_tenure_key] = "d.facts.household.tenure"
KEY_SOURCES[_work_event_key] = "(d.detail.get($n), d.facts.visit.work_event_date)"


_scores = operator.itemgetter(*(name for _, name, _ in _SCORE_FACTS))  # derive sets all four


def _stage_key(d: Derived, name: str) -> object:
    return (d.detail.get(name), _scores(d.values))


KEYS: dict[str, Callable[[Derived, str], object]] = {
    "stage": _stage_key,
    "homeless_or_temporary_accommodation": _tenure_key,
    "work_event_days_away": _work_event_key,
    "youngest_member_age": _witness("age"),
    "benefits_claimed": _detail_key,
    "out_of_work_benefits": _detail_key,
    "hearing_days_away": _detail_key,
    **{
        name: _parts_key
        for name in ("savings", "rent_and_mortgage_arrears", "utility_arrears", "arrears_and_debts")
    },
    "adult_work_income_drop": _fell_key,  # "Ann Lee's earnings fell on 1 May 2026"
    "self_employed_income_drop": _fell_key,
    "neet_young_person": _witness("age"),  # "Sam Lee (19) is not in education, ..."
    "course_person_neet": _witness("age"),
    "work_person_adult": _witness("age"),  # "Ann Lee is 41"
    "course_person_adult": _witness("age"),
    "adult_unemployed_or_reduced_hours": _witness("status"),  # "Ann Lee is unemployed"
    "adult_in_work": _witness("status"),  # "Ann Lee is employed"
}
# A fact whose description reads more than its value must say what it reads.
assert all(spec.describe is None or spec.name in KEYS for spec in _FACT_LIST)
