"""Date arithmetic the policy uses: ages on the visit date."""

from datetime import date


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years on ``on``; a birthday falling on ``on`` counts (policy part 2)."""
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)
