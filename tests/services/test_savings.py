"""Savings that stand up: gross and net, worked out again here by hand.

The pilot is the one seeded in ``tests/services/test_evaluation.py``. Its
outcomes at the reviews of the period are: 6 homes kept, 2 jobs started (fewer
than 5, so left out of totals), 5 people with hours restored, 7 debt plans.
Every net figure below is written out as arithmetic from the factors stated in
``resources/savings_factors.toml`` and the deflators in
``resources/gdp_deflators.toml`` (the test first checks the files still say
what the arithmetic assumes), never by calling the code under test.
"""

from __future__ import annotations

import csv
import tomllib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from caseworker import paths
from caseworker.services import evaluation as ev
from caseworker.store.encryption import open_encrypted
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.reports.pdf_tools import text_of
from tests.services.test_evaluation import figures, seed_pilot, seeded  # noqa: F401


def pence(value: str) -> int:
    """Round a Decimal expression's result half up to a whole penny."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def times(gross: int, *shares: str) -> int:
    """``gross`` times each share, exactly, then rounded half up to a whole penny."""
    value = Decimal(gross)
    for share in shares:
        value *= Decimal(share)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def resource(name: str) -> dict[str, object]:
    return tomllib.loads((paths.resources_dir() / name).read_text("utf-8"))


def test_the_stated_factors_are_those_the_arithmetic_below_uses() -> None:
    factors = resource("savings_factors.toml")
    assert factors["price_year"] == "2025-26"
    by_outcome = {f["outcome"]: f for f in factors["factor"]}  # type: ignore[attr-defined]
    assert by_outcome["home_kept"]["deadweight"] == {"low": 0.25, "central": 0.35, "high": 0.5}
    assert by_outcome["home_kept"]["attribution"] == {"low": 0.5, "central": 0.6, "high": 0.75}
    assert by_outcome["hours_restored"]["deadweight"] == {"low": 0.4, "central": 0.5, "high": 0.6}
    assert by_outcome["hours_restored"]["attribution"] == {
        "low": 0.25,
        "central": 0.35,
        "high": 0.5,
    }
    assert by_outcome["debt_plan_in_place"]["deadweight"] == {
        "low": 0.2,
        "central": 0.3,
        "high": 0.4,
    }
    assert by_outcome["debt_plan_in_place"]["attribution"] == {
        "low": 0.5,
        "central": 0.7,
        "high": 0.8,
    }
    grades = factors["optimism_bias"]["by_grade"]  # type: ignore[index]
    assert grades == {"1": 0.0, "2": 0.05, "3": 0.1, "4": 0.15, "5": 0.25, "6": 0.4}
    index = resource("gdp_deflators.toml")["index"]
    assert index == {"2014-15": 76.5, "2023-24": 100.0, "2024-25": 104.1, "2025-26": 107.3}


def test_net_savings_recomputed_by_hand(figures: ev.EvaluationFigures) -> None:  # noqa: F811
    o = figures.outcomes
    assert (o.home_kept, o.job_started, o.hours_restored, o.debt_plan_in_place) == (6, 2, 5, 7)

    # Unit values in 2025-26 prices: value x 107.3 / index of its price year.
    ta = pence(str(Decimal(1_950_000) * Decimal("107.3") / 100))
    assert ta == 2_092_350  # £19,500 (2023-24) is £20,923.50 in 2025-26
    debt = pence(str(Decimal(107_000) * Decimal("107.3") / Decimal("76.5")))
    assert debt == 150_080  # £1,070 (2014-15) is £1,500.80 in 2025-26
    court, hours = 55_200, 279_365  # already 2025-26 prices

    # Gross: count x unit value. Jobs (2) are fewer than 5: left out of the totals.
    gross = 6 * ta + 6 * court + 5 * hours + 7 * debt
    assert gross == 15_332_685

    # Net = gross x (1 - deadweight) x attribution x (1 - optimism bias), per line.
    # Confidence grades: temporary accommodation 4, court fees 1, hours 3, debt 5.
    # Central: central deadweight and attribution, the grade's optimism bias.
    central = (
        times(6 * ta, "0.65", "0.60", "0.85")
        + times(6 * court, "0.65", "0.60", "1.00")
        + times(5 * hours, "0.50", "0.35", "0.90")
        + times(7 * debt, "0.70", "0.70", "0.75")
    )
    # Low: high deadweight, low attribution, optimism bias one grade weaker.
    low = (
        times(6 * ta, "0.50", "0.50", "0.75")
        + times(6 * court, "0.50", "0.50", "0.95")
        + times(5 * hours, "0.40", "0.25", "0.85")
        + times(7 * debt, "0.60", "0.50", "0.60")
    )
    # High: low deadweight, high attribution, optimism bias one grade better.
    high = (
        times(6 * ta, "0.75", "0.75", "0.90")
        + times(6 * court, "0.75", "0.75", "1.00")
        + times(5 * hours, "0.60", "0.50", "0.95")
        + times(7 * debt, "0.80", "0.80", "0.85")
    )
    assert (low, central, high) == (2_740_385, 4_896_933, 7_511_413)

    sv = figures.savings
    assert sv.price_year == "2025-26"
    assert sv.gross_pence("fiscal") == gross == figures.costs_avoided_pence
    assert sv.net("fiscal") == ev.Amounts(low, central, high)
    tables = {t.key: t for t in ev.anonymised_tables(figures)}
    total = tables["costs"].rows[-1]
    assert [ev.present(c) for c in total.cells[2:]] == [
        "£153,326.85",
        "£27,403.85",
        "£48,969.33",
        "£75,114.13",
    ]


def test_social_value_is_kept_apart_from_savings(figures: ev.EvaluationFigures) -> None:  # noqa: F811
    sv = figures.savings
    social = sv.of_kind("social")
    assert {line.unit.outcome for line in social} == {"job_started", "debt_plan_in_place"}
    # HACT relief from heavy debt, £9,428 (2014-15), 7 debt plans, grade 4, central factors.
    relief = pence(str(Decimal(942_800) * Decimal("107.3") / Decimal("76.5")))
    assert relief == 1_322_385
    assert sv.gross_pence("social") == 7 * relief
    assert sv.net("social").central == times(7 * relief, "0.70", "0.70", "0.85")
    # Not one penny of it is in the fiscal figures, nor in the costs table.
    fiscal_only = sum(line.gross_pence for line in sv.of_kind("fiscal") if line.counted)
    assert figures.costs_avoided_pence == fiscal_only
    tables = {t.key: t for t in ev.anonymised_tables(figures)}
    assert not any("Wellbeing" in row.label for row in tables["costs"].rows)
    assert any("Wellbeing" in row.label for row in tables["social_value"].rows)
    assert "not savings" in tables["social_value"].title


def test_court_fees_took_effect_on_8_april_2025() -> None:
    court = next(c for c in ev.load_unit_costs().unit_cost if "court fees" in c.name)
    assert court.valid_from == date(2025, 4, 8)
    assert court.pence == 40_400 + 14_800
    assert "from 8 April 2025" in court.source
    assert court.valid_text() == "valid from 8 April 2025"
    assert not court.out_of_date_on(date(2026, 12, 31))


def test_every_unit_cost_says_where_it_comes_from_and_when_it_holds() -> None:
    costs = ev.load_unit_costs().unit_cost
    years = ev.load_deflators().index
    for cost in costs:
        assert cost.source and cost.note and cost.price_year in years
        assert cost.kind in ("fiscal", "social")
    ta = next(c for c in costs if c.name.startswith("Temporary accommodation"))
    assert (ta.pence, ta.bound, ta.bound_label) == (1_950_000, "upper", "upper bound")
    assert "Upper bound" in ta.note
    benefit = next(c for c in costs if c.outcome == "job_started" and c.kind == "fiscal")
    assert benefit.valid_until == date(2026, 4, 5) and benefit.out_of_date_on(date(2026, 4, 6))
    assert all(c.kind == "social" for c in costs if "HACT" in c.source)


def test_the_savings_table_labels_the_upper_bound(figures: ev.EvaluationFigures) -> None:  # noqa: F811
    tables = {t.key: t for t in ev.anonymised_tables(figures)}
    labels = [row.label for row in tables["costs"].rows]
    assert (
        "Home kept (it was at risk): Temporary accommodation avoided (one household, one year) "
        "(upper bound)"
    ) in labels


def test_a_factors_file_with_a_mistake_is_named(tmp_path: Path) -> None:
    text = (paths.resources_dir() / "savings_factors.toml").read_text("utf-8")
    bad = tmp_path / "factors.toml"
    bad.write_text(text.replace("central = 0.35", "central = 0.55"), "utf-8")  # above high 0.50
    with pytest.raises(ev.UnitCostsInvalid, match=r"factors\.toml: factor\.0\.deadweight"):
        ev.load_savings_factors(bad)
    # A factors file that leaves out an outcome the unit costs need says which.
    start = text.index('[[factor]]\noutcome = "debt_plan_in_place"')
    end = text.index("[[factor]]", start + 1)
    bad.write_text(text[:start] + text[end:], "utf-8")
    factors = ev.load_savings_factors(bad)
    with pytest.raises(ev.UnitCostsInvalid, match="no \\[\\[factor\\]\\] for outcome 'debt_plan"):
        ev.work_out_savings(ev.OutcomeCounts(), ev.load_unit_costs(), factors, ev.load_deflators())


def test_a_unit_cost_with_no_deflator_for_its_year_is_named(tmp_path: Path) -> None:
    text = (paths.resources_dir() / "unit_costs.toml").read_text("utf-8")
    bad = tmp_path / "unit_costs.toml"
    bad.write_text(text.replace('price_year = "2014-15"', 'price_year = "2013-14"', 1), "utf-8")
    with pytest.raises(ev.UnitCostsInvalid, match="'2013-14', which has no GDP deflator"):
        ev.work_out_savings(
            ev.OutcomeCounts(),
            ev.load_unit_costs(bad),
            ev.load_savings_factors(),
            ev.load_deflators(),
        )


def test_the_installed_command_reports_gross_and_net(tmp_path: Path) -> None:
    """``caseworker report evaluation`` in a fresh process, with the council's own factors."""
    data = tmp_path / "laptop"
    data.mkdir()
    store = open_encrypted(data / "caseworker.db")
    seed_pilot(store)
    store.dispose()
    text = (paths.resources_dir() / "savings_factors.toml").read_text("utf-8")
    ours = tmp_path / "ours.toml"
    # The council believes no home kept would have been kept anyway.
    ours.write_text(
        text.replace(
            "deadweight = { low = 0.25, central = 0.35, high = 0.50 }",
            "deadweight = { low = 0.0, central = 0.0, high = 0.0 }",
        ),
        "utf-8",
    )
    pdf, sheet = tmp_path / "report.pdf", tmp_path / "report.csv"
    done = caseworker(
        "report", "evaluation", "--from", "2026-06-01", "--to", "2026-12-31",
        "--as-at", "2027-01-15", "-o", str(pdf), "--csv", str(sheet), "--as", "TM01",
        "--password-stdin", "--savings-factors", str(ours),
        data=data, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Central net with deadweight 0 for homes kept, the rest as stated (see above).
    ta, court, hours, debt = 2_092_350, 55_200, 279_365, 150_080
    central = (
        times(6 * ta, "1", "0.60", "0.85")
        + times(6 * court, "1", "0.60", "1.00")
        + times(5 * hours, "0.50", "0.35", "0.90")
        + times(7 * debt, "0.70", "0.70", "0.75")
    )
    assert central == 7_207_392
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = {(r["section"], r["measure"]): r["value"] for r in csv.DictReader(handle)}
    assert rows[("Summary", "Estimated costs avoided, net: central (£)")] == "72073.92"
    assert rows[("Summary", "Estimated costs avoided (estimates), gross, 2025-26 prices (£)")] == (
        "153326.85"
    )
    assert rows[("Savings factors", "Home kept (it was at risk): deadweight, central")] == "0.0"
    page = text_of(pdf)
    assert "Estimated costs avoided, net: low" in page and "Net: high" in page
    assert "Valid from 8 April 2025" in page and "(upper bound)" in page
