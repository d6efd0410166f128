"""Which queued changes depend on which: pure rules over the keys a change names.

A change *touches* rows (``[[table, id-hex], ...]``, noted when it ran) and *refers*
to records by id in its arguments (the household a visit is for, the package an
approval decides, the officer who acts). A change depends on an earlier one when it
refers to, or touches, a row that the earlier one touched. A change the store
refused is parked; only the changes that depend on it, directly or through another
waiting change, wait behind it: every other change keeps flowing.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterable
from typing import Any


def touched_keys(touched: str) -> set[str]:
    """The row ids (hex) a change touched, from its outbox ``touched`` JSON."""
    return {key for _table, key in json.loads(touched)}


def referred_keys(args: str) -> set[str]:
    """Every id (hex) named anywhere in a change's JSON arguments."""
    found: set[str] = set()
    _collect(json.loads(args), found)
    return found


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, str) and len(value) in (32, 36):
        with contextlib.suppress(ValueError):
            found.add(uuid.UUID(value).hex)


def keys_of(args: str, touched: str) -> set[str]:
    """What a change is about: the rows it touched and the records it refers to."""
    return touched_keys(touched) | referred_keys(args)


def depends_on(args: str, touched: str, blocked: set[str]) -> bool:
    """Whether a change refers to, or touches, a row in ``blocked`` (the rows of changes
    not accepted, or waiting): then it waits too."""
    if not blocked:  # the common case: nothing to wait for, no need to read the change
        return False
    return not keys_of(args, touched).isdisjoint(blocked)


def hold_back(touched: str, blocked: set[str]) -> None:
    """Add the rows a change touched to ``blocked``: the changes about them must wait."""
    blocked |= touched_keys(touched)


def waiting_behind(
    changes: Iterable[tuple[int, str, str]], parked: Iterable[tuple[str, str]]
) -> set[int]:
    """Numbers of the ``changes`` (number, args, touched; in queue order) that depend on a
    parked change (args, touched) or on another change that waits."""
    blocked: set[str] = set()
    for _args, touched in parked:
        hold_back(touched, blocked)
    waiting: set[int] = set()
    for number, args, touched in changes:
        if depends_on(args, touched, blocked):
            waiting.add(number)
            hold_back(touched, blocked)
    return waiting
