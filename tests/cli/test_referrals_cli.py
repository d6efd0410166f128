"""``caseworker referrals import|match`` through the installed entry point, in a fresh process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseworker.services import households
from caseworker.store.encryption import open_encrypted
from tests.cli.entry import caseworker
from tests.conftest import PASSWORD
from tests.directory_feed import pages, service
from tests.services.packages_fixtures import household_with_arrears, team_on

SIGNED = ("--as", "TM01", "--password-stdin")


@pytest.fixture
def laptop(tmp_path: Path) -> tuple[Path, str]:
    """A laptop's data folder with a team and one household in SE15."""
    data = tmp_path / "laptop"
    data.mkdir()
    store = open_encrypted(data / "caseworker.db")
    team = team_on(store)
    household = households.create_household(store, team.officers[0], household_with_arrears(50_000))
    store.dispose()
    return data, household.reference


def _save(folder: Path, raw: list[dict[str, object]], size: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for number, page in enumerate(pages(raw, size), start=1):
        (folder / f"services-{number:03d}.json").write_text(json.dumps(page), "utf-8")
    return folder


def test_import_a_saved_paged_feed_then_match_and_reimport(
    laptop: tuple[Path, str], tmp_path: Path
) -> None:
    data, reference = laptop
    raw = [
        service(1, name="Peckham Money Advice", terms=("Debt advice",), postcode="SE15 5DQ"),
        service(2, name="Borough Money Line", terms=("Money advice",), postcode="SE1 7AA"),
        service(3, name="Welfare Rights Desk", terms=("Benefits advice",)),
    ]
    feed = _save(tmp_path / "feed", raw, size=2)
    done = caseworker("referrals", "import", "--oruk", str(feed), *SIGNED, data=data,
                      stdin=PASSWORD + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Read 2 page(s) from feed: 3 service(s)." in done.stdout
    assert "3 added, 0 updated" in done.stdout

    match = caseworker("referrals", "match", reference, "7.1", "--at", "2026-11-27T10:00:00Z",
                       data=data)  # fmt: skip
    assert match.returncode == 0, match.stderr
    names = [line.split("  ", 1)[1].split(" · ")[0] for line in match.stdout.splitlines()]
    assert names == ["Peckham Money Advice", "Borough Money Line"]
    assert "open now, in the district" in match.stdout.splitlines()[0]

    _save(feed, raw[:2], size=2)  # the welfare rights desk left the directory
    again = caseworker("referrals", "import", "--oruk", str(feed), *SIGNED, data=data,
                       stdin=PASSWORD + "\n")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 updated, 2 unchanged, 1 withdrawn" in again.stdout


def test_a_bad_feed_names_the_services_and_keeps_the_good_ones(
    laptop: tuple[Path, str], tmp_path: Path
) -> None:
    data, _ = laptop
    bad = service(9, name="Evening Advice", opens="6pm")
    feed = _save(tmp_path / "feed", [service(1), bad], size=5)
    done = caseworker("referrals", "import", "--oruk", str(feed), *SIGNED, data=data,
                      stdin=PASSWORD + "\n")  # fmt: skip
    assert done.returncode == 1
    assert (
        f"caseworker: Evening Advice (id {bad['id']}): schedules 1, opens at: expected a time "
        "like 09:00, found '6pm'"
    ) in done.stderr.splitlines()
    assert "1 service(s) in the feed were not imported" in done.stderr
    assert "1 added" in done.stdout
    assert "Traceback" not in done.stderr


def test_an_officer_cannot_import_and_plain_http_elsewhere_is_refused(
    laptop: tuple[Path, str], tmp_path: Path
) -> None:
    data, _ = laptop
    feed = _save(tmp_path / "feed", [service(1)], size=5)
    officer = caseworker("referrals", "import", "--oruk", str(feed), "--as", "OF01",
                         "--password-stdin", data=data, stdin=PASSWORD + "\n")  # fmt: skip
    assert officer.returncode == 2
    assert "Only a team manager can import the services directory." in officer.stderr
    http = caseworker("referrals", "import", "--oruk", "http://directory.example.org/services",
                      *SIGNED, data=data, stdin=PASSWORD + "\n")  # fmt: skip
    assert http.returncode == 2
    assert "The directory feed address must start with https://" in http.stderr
