"""Synthetic demo households for training and benchmarks: never real people.

Names and streets come from Faker's en_GB locale. To make 100,000 households
in well under a minute we draw from pools Faker fills once, and insert in
batches through SQLAlchemy Core rather than one ORM object at a time.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert

from caseworker.domain import clock
from caseworker.domain.assessment import stage_for
from caseworker.domain.household import (
    Benefit,
    IncomeDropReason,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.search_terms import household_terms
from caseworker.domain.users import Role, User
from caseworker.domain.visit import NeedCategory
from caseworker.services.audit import AuditTrail
from caseworker.store.database import Store
from caseworker.store.tables import (
    HouseholdRow,
    MemberRow,
    SearchTermRow,
    VisitRow,
    utcnow,
)

BATCH = 5_000
_OUTWARD = ["SE1", "SE5", "SE15", "SE16", "SE17", "SE21", "SE22", "SE11", "SE4", "SE14", "SW9"]
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_VENUES = [
    "Peckham Library",
    "Walworth Hub",
    "Camberwell Family Centre",
    "Bermondsey Community Room",
]
Progress = Callable[[int, int], None]

# ``caseworker --demo`` opens ready to try: two made-up accounts sharing one
# password the sign-in page shows (the demo store is separate, unencrypted and
# holds only synthetic people, so a known password protects nothing real).
DEMO_PASSWORD = "demo-only-password"
DEMO_MANAGER = ("Demo Manager", "TM01")
DEMO_OFFICER = ("Demo Officer", "OF01")
DEMO_HOUSEHOLDS = 60
DEMO_FUND_PENCE = 2_000_000
DEMO_ALLOWANCE_PENCE = 30_000


class _Pools:
    def __init__(self, rng: random.Random, seed: int) -> None:
        from faker import Faker  # only to make demo data: not at every start-up

        fake = Faker("en_GB")
        fake.seed_instance(seed)
        self.rng = rng
        self.first = [fake.first_name() for _ in range(1500)]
        self.last = [fake.last_name() for _ in range(3000)]
        self.streets = [fake.street_name() for _ in range(800)]

    def postcode(self) -> str:
        r = self.rng
        inward = f"{r.randint(1, 9)}{r.choice(_INWARD_LETTERS)}{r.choice(_INWARD_LETTERS)}"
        return f"{r.choice(_OUTWARD)} {inward}"


def prepare(store: Store, day: date) -> bool:
    """Fill a new demo store: a manager, an officer with allowance, the team fund and
    made-up households. Return whether it did (a store with a manager is left alone)."""
    from caseworker.services import fund, users

    if not users.needs_first_manager(store):
        return False
    manager = users.create_first_manager(store, *DEMO_MANAGER, DEMO_PASSWORD)
    try:
        officer = users.add_user(
            store, manager, *DEMO_OFFICER, role=Role.OFFICER, password=DEMO_PASSWORD
        )
        fund.open_fund(store, manager, DEMO_FUND_PENCE, day)
        fund.grant_allowance(store, manager, officer.id, DEMO_ALLOWANCE_PENCE, day)
        generate(store, officer, DEMO_HOUSEHOLDS)
    finally:
        users.put_away_key(manager)  # the demo starts at the sign-in page, like any other
    return True


def generate(
    store: Store, user: User, count: int, seed: int = 1, progress: Progress | None = None
) -> int:
    """Add ``count`` synthetic households (with members and visits); return how many."""
    rng = random.Random(seed)
    pools = _Pools(rng, seed)
    today = clock.today()
    done = 0
    with store.read() as session:
        from caseworker.store.households import next_reference_number

        start = next_reference_number(session, "DEMO")
    while done < count:
        size = min(BATCH, count - done)
        households: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        visits: list[dict[str, Any]] = []
        terms: list[dict[str, Any]] = []
        for i in range(size):
            hh, mm, vv = _household(pools, today, start + done + i, user.id)
            households.append(hh)
            members.extend(mm)
            visits.extend(vv)
            people = [(m["first_name"], m["surname"], m["date_of_birth"]) for m in mm]
            terms.extend(
                {"household_id": hh["id"], "term": t}
                for t in household_terms(hh["reference"], hh["postcode"], people)
            )
        with store.unit_of_work() as session:
            session.execute(insert(HouseholdRow), households)
            session.execute(insert(MemberRow), members)
            session.execute(insert(VisitRow), visits)
            session.execute(insert(SearchTermRow), terms)
            AuditTrail(session, user.id).record_many(
                "household", "created", {"demo": True}, (hh["id"] for hh in households)
            )
        done += size
        if progress is not None:
            progress(done, count)
    return done


def _household(
    pools: _Pools, today: date, number: int, user_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    r = pools.rng
    hid = uuid.uuid4()
    surname = r.choice(pools.last)
    tenure = r.choices(list(Tenure), weights=[25, 10, 30, 25, 2, 3, 5])[0]
    now = utcnow()
    members = [_member(pools, hid, 0, Relationship.LEAD, surname, r.randint(19, 70), today)]
    if r.random() < 0.55:
        members.append(
            _member(pools, hid, 1, Relationship.PARTNER, surname, r.randint(19, 70), today)
        )
    for _ in range(r.choices([0, 1, 2, 3], weights=[40, 25, 25, 10])[0]):
        members.append(
            _member(pools, hid, len(members), Relationship.CHILD, surname, r.randint(0, 24), today)
        )
    visits = [
        _visit(pools, hid, user_id, today) for _ in range(r.choices([0, 1, 2], [30, 55, 15])[0])
    ]
    _before_visits(members, min((v["visit_date"] for v in visits), default=today), today)
    household = {
        "id": hid,
        "reference": f"DEMO-{number:05d}",
        "address_line1": f"{r.randint(1, 220)} {r.choice(pools.streets)}",
        "address_line2": "",
        "town": "London",
        "postcode": pools.postcode(),
        "phone": f"07700 9{r.randint(0, 99999):05d}",
        "email": "",
        "tenure": tenure.value,
        "savings_pence": r.choice([0, 0, 5_000, 25_000, 120_000, 450_000, 800_000]),
        "rent_arrears_pence": r.choice([0, 0, 35_000, 90_000]) if "renter" in tenure else 0,
        "mortgage_arrears_pence": r.choice([0, 124_000]) if tenure is Tenure.OWNER_MORTGAGE else 0,
        "utility_arrears_pence": r.choice([0, 0, 8_500, 31_000]),
        "council_tax_arrears_pence": r.choice([0, 0, 22_000]),
        "other_debts_pence": r.choice([0, 50_000, 180_000, 420_000]),
        "benefits": r.choice(
            [[], [], [Benefit.UNIVERSAL_CREDIT.value], [Benefit.CHILD_BENEFIT.value]]
        ),
        "last_visit_date": max((v["visit_date"] for v in visits), default=None),
        "created_by": user_id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "archived": False,
    }
    return household, members, visits


def _member(
    pools: _Pools,
    hid: uuid.UUID,
    position: int,
    relationship: Relationship,
    surname: str,
    age: int,
    today: date,
) -> dict[str, Any]:
    r = pools.rng
    adult = age >= 18
    status = (
        r.choices(list(WorkStatus), weights=[45, 15, 25, 15])[0]
        if age >= 16
        else WorkStatus.NOT_WORKING
    )
    fell = adult and r.random() < 0.3
    return {
        "id": uuid.uuid4(),
        "household_id": hid,
        "position": position,
        "first_name": r.choice(pools.first),
        "surname": surname if r.random() < 0.9 else r.choice(pools.last),
        "date_of_birth": today - timedelta(days=age * 365 + r.randint(0, 364)),
        "relationship": relationship.value,
        "work_status": status.value,
        "reduced_hours": fell and status is WorkStatus.EMPLOYED,
        "earnings_fell_on": today - timedelta(days=r.randint(10, 500)) if fell else None,
        "earnings_fall_reason": r.choice(list(IncomeDropReason)).value if fell else None,
        "in_education_or_training": 5 <= age <= 18 or (age <= 24 and r.random() < 0.3),
    }


def _before_visits(members: list[dict[str, Any]], first_visit: date, today: date) -> None:
    """Births and falls in earnings before the household's first visit, as a real
    household's would be: the engine's checks refuse a date after the visit's own
    (``domain.rules.reader.facts_problems``). A date after it moves back by as much as
    the first visit is before today, so the same random draws make the same families."""
    gap = today - first_visit
    for member in members:
        for name in ("date_of_birth", "earnings_fell_on"):
            when = member[name]
            if when is not None and when > first_visit:
                member[name] = when - gap


def _visit(pools: _Pools, hid: uuid.UUID, user_id: uuid.UUID, today: date) -> dict[str, Any]:
    r = pools.rng
    scores = [r.choices([0, 1, 2, 3], weights=[20, 35, 30, 15])[0] for _ in range(4)]
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "household_id": hid,
        "officer_id": user_id,
        "visit_date": today - timedelta(days=r.randint(0, 400)),
        "venue": r.choice(_VENUES),
        "point_of_need": "Synthetic demo visit.",
        "need_categories": [r.choice(list(NeedCategory)).value],
        "no_money_for_food_or_fuel": r.random() < 0.2,
        "unfamiliar_with_benefits": r.random() < 0.4,
        "family_strain": r.random() < 0.2,
        "substance_use": r.random() < 0.05,
        "financial": scores[0],
        "mental": scores[1],
        "social": scores[2],
        "human": scores[3],
        "stage": int(stage_for(*scores)),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
