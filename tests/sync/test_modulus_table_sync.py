"""The council's modulus tables travel with the sync: loaded on one laptop, used on another."""

from __future__ import annotations

from caseworker.domain.modulus import SUBSET, CheckResult
from caseworker.services import payments, users
from tests.conftest import PASSWORD
from tests.services.test_payments import COUNCIL_SUBSTITUTIONS, COUNCIL_WEIGHTS
from tests.sync.conftest import Laptop


def test_tables_loaded_on_one_laptop_check_bank_transfers_on_another(
    laptops: list[Laptop],
) -> None:
    a, b, _ = laptops
    manager = users.create_first_manager(a.store, "Morgan Lee", "TM01", PASSWORD)
    a.sync()
    b.sync()
    assert payments.modulus_table(b.store) is SUBSET
    payments.load_modulus_table(
        a.store, manager, COUNCIL_WEIGHTS, COUNCIL_SUBSTITUTIONS, "valacdos.txt"
    )
    report = a.sync()
    assert report.pushed.refused == 0
    b.sync()
    # 401234 is checked as 400009 (see tests/services/test_payments.py for the sums).
    assert payments.modulus_table(b.store).check("401234", "00000021") is CheckResult.VALID
    assert payments.modulus_table(b.store).check("401234", "00000022") is CheckResult.INVALID
    assert payments.modulus_table_info(b.store).rows == 2

    # Loading again replaces the one row everywhere (a newer edition of the table).
    payments.load_modulus_table(
        a.store, manager, COUNCIL_WEIGHTS.splitlines()[0], "", "valacdos-2.txt"
    )
    a.sync()
    b.sync()
    info = payments.modulus_table_info(b.store)
    assert (info.rows, info.substitutions, info.source) == (1, 0, "valacdos-2.txt")
