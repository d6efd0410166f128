"""What every screen needs: the store and who is signed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from caseworker.domain.users import User
from caseworker.services.errors import NotSignedIn
from caseworker.services.rules_state import RulesState
from caseworker.store.database import Store
from caseworker.ui.dialogs import DialogService
from caseworker.ui.tasks import TaskRunner


@dataclass
class AppContext:
    store: Store
    current_user: User | None = None
    rules: RulesState = field(default_factory=RulesState)
    dialogs: DialogService = field(default_factory=DialogService)
    tasks: TaskRunner = field(default_factory=TaskRunner)

    @property
    def user(self) -> User:
        if self.current_user is None:
            raise NotSignedIn("Sign in first.")
        return self.current_user
