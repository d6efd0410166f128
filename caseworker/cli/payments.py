"""``caseworker payments``: a team manager reconciles finance's payment file (``import``)
and loads the bank modulus check's tables from Pay.UK (``modulus-table``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from caseworker.domain import clock

if TYPE_CHECKING:
    from caseworker.services.payments import AwardLine, ImportReport, Reconciliation


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("payments", help="reconcile finance's payment file")
    commands = parser.add_subparsers(dest="payments_command", metavar="ACTION", required=True)
    imported = commands.add_parser(
        "import",
        help="import finance's payment file (CSV, docs/payments.md) and show every award's "
        "payment: paid, failed, returned, unmatched, paid twice, unpaid too long",
    )
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--as", dest="manager_code", required=True, metavar="MANAGER_CODE")
    imported.add_argument("--password-stdin", action="store_true")
    imported.add_argument(
        "--unpaid-after",
        type=int,
        metavar="DAYS",
        help="list awards approved this many days ago and still unpaid "
        "(default: the payment_unpaid_after_days setting, 10)",
    )
    imported.set_defaults(func=_import)
    table = commands.add_parser(
        "modulus-table",
        help="load the bank modulus check's tables downloaded from Pay.UK (valacdos.txt and "
        "scsubtab.txt): every laptop then checks bank transfers with them (docs/payments.md)",
    )
    table.add_argument("weights", metavar="VALACDOS", help="the weight table, valacdos.txt")
    table.add_argument(
        "--substitutions",
        metavar="SCSUBTAB",
        help="the sort code substitution table for exception 5, scsubtab.txt",
    )
    table.add_argument("--as", dest="manager_code", required=True, metavar="MANAGER_CODE")
    table.add_argument("--password-stdin", action="store_true")
    table.set_defaults(func=_modulus_table)


def _import(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store, refused, sign_in
    from caseworker.services import payments
    from caseworker.services.errors import ServiceError
    from caseworker.settings import current_settings

    path = Path(args.file)
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        print(f"caseworker: there is no file {path}; give finance's payment file", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(
            f"caseworker: {path} is not a text (CSV) file in UTF-8; save it from the "
            "spreadsheet as 'CSV UTF-8'",
            file=sys.stderr,
        )
        return 2
    days = args.unpaid_after or current_settings().payment_unpaid_after_days
    if days < 1:
        print("caseworker: --unpaid-after: give a number of days from 1", file=sys.stderr)
        return 2
    store = open_store()
    try:
        manager = sign_in(store, args.manager_code, args.password_stdin)
        today = clock.today()
        report = payments.import_finance_file(store, manager, text, today)
        view = payments.reconciliation(store, manager, today, days)
    except ServiceError as exc:
        return refused(exc)
    _print_report(path.name, report)
    _print_view(view)
    return 0


def _read_text(path: Path, what: str) -> str | None:
    try:
        return path.read_text("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        print(f"caseworker: there is no file {path}; give {what}", file=sys.stderr)
    except UnicodeDecodeError:
        # Pay.UK's files are plain ASCII; anything else is another kind of file.
        print(f"caseworker: {path} is not a text file; give {what}", file=sys.stderr)
    return None


def _modulus_table(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store, refused, sign_in
    from caseworker.domain import modulus
    from caseworker.services import payments
    from caseworker.services.errors import ServiceError

    weights_path = Path(args.weights)
    weights = _read_text(weights_path, "Pay.UK's weight table, valacdos.txt")
    if weights is None:
        return 2
    names = [weights_path.name]
    substitutions = ""
    if args.substitutions:
        subs_path = Path(args.substitutions)
        read = _read_text(subs_path, "Pay.UK's sort code substitution table, scsubtab.txt")
        if read is None:
            return 2
        substitutions = read
        names.append(subs_path.name)
    try:  # checked before asking for a password: a bad file needs no sign-in to say so
        modulus.Table.read(weights, substitutions)
    except modulus.TableError as exc:
        for problem in exc.problems:
            print(f"caseworker: {problem}", file=sys.stderr)
        print("caseworker: nothing was loaded; the tables in use are unchanged", file=sys.stderr)
        return 2
    store = open_store()
    try:
        manager = sign_in(store, args.manager_code, args.password_stdin)
        info = payments.load_modulus_table(
            store, manager, weights, substitutions, " and ".join(names)
        )
    except ServiceError as exc:
        return refused(exc)
    print(
        f"Loaded {info.rows} weight rows and {info.substitutions} sort code substitutions "
        f"from {info.source}. Bank transfers are checked with them on this laptop now, and "
        "on the team's other laptops after their next sync."
    )
    return 0


def _money(pence: int) -> str:
    from caseworker.domain.money import format_pence

    return format_pence(pence)


def _print_report(name: str, report: ImportReport) -> None:
    from caseworker.domain.payments import Outcome

    print(
        f"{name}: {len(report.applied)} applied ({report.count(Outcome.PAID)} paid, "
        f"{report.count(Outcome.FAILED)} failed, {report.count(Outcome.RETURNED)} returned), "
        f"{len(report.paid_twice)} paid twice, {len(report.unmatched)} unmatched, "
        f"{len(report.already_imported)} already imported, {len(report.malformed)} malformed."
    )
    for problem in report.malformed:
        print(f"caseworker: {problem}", file=sys.stderr)


def _award(a: AwardLine) -> str:
    on = f" on {a.on:%d/%m/%Y}" if a.on else ""
    parts = [f"  {a.reference or '-':<14} {a.household_reference:<12} {_money(a.amount_pence):>10}"]
    parts.append(f"{on} {a.route}".rstrip())
    if a.note:
        parts.append(f" - {a.note}")
    return "".join(parts)


def _print_view(view: Reconciliation) -> None:
    sections: list[tuple[str, list[str]]] = [
        ("Paid", [_award(a) for a in view.paid]),
        ("Failed (a task for the officer)", [_award(a) for a in view.failed]),
        (
            "Returned (money back in the fund; a task for the officer)",
            [_award(a) for a in view.returned],
        ),
        ("Paid twice (ask finance to recover)", [_award(a) for a in view.paid_twice]),
        (
            "Unmatched lines of finance's files",
            [
                f"  {u.line_id:<14} {u.payment_reference:<14} {_money(u.amount_pence):>10} "
                f"{u.outcome.value} - {u.note}"
                for u in view.unmatched
            ],
        ),
        (
            f"Approved but unpaid after {view.unpaid_after_days} days",
            [_award(a) for a in view.unpaid_overdue],
        ),
    ]
    for title, lines in sections:
        print(f"{title} ({len(lines)}):")
        for line in lines:
            print(line)
