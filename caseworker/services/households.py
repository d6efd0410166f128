"""Find, create and change households. Every change is audited in the same transaction."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from caseworker.domain.household import MONEY_FIELDS, Household, Member
from caseworker.domain.merge import (
    FieldConflict,
    changed_fields,
    flatten,
    merge_flat,
    unflatten,
    without_presence,
)
from caseworker.domain.stamps import current_tape
from caseworker.domain.users import User
from caseworker.services import parked
from caseworker.services.audit import AuditTrail, canonical, diff, jsonable
from caseworker.services.drafts import drop_draft
from caseworker.services.errors import InvalidInput, NotFound
from caseworker.services.forms import build, to_form
from caseworker.services.merge import merged_into_reference
from caseworker.services.outbox import mutation
from caseworker.store import households as repo
from caseworker.store.database import Store
from caseworker.store.households import HouseholdSummary
from caseworker.store.sync_tables import HouseholdConflict
from caseworker.store.tables import HouseholdRow

log = logging.getLogger(__name__)
MAX_RESULTS = 500


def _flatten(household: Household) -> dict[str, Any]:
    """Household fields plus one key per member field, for before/after audit diffs."""
    return flatten(household, presence=False)


@mutation("households.create")
def create_household(
    store: Store, user: User, household: Household, draft: str | None = None
) -> Household:
    """Save a new household with a reference ``OFFICERCODE-00001`` unique in this store.

    ``draft`` names the form draft this save replaces; it is dropped in the same transaction.
    """
    if not household.members:
        raise InvalidInput({"members": "Members: add at least the lead contact"})
    with store.unit_of_work() as session:
        number = repo.take_reference_number(session, user.officer_code)
        saved = household.model_copy(update={"reference": f"{user.officer_code}-{number:05d}"})
        repo.save_household(session, saved, user.id, stored=None)
        AuditTrail(session, user.id).record(
            "household",
            saved.id,
            "created",
            diff({}, _flatten(saved)),
            household_id=saved.id,
            json_ready=True,
        )
        if draft is not None:
            drop_draft(session, user, "household", draft)
    log.info("household %s created by %s", saved.id, user.id)
    return saved


def _fill_base(store: Store, arguments: dict[str, Any]) -> None:
    """An edit's base is the household as stored when it is saved on the laptop."""
    if arguments.get("base") is None:
        with store.read() as session:
            arguments["base"] = repo.load_household(session, arguments["household"].id)


@mutation("households.update", fill=_fill_base)
def update_household(
    store: Store,
    user: User,
    household: Household,
    draft: str | None = None,
    base: Household | None = None,
) -> Household:
    """Save changes, merged field by field with any made since ``base`` (see
    ``domain.merge``); a field both sides changed becomes a conflict for a person to
    resolve. An archived household is never brought back by an edit: every change to
    it becomes a conflict. The audit entry holds each changed field before and after.
    """
    with store.unit_of_work() as session:
        found = repo.household_rows(session, household.id)
        if found is None:
            raise NotFound("That household no longer exists in this store.")
        row, members = found
        if draft is not None:
            drop_draft(session, user, "household", draft)
        if row["archived"]:  # its personal fields may be erased: not a valid household any more
            conflicts = changed_fields(base or household, household)
            kept = [replace(c, store=_stored(row, c.field)) for c in conflicts]
            _raise_conflicts(session, user, household.id, kept)
            return household
        current = repo.household_to_model(row, members)
        now = flatten(current)  # flattened once for the merge and the audit diff
        was = now if base is None else flatten(base)
        theirs = flatten(household)
        flat, conflicts = merge_flat(was, theirs, now)
        if flat == theirs and _replaying():  # the store kept nothing of its own: the edit
            merged = household  # as it came, checked when the replay read it (not twice)
            after = without_presence(flat)
            after["reference"] = current.reference
        else:
            try:
                merged = unflatten(household.id, flat, [str(m.id) for m in household.members])
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"]
                raise InvalidInput(
                    {"household": f"These changes no longer fit the household: {problem}"}
                ) from exc
            after = None
        saved = merged.model_copy(update={"reference": current.reference})
        _raise_conflicts(session, user, household.id, conflicts)
        changes = diff(without_presence(now), after if after is not None else _flatten(saved))
        if not changes:
            return saved
        repo.save_household(session, saved, user.id, stored=current)
        AuditTrail(session, user.id).record(
            "household", saved.id, "updated", changes, household_id=saved.id, json_ready=True
        )
    log.info("household %s updated by %s (%d fields)", saved.id, user.id, len(changes))
    return saved


def _replaying() -> bool:
    """Whether a sync replay runs this change: its arguments were read from the change's
    JSON, so the household is a checked model (on a laptop it may be an unchecked copy,
    ``model_copy(update=...)``, which only the merge's ``unflatten`` checks)."""
    tape = current_tape()
    return tape is not None and tape.replaying


def _stored(row: dict[str, Any], field: str) -> Any:
    """An archived household's value of a merge key (members' fields are not kept)."""
    return None if field.startswith("member:") else jsonable(row.get(field))


def _raise_conflicts(
    session: Session, user: User, household_id: uuid.UUID, conflicts: list[FieldConflict]
) -> None:
    for conflict in conflicts:
        session.add(
            HouseholdConflict(
                household_id=household_id,
                field=conflict.field,
                base_value=canonical(conflict.base),
                store_value=canonical(conflict.store),
                their_value=canonical(conflict.theirs),
                raised_by=user.id,
            )
        )
    if conflicts:
        AuditTrail(session, user.id).record(
            "household",
            household_id,
            "conflict",
            {"fields": [c.field for c in conflicts]},
            household_id=household_id,
        )
        log.info("household %s: %d conflicting fields kept", household_id, len(conflicts))


def get_household(store: Store, household_id: uuid.UUID) -> Household:
    with store.read() as session:
        row = session.get(HouseholdRow, household_id)
        if row is not None and row.archived:
            kept = merged_into_reference(session, household_id)
            if kept is not None:
                raise NotFound(
                    f"{row.reference} was merged into {kept}: open {kept} to see "
                    "everything of both."
                )
            raise NotFound(
                "That household was archived (de-identified after the retention "
                "period); only its anonymous figures remain."
            )
        household = repo.load_household(session, household_id)
    if household is None:
        raise NotFound("That household no longer exists in this store.")
    return household


def search(store: Store, text: str, offset: int = 0, limit: int = 50) -> list[HouseholdSummary]:
    """Households matching every word typed (surname, first name, postcode, date of
    birth dd/mm/yyyy, case reference), at most ``MAX_RESULTS`` in all."""
    limit = max(0, min(limit, MAX_RESULTS - offset))
    if limit == 0:
        return []
    with store.read() as session:
        found = repo.summaries(session, repo.search_ids(session, text, offset, limit))
        marked = parked.not_accepted_households(session)
        return [replace(s, not_accepted=True) if s.id in marked else s for s in found]


HOUSEHOLD_MONEY = frozenset(MONEY_FIELDS)
MEMBER_DATES = frozenset({"date_of_birth", "earnings_fell_on"})


def build_member(values: dict[str, Any]) -> Member:
    """A member from form text; raises ``InvalidInput`` naming each bad field."""
    return build(Member, values, dates=MEMBER_DATES)


def build_household(values: dict[str, Any], members: list[Member]) -> Household:
    """A household from form text plus its already-checked members."""
    return build(Household, {**values, "members": members}, money=HOUSEHOLD_MONEY)


def household_form(household: Household) -> dict[str, Any]:
    return to_form(household, money=HOUSEHOLD_MONEY)


def member_form(member: Member) -> dict[str, Any]:
    return to_form(member, dates=MEMBER_DATES)
