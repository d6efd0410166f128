"""Money is integer pence below the UI; these helpers parse and format it."""

import re

_MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")


class MoneyError(ValueError):
    """Raised with a message an officer can act on."""


def parse_pounds(text: str) -> int:
    """Parse what an officer typed ("1,234.50", "£80", "80.5") into pence.

    Negative, non-numeric and fractional-pence amounts are refused.
    """
    cleaned = text.strip().replace(",", "").replace("£", "").strip()
    if cleaned.startswith("-"):
        raise MoneyError("must not be negative")
    if not _MONEY_RE.match(cleaned):
        raise MoneyError("must be an amount in pounds, like 1,234.50")
    pounds, _, pence = cleaned.partition(".")
    return int(pounds) * 100 + int(pence.ljust(2, "0") or "0")


_PENCE_TEXT = tuple(f"{p:02d}" for p in range(100))  # "00" to "99", made once
_THOUSANDS_TEXT = tuple(f"{p:03d}" for p in range(1000))  # "000" to "999", made once


def format_pence(pence: int) -> str:
    """Format pence as the UI and PDFs show money: £1,234.50."""
    if pence >= 0:  # nearly every amount (explanations format many): no format spec to read
        pounds = pence // 100
        if pounds < 1000:  # no thousands separator
            return f"£{pounds}.{_PENCE_TEXT[pence % 100]}"
        if pounds < 1_000_000:  # one separator, from the table: no format spec to read
            return f"£{pounds // 1000},{_THOUSANDS_TEXT[pounds % 1000]}.{_PENCE_TEXT[pence % 100]}"
        return f"£{pounds:,}.{_PENCE_TEXT[pence % 100]}"
    pounds, rem = divmod(-pence, 100)
    return f"-£{pounds:,}.{rem:02d}"
