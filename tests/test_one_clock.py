"""Caseworker reads the date and time from one clock (docs/clock.md), so tests can fix it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "caseworker"

#: Reading the machine's clock directly; ``stamps.utcnow`` and ``clock.today`` are fine.
DIRECT_READ = re.compile(
    r"\b(?:date\.today|datetime\.(?:now|utcnow|today)|time\.time|time\.localtime"
    r"|QDate\.currentDate|QDateTime\.current\w*)\b"
)

#: The one clock itself reads the machine's clock; nothing else does.
ALLOWED = {"caseworker/domain/clock.py"}
ALLOWED_FOLDERS: tuple[str, ...] = ()


def direct_reads(text: str) -> list[str]:
    return [match.group(0) for match in DIRECT_READ.finditer(text)]


def test_the_pattern_catches_each_way_of_reading_the_clock() -> None:
    code = "a = date.today()\nb = datetime.now(UTC)\nc = datetime.utcnow()\nd: X = date.today\n"
    assert direct_reads(code) == ["date.today", "datetime.now", "datetime.utcnow", "date.today"]
    assert direct_reads("at = utcnow()\nday = clock.today()\nt = time.monotonic()\n") == []


def test_nothing_outside_the_clock_reads_the_machine_clock() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED or name.startswith(ALLOWED_FOLDERS):
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if direct_reads(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "read caseworker.domain.clock instead:\n" + "\n".join(offenders)
