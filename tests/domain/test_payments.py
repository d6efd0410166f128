"""Payment routes: each route's form, good and bad, in the officer's words; the modulus
check; finance's file read line by line."""

from __future__ import annotations

from datetime import date

import pytest

from caseworker.domain import modulus
from caseworker.domain.payments import (
    BankTransfer,
    CashOut,
    Delivery,
    DirectPayment,
    Outcome,
    PayeeKind,
    PrepaidCard,
    RouteInvalid,
    RouteKind,
    describe_route,
    parse_finance_file,
    route_from_form,
)

TODAY = date(2031, 2, 28)
AWARD = 12_000


def _errors(kind: str, form: dict[str, str]) -> dict[str, str]:
    with pytest.raises(RouteInvalid) as caught:
        route_from_form(kind, form, TODAY, AWARD)
    return caught.value.fields


# -- the modulus check, on the specification's worked examples -------------------------


@pytest.mark.parametrize(
    ("sort_code", "account", "expected"),
    [
        ("089999", "66374958", modulus.CheckResult.VALID),  # MOD10
        ("089999", "66374959", modulus.CheckResult.INVALID),
        ("107999", "88837491", modulus.CheckResult.VALID),  # MOD11
        ("107999", "88837492", modulus.CheckResult.INVALID),
        ("202959", "63748472", modulus.CheckResult.VALID),  # DBLAL
        ("202959", "63748473", modulus.CheckResult.INVALID),
        ("401234", "12345678", modulus.CheckResult.NOT_CHECKED),  # not in the subset
    ],
)
def test_modulus_check(sort_code: str, account: str, expected: modulus.CheckResult) -> None:
    assert modulus.check(sort_code, account) is expected


def test_a_row_with_an_exception_is_now_checked() -> None:
    # Before the exception rules were implemented a row with one was accepted unchecked;
    # the exception rules themselves are tested in tests/domain/test_modulus.py.
    table = modulus.parse_weights("089000 089999 MOD10 0 0 0 0 0 0 7 1 3 7 1 3 7 1 7\n")
    assert modulus.check("089999", "66374959", table) is modulus.CheckResult.INVALID
    assert modulus.check("089999", "66374958", table) is modulus.CheckResult.VALID


# -- cash-out code ------------------------------------------------------------------------


def test_cash_out_by_text_needs_a_mobile_and_says_how_the_family_gets_it() -> None:
    route = route_from_form(
        "cash_out",
        {"code": "ab12 cd34 ef", "delivery": "text", "phone": "07700 900123"},
        TODAY,
        AWARD,
    )
    assert route == CashOut(code="AB12CD34EF", delivery=Delivery.TEXT, phone="07700900123")
    assert route.family_sentence(AWARD) == (
        "You get £120.00 in cash at any PayPoint or Post Office counter: we text the code "
        "to your phone ending 123 within one working day."
    )


def test_cash_out_printed_puts_the_code_on_the_family_copy() -> None:
    route = route_from_form("cash_out", {"code": "AB12CD34", "delivery": "printed"}, TODAY, AWARD)
    assert isinstance(route, CashOut)
    assert "show the code AB12CD34 printed on this copy" in route.family_sentence(AWARD)


def test_cash_out_mistakes() -> None:
    assert _errors("cash_out", {"code": "12", "delivery": "text", "phone": "0123"}) == {
        "code": "Cash-out code: enter the 8 to 20 letters and digits of the code",
        "phone": "Mobile number: enter a UK mobile number of 11 digits, like 07700 900123",
    }
    assert _errors("cash_out", {"code": "AB12CD34", "delivery": "post"}) == {
        "delivery": "Send the code by: choose text message or printed on the family copy"
    }
    assert _errors(
        "cash_out", {"code": "AB12CD34", "delivery": "printed", "phone": "07700900123"}
    ) == {"phone": "Mobile number: leave it empty when the code is printed"}


# -- prepaid card ---------------------------------------------------------------------


def test_prepaid_card_good() -> None:
    route = route_from_form(
        "prepaid_card", {"last_four": "4821", "expiry": "09/32", "top_up": "120"}, TODAY, AWARD
    )
    assert route == PrepaidCard(
        last_four="4821", expiry_month=9, expiry_year=2032, top_up_pence=AWARD
    )
    assert route.family_sentence(AWARD) == (
        "We top up your prepaid card ending 4821 with £120.00 within two working days."
    )


def test_prepaid_card_mistakes() -> None:
    assert _errors("prepaid_card", {"last_four": "482", "expiry": "13/32", "top_up": "x"}) == {
        "last_four": "Card number's last four digits: enter exactly 4 digits, like 4821",
        "expiry": "Card expiry: enter the month and year as on the card, like 09/28",
        "top_up": "Top-up amount: must be an amount in pounds, like 1,234.50",
    }
    assert _errors("prepaid_card", {"last_four": "4821", "expiry": "01/31", "top_up": "100"}) == {
        "expiry": "Card expiry: this card expired at the end of 01/2031; ask the family for "
        "their current card",
        "top_up": "Top-up amount: must be the award, £120.00 (you typed £100.00)",
    }


def test_a_route_refuses_fields_it_does_not_use() -> None:
    assert _errors(
        "prepaid_card",
        {"last_four": "4821", "expiry": "09/32", "top_up": "120", "sort_code": "200000"},
    ) == {"route": "Payment route: Prepaid card top-up does not use Sort code"}
    assert _errors("cheque", {}) == {
        "route": "Payment route: choose one of cash-out code (paypoint or post office), "
        "prepaid card top-up, paid straight to a landlord, energy supplier or uniform shop, "
        "bank transfer"
    }


# -- direct payment -----------------------------------------------------------------------


def test_direct_payment_good() -> None:
    form = {
        "payee_kind": "landlord",
        "payee": "Peckham Lettings",
        "payee_reference": "T-0042",
        "invoice_number": "INV-881",
    }
    route = route_from_form("direct_to_supplier", form, TODAY, AWARD)
    assert route == DirectPayment(
        payee_kind=PayeeKind.LANDLORD,
        payee="Peckham Lettings",
        payee_reference="T-0042",
        invoice_number="INV-881",
    )
    assert route.family_sentence(AWARD) == (
        "We pay £120.00 straight to your landlord, Peckham Lettings, against invoice INV-881, "
        "within five working days; you do not receive this money yourself."
    )


def test_direct_payment_mistakes() -> None:
    assert _errors(
        "direct_to_supplier", {"payee_kind": "garage", "payee": "", "invoice_number": "I1"}
    ) == {
        "payee_kind": "Paid to: choose landlord, energy supplier or school uniform shop",
        "payee": "Payee name: enter it as it is on the invoice",
        "payee_reference": "Payee's reference for the family: enter it as it is on the invoice",
    }


# -- bank transfer ----------------------------------------------------------------------


def test_bank_transfer_keeps_only_the_masked_details() -> None:
    route = route_from_form(
        "bank_transfer", {"sort_code": "08-99-99", "account_number": "6637 4958"}, TODAY, AWARD
    )
    assert route == BankTransfer(
        sort_code_end="99", account_end="4958", modulus=modulus.CheckResult.VALID
    )
    dumped = route.model_dump_json()
    assert "089999" not in dumped and "66374958" not in dumped
    assert describe_route(route) == "Bank transfer, sort code **-**-99, account ****4958"
    assert route.family_sentence(AWARD) == (
        "We pay £120.00 into your bank account ending 4958 within three working days."
    )


def test_bank_transfer_mistakes() -> None:
    assert _errors("bank_transfer", {"sort_code": "20-00", "account_number": "12ab"}) == {
        "sort_code": "Sort code: enter the 6 digits, like 20-00-00",
        "account_number": "Account number: enter the digits only, as the bank gives them, "
        "like 12345678",
    }
    assert _errors("bank_transfer", {"sort_code": "089999", "account_number": "66374959"}) == {
        "account_number": "Account number: this account number does not belong with that "
        "sort code (the banks' check failed); check both with the family"
    }
    for typed, count in (("12345", 5), ("123 456 789 01", 11)):
        assert _errors("bank_transfer", {"sort_code": "089999", "account_number": typed}) == {
            "account_number": "Account number: expected 6 to 10 digits (most have 8, like "
            f"12345678), you typed {count}"
        }


# Sort code 200000: MOD10 on g and h (g + h must divide by 10); 300005: MOD10 on z and h.
LENGTHS = modulus.Table.read(
    "200000 200000 MOD10 0 0 0 0 0 0 0 0 0 0 0 0 1 1\n"
    "300005 300005 MOD10 0 0 0 0 0 1 0 0 0 0 0 0 0 1\n"
)


def _bank(sort_code: str, account: str) -> BankTransfer:
    form = {"sort_code": sort_code, "account_number": account}
    route = route_from_form("bank_transfer", form, TODAY, AWARD, LENGTHS)
    assert isinstance(route, BankTransfer)
    stored = route.model_dump_json()
    digits = account.replace(" ", "").replace("-", "")
    assert digits not in stored and digits[1:] not in stored and digits[:8] not in stored
    assert sort_code.replace("-", "") not in stored
    return route


@pytest.mark.parametrize(
    ("sort_code", "account", "end", "rule"),
    [
        ("20-00-00", "123455", "3455", ""),  # 6 digits: 00123455, 5 + 5 passes
        ("20-00-00", "1234555", "4555", ""),  # 7 digits: 01234555
        # 9 digits: checked as 300005 / 12345675 (5 + 5); as 300000 nothing would check it
        (
            "30-00-00",
            "5123 45675",
            "5675",
            "9 digits (Santander): read with the account number's first digit as the sort "
            "code's last, and the last eight digits as the account number",
        ),
        # 10 digits, NatWest style (12-34567891): the last eight pass, 9 + 1
        (
            "20-00-00",
            "12-34567891",
            "7891",
            "10 digits, bank not known from the sort code: checked as the first eight digits "
            "(Co-operative Bank and Nationwide) and as the last eight digits (NatWest); "
            "passed as the last eight digits (NatWest)",
        ),
        # 10 digits, Co-operative Bank style: the first eight pass (12345646: 4 + 6)
        (
            "20-00-00",
            "1234564611",
            "4611",
            "10 digits, bank not known from the sort code: checked as the first eight digits "
            "(Co-operative Bank and Nationwide) and as the last eight digits (NatWest); "
            "passed as the first eight digits (Co-operative Bank and Nationwide)",
        ),
    ],
)
def test_bank_transfer_account_numbers_of_each_length(
    sort_code: str, account: str, end: str, rule: str
) -> None:
    route = _bank(sort_code, account)
    assert route == BankTransfer(
        sort_code_end="00", account_end=end, modulus=modulus.CheckResult.VALID, account_rule=rule
    )
    assert describe_route(route) == f"Bank transfer, sort code **-**-00, account ****{end}"


def test_an_eight_digit_route_is_stored_as_before() -> None:
    # No account_rule in the stored form: routes recorded before it existed still match.
    assert _bank("20-00-00", "12345646").model_dump(mode="json") == {
        "route": "bank_transfer",
        "sort_code_end": "00",
        "account_end": "5646",
        "modulus": "valid",
    }


@pytest.mark.parametrize(
    ("sort_code", "account", "how"),
    [
        # 9 digits: 300005 / 12345674, 5 + 4 = 9 fails
        (
            "300000",
            "512345674",
            "9 digits (Santander): read with the account number's first digit as the sort "
            "code's last, and the last eight digits as the account number",
        ),
        # 10 digits: 12345678 (7 + 8) and 34567811 (1 + 1) both fail
        (
            "200000",
            "1234567811",
            "10 digits, bank not known from the sort code: read as the first eight digits "
            "(Co-operative Bank and Nationwide) and as the last eight digits (NatWest)",
        ),
    ],
)
def test_a_long_number_that_fails_says_how_it_was_read(
    sort_code: str, account: str, how: str
) -> None:
    with pytest.raises(RouteInvalid) as caught:
        route_from_form(
            "bank_transfer",
            {"sort_code": sort_code, "account_number": account},
            TODAY,
            AWARD,
            LENGTHS,
        )
    assert caught.value.fields == {
        "account_number": "Account number: this account number does not belong with that "
        f"sort code (the banks' check failed); check both with the family. How it was read: "
        f"{how}."
    }


# -- finance's file ---------------------------------------------------------------------

HEADER = "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"


def test_finance_file_reads_good_lines_and_names_each_bad_one() -> None:
    text = HEADER + (
        "F1,cw-aaaa,bank_transfer,paid,120.00,2031-02-20,4958,\n"
        "F2,CW-BBBB,cash_out,lost,10.00,2031-02-20,CD34,\n"
        "F3,CW-CCCC,prepaid_card,failed,ten,2031-02-20,4821,card blocked\n"
        "F4,CW-DDDD,direct_to_supplier,returned,5.00,20/02/2031,INV-1,\n"
        "F5,CW-EEEE,bank_transfer\n"
        "\n"
        "F6,CW-FFFF,direct_to_supplier,returned,5.00,2031-02-21,INV-2,account closed\n"
    )
    lines, problems = parse_finance_file(text)
    assert [(x.line_id, x.line_number, x.payment_reference) for x in lines] == [
        ("F1", 2, "CW-AAAA"),
        ("F6", 8, "CW-FFFF"),
    ]
    assert lines[1].outcome is Outcome.RETURNED and lines[1].route is RouteKind.DIRECT
    assert lines[0].amount_pence == 12_000
    assert [str(p) for p in problems] == [
        "Line 3, column outcome: expected paid, failed or returned, found 'lost'",
        "Line 4, column amount: expected an amount in pounds, like 120.00, found 'ten'",
        "Line 5, column date: expected a date as year-month-day, like 2027-01-31, "
        "found '20/02/2031'",
        "Line 6, column outcome: expected 8 columns, found 3",
    ]


def test_finance_file_without_its_columns_says_which() -> None:
    lines, problems = parse_finance_file("line_id,amount\nF1,1.00\n")
    assert lines == []
    assert str(problems[0]).startswith("Line 1, column payment_reference: the header has no")


def test_the_shipped_sample_file_reads_cleanly_and_shows_every_route_and_outcome() -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "resources" / "payments" / "sample.csv"
    lines, problems = parse_finance_file(sample.read_text("utf-8"))
    assert problems == []
    assert {x.route for x in lines} == set(RouteKind)
    assert {x.outcome for x in lines} == set(Outcome)


def test_fund_balances_keep_approved_paid_and_returned_apart() -> None:
    import uuid

    from caseworker.domain.fund import Entry, EntryKind, balances

    officer = uuid.uuid4()
    b = balances(
        [
            Entry(EntryKind.BUDGET, 100_000),
            Entry(EntryKind.GRANT, 20_000, officer),
            Entry(EntryKind.SPEND, 5_000, officer),  # approved on the spot
            Entry(EntryKind.APPROVAL, 7_000),  # approved by a manager
            Entry(EntryKind.PAYMENT, 5_000),
            Entry(EntryKind.PAYMENT, 7_000),
            Entry(EntryKind.PAYMENT_RETURNED, 7_000),  # the manager's award came back
        ]
    )
    assert (b.approved_pence, b.paid_pence, b.returned_pence) == (5_000, 12_000, 7_000)
    assert (b.paid_net_pence, b.unpaid_pence) == (5_000, 0)
    assert b.unallocated_pence == 100_000 - 20_000 - 7_000 + 7_000
