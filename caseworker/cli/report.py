"""``caseworker report evaluation``: the pilot's anonymised evaluation report, for a manager.

The report is anonymised, but it still describes the team's work and spend,
so a team manager signs in with their code and password (typed, or one line
on stdin for scripts), as for ``caseworker retention``. Heavy modules are
imported inside the handler so ``caseworker --version`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

EXIT_OK = 0
EXIT_REFUSED = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-04-01") from exc


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="reports for team managers and the policy team")
    reports = parser.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    evaluation = reports.add_parser(
        "evaluation",
        help="the pilot's anonymised evaluation report (PDF, and CSV for analysts)",
        description=(
            "Households seen, packages by stage and route, spend against the fund, referrals, "
            "reviews, outcomes, movement in the four capitals and estimated costs avoided, "
            "for the period FROM to TO (both included). Anonymised: no names, addresses, "
            "postcodes, dates of birth or references; counts from 1 to 4 read 'fewer than 5'."
        ),
    )
    evaluation.add_argument("--from", dest="date_from", type=_day, required=True, metavar="DATE")
    evaluation.add_argument("--to", dest="date_to", type=_day, required=True, metavar="DATE")
    evaluation.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT.pdf")
    evaluation.add_argument("--csv", type=Path, metavar="REPORT.csv", help="also write a CSV")
    evaluation.add_argument("--as", dest="manager_code", required=True, metavar="MANAGER_CODE")
    evaluation.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )
    evaluation.add_argument(
        "--unit-costs",
        type=Path,
        metavar="FILE",
        help="unit costs to use instead of resources/unit_costs.toml (same format)",
    )
    evaluation.add_argument(
        "--savings-factors",
        type=Path,
        metavar="FILE",
        help="deadweight, attribution and optimism bias to use instead of "
        "resources/savings_factors.toml (same format)",
    )
    evaluation.add_argument(
        "--as-at",
        dest="as_at",
        type=_day,
        metavar="DATE",
        help="count overdue reviews as at this day (default: the end of the period, or today "
        "if that is earlier)",
    )
    evaluation.set_defaults(func=_evaluation)


def _evaluation(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store, sign_in
    from caseworker.reports.evaluation import write_evaluation_csv, write_evaluation_pdf
    from caseworker.services.errors import ServiceError
    from caseworker.services.evaluation import (
        evaluation_figures,
        load_savings_factors,
        load_unit_costs,
    )

    store = open_store()
    try:
        manager = sign_in(store, args.manager_code, args.password_stdin)
        unit_costs = load_unit_costs(args.unit_costs) if args.unit_costs else None
        factors = load_savings_factors(args.savings_factors) if args.savings_factors else None
        figures = evaluation_figures(
            store,
            manager,
            args.date_from,
            args.date_to,
            today=args.as_at,
            unit_costs=unit_costs,
            factors=factors,
        )
    except ServiceError as exc:
        print(f"caseworker: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        store.dispose()
    try:
        write_evaluation_pdf(figures, args.output)
        if args.csv is not None:
            write_evaluation_csv(figures, args.csv)
    except OSError as exc:
        print(f"caseworker: the report could not be written ({exc}).", file=sys.stderr)
        return EXIT_REFUSED
    written = f"{args.output}" + (f" and {args.csv}" if args.csv is not None else "")
    print(f"Evaluation report for {args.date_from:%d/%m/%Y} to {args.date_to:%d/%m/%Y}: {written}")
    return EXIT_OK
