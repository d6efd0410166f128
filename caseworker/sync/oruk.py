"""Reading the borough's Open Referral UK (ORUK v3) ``/services`` feed.

The feed is paged JSON: each page is an object with ``contents`` (the services),
``page_number`` (``page`` in some feeds), ``total_pages`` and ``last_page``. It is
read from an address (https, or plain http on this machine only), a saved page,
or a folder of saved pages. Every service is checked against the published
ORUK schema (``resources/oruk/service.json``, vendored with its licence) with
``jsonschema``, and a few things the schema leaves as free text are checked
here (a schedule's times, the assured date).

A service that fails is named in plain words (which service, which field, what
was expected) and left out; the others are returned. A page that cannot be read
stops the whole read: an incomplete feed would make its missing services look
withdrawn. See ``docs/referrals.md``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from caseworker import paths
from caseworker.domain.directory import DirectoryService, Opening
from caseworker.domain.errors import Refused
from caseworker.store.errors import StoreUnavailable
from caseworker.sync.http import check_address

MAX_PAGES = 10_000
_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9](\.[0-9]+)?)?(Z|[+-][0-9:]+)?$")
_JSON_TYPES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "a group of fields",
    "boolean": "true or false",
    "null": "nothing",
}


class FeedRefused(Refused):
    """The feed cannot be used at all: not ORUK, or an address that is not safe."""


class FeedUnreadable(StoreUnavailable):
    """A page of the feed could not be fetched or read (network, server, file)."""


@dataclass(frozen=True)
class FeedProblem:
    """One service the feed got wrong, in the words a manager reads."""

    service: str  # "Family Debt Clinic (id dc-0007)" or "service 12 on page 2"
    field: str  # "schedules 1, opens at"
    expected: str  # "a time like 09:00, not '9am'"
    service_id: str = ""  # the feed's id for the service, when it has one

    def __str__(self) -> str:
        return f"{self.service}: {self.field}: {self.expected}"


@dataclass
class Feed:
    """What a feed held: the good services, the problems, and how many pages were read."""

    source: str
    services: list[DirectoryService] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    pages: int = 0

    @property
    def every_id_read(self) -> bool:
        """Every service the feed listed has a readable id (so a missing one is gone)."""
        return all(p.service_id for p in self.problems)

    @property
    def unreadable_ids(self) -> list[str]:
        """Ids of the services the feed listed but that failed the checks."""
        return sorted({p.service_id for p in self.problems if p.service_id})


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads((paths.resources_dir() / "oruk" / "service.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def read_feed(source: str, transport: httpx.BaseTransport | None = None) -> Feed:
    """Read every page of the feed at ``source`` (an address, a file or a folder)."""
    feed = Feed(source=_shown(source))
    seen: set[str] = set()
    for number, page in enumerate(_pages(source, transport), start=1):
        feed.pages += 1
        for index, raw in enumerate(page, start=1):
            _take(feed, raw, f"service {index} on page {number}", seen)
    return feed


def _shown(source: str) -> str:
    """The source as recorded and printed: an address without its query, or a file name."""
    if source.startswith(("http://", "https://")):
        return str(httpx.URL(source).copy_with(query=None))
    return Path(source).name


def _pages(source: str, transport: httpx.BaseTransport | None) -> Iterator[list[Any]]:
    if source.startswith(("http://", "https://")):
        yield from _web_pages(source, transport)
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json")
        if not files:
            raise FeedRefused(f"The folder {path.name} holds no saved feed pages (.json files).")
    elif path.is_file():
        files = [path]
    else:
        raise FeedRefused(
            f"There is no file or folder called {path.name}; give a saved ORUK feed page, "
            "a folder of saved pages, or the feed's https:// address."
        )
    for file in files:
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FeedUnreadable(f"The saved feed page {file.name} could not be read.") from exc
        yield _contents(_json(text, file.name), file.name)


def _web_pages(source: str, transport: httpx.BaseTransport | None) -> Iterator[list[Any]]:
    try:
        address = check_address(source, what="The directory feed address")
    except StoreUnavailable as exc:
        raise FeedRefused(str(exc)) from exc
    url = httpx.URL(address)
    with httpx.Client(timeout=30, transport=transport, follow_redirects=False) as client:
        number = int(url.params.get("page", "1") or 1)
        for _ in range(MAX_PAGES):
            where = f"page {number} of the feed"
            try:
                answer = client.get(url.copy_merge_params({"page": str(number)}))
            except httpx.HTTPError as exc:
                raise FeedUnreadable(
                    f"Could not fetch {where} from {_shown(source)}: the directory did not "
                    "answer. Nothing was imported; try again later."
                ) from exc
            if answer.status_code != 200:
                raise FeedUnreadable(
                    f"The directory answered {answer.status_code} for {where}. Nothing was "
                    "imported; try again later or check the address."
                )
            data = _json(answer.text, where)
            yield _contents(data, where)
            if _is_last(data, number):
                return
            number += 1
    raise FeedRefused(f"The feed has more than {MAX_PAGES} pages; it is not a services feed.")


def _is_last(data: Any, number: int) -> bool:
    if not isinstance(data, dict):
        return True
    if data.get("last_page") is True or data.get("last") is True:
        return True
    total = data.get("total_pages")
    if isinstance(total, int):
        current = data.get("page_number", data.get("page", number))
        return not isinstance(current, int) or current >= total
    return not data.get("contents")


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedRefused(
            f"{where} is not JSON (line {exc.lineno}, column {exc.colno}); an ORUK feed "
            'page is JSON with the services under "contents".'
        ) from exc


def _contents(data: Any, where: str) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return list(data["contents"])
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "id" in data and "name" in data:
        return [data]  # one service, saved on its own
    raise FeedRefused(
        f'{where} is not an ORUK services page: expected the services in a list called "contents".'
    )


def _take(feed: Feed, raw: Any, position: str, seen: set[str]) -> None:
    who = _who(raw, position)
    if not isinstance(raw, dict):
        feed.problems.append(FeedProblem(who, "the service", "a group of fields"))
        return
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    service_id = raw["id"] if isinstance(raw.get("id"), str) else ""
    problems = [FeedProblem(who, _field(e), _expected(e), service_id) for e in errors]
    if not problems and service_id in seen:
        problems.append(FeedProblem(who, "identifier", "a different id: two services share it"))
        service_id = ""  # the first service under this id stands
    if not problems:
        try:
            service = _service(raw, who)
        except _Bad as bad:
            problems.append(FeedProblem(**{**bad.problem.__dict__, "service_id": service_id}))
    if problems:
        feed.problems.extend(problems)
        return
    seen.add(service_id)
    feed.services.append(service)


def _who(raw: Any, position: str) -> str:
    if isinstance(raw, dict):
        name, key = raw.get("name"), raw.get("id")
        if isinstance(name, str) and name.strip() and isinstance(key, str) and key:
            return f"{name.strip()} (id {key})"
        if isinstance(key, str) and key:
            return f"{position} (id {key})"
    return position


def _field(error: ValidationError) -> str:
    parts = [str(p).replace("_", " ") if isinstance(p, str) else str(p + 1) for p in error.path]
    if error.validator == "required":
        instance: Any = error.instance
        required: Any = error.validator_value
        missing = [r for r in required if not isinstance(instance, dict) or r not in instance]
        parts += [missing[0].replace("_", " ")] if missing else []
    return ", ".join(parts) or "the service"


def _expected(error: ValidationError) -> str:
    found: Any = error.instance
    value: Any = error.validator_value
    if error.validator == "required":
        return "is missing; the ORUK schema requires it"
    if error.validator == "type":
        names = [value] if isinstance(value, str) else list(value)
        return f"expected {' or '.join(_JSON_TYPES.get(n, n) for n in names)}, found {_show(found)}"
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in value)
        return f"expected one of {allowed}; found {_show(found)}"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"expected a number within the schema's range, found {_show(found)}"
    return f"does not match the ORUK schema ({error.validator}), found {_show(found)}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value[:40]}'" if value else "an empty text"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _JSON_TYPES["array"] if isinstance(value, list) else _JSON_TYPES["object"]


class _Bad(Exception):
    def __init__(self, problem: FeedProblem) -> None:
        self.problem = problem


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _service(raw: dict[str, Any], who: str) -> DirectoryService:
    location = _first_location(raw)
    address = _first_address(location)
    latitude, longitude = _number(location.get("latitude")), _number(location.get("longitude"))
    return DirectoryService(
        service_id=str(raw["id"]),
        name=_text(raw["name"]),
        organisation=_text((raw.get("organization") or {}).get("name", "")),
        description=str(raw.get("description") or "").strip(),
        status=_text(raw.get("status") or "active"),
        address=", ".join(
            _text(address.get(k))
            for k in ("address_1", "address_2", "city")
            if _text(address.get(k))
        ),
        postcode=_text(address.get("postal_code")).upper(),
        latitude=latitude if latitude is not None and -90 <= latitude <= 90 else None,
        longitude=longitude if longitude is not None and -180 <= longitude <= 180 else None,
        phone=_phone(raw, location),
        email=_text(raw.get("email")),
        url=_text(raw.get("url")),
        languages=_languages(raw, location),
        cost=_cost(raw),
        assured_date=_assured(raw.get("assured_date"), who),
        terms=_terms(raw),
        opening=tuple(
            _opening(s, who, f"schedules {i}")
            for i, s in enumerate(_schedules(raw, location), start=1)
        ),
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _first_location(raw: dict[str, Any]) -> dict[str, Any]:
    locations: list[dict[str, Any]] = [
        s["location"]
        for s in _dicts(raw.get("service_at_locations"))
        if isinstance(s.get("location"), dict)
    ]
    physical = [loc for loc in locations if loc.get("location_type") in (None, "physical")]
    first: dict[str, Any] = (physical or locations or [{}])[0]
    return first


def _first_address(location: dict[str, Any]) -> dict[str, Any]:
    addresses = _dicts(location.get("addresses"))
    physical = [a for a in addresses if a.get("address_type") in (None, "physical")]
    return (physical or addresses or [{}])[0]


def _phone(raw: dict[str, Any], location: dict[str, Any]) -> str:
    for owner in (raw, location, *_dicts(raw.get("contacts"))):
        for phone in _dicts(owner.get("phones")):
            if _text(phone.get("number")):
                return _text(phone.get("number"))
    return ""


def _languages(raw: dict[str, Any], location: dict[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for item in (*_dicts(raw.get("languages")), *_dicts(location.get("languages"))):
        name = _text(item.get("name")) or _text(item.get("language")) or _text(item.get("code"))
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _cost(raw: dict[str, Any]) -> str:
    parts: list[str] = []
    for option in _dicts(raw.get("cost_options")):
        amount = _number(option.get("amount"))
        what = _text(option.get("option"))
        money = "free" if amount == 0 else (f"£{amount:,.2f}" if amount is not None else "")
        words = " ".join(x for x in (money, _text(option.get("amount_description"))) if x)
        parts.append(f"{what}: {words}" if what and words else what or words)
    text = "; ".join(p for p in parts if p)
    return text or _text(raw.get("fees_description")) or _text(raw.get("fees"))


def _assured(value: Any, who: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _Bad(
            FeedProblem(
                who, "assured date", f"expected a date like 2026-03-31, found {_show(value)}"
            )
        ) from None


def _terms(raw: dict[str, Any]) -> tuple[str, ...]:
    terms: list[str] = []
    for attribute in _dicts(raw.get("attributes")):
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict):
            for key in ("name", "term", "code"):
                if _text(term.get(key)) and _text(term.get(key)) not in terms:
                    terms.append(_text(term.get(key)))
    for legacy in _dicts(raw.get("service_taxonomys")):  # the pre-v3 ORUK shape
        term = legacy.get("taxonomy")
        if isinstance(term, dict) and _text(term.get("name")) and _text(term["name"]) not in terms:
            terms.append(_text(term["name"]))
    return tuple(terms)


def _schedules(raw: dict[str, Any], location: dict[str, Any]) -> list[dict[str, Any]]:
    return [*_dicts(raw.get("schedules")), *_dicts(location.get("schedules"))]


def _time(value: Any, who: str, where: str) -> time | None:
    if value is None or value == "":
        return None
    found = _TIME_RE.match(str(value).strip())
    if found is None:
        raise _Bad(FeedProblem(who, where, f"expected a time like 09:00, found {_show(value)}"))
    return time(int(found.group(1)), int(found.group(2)))


def _day(value: Any, who: str, where: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _Bad(
            FeedProblem(who, where, f"expected a date like 2026-03-31, found {_show(value)}")
        ) from None


def _opening(schedule: dict[str, Any], who: str, where: str) -> Opening:
    days = tuple(
        d.strip().upper() for d in str(schedule.get("byday") or "").split(",") if d.strip()
    )
    bad = [d for d in days if not re.fullmatch(r"([+-]?[0-9]+)?(MO|TU|WE|TH|FR|SA|SU)", d)]
    if bad:
        raise _Bad(
            FeedProblem(who, f"{where}, by day", f"expected days like MO,TU,FR, found '{bad[0]}'")
        )
    opens = _time(schedule.get("opens_at"), who, f"{where}, opens at")
    closes = _time(schedule.get("closes_at"), who, f"{where}, closes at")
    if opens is not None and closes is not None and closes <= opens:
        raise _Bad(
            FeedProblem(
                who, f"{where}, closes at", f"expected a time after it opens ({opens:%H:%M})"
            )
        )
    return Opening(
        days=days,
        monthly=str(schedule.get("freq") or "").upper() == "MONTHLY",
        opens=opens,
        closes=closes,
        valid_from=_day(schedule.get("valid_from"), who, f"{where}, valid from"),
        valid_to=_day(schedule.get("valid_to"), who, f"{where}, valid to"),
        description=_text(schedule.get("description")),
    )
