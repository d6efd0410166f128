"""The lock screen: shown after the idle time or on Ctrl+L, hiding every family's data.

The same user unlocks with their password and is back where they were, drafts
and all; someone else signs in to a session of their own.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from caseworker.domain.users import User
from caseworker.services import users
from caseworker.services.errors import ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.widgets import banner, button, heading, section, show_banner


class LockPage(QWidget):
    unlocked = Signal()  # the same user is back
    switched = Signal()  # a different user signed in

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        layout = QVBoxLayout(self)
        self.title = heading("Caseworker is locked")
        layout.addWidget(self.title)
        self.message = banner()
        layout.addWidget(self.message)
        taken = {"c", "u", "s"}
        box, form = section("Unlock")
        self.fields = FieldSet(taken=taken)
        self.password = self.fields.line(form, "password", "Your password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_button = button("&Unlock")
        form.addRow(self.unlock_button)
        layout.addWidget(box)
        box, form = section("Or sign in as someone else")
        self.other = FieldSet(taken=taken)
        self.other_code = self.other.line(form, "officer_code", "Officer code")
        self.other_password = self.other.line(form, "other_password", "Password")
        self.other_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.switch_button = button("&Sign in")
        form.addRow(self.switch_button)
        layout.addWidget(box)
        layout.addStretch(1)
        self.unlock_button.clicked.connect(self.unlock)
        self.password.returnPressed.connect(self.unlock)
        self.switch_button.clicked.connect(self.switch_user)
        self.other_password.returnPressed.connect(self.switch_user)
        self.fields.focus_chain()
        self.other.focus_chain()

    def show_for(self, user: User) -> None:
        self.title.setText(f"Locked — {user.name} ({user.officer_code})")
        self.message.hide()
        self.password.setFocus()

    def unlock(self) -> None:
        user = self._context.user
        try:
            users.sign_in(self._context.store, user.officer_code, self.password.text())
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        finally:
            self.password.clear()
        self.unlocked.emit()

    def switch_user(self) -> None:
        try:
            other = users.sign_in(
                self._context.store, self.other_code.text(), self.other_password.text()
            )
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        finally:
            self.other_password.clear()
        self.other_code.clear()
        same = other.id == self._context.user.id
        self._context.current_user = other
        (self.unlocked if same else self.switched).emit()
