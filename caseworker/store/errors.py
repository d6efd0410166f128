"""Environment errors: things the user can act on, as opposed to bugs.

Each carries a message in plain words that says what to do next.
"""


class StoreError(Exception):
    """A problem with a store that the user (or IT) can fix."""


class StoreUnreadable(StoreError):
    pass


class StoreTooNew(StoreError):
    pass


class StoreUnavailable(StoreError):
    pass
