"""UK postcode validation and the outward code the policy's borough test uses."""

import re

# The full UK format (outward 2-4 chars, inward digit + 2 letters), plus GIR 0AA.
_POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")


class PostcodeError(ValueError):
    """Raised when a postcode is not a valid UK postcode."""


# A postcode already written as normalise_postcode writes it (as the store keeps it).
_NORMAL_RE = re.compile(r"GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}")
_SPACES_RE = re.compile(r"\s+")


def normalise_postcode(text: str) -> str:
    """Return the postcode upper-cased with one space before the inward code."""
    if _NORMAL_RE.fullmatch(text):
        return text  # every stored household's, read back for each evaluation
    compact = _SPACES_RE.sub("", text).upper()
    if not _POSTCODE_RE.match(compact):
        raise PostcodeError("is not a UK postcode; write it like SE15 4QF")
    return f"{compact[:-3]} {compact[-3:]}"


def outward_code(postcode: str) -> str:
    """The part before the space: SE15 4QF -> SE15."""
    return normalise_postcode(postcode).split(" ")[0]
