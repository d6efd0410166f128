"""Synthetic Open Referral UK (v3) services, shaped as the published UK profile has them.

Organisations, places and numbers are made up (0300 000 numbers are not real).
"""

from __future__ import annotations

import uuid
from typing import Any

NAMESPACE = uuid.UUID("0f3b8a7e-2c4d-4e5f-8a9b-1c2d3e4f5a6b")
DISTRICTS = ("SE15", "SE5", "SE22", "SE1", "SE16", "SE17")
TERMS = (
    "Debt advice",
    "Benefits advice",
    "Employment support",
    "Talking therapies",
    "Housing advice",
    "Family support",
)
LANGUAGES = ("English", "Polish", "Somali", "Spanish", "Bengali")


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def service(
    n: int,
    *,
    name: str | None = None,
    terms: tuple[str, ...] | None = None,
    postcode: str | None = None,
    languages: tuple[str, ...] | None = None,
    byday: str = "MO,TU,WE,TH,FR",
    opens: str = "09:00",
    closes: str = "17:00",
    phone: str | None = None,
    service_id: str | None = None,
) -> dict[str, Any]:
    """Service ``n`` of a synthetic borough directory."""
    sid = service_id or _id("service", n)
    district = DISTRICTS[n % len(DISTRICTS)]
    return {
        "id": sid,
        "name": name or f"Example Service {n:04d}",
        "description": "Free help, face to face and by phone.",
        "url": f"https://directory.example.org/services/{n}",
        "email": f"service{n}@example.org",
        "status": "active",
        "assured_date": "2026-09-30",
        "organization": {
            "id": _id("org", n % 50),
            "name": f"Example Charity {n % 50}",
            "description": "A local charity.",
        },
        "schedules": [
            {
                "id": _id("schedule", n),
                "freq": "WEEKLY",
                "byday": byday,
                "opens_at": opens,
                "closes_at": closes,
            }
        ],
        "languages": [
            {"id": _id("language", n, i), "name": lang}
            for i, lang in enumerate(languages or ("English", LANGUAGES[n % len(LANGUAGES)]))
        ],
        "cost_options": [{"id": _id("cost", n), "option": "Everyone", "amount": 0}],
        "contacts": [
            {
                "id": _id("contact", n),
                "name": "Reception",
                "phones": [{"id": _id("phone", n), "number": phone or f"0300 000 {n % 10000:04d}"}],
            }
        ],
        "attributes": [
            {
                "id": _id("attribute", n, i),
                "taxonomy_term": {
                    "id": _id("term", term),
                    "name": term,
                    "description": f"Services offering {term.lower()}.",
                },
            }
            for i, term in enumerate(terms or (TERMS[n % len(TERMS)],))
        ],
        "service_at_locations": [
            {
                "id": _id("sal", n),
                "location": {
                    "id": _id("location", n),
                    "location_type": "physical",
                    "name": f"Example Centre {n}",
                    "latitude": 51.47,
                    "longitude": -0.07,
                    "addresses": [
                        {
                            "id": _id("address", n),
                            "address_1": f"{n % 200 + 1} Example Street",
                            "city": "London",
                            "state_province": "Greater London",
                            "postal_code": postcode or f"{district} {n % 9 + 1}AB",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }


def pages(services: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The services as ORUK v3 pages of ``size`` (``page_number`` from 1)."""
    total = max(1, -(-len(services) // size))
    out = []
    for number in range(1, total + 1):
        contents = services[(number - 1) * size : number * size]
        out.append(
            {
                "total_items": len(services),
                "total_pages": total,
                "page_number": number,
                "size": size,
                "first_page": number == 1,
                "last_page": number == total,
                "empty": not contents,
                "contents": contents,
            }
        )
    return out
