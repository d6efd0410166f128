"""Three-way, field-by-field merge of a household edited in two places.

An edit carries the household as it was when the officer began (the base) and
as they left it (theirs). The store holds the household as it is now (which
may include someone else's edit). Each field is decided on its own:

- only one side changed it: that side's value;
- both changed it to the same value: that value;
- both changed it differently: a :class:`FieldConflict` - the store keeps its
  value and both are shown to a person, who decides. Nothing is silently lost.

Members are fields too: ``member:<id>`` says whether the member is there, and
``member:<id>.<field>`` holds each of their fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from caseworker.domain.household import Household

_MISSING = object()


def flatten(household: Household, presence: bool = True) -> dict[str, Any]:
    """Household fields plus one key per member field (JSON-ready values)."""
    flat: dict[str, Any] = household.model_dump(mode="json", exclude={"id"})
    for member in flat.pop("members"):  # one dump for all (a replay flattens 4 per edit)
        prefix = f"member:{member.pop('id')}"
        if presence:
            flat[prefix] = True
        prefix += "."
        for name, value in member.items():
            flat[prefix + name] = value
    return flat


def _presence(key: str) -> bool:
    """Whether a flat key says a member is there (``member:<id>``), not one of their fields."""
    return key.startswith("member:") and "." not in key


def without_presence(flat: dict[str, Any]) -> dict[str, Any]:
    """``flatten(h)`` made into ``flatten(h, presence=False)`` without dumping ``h`` again."""
    # _presence written out: a replay calls this twice per edit, on about 35 keys each
    return {k: v for k, v in flat.items() if "." in k or not k.startswith("member:")}


def unflatten(household_id: Any, flat: dict[str, Any], order: list[str]) -> Household:
    """The household a flat dict describes; members in ``order`` (ids as text) first."""
    fields = {k: v for k, v in flat.items() if not k.startswith("member:")}
    present = [k.split(":", 1)[1] for k, v in flat.items() if _presence(k) and v]
    ordered = [m for m in order if m in present] + [m for m in present if m not in order]
    members = []
    for member_id in ordered:
        prefix = f"member:{member_id}."
        values = {k[len(prefix) :]: v for k, v in flat.items() if k.startswith(prefix)}
        members.append({"id": member_id, **values})
    return Household.model_validate({"id": household_id, **fields, "members": members})


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any
    store: Any
    theirs: Any


def _value(flat: dict[str, Any], key: str) -> Any:
    return flat.get(key, _MISSING)


def _json(value: Any) -> Any:
    return None if value is _MISSING else value


def merge(
    base: Household, theirs: Household, current: Household
) -> tuple[dict[str, Any], list[FieldConflict]]:
    """The merged flat household and the fields in conflict (the store's value kept)."""
    return merge_flat(flatten(base), flatten(theirs), flatten(current))


def merge_flat(
    b: dict[str, Any], t: dict[str, Any], c: dict[str, Any]
) -> tuple[dict[str, Any], list[FieldConflict]]:
    """:func:`merge` of households already flattened (none of the three is changed)."""
    merged = dict(c)
    conflicts = []
    # Only the keys the edit changed can change anything (``tv == bv``: nothing to do);
    # an edit changes a few of a household's 30 or so keys.
    changed = [k for k in b.keys() | t.keys() if b.get(k, _MISSING) != t.get(k, _MISSING)]
    for key in sorted(changed):
        bv, tv, cv = _value(b, key), _value(t, key), _value(c, key)
        if tv in (bv, cv):
            continue  # they did not change it, or both made the same change
        if cv == bv:
            if tv is _MISSING:
                merged.pop(key, None)
            else:
                merged[key] = tv
            continue
        conflicts.append(FieldConflict(key, _json(bv), _json(cv), _json(tv)))
    return merged, conflicts


def changed_fields(base: Household, theirs: Household) -> list[FieldConflict]:
    """Every field an edit changed, as conflicts against ``base`` (an archived household)."""
    b, t = flatten(base), flatten(theirs)
    return [
        FieldConflict(k, _json(_value(b, k)), _json(_value(b, k)), _json(_value(t, k)))
        for k in sorted(b.keys() | t.keys())
        if _value(b, k) != _value(t, k)
    ]


def apply_choice(current: Household, key: str, value_json: str) -> Household:
    """``current`` with one field set to a chosen value (resolving a conflict)."""
    flat = flatten(current)
    value = json.loads(value_json)
    if value is None and key.startswith("member:") and "." not in key:
        flat = {k: v for k, v in flat.items() if not k.startswith(key)}
    else:
        flat[key] = value
    return unflatten(current.id, flat, [str(m.id) for m in current.members])


def field_label(key: str, household: Household | None) -> str:
    """Words for a merge key: "Phone", or "Zoë O'Brien: surname"."""
    if not key.startswith("member:"):
        return key.replace("_pence", "").replace("_", " ").capitalize()
    member_id, _, name = key[len("member:") :].partition(".")
    who = "A member"
    for member in household.members if household else []:
        if str(member.id) == member_id:
            who = f"{member.first_name} {member.surname}"
    if not name:
        return f"{who}: in the household"
    return f"{who}: {name.replace('_', ' ')}"
