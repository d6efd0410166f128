"""Plain words for each named change, as the sync pages and the command line show them.

What the store did not accept, and what a person can do about it, is
``caseworker.services.parked``.
"""

from __future__ import annotations

# Words for each named mutation (``caseworker.services.outbox``), as an officer says them.
MUTATION_LABELS: dict[str, str] = {
    "conflicts.resolve": "Conflict resolved",
    "directory.choose_service": "Service chosen for a referral",
    "directory.import": "Services directory imported",
    "fund.grant_allowance": "Offline allowance granted",
    "fund.move_allowance": "Offline allowance moved",
    "fund.open": "Team fund opened",
    "fund.return_allowance": "Offline allowance given back",
    "households.create": "New household",
    "households.merge": "Duplicate households merged",
    "households.undo_merge": "Merge of duplicate households undone",
    "households.update": "Household details changed",
    "packages.approve": "Package approved by a team manager",
    "packages.approve_on_the_spot": "Yes today (on-the-spot approval)",
    "packages.declare_conflict": "Conflict of interest declared",
    "packages.propose": "Package made from a visit",
    "packages.record_payment": "Payment recorded",
    "packages.reject": "Package rejected",
    "packages.send_to_manager": "Package sent to a team manager",
    "packages.withdraw": "Package withdrawn",
    "payments.close_task": "Payment task closed",
    "payments.import_finance_file": "Finance's payment file reconciled",
    "payments.instruct": "Payment sent to finance",
    "payments.modulus_table": "Bank modulus check tables loaded",
    "retention.deidentify": "Household de-identified (retention)",
    "sync.discard": "Change not accepted by the team store, discarded",
    "sync.resend": "Change not accepted by the team store, sent again",
    "reviews.record": "Follow-up review recorded",
    "users.add": "User account added",
    "users.set_key": "Signing key set up at sign-in",
    "visits.record": "Visit recorded",
}


def mutation_label(name: str) -> str:
    """Plain words for a mutation name; an unknown one still reads sensibly."""
    if name in MUTATION_LABELS:
        return MUTATION_LABELS[name]
    area, _, action = name.partition(".")
    return f"{area.capitalize()}: {action.replace('_', ' ')}" if action else name
