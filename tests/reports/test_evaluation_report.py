"""The evaluation report as a reader gets it: the PDF's text and pages, and the CSV.

The pilot is the one seeded in ``tests/services/test_evaluation.py``; its
figures are worked out there from the seed's own records, and here they are
looked for in what the PDF and the CSV say.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from caseworker.domain.money import format_pence
from caseworker.reports.evaluation import write_evaluation_csv, write_evaluation_pdf
from caseworker.services import evaluation as ev
from caseworker.store.database import Store
from tests.reports.pdf_tools import fonts, ink, render, text_of
from tests.services.test_evaluation import (
    PERIOD_FROM,
    PERIOD_TO,
    TODAY,
    Expected,
    Seeded,
    expected_figures,
    seed_pilot,
)

ALLOWED_TEXT = {ev.FEWER_THAN_5, ev.SUPPRESSED, ev.WITHHELD, ev.NOT_AVAILABLE}


@dataclass
class Report:
    seeded: Seeded
    expected: Expected
    figures: ev.EvaluationFigures
    pdf: Path
    csv: Path
    text: str
    rows: list[dict[str, str]]

    def value(self, section: str, measure: str) -> str:
        found = [
            r["value"] for r in self.rows if (r["section"], r["measure"]) == (section, measure)
        ]
        assert len(found) == 1, (section, measure, found)
        return found[0]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    folder = tmp_path_factory.mktemp("evaluation")
    store = Store.open_local(folder / "store.db")
    seeded = seed_pilot(store)
    figures = ev.evaluation_figures(store, seeded.manager, PERIOD_FROM, PERIOD_TO, today=TODAY)
    pdf, sheet = folder / "report.pdf", folder / "report.csv"
    write_evaluation_pdf(figures, pdf)
    write_evaluation_csv(figures, sheet)
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    yield Report(seeded, expected_figures(seeded), figures, pdf, sheet, text_of(pdf), rows)
    store.dispose()


def shown(count: int) -> str:
    """How a count must read: 0 and 5 or more as they are, 1 to 4 as "fewer than 5"."""
    return "fewer than 5" if 0 < count < 5 else f"{count:,}"


def test_no_personal_data_in_the_pdf_or_the_csv(report: Report) -> None:
    personal = report.seeded.personal_strings()
    personal += [f"BACS-77{i:02d}" for i in range(20)]  # payment references
    personal += ["things are better"]  # a review note
    assert len(personal) > 100
    sheet = report.csv.read_text("utf-8-sig")
    for value in personal:
        assert value not in report.text, value
        assert value not in sheet, value
    # No postcode of any shape, and no date of birth shape, anywhere.
    postcode = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]? ?\d[A-Z]{2}\b")
    assert not postcode.search(report.text) and not postcode.search(sheet)
    assert not re.search(r"\b\d{2}/\d{2}/(19\d\d|200\d|201[0-5])\b", report.text)


def test_the_pdf_shows_the_seeded_figures(report: Report) -> None:
    e, text = report.expected, report.text
    approved = sum(v[1] for v in e.spend.values())
    assert f"Households seen {shown(e.households_seen)}" in text
    assert f"Visits {shown(e.visits)}" in text
    assert f"Packages made {sum(e.packages_by_status.values())}" in text
    assert f"Awards approved in the period {format_pence(approved)}" in text
    assert f"Reviews recorded {shown(e.reviews_done)}" in text
    gross = format_pence(e.costs_avoided)
    assert f"Estimated costs avoided (estimates), gross, 2025-26 prices {gross}" in text
    assert f"Due in the period {shown(e.reviews_due)}" in text
    assert f"Overdue on 31/12/2026 {shown(e.reviews_overdue)}" in text
    assert f"Home kept {shown(e.outcomes.home_kept)}" in text
    assert f"Debt plan in place {shown(e.outcomes.debt_plan_in_place)}" in text
    assert f"Hours restored {shown(e.outcomes.hours_restored)}" in text
    assert f"3 Under pressure {shown(e.visits_by_stage[3])}" in text
    june = e.spend[PERIOD_FROM]
    assert f"June 2026 {june[0]} {format_pence(june[1])}" in text
    assert "Period: 1 June 2026 to 31 December 2026" in text


def test_small_counts_read_fewer_than_5(report: Report) -> None:
    e, text = report.expected, report.text
    assert 0 < e.outcomes.job_started < 5 and 0 < e.reviews_overdue < 5
    assert "Job started fewer than 5" in text
    assert "4 Depressed and despairing fewer than 5" in text
    assert "Rejected fewer than 5" in text and "Withdrawn fewer than 5" in text
    assert "Home lost fewer than 5" in text
    assert "1 Coping 0" in text  # 0 stays 0
    # Money resting on fewer than 5 records is suppressed too.
    assert "Awards paid (of those approved) suppressed (fewer than 5)" in text
    assert "July 2026 fewer than 5 suppressed (fewer than 5)" in text
    # No figure from 1 to 4 stands alone in a table row of counts.
    for measure in ("Job started", "Home lost", "Rejected", "Withdrawn", "Paid"):
        assert not re.search(rf"{measure} [1-4]\b", text), measure


def test_the_csv_has_the_same_anonymised_figures(report: Report) -> None:
    e = report.expected
    assert list(report.rows[0]) == ["section", "measure", "value"]
    assert report.value("Summary", "Households seen") == str(e.households_seen)
    assert report.value("Summary", "Visits") == str(e.visits)
    assert report.value("Work, debt and referrals at review", "Job started") == "fewer than 5"
    assert report.value("Work, debt and referrals at review", "Training started") == "0"
    assert report.value("Visits by stage", "3 Under pressure") == str(e.visits_by_stage[3])
    assert report.value("Visits by stage", "4 Depressed and despairing") == "fewer than 5"
    assert report.value("Packages by stage at the visit", "3 Under pressure") == "withheld"
    june = e.spend[PERIOD_FROM]
    section = "Spend against the fund by month of approval"
    assert report.value(section, "June 2026: Approved (£)") == f"{june[1] / 100:.2f}"
    assert report.value(section, "July 2026: Approved (£)") == "suppressed (fewer than 5)"
    assert report.value(
        "Summary", "Estimated costs avoided (estimates), gross, 2025-26 prices (£)"
    ) == (f"{e.costs_avoided / 100:.2f}")
    # Every figure is a plain number or one of the suppression words: nothing like "3".
    tables = {t.title for t in ev.anonymised_tables(report.figures)}
    for row in report.rows:
        if row["section"] not in tables:
            continue
        value = row["value"]
        assert value in ALLOWED_TEXT or re.fullmatch(r"-?[+]?\d+(\.\d+)?", value), row
        if re.fullmatch(r"\d+", value):
            assert not 0 < int(value) < 5 or "(£)" in row["measure"], row


def test_the_pdf_and_csv_agree_cell_by_cell(report: Report) -> None:
    """Both come from the same tables through ``present``; a count cell reads alike in both."""
    for t in ev.anonymised_tables(report.figures):
        for row in t.rows:
            for column, figure in zip(t.columns, row.cells, strict=True):
                measure = row.label if len(t.columns) == 1 else f"{row.label}: {column}"
                if figure.kind is ev.Kind.COUNT:
                    plain = report.value(t.title, measure)
                    assert plain == ev.present(figure, plain=True)
                    assert ev.present(figure) in report.text


def test_estimated_costs_avoided_with_sources(report: Report) -> None:
    text = report.text
    assert "Estimated savings: gross and net" in text and "ESTIMATES." in text
    for cost in ev.load_unit_costs().unit_cost:
        assert re.sub(r"\s+", " ", cost.source)[:60] in text
        assert f"{cost.name}, {format_pence(cost.pence)} in {cost.price_year} prices" in text
    # A 2014-15 figure is shown uprated to the report's year, with the deflators used.
    assert (
        "£1,070.00 in 2014-15 prices, £1,500.80 in 2025-26 prices (GDP deflator 107.3 / 76.5)"
        in text
    )
    # The court fees took effect on 8 April 2025, and the report says so.
    assert (
        "Valid from 8 April 2025" in text and "1 April 2025" not in text.split("HM Courts")[1][:80]
    )


def test_gross_and_net_side_by_side_with_a_range(report: Report) -> None:
    """The summary and the savings table show gross and net low, central and high."""
    text, sv = report.text, report.figures.savings
    net = sv.net("fiscal")
    assert f"gross, 2025-26 prices {format_pence(sv.gross_pence('fiscal'))}" in text
    assert f"Estimated costs avoided, net: low {format_pence(net.low)}" in text
    assert f"Estimated costs avoided, net: central {format_pence(net.central)}" in text
    assert f"Estimated costs avoided, net: high {format_pence(net.high)}" in text
    assert net.low < net.central < net.high < sv.gross_pence("fiscal")
    # The savings table has both, line by line: homes kept (6) against temporary accommodation.
    ta = next(line for line in sv.lines if line.unit.bound == "upper")
    cells = [format_pence(p) for p in (ta.gross_pence, ta.net.low, ta.net.central, ta.net.high)]
    assert f"(upper bound) 6 {format_pence(ta.unit_pence)} {' '.join(cells)}" in text
    assert (
        report.value(
            "Estimated costs avoided set against what was spent (estimates)",
            "Estimated costs avoided, net: central (£)",
        )
        == f"{net.central / 100:.2f}"
    )
    # Each factor is stated with its source.
    assert "Home kept (it was at risk): deadweight 35% (25% to 50%), attribution 60%" in text
    assert "Optimism bias by confidence grade: grade 1 0%" in text and "GMCA" in text
    assert "Deflators: HM Treasury GDP deflators" in text


def test_upper_bound_is_labelled(report: Report) -> None:
    text = report.text
    assert "Temporary accommodation avoided (one household, one year) (upper bound)" in text
    assert "Upper bound." in text
    assert "(lower bound (a floor))" in text  # the court fees and a year of benefit are floors


def test_social_value_is_reported_apart(report: Report) -> None:
    text, sv = report.text, report.figures.savings
    assert "Social value (wellbeing values, 2025-26 prices): not savings" in text
    social = {line.unit.name for line in sv.of_kind("social")}
    assert social and all("Wellbeing value" in name for name in social)
    costs = report.figures and next(
        t for t in ev.anonymised_tables(report.figures) if t.key == "costs"
    )
    assert not any("Wellbeing" in row.label for row in costs.rows)
    assert (
        report.value("Summary", "Social value, net central (wellbeing, not costs avoided) (£)")
        == f"{sv.net('social').central / 100:.2f}"
    )


def test_charts_are_drawn_and_pages_are_not_cut(report: Report, tmp_path: Path) -> None:
    text = report.text
    # Chart text is real text: legends, axis labels and bar labels.
    for label in (
        "Made at visits",
        "Taken up",
        "Approved, added up",
        "Fund budget",
        "At the visit",
    ):
        assert label in text
    assert "Bars labelled <5 (fewer than 5) or w (withheld) are not drawn." in text
    pages = render(report.pdf, tmp_path)
    assert len(pages) >= 5
    assert all(ink(page) > 0.01 for page in pages)
    assert all(fonts(report.pdf).values())  # every font embedded
    assert re.search(rf"Page {len(pages)} of {len(pages)}", text)


def test_a_period_with_nothing_in_it_still_makes_a_report(report: Report, tmp_path: Path) -> None:
    """No visits, no packages, no fund: every figure 0, charts empty, nothing breaks."""
    seeded = report.seeded
    empty = ev.evaluation_figures(
        seeded.store, seeded.manager, date(2020, 1, 1), date(2020, 12, 31), today=TODAY
    )
    assert (empty.visits, empty.packages, empty.fund_budget_pence, empty.referrals) == (0, 0, 0, ())
    pdf, sheet = tmp_path / "empty.pdf", tmp_path / "empty.csv"
    write_evaluation_pdf(empty, pdf)
    write_evaluation_csv(empty, sheet)
    text = text_of(pdf)
    assert "Households seen 0" in text and "Fund budget (2019-20, 2020-21) £0.00" in text
    assert "Financial 0 n/a n/a n/a" in text
    assert "Nothing to draw" in text
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        assert {
            r["value"] for r in csv.DictReader(handle) if r["section"] == "Visits by stage"
        } == {"0"}
