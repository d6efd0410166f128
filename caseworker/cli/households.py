"""``caseworker demo`` and ``caseworker households``: headless case-list work."""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="add synthetic demo households (never real people)")
    demo.add_argument("--households", type=_positive, required=True, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.set_defaults(func=_demo)

    listing = sub.add_parser("households", help="list households matching a search")
    listing.add_argument("--search", default="", metavar="TEXT")
    listing.add_argument("--limit", type=_positive, default=50, metavar="N")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(func=_households)
    actions = listing.add_subparsers(dest="action", metavar="ACTION")
    scan = actions.add_parser(
        "duplicates", help="list pairs of households that look like the same family"
    )
    scan.add_argument("--limit", type=_positive, default=100, metavar="N")
    scan.add_argument("--json", action="store_true", help="print JSON instead of a table")
    scan.set_defaults(func=_duplicates)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _demo(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services import demo, users

    store = open_store()
    user = users.system_user(store, "Demo Data", "DEMO")
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r{done:,}/{total:,} households", end="", file=sys.stderr, flush=True)

    made = demo.generate(store, user, args.households, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(f"Added {made:,} demo households in {time.perf_counter() - started:.1f} s")
    return 0


def _households(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services import households

    rows = households.search(open_store(), args.search, limit=args.limit)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "reference": r.reference,
                        "lead_contact": r.lead_name,
                        "postcode": r.postcode,
                        "last_visit": r.last_visit.isoformat() if r.last_visit else None,
                        "not_accepted": r.not_accepted,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for r in rows:
        last = r.last_visit.strftime("%d/%m/%Y") if r.last_visit else "no visit"
        mark = "  (not accepted by the team store)" if r.not_accepted else ""
        print(f"{r.reference:<12} {r.lead_name:<32} {r.postcode:<9} {last}{mark}")
    if not rows:
        print("No households match.", file=sys.stderr)
    return 0


def _duplicates(args: argparse.Namespace) -> int:
    from caseworker.cli.common import open_store
    from caseworker.services import duplicates

    pairs = duplicates.scan(open_store())[: args.limit]
    if args.json:
        rows = [
            {
                "first": p.first_reference,
                "second": p.second_reference,
                "score": p.score,
                "reasons": list(p.reasons),
            }
            for p in pairs
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in pairs:
        print(f"{p.first_reference:<12} {p.second_reference:<12} {p.score:>3}  {p.why}")
    if not pairs:
        print("No likely duplicate households.", file=sys.stderr)
    return 0
