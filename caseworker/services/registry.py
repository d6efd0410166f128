"""Every change the shared store can replay, listed in one place.

The table is built here, explicitly, from the service functions themselves, so it
is complete in every process whatever that process happened to import: a
command-line sync that imported only a few service modules once refused (and so
deleted) an officer's new households as "unknown changes". A test compares this
list with every ``@mutation`` in the package.
"""

from __future__ import annotations

from caseworker.services import (
    conflicts,
    directory,
    fund,
    households,
    merge,
    packages,
    parked,
    payments,
    retention,
    reviews,
    users,
    visits,
)
from caseworker.services.outbox import Mutation, spec_of

_FUNCTIONS = (
    users.save_account,
    users.set_key,
    households.create_household,
    households.update_household,
    visits.record_visit,
    fund.open_fund,
    fund.grant_allowance,
    fund.return_allowance,
    fund.move_allowance,
    reviews.record_review,
    conflicts.resolve,
    merge.merge_households,
    merge.undo_merge,
    packages.propose,
    packages.approve_on_the_spot,
    packages.send_to_manager,
    packages.approve,
    packages.reject,
    packages.withdraw,
    packages.record_payment,
    packages.declare_conflict,
    payments.instruct_payment,
    payments.import_finance_file,
    payments.close_task,
    payments.load_modulus_table,
    retention.deidentify,
    parked.resend,
    parked.discard,
    directory.import_services,
    directory.choose_service,
)


def _build() -> dict[str, Mutation]:
    table: dict[str, Mutation] = {}
    for func in _FUNCTIONS:
        spec = spec_of(func)
        if spec.name in table:
            raise RuntimeError(f"two service functions are registered as {spec.name!r}")
        table[spec.name] = spec
    return table


MUTATIONS: dict[str, Mutation] = _build()
