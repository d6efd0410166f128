"""Duplicate households: the check while a new household is typed, and the full scan.

Both only read; merging is a later step. Logs give counts and timings, never the
names, dates or contact details that were matched.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping

from caseworker.domain.duplicates import (
    Match,
    Pair,
    Profile,
    email_key,
    find_pairs,
    phone_key,
    profile_from_fields,
    rank,
)
from caseworker.store import duplicates as repo
from caseworker.store.database import Store

log = logging.getLogger(__name__)

__all__ = ["Match", "Pair", "likely_matches", "likely_matches_for", "scan"]


def likely_matches(store: Store, fields: Mapping[str, str], limit: int = 5) -> list[Match]:
    """Existing households that look like the lead contact and address typed so far.

    ``fields`` holds form text: ``surname``, ``first_name``, ``date_of_birth``
    (dd/mm/yyyy), ``postcode``, ``phone``, ``email``; any may be missing or half typed.
    """
    return likely_matches_for(store, profile_from_fields(fields), limit)


def likely_matches_for(store: Store, profile: Profile, limit: int = 5) -> list[Match]:
    """As ``likely_matches`` for a whole profile (e.g. a household about to be saved).

    Only households sharing a birth date, the postcode, the phone or the email are
    loaded: a match needs one of them to agree, so nothing else could be flagged.
    """
    with store.read() as session:
        found: list[uuid.UUID] = []
        for person in profile.people:
            if person.date_of_birth is not None:
                found += repo.ids_born_on(session, person.date_of_birth)
        if profile.postcode:
            found += repo.ids_at_postcode(session, profile.postcode)
        if phone := phone_key(profile.phone):
            found += repo.ids_with_phone(session, phone)
        if email := email_key(profile.email):
            found += repo.ids_with_email(session, email)
        candidates = repo.profiles(session, found)
    matches = rank(profile, candidates, limit)
    log.debug("duplicate check: %d candidates, %d matches", len(candidates), len(matches))
    return matches


def scan(store: Store) -> list[Pair]:
    """Every pair of live households that look like the same family, best first."""
    started = time.perf_counter()
    with store.read() as session:
        profiles = repo.all_profiles(session)
    pairs = find_pairs(profiles)
    log.info(
        "duplicate scan: %d households, %d likely pairs in %.1f s",
        len(profiles),
        len(pairs),
        time.perf_counter() - started,
    )
    return pairs
