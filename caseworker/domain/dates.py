"""Date arithmetic the policy uses (ages on the visit date), and instants as people read them."""

from datetime import UTC, date, datetime

from caseworker.domain.clock import LOCAL_ZONE


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years on ``on``; a birthday falling on ``on`` counts (policy part 2)."""
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)


def digits_date(text: str) -> date | None:
    """ "04051988" as 04/05/1988: eight digits, day, month and year, typed without the
    slashes (quicker at a drop-in); None for anything else, or a day that does not exist."""
    digits = _digits(text, 8)
    if digits is None:
        return None
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


def six_digits_date(text: str, today: date, past: bool) -> date | None:
    """ "040588" as 04/05/1988: day, month and the year's last two digits (quicker still).
    The century is the one that puts the date nearest ``today``; for a date that cannot
    be in the future (a date of birth, the day earnings fell), the latest one not after
    ``today``. None for anything else, or a day that does not exist."""
    digits = _digits(text, 6)
    if digits is None:
        return None
    century = today.year // 100 * 100
    years = [century + step + int(digits[4:]) for step in (-100, 0, 100)]
    return _closest(int(digits[:2]), int(digits[2:4]), years, today, past)


def four_digits_date(text: str, today: date, past: bool) -> date | None:
    """ "0110" as 01/10 of the year that puts it nearest ``today`` (or, with ``past``, of
    the latest year not after it): for a recent date, such as the day earnings fell, a
    hearing or a job start, never for a date of birth. None for anything else."""
    digits = _digits(text, 4)
    if digits is None:
        return None
    years = [today.year - 1, today.year, today.year + 1]
    return _closest(int(digits[:2]), int(digits[2:]), years, today, past)


def _digits(text: str, count: int) -> str | None:
    digits = text.strip()
    if len(digits) != count or not digits.isdigit() or not digits.isascii():
        return None
    return digits


def _closest(day: int, month: int, years: list[int], today: date, past: bool) -> date | None:
    candidates = []
    for year in years:
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if past:
        return max((c for c in candidates if c <= today), default=None)
    return min(candidates, key=lambda c: abs(c - today), default=None)


#: How a person writes a date on the forms and in search: day first, or ISO.
WRITTEN_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def written_date(text: str) -> date | None:
    """A date written in one of ``WRITTEN_DATE_FORMATS``; None for anything else."""
    for fmt in WRITTEN_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def typed_date(text: str) -> date | None:
    """A date as an officer types it in a form: written (``written_date``) or the eight
    digits alone (``digits_date``); None for anything else."""
    return digits_date(text) or written_date(text)


def local_time(moment: datetime) -> datetime:
    """An instant in UK time (GMT or BST, as the clocks on the wall say).

    Instants are stored as UTC; SQLite gives them back without a zone, which means
    UTC. Every time a person reads - on screen, in the case file - goes through here,
    whatever zone the machine is set to.
    """
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(LOCAL_ZONE)


def local_stamp(moment: datetime) -> str:
    """ "20/11/2026 14:03" in UK time, for tables on screen."""
    return f"{local_time(moment):%d/%m/%Y %H:%M}"
