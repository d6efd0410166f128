"""One facts reader: every consumer of the engine sees the same facts for one household.

The family is registered twice; the second record gets an award, then is merged
into the first. Whatever reads the survivor's facts (packages, the visit
screen's recommendation, the policy-change impact report, the manager's queue,
the evaluation figures) must count that award against the survivor's cap, on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from caseworker.domain.household import Household, Member, Relationship
from caseworker.domain.rules import (
    Adjustment,
    Facts,
    PriorAward,
    RuleSet,
    default_rules_dir,
    evaluate,
)
from caseworker.domain.rules.loader import load_folders
from caseworker.services import households, impact, packages, recommend, visits
from caseworker.services.errors import VisitFactsRefused
from caseworker.services.evaluation import reading as evaluation_reading
from caseworker.services.facts_reader import (
    Families,
    award_window_days,
    case_facts,
    read_facts,
)
from caseworker.services.merge import merge_households
from caseworker.store.database import Store
from tests.services.packages_fixtures import (
    TODAY,
    VISIT_DAY,
    Team,
    add_visit,
    household_with_arrears,
    team_on,
)
from tests.sync.conftest import databases, store_url  # noqa: F401 (fixtures)

EARLIER = date(2026, 10, 15)  # 43 days before TODAY: inside 365 days, outside 30
EARLIER_AWARD = 50_000


@pytest.fixture
def team(store_url: str) -> Iterator[Team]:  # noqa: F811 (the imported fixture)
    store = Store.open_shared(store_url, upgrade=True)
    yield team_on(store)
    store.dispose()


def merged_family(team: Team) -> tuple[Household, Household]:
    """The family saved twice; the second record awarded £500 on EARLIER, then merged."""
    officer, manager = team.officers[0], team.managers[0]
    kept = households.create_household(team.store, officer, household_with_arrears(50_000))
    typo = household_with_arrears(50_000)
    lead = typo.members[0].model_copy(update={"surname": "Mensha"})
    merged = households.create_household(
        team.store, team.officers[1], typo.model_copy(update={"members": [lead]})
    )
    visit = add_visit(team.store, team.officers[1], merged, day=EARLIER)
    made = packages.propose(
        team.store, team.officers[1], team.rules, visit.id, [Adjustment("5.1", 50_000)], EARLIER
    )
    packages.send_to_manager(team.store, team.officers[1], made.id)
    packages.approve(team.store, team.managers[1], team.rules, made.id, EARLIER)
    merge_households(team.store, manager, kept.id, merged.id, "Same family: typo")
    return kept, merged


def without_names(facts: Facts) -> dict[str, Any]:
    """What the engine reads of the facts: the impact report never reads names."""
    data = facts.model_dump(mode="json")
    for member in data["household"]["members"]:
        del member["first_name"], member["surname"]
    return data


def test_every_consumer_reads_the_same_facts_for_a_merged_family(team: Team) -> None:
    officer = team.officers[0]
    kept, _merged = merged_family(team)
    visit = add_visit(team.store, officer, kept, day=TODAY)
    counted = [PriorAward(award_date=EARLIER, amount_pence=EARLIER_AWARD, status="approved")]

    # Packages and the saved visit's recommendation.
    with team.store.read() as session:
        stored = read_facts(session, kept.id, visit.id, team.rules)
    assert stored.prior_awards == counted  # the merged-away record's award counts
    by_packages = packages.recommend(team.store, officer, team.rules, visit.id, TODAY)

    # The policy-change impact report, read raw and in bulk.
    _count, cases = impact.read_cases(team.store)
    [case] = [c for c in cases if str(c[0][0]).replace("-", "") == kept.id.hex]
    by_impact = Facts.model_validate(case_facts(case))
    assert without_names(by_impact) == without_names(stored)

    # The visit screen: the store's part read once, the rest as typed.
    context = recommend.decision_context(team.store, officer, kept.id, TODAY)
    assert list(context.prior_awards) == counted
    on_screen, _adjusted = recommend.preview(team.rules, stored.household, visit, context, [])

    for recommendation in (by_packages, evaluate(by_impact, team.rules), on_screen):
        assert recommendation.cap_reduction is not None
        assert recommendation.cap_reduction.prior_awards_pence == EARLIER_AWARD
        assert recommendation.total_pence == 80_000 - EARLIER_AWARD  # £800 cap less £500

    # The manager's queue quotes the same awards; evaluation counts one household.
    made = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, made.id)
    [entry] = packages.manager_queue(team.store, team.managers[0], team.rules)
    assert entry.awards_last_year_pence == EARLIER_AWARD
    # (Its household count: the whole report reads JSON as SQLite does, a laptop's store.)
    with team.store.read() as session:
        seen, visits, _stages = evaluation_reading._visits(session, EARLIER, TODAY)
    assert (seen, visits) == (1, 2)


def test_families_read_model_answers_from_any_record() -> None:
    a, b, c, d = (uuid.UUID(int=i) for i in (1, 2, 3, 4))
    families = Families({b: a, c: b})  # c merged into b, b into a; d alone
    assert families.survivor(c) == a and families.survivor(d) == d
    assert families.records(c) == [a, b, c] == families.records(a)
    assert families.survivors() == {b: a, c: a}
    looped = Families({a: b, b: a})  # never hangs on a bad chain
    assert looped.survivor(a) in (a, b)


def rules_with_window(tmp_path: Path, days: int) -> RuleSet:
    """The shipped rules with the 6.1 window set to ``days`` in every version."""
    folder = tmp_path / f"rules-{days}"
    shutil.copytree(default_rules_dir(), folder)
    for version in (folder / "versions").glob("*.yaml"):
        text = version.read_text(encoding="utf-8")
        assert "award_window_days: 365" in text
        version.write_text(
            text.replace("award_window_days: 365", f"award_window_days: {days}"), "utf-8"
        )
    ruleset, problems = load_folders([folder])
    assert ruleset is not None, problems
    return ruleset


def test_the_cap_window_comes_from_the_policy_file(team: Team, tmp_path: Path) -> None:
    officer = team.officers[0]
    kept, merged = merged_family(team)
    visit = add_visit(team.store, officer, kept, day=TODAY)
    short = rules_with_window(tmp_path, 30)
    assert award_window_days(short, TODAY) == 30
    assert award_window_days(team.rules, TODAY) == 365

    year = packages.recommend(team.store, officer, team.rules, visit.id, TODAY)
    month = packages.recommend(team.store, officer, short, visit.id, TODAY)
    assert year.total_pence == 30_000  # the award 43 days ago counts: £800 - £500
    assert month.total_pence == 50_000  # outside a 30-day window: the arrears in full
    assert month.cap_reduction is not None and month.cap_reduction.prior_awards_pence == 0

    # A likely, unmerged duplicate's awards are weighed in the policy's window too.
    with team.store.read() as session:
        lookalike = recommend.duplicates_with_awards(session, merged.id)
    assert lookalike == ()  # merged: one family, its award already counts in the cap
    dup = recommend.DuplicateAwards(
        merged.id, "X", (PriorAward(award_date=EARLIER, amount_pence=500, status="approved"),)
    )
    assert recommend.duplicate_note([dup], TODAY, 30) is None
    note = recommend.duplicate_note([dup], TODAY, 365)
    assert note is not None and "in the 365 days before the visit" in note

    # The manager's queue counts the same window.
    made = packages.propose(team.store, officer, short, visit.id, [], TODAY)
    packages.send_to_manager(team.store, officer, made.id)
    [entry] = packages.manager_queue(team.store, team.managers[0], short)
    assert entry.awards_last_year_pence == 0
    [entry] = packages.manager_queue(team.store, team.managers[0], team.rules)
    assert entry.awards_last_year_pence == EARLIER_AWARD


# -- the strict checks of a facts file, on the services' path ---------------------------


def test_the_services_refuse_the_facts_a_file_would_refuse_in_the_same_words(
    laptop_or_shared_store: Store,
) -> None:
    """A baby recorded with a date of birth after the visit, and a 10-year-old lead
    contact: ``caseworker rules evaluate`` refuses both (``facts_problems``); the services
    reading the stored household say the same instead of evaluating (age -1 got 5.7)."""
    team = team_on(laptop_or_shared_store)
    officer = team.officers[0]
    family = household_with_arrears(40_000)
    baby = Member(
        first_name="Kofi",
        surname="Mensah",
        date_of_birth=VISIT_DAY + timedelta(days=3),  # before today, after the visit
        relationship=Relationship.CHILD,
    )
    created = households.create_household(
        team.store, officer, family.model_copy(update={"members": [*family.members, baby]})
    )
    born_late = (
        "Member 2 (Kofi Mensah): Date of birth (date_of_birth): 2026-11-23 is after the "
        "visit date (2026-11-20); check the year"
    )
    with pytest.raises(VisitFactsRefused) as refused:
        add_visit(team.store, officer, created, rules=team.rules)
    assert refused.value.problems == [born_late] and str(refused.value) == born_late
    assert visits.visits_of(team.store, created.id) == []  # the save was refused

    visit = add_visit(team.store, officer, created)  # saved without evaluating
    with pytest.raises(VisitFactsRefused) as refused:  # the visit screen, as it is typed
        recommend.preview(team.rules, created, visit, recommend.DecisionContext((), None), [])
    assert refused.value.problems == [born_late]
    # Deciding that stored visit later: a baby born since was not in the family it
    # assessed, so the baby is left out rather than the package made undecidable.
    with team.store.read() as session:
        facts = read_facts(session, created.id, visit.id, team.rules)
    assert [m.first_name for m in facts.household.members] == [family.members[0].first_name]
    recommended = packages.recommend(team.store, officer, team.rules, visit.id, TODAY)
    assert recommended is not None

    other = household_with_arrears(40_000)
    child_lead = other.members[0].model_copy(update={"date_of_birth": date(2016, 5, 4)})
    young = households.create_household(
        team.store, officer, other.model_copy(update={"members": [child_lead]})
    )
    visit = add_visit(team.store, officer, young)
    with pytest.raises(VisitFactsRefused) as refused:
        packages.recommend(team.store, officer, team.rules, visit.id, TODAY)
    assert refused.value.problems == [
        "Member 1 (Ama Mensah): the lead contact must be an adult (18 or over on the visit "
        "date, policy part 2), and is 10"
    ]
