"""Payment instructions and reconciliation with finance's file, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from caseworker.domain import modulus
from caseworker.domain.fund import EntryKind
from caseworker.domain.packages import Package, PackageStatus
from caseworker.domain.payments import BankTransfer, LineResult, Outcome, PaymentStatus
from caseworker.services import fund, packages, payments, reviews
from caseworker.services.audit import canonical, iter_chain, verify
from caseworker.services.errors import InvalidInput, PermissionRefused
from caseworker.store.database import Store
from caseworker.store.payment_tables import FinanceLineRow
from caseworker.store.sync_tables import OutboxRow
from caseworker.store.tables import AuditEventRow, FundEntryRow
from caseworker.sync.rows import BY_NAME
from tests.services.packages_fixtures import TODAY, Team, new_case, team_on

HEADER = "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"
PAID_ON = TODAY + timedelta(days=3)


@pytest.fixture
def store(laptop_or_shared_store: Store) -> Store:
    """Each test here on a laptop's store and on a shared PostgreSQL store (conftest)."""
    return laptop_or_shared_store


@pytest.fixture
def team(store: Store) -> Team:
    return team_on(store)


def _approved(team: Team, arrears: int = 5_000) -> Package:
    officer = team.officers[0]
    visit = new_case(team, officer, arrears)
    package = packages.propose(team.store, officer, team.rules, visit.id, [], TODAY)
    return packages.approve_on_the_spot(team.store, officer, team.rules, package.id, TODAY)


def _pounds(pence: int) -> str:
    return f"{pence / 100:.2f}"


def test_an_instruction_is_refused_in_the_officers_words(team: Team) -> None:
    package = _approved(team)
    officer = team.officers[0]
    with pytest.raises(InvalidInput) as caught:
        payments.instruct_from_form(
            team.store,
            officer,
            package.id,
            "bank_transfer",
            {"sort_code": "089999", "account_number": "66374959"},
            TODAY,
        )
    assert caught.value.fields == {
        "account_number": "Account number: this account number does not belong with that "
        "sort code (the banks' check failed); check both with the family"
    }
    with pytest.raises(PermissionRefused):
        payments.instruct_from_form(
            team.store,
            team.officers[1],
            package.id,
            "cash_out",
            {"code": "AB12CD34", "delivery": "printed"},
            TODAY,
        )
    first = payments.instruct_from_form(
        team.store,
        officer,
        package.id,
        "cash_out",
        {"code": "AB12CD34", "delivery": "printed"},
        TODAY,
    )
    assert first.status is PaymentStatus.INSTRUCTED and first.reference.startswith("CW-")
    with pytest.raises(payments.PaymentRefused, match="already being paid"):
        payments.instruct_from_form(
            team.store,
            officer,
            package.id,
            "bank_transfer",
            {"sort_code": "089999", "account_number": "66374958"},
            TODAY,
        )


def test_bank_details_are_kept_only_masked(team: Team) -> None:
    package = _approved(team)
    payment = payments.instruct_from_form(
        team.store,
        team.officers[0],
        package.id,
        "bank_transfer",
        {"sort_code": "08-99-99", "account_number": "66374958"},
        TODAY,
    )
    assert payment.description == "Bank transfer, sort code **-**-99, account ****4958"
    from sqlmodel import SQLModel

    with team.store.read() as session:
        for table in SQLModel.metadata.tables.values():
            for row in session.execute(select(table)).all():
                text = " ".join(str(v) for v in row)
                assert "66374958" not in text and "089999" not in text, table.name


def _reconciliation_case(team: Team) -> tuple[dict[str, payments.Payment], str]:
    officer = team.officers[0]
    made = {name: _approved(team) for name in ("bank", "cash", "direct", "card", "none")}
    forms = {
        "bank": ("bank_transfer", {"sort_code": "089999", "account_number": "66374958"}),
        "cash": ("cash_out", {"code": "AB12CD34", "delivery": "text", "phone": "07700900123"}),
        "direct": (
            "direct_to_supplier",
            {
                "payee_kind": "landlord",
                "payee": "Peckham Lettings",
                "payee_reference": "T-42",
                "invoice_number": "INV-7",
            },
        ),
        "card": ("prepaid_card", {"last_four": "4821", "expiry": "09/32", "top_up": ""}),
    }
    paid: dict[str, payments.Payment] = {}
    for name, (kind, form) in forms.items():
        if kind == "prepaid_card":
            form = {**form, "top_up": _pounds(made[name].total_pence)}
        paid[name] = payments.instruct_from_form(
            team.store, officer, made[name].id, kind, form, TODAY
        )
    amount = {n: _pounds(p.amount_pence) for n, p in paid.items()}
    ref = {n: p.reference for n, p in paid.items()}
    day = PAID_ON.isoformat()
    text = HEADER + "".join(
        [
            f"F1,{ref['bank']},bank_transfer,paid,{amount['bank']},{day},4958,\n",
            f"F2,{ref['cash']},cash_out,failed,{amount['cash']},{day},CD34,number not in service\n",
            f"F3,{ref['direct']},direct_to_supplier,paid,{amount['direct']},{day},INV-7,\n",
            f"F4,{ref['direct']},direct_to_supplier,returned,{amount['direct']},{day},INV-7,"
            "tenancy ended\n",
            f"F5,{ref['card']},prepaid_card,paid,{amount['card']},{day},4821,\n",
            f"F6,{ref['card']},prepaid_card,paid,{amount['card']},{day},4821,\n",
            f"F7,CW-NOSUCHREF0,bank_transfer,paid,10.00,{day},1234,\n",
            f"F8,{ref['bank']},bank_transfer,paid,ten pounds,{day},4958,\n",
            f"F1,{ref['bank']},bank_transfer,paid,{amount['bank']},{day},4958,\n",
        ]
    )
    return paid, text


def test_a_file_with_every_kind_of_line(team: Team) -> None:
    manager, officer = team.managers[0], team.officers[0]
    paid, text = _reconciliation_case(team)
    before = fund.fund_summary(team.store, manager, TODAY)

    report = payments.import_finance_file(team.store, manager, text, PAID_ON)

    assert [(a.line_id, a.outcome) for a in report.applied] == [
        ("F1", Outcome.PAID),
        ("F2", Outcome.FAILED),
        ("F3", Outcome.PAID),
        ("F4", Outcome.RETURNED),
        ("F5", Outcome.PAID),
    ]
    assert [(a.line_id, a.result) for a in report.paid_twice] == [("F6", LineResult.PAID_TWICE)]
    assert [(a.line_id, a.note) for a in report.unmatched] == [
        ("F7", "No payment instruction has this reference.")
    ]
    assert [str(p) for p in report.malformed] == [
        "Line 9, column amount: expected an amount in pounds, like 120.00, found 'ten pounds'"
    ]
    assert report.already_imported == [10]  # F1 again, later in the same file

    status = {n: packages.get_package(team.store, p.package_id).status for n, p in paid.items()}
    assert status == {
        "bank": PackageStatus.PAID,
        "cash": PackageStatus.APPROVED_ON_SPOT,
        "direct": PackageStatus.WITHDRAWN,
        "card": PackageStatus.PAID,
    }

    # The fund: paid and returned apart; the returned award's money is the fund's again.
    after = fund.fund_summary(team.store, manager, TODAY)
    direct = paid["direct"].amount_pence
    paid_out = paid["bank"].amount_pence + direct + paid["card"].amount_pence
    assert after.paid_pence == before.paid_pence + paid_out
    assert after.returned_pence == before.returned_pence + direct
    assert after.paid_net_pence == paid_out - direct
    assert after.approved_pence == before.approved_pence - direct
    assert after.unallocated_pence == before.unallocated_pence + direct
    assert after.unpaid_pence == before.approved_pence - direct - (paid_out - direct)

    # The manager's view.
    view = payments.reconciliation(team.store, manager, PAID_ON + timedelta(days=30))
    assert [a.reference for a in view.paid] == sorted(
        [paid["bank"].reference, paid["card"].reference]
    )
    assert [(a.reference, a.note) for a in view.failed] == [
        (paid["cash"].reference, "number not in service")
    ]
    assert [(a.reference, a.note) for a in view.returned] == [
        (paid["direct"].reference, "tenancy ended")
    ]
    assert [a.reference for a in view.paid_twice] == [paid["card"].reference]
    assert [u.line_id for u in view.unmatched] == ["F7"]
    # Approved 33 days before and never paid: the one with no instruction and the failed one.
    overdue = {a.reference: a.note for a in view.unpaid_overdue}
    assert len(view.unpaid_overdue) == 2 and "" in overdue
    assert overdue[""] == "Approved 33 days ago; no payment instruction yet."
    assert payments.reconciliation(team.store, manager, PAID_ON).unpaid_overdue == []

    # The officer's to-do list (the review list) carries the failed and returned payments.
    lists = reviews.reviews_for(team.store, officer, PAID_ON)
    todo = {t.payment.reference: t.what_to_do for t in lists.payments}
    assert sorted(todo) == sorted([paid["cash"].reference, paid["direct"].reference])
    assert todo[paid["cash"].reference].startswith(
        f"Finance could not pay {paid['cash'].reference} (number not in service)"
    )
    assert "came back (tenancy ended) and is in the fund again" in todo[paid["direct"].reference]
    assert reviews.reviews_for(team.store, team.officers[1], PAID_ON).payments == []

    # Sending the failed award another way closes its task; the returned one is closed by hand.
    payments.instruct_from_form(
        team.store,
        officer,
        paid["cash"].package_id,
        "cash_out",
        {"code": "ZZ99YY88", "delivery": "printed"},
        PAID_ON,
    )
    payments.close_task(
        team.store, officer, paid["direct"].id, "Told the family; rent now paid by HB", PAID_ON
    )
    assert payments.tasks_for(team.store, officer) == []


def test_importing_the_same_file_again_changes_nothing(team: Team) -> None:
    manager = team.managers[0]
    _paid, text = _reconciliation_case(team)
    payments.import_finance_file(team.store, manager, text, PAID_ON)

    def counts() -> tuple[int, int, object]:
        with team.store.read() as session:
            lines = session.exec(select(func.count()).select_from(FinanceLineRow)).one()
            ledger = session.exec(select(func.count()).select_from(FundEntryRow)).one()
        return lines, ledger, fund.fund_summary(team.store, manager, TODAY)

    before = counts()
    again = payments.import_finance_file(team.store, manager, text, PAID_ON)
    assert again.changed_nothing
    assert again.already_imported == [2, 3, 4, 5, 6, 7, 8, 10]
    assert counts() == before


def test_only_a_manager_imports_and_the_import_is_a_synced_change(team: Team) -> None:
    _paid, text = _reconciliation_case(team)
    with pytest.raises(PermissionRefused):
        payments.import_finance_file(team.store, team.officers[0], text, PAID_ON)
    payments.import_finance_file(team.store, team.managers[0], text, PAID_ON)
    if team.store.keeps_outbox:
        with team.store.read() as session:
            names = list(session.exec(select(OutboxRow.name)).all())
        assert "payments.import_finance_file" in names and "payments.instruct" in names


def test_a_returned_payment_leaves_a_returned_ledger_entry(team: Team) -> None:
    manager = team.managers[0]
    paid, text = _reconciliation_case(team)
    payments.import_finance_file(team.store, manager, text, PAID_ON)
    with team.store.read() as session:
        kinds = session.exec(
            select(FundEntryRow.kind).where(FundEntryRow.package_id == paid["direct"].package_id)
        ).all()
    assert list(kinds) == [
        EntryKind.SPEND.value,
        EntryKind.PAYMENT.value,
        EntryKind.PAYMENT_RETURNED.value,
    ]


def test_each_settled_payment_has_its_own_audit_entry_on_an_unbroken_chain(team: Team) -> None:
    """The import writes its audit entries in one statement; each is still the payment's
    own, in its household's trail, and the chain verifies over them."""
    manager = team.managers[0]
    paid, text = _reconciliation_case(team)
    payments.import_finance_file(team.store, manager, text, PAID_ON)
    direct = paid["direct"]
    with team.store.read() as session:
        entries = session.exec(
            select(AuditEventRow)
            .where(AuditEventRow.entity == "payment", AuditEventRow.entity_id == direct.id)
            .order_by(col(AuditEventRow.seq))
        ).all()
        checked, broken = verify(iter_chain(session))
        fund_id = fund.fund_row(session, TODAY).id
    assert broken is None and checked > 0
    assert [(e.action, e.household_id, e.actor_id) for e in entries] == [
        ("instructed", direct.household_id, team.officers[0].id),
        ("paid", direct.household_id, manager.id),
        ("returned", direct.household_id, manager.id),
    ]
    assert entries[2].payload == canonical(
        {
            "line_id": "F4",
            "reference": direct.reference,
            "amount_pence": direct.amount_pence,
            "before": "paid",
            "reason": "tenancy ended",
            "package": direct.package_id,
            "package_status": ["paid", "withdrawn"],
            "fund": fund_id,
            "ledger": [EntryKind.PAYMENT_RETURNED.value],
        }
    )
    assert entries[1].at == entries[2].at  # one import, one instant


# -- the council's modulus tables ---------------------------------------------------------

# Synthetic rows (the published table is copyright; see docs/payments.md). Exception 5:
# MOD11 on z and a, 11 - remainder must be g; DBLAL on z and b, 10 - remainder must be h.
COUNCIL_WEIGHTS = (
    "400000 409999 MOD11 0 0 0 0 0 1 1 0 0 0 0 0 0 0 5\n"
    "400000 409999 DBLAL 0 0 0 0 0 1 0 1 0 0 0 0 0 0 5\n"
)
# 401234 is checked as 400009: z = 9, so account 00000021 passes (9 + 0 = 9: 11 - 9 = 2
# = g; 9 + 0 = 9: 10 - 9 = 1 = h). Unsubstituted, z = 4: 11 - 4 = 7 is not g, it fails.
COUNCIL_SUBSTITUTIONS = "401234 400009\n"


def test_the_councils_modulus_tables_check_every_bank_transfer(team: Team) -> None:
    officer, manager = team.officers[0], team.managers[0]
    form = {"sort_code": "40-12-34", "account_number": "00000022"}
    # Not in the subset shipped: accepted, not checked.
    before = payments.instruct_from_form(
        team.store, officer, _approved(team).id, "bank_transfer", form, TODAY
    )
    assert isinstance(before.route, BankTransfer)
    assert before.route.modulus is modulus.CheckResult.NOT_CHECKED
    with pytest.raises(PermissionRefused):
        payments.load_modulus_table(team.store, officer, COUNCIL_WEIGHTS, "", "valacdos.txt")
    with pytest.raises(InvalidInput) as caught:
        payments.load_modulus_table(
            team.store, manager, COUNCIL_WEIGHTS + "400000 409999 MOD13\n", "", "valacdos.txt"
        )
    assert list(caught.value.fields.values()) == [
        "Weight table: Line 3: expected 17 or 18 columns (start and end sort codes, the "
        "method, 14 weights and perhaps an exception number), found 3"
    ]
    assert payments.modulus_table(team.store) is modulus.SUBSET  # nothing was stored

    info = payments.load_modulus_table(
        team.store, manager, COUNCIL_WEIGHTS, COUNCIL_SUBSTITUTIONS, "valacdos.txt"
    )
    assert (info.rows, info.substitutions) == (2, 1)
    assert payments.modulus_table_info(team.store).source == "valacdos.txt"
    package = _approved(team)
    with pytest.raises(InvalidInput) as refused:
        payments.instruct_from_form(team.store, officer, package.id, "bank_transfer", form, TODAY)
    assert list(refused.value.fields) == ["account_number"]
    good = {"sort_code": "401234", "account_number": "00000021"}
    after = payments.instruct_from_form(
        team.store, officer, package.id, "bank_transfer", good, TODAY
    )
    assert isinstance(after.route, BankTransfer)
    assert after.route.modulus is modulus.CheckResult.VALID
    if team.store.keeps_outbox:
        with team.store.read() as session:
            names = list(session.exec(select(OutboxRow.name)).all())
        assert "payments.modulus_table" in names
    assert BY_NAME["modulus_table"].how == "replace"  # every laptop pulls the row


def test_the_manager_is_told_which_modulus_tables_are_in_use() -> None:
    sample = payments.ModulusTableInfo(3, 0, "the subset shipped", None)
    assert payments.modulus_table_sentence(sample) == (
        "Bank details are checked against a small sample of sort codes only: most are not "
        "checked until a manager loads Pay.UK's tables (caseworker payments modulus-table)."
    )
    # 23:30 UTC on 1 July is 00:30 on 2 July in UK summer time: the day shown is the UK one.
    loaded = payments.ModulusTableInfo(
        1138, 27, "valacdos.txt and scsubtab.txt", datetime(2027, 7, 1, 23, 30, tzinfo=UTC)
    )
    assert payments.modulus_table_sentence(loaded) == (
        "Bank details are checked against Pay.UK's tables loaded on 2 July 2027 "
        "(1,138 rows of sort code ranges, from valacdos.txt and scsubtab.txt)."
    )
    one = payments.ModulusTableInfo(1, 0, "valacdos.txt", datetime(2026, 12, 7, 9, 0))
    assert payments.modulus_table_sentence(one) == (
        "Bank details are checked against Pay.UK's tables loaded on 7 December 2026 "
        "(1 row of sort code ranges, from valacdos.txt)."
    )
