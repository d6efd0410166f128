"""Refusals the services raise; their messages are shown to users as they are."""

from caseworker.domain.errors import Refused


class ServiceError(Refused):
    """An operation was refused; the message says why and what to do."""


class InvalidInput(ServiceError):
    """Input failed validation; ``fields`` maps each field name to a message."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(fields.values()))


class NotFound(ServiceError):
    pass


class NotSignedIn(ServiceError):
    pass


class PermissionRefused(ServiceError):
    """The signed-in user may not do this (role, separation of duties, conflict)."""


class VisitFactsRefused(ServiceError):
    """A stored visit's facts the engine must not evaluate (a member born after the
    visit, two members with one id, a child as lead contact...): ``problems`` has one
    line for each, the same lines ``caseworker rules evaluate`` prints for a file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
