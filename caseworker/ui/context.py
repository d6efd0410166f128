"""What every screen needs: the store and who is signed in."""

from __future__ import annotations

from dataclasses import dataclass

from caseworker.domain.users import User
from caseworker.services.errors import NotSignedIn
from caseworker.store.database import Store


@dataclass
class AppContext:
    store: Store
    current_user: User | None = None

    @property
    def user(self) -> User:
        if self.current_user is None:
            raise NotSignedIn("Sign in first.")
        return self.current_user
