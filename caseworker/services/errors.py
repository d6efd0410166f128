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
