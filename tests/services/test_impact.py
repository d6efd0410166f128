"""Policy-change impact: a draft rules folder against the current rules, over the store."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sys
import threading
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from caseworker import paths
from caseworker.cli import main
from caseworker.domain.household import (
    Household,
    IncomeDropReason,
    Member,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.rules.engine import decide_under
from caseworker.domain.users import Role, User
from caseworker.domain.visit import Visit
from caseworker.services import facts_reader, households, impact, merge, users, visits
from caseworker.services.impact import DraftRulesInvalid, ImpactReport, policy_impact
from caseworker.store.database import Store
from caseworker.store.tables import HouseholdRow, MemberRow, PackageRow, VisitRow
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD

RULES = Path(__file__).resolve().parents[2] / "resources" / "rules"
SHIPPED_CAP = "household_cap: £750.00"
RAISED_CAP = "household_cap: £800.00"
# Households whose latest visit (in the 2026-04 period) the £750 cap cuts, and by how much.
CUT_BY_750 = {"A-cut", "B-prior", "F-own-package", "G-no-room"}
# A 750 + B 450 + F 750 + G 0 + C 560 + D 800 + E (100 + 250) + J 0, in pence.
CURRENT_SPEND = 366_000


@dataclass
class Seeded:
    store: Store
    refs: dict[str, str]  # name in this test -> case reference
    officer: User


def _household(postcode: str = "SE15 4QF", rent: int = 0, utility: int = 0) -> Household:
    """Eligible under part 4 (stage 3 from the visit, a drop on 1 March 2026, £200 savings)."""
    lead = Member(
        first_name="Ama",
        surname="Mensah",
        date_of_birth=date(1988, 5, 4),
        relationship=Relationship.LEAD,
        work_status=WorkStatus.EMPLOYED,
        reduced_hours=True,
        earnings_fell_on=date(2026, 3, 1),
        earnings_fall_reason=IncomeDropReason.REDUCED_HOURS,
    )
    return Household(
        postcode=postcode,
        tenure=Tenure.PRIVATE_RENTER,
        savings_pence=20_000,
        rent_arrears_pence=rent,
        mortgage_arrears_pence=0,
        utility_arrears_pence=utility,
        council_tax_arrears_pence=0,
        other_debts_pence=0,
        benefits=[],
        members=[lead],
    )


def _visit(store: Store, officer: User, household: Household, day: date, food: bool) -> Visit:
    visit = visits.build_visit(
        {
            "household_id": str(household.id),
            "visit_date": day.strftime("%d/%m/%Y"),
            "financial": "2",
            "mental": "1",
            "social": "1",
            "human": "1",
            "no_money_for_food_or_fuel": food,
        }
    )
    return visits.record_visit(store, officer, visit)


def _award(
    store: Store,
    officer: User,
    household: Household,
    pence: int,
    on: date,
    visit: Visit | None = None,
    status: str = "approved",
) -> None:
    with store.unit_of_work() as session:
        session.add(
            PackageRow(
                id=uuid.uuid4(),
                household_id=household.id,
                visit_id=visit.id if visit else None,
                visit_date=visit.visit_date if visit else on,
                created_by=officer.id,
                policy_version="2026-04",
                items="[]",
                total_pence=pence,
                route="manager",
                status=status,
                approved_on=on,
            )
        )


def seed(store: Store) -> Seeded:
    """Households whose outcome under a £750 and a £800 cap for 2026-04 is known."""
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    refs: dict[str, str] = {}

    def new(name: str, household: Household) -> Household:
        made = households.create_household(store, officer, household)
        refs[name] = made.reference
        return made

    june, july = date(2026, 6, 15), date(2026, 7, 1)
    # 5.1 £500 + 5.2 £250 + 5.3 £60 = £810: cut to £750 now, £800 under the draft.
    a = new("A-cut", _household(rent=60_000, utility=30_000))
    _visit(store, officer, a, june, food=True)
    # 5.1 £500 after a £300 award in May: room £450 now, £500 under the draft.
    b = new("B-prior", _household(rent=50_000))
    _award(store, officer, b, 30_000, date(2026, 5, 1))
    _visit(store, officer, b, july, food=False)
    # £810 with a £750 package approved for this very visit: it must not count against itself.
    f = new("F-own-package", _household(rent=60_000, utility=30_000))
    own = _visit(store, officer, f, date(2026, 9, 1), food=True)
    _award(store, officer, f, 75_000, date(2026, 9, 1), visit=own)
    # £750 already awarded: nothing left now, £50 under the draft.
    g = new("G-no-room", _household(rent=20_000))
    _award(store, officer, g, 75_000, date(2026, 6, 1))
    _award(store, officer, g, 10_000, date(2026, 6, 2), status="rejected")  # never counts
    _visit(store, officer, g, date(2026, 8, 1), food=False)
    # £560 fits either cap.
    c = new("C-fits", _household(rent=60_000))
    _visit(store, officer, c, june, food=True)
    # October 2026: version 2026-10, whose cap is already £800 (£830 cut to £800 either way).
    d = new("D-october", _household(rent=60_000, utility=30_000))
    _visit(store, officer, d, date(2026, 10, 5), food=True)
    # Cut in June, but the latest visit (November: £100 + £250) is what counts.
    e = new("E-earlier-cut", _household(rent=60_000, utility=30_000))
    _visit(store, officer, e, june, food=True)
    households.update_household(store, officer, e.model_copy(update={"rent_arrears_pence": 10_000}))
    _visit(store, officer, e, date(2026, 11, 20), food=False)
    # Outside the borough (4.1): no award under either.
    j = new("J-outside", _household(postcode="SE11 4AA", rent=60_000, utility=30_000))
    _visit(store, officer, j, june, food=True)
    # Before the first version of the rules; and no visit at all.
    h = new("H-too-early", _household(rent=60_000))
    _visit(store, officer, h, date(2026, 3, 15), food=True)
    new("I-no-visit", _household(rent=60_000))
    return Seeded(store, refs, officer)


@pytest.fixture
def seeded(store: Store) -> Iterator[Seeded]:
    yield seed(store)


def draft_copy(tmp_path: Path, old: str = SHIPPED_CAP, new: str = RAISED_CAP) -> Path:
    """What the policy team does: copy resources/rules and edit version 2026-04."""
    draft = tmp_path / "draft"
    shutil.copytree(RULES, draft)
    version = draft / "versions" / "2026-04.yaml"
    text = version.read_text(encoding="utf-8")
    assert text.count(old) == 1
    version.write_text(text.replace(old, new), encoding="utf-8")
    return draft


def draft_override(tmp_path: Path) -> Path:
    """The same change as an override folder holding only the edited file."""
    draft = tmp_path / "override-draft"
    draft.mkdir()
    text = (RULES / "versions" / "2026-04.yaml").read_text(encoding="utf-8")
    (draft / "2026-04.yaml").write_text(text.replace(SHIPPED_CAP, RAISED_CAP), encoding="utf-8")
    return draft


def _names(seeded: Seeded, report: ImpactReport) -> set[str]:
    by_ref = {ref: name for name, ref in seeded.refs.items()}
    return {by_ref[c.reference] for c in report.changed}


def test_raising_the_cap_reports_exactly_the_households_cut_by_750(
    seeded: Seeded, tmp_path: Path
) -> None:
    report = policy_impact(seeded.store, draft_copy(tmp_path), workers=1)
    assert _names(seeded, report) == CUT_BY_750
    by_name = {n: c for c in report.changed for n, r in seeded.refs.items() if r == c.reference}
    assert (by_name["A-cut"].current_pence, by_name["A-cut"].draft_pence) == (75_000, 80_000)
    assert (by_name["B-prior"].current_pence, by_name["B-prior"].draft_pence) == (45_000, 50_000)
    assert (by_name["F-own-package"].current_pence, by_name["F-own-package"].draft_pence) == (
        75_000,
        80_000,
    )
    assert (by_name["G-no-room"].current_pence, by_name["G-no-room"].draft_pence) == (0, 5_000)
    assert all(c.difference_pence == 5_000 for c in report.changed)
    assert report.spend_change_pence == 4 * 5_000
    # Eligibility does not change with the cap.
    assert report.gained_eligibility == report.lost_eligibility == 0
    assert report.eligibility_changes() == [] and report.referral_changes() == []
    assert (report.households, report.no_visit, report.before_rules, report.invalid) == (
        10,
        1,
        1,
        0,
    )
    assert report.evaluated == 8
    assert report.current_spend_pence == CURRENT_SPEND
    assert report.draft_spend_pence == CURRENT_SPEND + 20_000


def test_an_override_folder_draft_gives_the_same_report(seeded: Seeded, tmp_path: Path) -> None:
    full = policy_impact(seeded.store, draft_copy(tmp_path), workers=1)
    layered = policy_impact(seeded.store, draft_override(tmp_path), workers=1)
    assert layered.to_json() == full.to_json()


def test_worker_processes_give_the_same_report(seeded: Seeded, tmp_path: Path) -> None:
    draft = draft_copy(tmp_path)
    alone = policy_impact(seeded.store, draft, workers=1)
    shared = policy_impact(seeded.store, draft, workers=2)
    assert shared.to_json() == alone.to_json()


def test_unchanged_rules_change_nothing(seeded: Seeded) -> None:
    report = policy_impact(seeded.store, RULES, workers=1)
    assert report.changed == [] and report.spend_change_pence == 0
    assert report.current_spend_pence == CURRENT_SPEND


def test_gains_and_losses_are_counted_by_clause(seeded: Seeded, tmp_path: Path) -> None:
    """SE11 joins the borough (4.1: J gains); savings limit £100 (4.4: everyone else loses)."""
    districts = "borough_districts: [SE1, SE5, SE15, SE16, SE17, SE21, SE22]"
    draft = draft_copy(tmp_path, districts, districts.replace("SE1,", "SE1, SE11,"))
    savings = draft / "versions" / "2026-04.yaml"
    text = savings.read_text(encoding="utf-8")
    savings.write_text(text.replace("savings_limit: £6,000.00", "savings_limit: £100.00"))
    report = policy_impact(seeded.store, draft, workers=1)
    # 2026-04 visits: A, B, C, G and J (June to September); F too (1 September).
    losing = {"A-cut", "B-prior", "C-fits", "F-own-package", "G-no-room"}
    assert report.gained_eligibility == 0  # J now meets 4.1 but fails 4.4 like the rest
    assert report.lost_eligibility == len(losing)
    clauses = {c.clause: c for c in report.eligibility_changes()}
    assert set(clauses) == {"4.1", "4.4"}
    assert (clauses["4.1"].now_met, clauses["4.1"].no_longer_met, clauses["4.1"].gained) == (
        1,
        0,
        0,
    )
    assert (clauses["4.4"].no_longer_met, clauses["4.4"].lost) == (len(losing) + 1, len(losing))
    assert _names(seeded, report) == losing - {"G-no-room"}  # G's total was already £0
    assert report.draft_spend_pence == CURRENT_SPEND - (75_000 + 45_000 + 56_000 + 75_000)


def test_a_broken_draft_is_refused_with_file_and_line(seeded: Seeded, tmp_path: Path) -> None:
    draft = draft_copy(tmp_path, SHIPPED_CAP, "household_cap: 800")
    with pytest.raises(DraftRulesInvalid) as refused:
        policy_impact(seeded.store, draft, workers=1)
    assert any(
        p.file.endswith("2026-04.yaml") and p.line is not None for p in refused.value.problems
    )
    with pytest.raises(DraftRulesInvalid, match="no such folder"):
        policy_impact(seeded.store, tmp_path / "missing", workers=1)


def test_impact_command_json_and_table(
    seeded: Seeded, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded.store.dispose()
    draft = draft_copy(tmp_path)
    try:
        code = main(["--data-dir", str(data_dir), "rules", "impact", str(draft), "--json"])
        assert code == 0
        out = json.loads(capsys.readouterr().out)
        assert {c["reference"] for c in out["total_changes"]} == {
            seeded.refs[n] for n in CUT_BY_750
        }
        assert {c["difference_pence"] for c in out["total_changes"]} == {5_000}
        assert out["spend"] == {
            "current_pence": CURRENT_SPEND,
            "draft_pence": CURRENT_SPEND + 20_000,
            "change_pence": 20_000,
        }
        assert out["eligibility"] == {
            "households_gaining": 0,
            "households_losing": 0,
            "by_clause": [],
        }
        assert out["households"]["evaluated"] == 8

        assert main(["--data-dir", str(data_dir), "rules", "impact", str(draft)]) == 0
        table = capsys.readouterr().out
        assert "Recommended total changes for 4 household(s)." in table
        assert f"{seeded.refs['A-cut']:<14} 15/06/2026      £750.00      £800.00      +£50.00" in (
            table
        )
        assert "change +£200.00." in table
        assert "Mensah" not in table and "Ama" not in table

        broken = draft_copy(tmp_path / "broken", SHIPPED_CAP, "household_cap: 800")
        assert main(["--data-dir", str(data_dir), "rules", "impact", str(broken)]) == 2
        assert "2026-04.yaml:" in capsys.readouterr().err
    finally:
        paths.set_demo_mode(False)


def test_dates_are_checked_against_each_visits_own_date(
    laptop_or_shared_store: Store, tmp_path: Path
) -> None:
    """Not the clock (27 November), not one date for every household: a baby born on 25
    November, after the family's visit on the 20th, was not in the family that visit
    assessed and is left out (it was evaluated as aged -1, getting the childcare item);
    earnings that fell on 5 December count for a visit dated 10 December (the clock
    refused them)."""
    store = laptop_or_shared_store
    manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
    officer = users.add_user(store, manager, "Jo Smith", "JS01", Role.OFFICER, PASSWORD)
    family = _household(rent=60_000)
    baby = Member(
        first_name="Kofi",
        surname="Mensah",
        date_of_birth=date(2026, 11, 25),
        relationship=Relationship.CHILD,
    )
    born_late = households.create_household(
        store, officer, family.model_copy(update={"members": [*family.members, baby]})
    )
    _visit(store, officer, born_late, date(2026, 11, 20), food=True)
    twin = households.create_household(store, officer, _household(rent=60_000))
    _visit(store, officer, twin, date(2026, 11, 20), food=True)
    ahead = households.create_household(store, officer, _household(rent=60_000))
    planned = _visit(store, officer, ahead, date(2026, 11, 20), food=True)
    with store.unit_of_work() as session:  # as a laptop's later clock would have stored them
        visit_row = session.get(VisitRow, planned.id)
        lead_row = session.get(MemberRow, ahead.members[0].id)
        assert visit_row is not None and lead_row is not None
        visit_row.visit_date = date(2026, 12, 10)
        lead_row.earnings_fell_on = date(2026, 12, 5)
        session.add_all([visit_row, lead_row])

    draft = draft_copy(tmp_path, "food_and_fuel: £60.00", "food_and_fuel: £70.00")
    draft_later = draft / "versions" / "2026-10.yaml"
    text = draft_later.read_text(encoding="utf-8")
    draft_later.write_text(text.replace("food_and_fuel: £80.00", "food_and_fuel: £90.00"), "utf-8")
    report = policy_impact(store, draft, workers=1)
    assert (report.households, report.evaluated, report.invalid) == (3, 3, 0)
    by_reference = {c.reference: c for c in report.changed}
    changed = by_reference[ahead.reference]
    assert changed.visit_date == date(2026, 12, 10)
    assert changed.difference_pence == 1_000  # 5.3 £80 -> £90 (version 2026-10)
    baby_family, same_family = by_reference[born_late.reference], by_reference[twin.reference]
    assert baby_family.current_pence == same_family.current_pence  # no item for the baby


# -- shortcuts that must not change the answer ------------------------------------------


def _evaluating_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """No version taken as identical: every case is evaluated under the draft too."""
    monkeypatch.setattr(impact, "identical_versions", lambda *_args: frozenset())


def test_identical_versions_are_those_the_draft_leaves_as_they_are(tmp_path: Path) -> None:
    def identical(draft: Path) -> frozenset[str]:
        folders = impact.rule_folders(draft, RULES, override=None)
        return impact.identical_versions(*impact.load_rule_sets(folders))

    assert identical(RULES) == {"2026-04", "2026-10"}
    assert identical(draft_copy(tmp_path / "cap")) == {"2026-10"}
    assert identical(draft_override(tmp_path)) == {"2026-10"}
    # A comment is not a change; a policy change changes every version's segments.
    commented = draft_copy(tmp_path / "comment", SHIPPED_CAP, SHIPPED_CAP + "  # unchanged")
    assert identical(commented) == {"2026-04", "2026-10"}
    retitled = draft_copy(tmp_path / "policy")
    policy = retitled / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert text.count("title: ") > 1
    policy.write_text(text.replace("title: ", "title: Draft ", 1), encoding="utf-8")
    assert identical(retitled) == frozenset()


def test_identical_versions_compare_what_was_loaded_without_reading_again(
    tmp_path: Path,
) -> None:
    """Each rule set keeps the validated files it was compiled from: the comparison needs
    neither the folders nor their files (once read again for it)."""
    draft = draft_copy(tmp_path)
    current, drafted = impact.load_rule_sets(impact.rule_folders(draft, RULES, override=None))
    shutil.rmtree(draft)
    assert current.sources is not None and drafted.sources is not None
    assert sorted(current.sources[1]) == [v.name for v in current.versions]
    assert impact.identical_versions(current, drafted) == {"2026-10"}


def test_skipping_identical_versions_gives_the_report_of_evaluating_both(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft changes 2026-04 and adds a version from November: 2026-10 is left as it is
    (D's October visit is not evaluated twice), but E's visit on 20 November is under the
    new version in the draft, so it is evaluated under both."""
    draft = draft_copy(tmp_path)
    later = (draft / "versions" / "2026-10.yaml").read_text(encoding="utf-8")
    (draft / "versions" / "2026-11.yaml").write_text(
        later.replace('version: "2026-10"', 'version: "2026-11"')
        .replace("in_force_from: 2026-10-01", "in_force_from: 2026-11-01")
        .replace("food_and_fuel: £80.00", "food_and_fuel: £90.00"),
        encoding="utf-8",
    )
    evaluated: list[str] = []
    real = decide_under

    def counting(facts: Any, segments: Any) -> Any:
        evaluated.extend([facts.household.reference] * len(segments))
        return real(facts, segments)

    monkeypatch.setattr(impact, "decide_under", counting)
    skipping = policy_impact(seeded.store, draft, workers=1)
    october = seeded.refs["D-october"]
    assert evaluated.count(october) == 1 and evaluated.count(seeded.refs["E-earlier-cut"]) == 2
    evaluated.clear()
    _evaluating_both(monkeypatch)
    both = policy_impact(seeded.store, draft, workers=1)
    assert evaluated.count(october) == 2
    assert skipping.to_json() == both.to_json()
    assert skipping.draft_versions == ["2026-04", "2026-10", "2026-11"]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_forked_and_spawned_workers_give_the_report_of_one_process(
    laptop_or_shared_store: Store, tmp_path: Path, start: str
) -> None:
    """On SQLite and PostgreSQL: forked workers each read their own parts of the store,
    spawned ones are sent the cases; stored facts the domain refuses (a date of birth in
    1850) are counted as not valid either way."""
    store = laptop_or_shared_store
    seeded = seed(store)
    with store.unit_of_work() as session:
        row = session.exec(select(MemberRow)).first()
        assert row is not None
        row.date_of_birth = date(1850, 1, 1)
        session.add(row)
    draft = draft_copy(tmp_path)
    alone = policy_impact(store, draft, workers=1)
    shared = policy_impact(store, draft, workers=2, start=start)
    assert alone.invalid == 1
    assert shared.to_json() == alone.to_json()
    assert {c.reference for c in shared.changed} <= set(seeded.refs.values())
    # This process's own connections still work once the workers have gone.
    assert policy_impact(store, draft, workers=1).to_json() == alone.to_json()


def test_fork_is_never_used_once_qt_is_loaded_or_in_a_joined_session(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Qt application runs threads Python cannot see: a forked child could inherit a
    lock one of them held. The window's impact page spawns its workers."""
    for name in [n for n in sys.modules if n.startswith("PySide6")]:
        monkeypatch.delitem(sys.modules, name)
    forks = "fork" in multiprocessing.get_all_start_methods()
    assert impact.fork_is_safe(store) == (forks and threading.active_count() == 1)
    with store.read() as session, store.joined(session):
        assert not impact.fork_is_safe(store)
    monkeypatch.setitem(sys.modules, "PySide6", types.ModuleType("PySide6"))
    assert not impact.fork_is_safe(store)


def _full_read_report(store: Store, draft_dir: Path) -> ImpactReport:
    """The report as evaluating every household's latest visit gives it, whatever its date:
    what reading only the visits on or after the first version must reproduce."""
    current, draft = impact.load_rule_sets(impact.rule_folders(draft_dir))
    with store.read() as session:
        households_read, cases = facts_reader.read_cases(session)
    report = ImpactReport(households=households_read, no_visit=households_read - len(cases))
    report.merge(impact.compare(cases, current, draft))
    report.current_versions = [v.name for v in current.versions]
    report.draft_versions = [v.name for v in draft.versions]
    report.changed.sort(key=lambda c: (c.reference, str(c.household_id)))
    return report


@pytest.mark.parametrize("workers", [1, 2])
def test_reading_only_visits_in_force_gives_the_report_of_reading_everything(
    laptop_or_shared_store: Store, tmp_path: Path, workers: int
) -> None:
    """Households with no visit, or only visits before the rules, are counted without being
    read in full. Merged families count as one: a survivor whose only visit in force is a
    merged-away record's is evaluated (with that record's award), one whose merged record
    has only an early visit is evaluated on its own; an archived household is left out."""
    store = laptop_or_shared_store
    seeded = seed(store)
    manager = users.sign_in(store, "TM01", PASSWORD)
    officer = seeded.officer

    def new(household: Household) -> Household:
        return households.create_household(store, officer, household)

    # The survivor was visited only before the rules; its merged twin in June (cut by £750).
    kept = new(_household(rent=60_000, utility=30_000))
    _visit(store, officer, kept, date(2026, 3, 10), food=True)
    twin = new(_household(rent=60_000, utility=30_000))
    _award(store, officer, twin, 10_000, date(2026, 5, 20))
    _visit(store, officer, twin, date(2026, 6, 20), food=True)
    merge.merge_households(store, manager, kept.id, twin.id, "Same family")
    # The survivor visited in July; its merged twin never in force (and no visit at all).
    second = new(_household(rent=60_000, utility=30_000))
    _visit(store, officer, second, date(2026, 7, 2), food=True)
    early = new(_household(rent=60_000))
    _visit(store, officer, early, date(2026, 3, 1), food=True)
    merge.merge_households(store, manager, second.id, early.id, "Same family")
    # Archived, with a visit in force: not counted at all.
    gone = new(_household(rent=60_000, utility=30_000))
    _visit(store, officer, gone, date(2026, 6, 3), food=True)
    with store.unit_of_work() as session:
        row = session.get(HouseholdRow, gone.id)
        assert row is not None
        row.archived = True
        session.add(row)
    draft = draft_copy(tmp_path)
    version = draft / "versions" / "2026-04.yaml"
    text = version.read_text(encoding="utf-8")
    version.write_text(text.replace("[SE1, SE5,", "[SE1, SE11, SE5,"), encoding="utf-8")

    report = policy_impact(store, draft, workers=workers)
    assert report.to_json() == _full_read_report(store, draft).to_json()
    assert report.lines() == _full_read_report(store, draft).lines()
    assert (report.households, report.no_visit, report.before_rules) == (12, 1, 1)
    assert report.evaluated == 10
    assert report.gained_eligibility == 1  # J, in SE11
    changed = {c.household_id: (c.current_pence, c.draft_pence) for c in report.changed}
    # £810 under a cap with £100 awarded to the twin in May: £650 now, £700 in the draft.
    assert changed[kept.id] == (65_000, 70_000)
    assert changed[second.id] == (75_000, 80_000)
    assert gone.id not in changed


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_installed_command_prints_the_report_of_reading_everything(
    seeded: Seeded, data_dir: Path, tmp_path: Path, workers: str
) -> None:
    """Through the ``caseworker`` entry point in a fresh process (alone, and with forked
    workers): the table and the JSON are exactly those of evaluating every latest visit."""
    draft = draft_copy(tmp_path)
    for version in (draft / "versions").glob("*.yaml"):
        text = version.read_text(encoding="utf-8")
        version.write_text(text.replace("[SE1, SE5,", "[SE1, SE11, SE5,"), encoding="utf-8")
    expected = _full_read_report(seeded.store, draft)
    assert expected.eligibility_changes() and expected.changed  # J (SE11) gains; the cap
    seeded.store.dispose()
    table = caseworker("rules", "impact", str(draft), "--workers", workers, data=data_dir)
    assert table.returncode == 0, table.stderr
    assert table.stdout == "\n".join([f"Policy-change impact of {draft}", *expected.lines()]) + "\n"
    as_json = caseworker(
        "rules", "impact", str(draft), "--json", "--workers", workers, data=data_dir
    )
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stdout == impact.report_json(expected) + "\n"


def test_worker_processes_are_used_from_so_many_live_households(seeded: Seeded) -> None:
    """The default (one process below ``PARALLEL_FROM``) counts live households only, and
    stops counting at the threshold."""
    assert impact._households_at_least(seeded.store, 10)
    assert not impact._households_at_least(seeded.store, 11)
    with seeded.store.unit_of_work() as session:
        row = session.exec(select(HouseholdRow)).first()
        assert row is not None
        row.archived = True
        session.add(row)
    assert not impact._households_at_least(seeded.store, 10)
    assert impact._households_at_least(seeded.store, 9)
