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
    digits = text.strip()
    if len(digits) != 8 or not digits.isdigit() or not digits.isascii():
        return None
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


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
