"""Sign in with officer code and password; on the very first run, set up a team manager."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from caseworker import paths
from caseworker.services import users
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.widgets import banner, button, heading, section, show_banner


class SignInPage(QWidget):
    signed_in = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Caseworker — Today's yes"))
        self.message = banner()
        layout.addWidget(self.message)

        self.sign_in_box, form = section("Sign in")
        if paths.demo_mode():
            from caseworker.services import demo  # Faker and the demo data: demo mode only

            hint = QLabel(
                f"Demo: sign in as {demo.DEMO_OFFICER[1]} (officer) or {demo.DEMO_MANAGER[1]} "
                f"(manager); the password is {demo.DEMO_PASSWORD}"
            )
            hint.setWordWrap(True)
            hint.setAccessibleName("Demo accounts")
            form.addRow(hint)
        taken = {"c", "s", "m"}  # the Case menu and this page's two buttons
        self.fields = FieldSet(taken=taken)
        self.code = self.fields.line(form, "officer_code", "Officer code", "e.g. JS01")
        self.password = self.fields.line(form, "password", "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.button = button("&Sign in")
        form.addRow(self.button)
        layout.addWidget(self.sign_in_box)

        self.setup_box, form = section("Set up Caseworker: create the first team manager")
        self.setup_fields = FieldSet(taken=taken)
        self.setup_fields.line(form, "name", "Your name", "e.g. Morgan Lee")
        self.setup_fields.line(form, "new_code", "Your officer code", "e.g. TM01")
        for name, text in (
            ("new_password", "Choose a password"),
            ("confirm", "Type the password again"),
        ):
            edit = self.setup_fields.line(
                form, name, text, help="At least 10 characters; a few unrelated words work well."
            )
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.setup_button = button("Create &manager and sign in")
        form.addRow(self.setup_button)
        layout.addWidget(self.setup_box)
        layout.addStretch(1)

        self.button.clicked.connect(self.submit)
        self.code.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.setup_button.clicked.connect(self.set_up)
        self.fields.focus_chain()
        self.setup_fields.focus_chain()
        QWidget.setTabOrder(self.password, self.button)
        self.refresh()

    def refresh(self) -> None:
        """Show first-run set-up until a manager exists, then the sign-in form."""
        first_run = users.needs_first_manager(self._context.store)
        self.setup_box.setVisible(first_run)
        self.sign_in_box.setVisible(not first_run)
        self._box_focus(self.setup_box if first_run else self.sign_in_box)

    def after_sync(self) -> None:
        """A new laptop's first sync brings the team's accounts: leave first-run set-up
        for the sign-in form at once (it once stayed until the app was restarted)."""
        if self.setup_box.isVisible() and not users.needs_first_manager(self._context.store):
            self.refresh()
            show_banner(
                self.message,
                "The team's accounts arrived from the shared store: sign in with your "
                "officer code and password.",
            )

    def reset(self) -> None:
        """Back to an empty form, as at start-up (after a sign out)."""
        self.message.hide()
        self.fields.clear_errors()
        self.code.clear()
        self.password.clear()
        self.refresh()

    @staticmethod
    def _box_focus(box: QGroupBox) -> None:
        first = box.findChild(QLineEdit)
        if first is not None:
            first.setFocus()

    def submit(self) -> None:
        self.fields.clear_errors()
        try:
            self._context.current_user = users.sign_in(
                self._context.store, self.code.text(), self.password.text()
            )
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        finally:
            self.password.clear()  # the password is not kept once checked
        self.message.hide()
        self.signed_in.emit()

    def set_up(self) -> None:
        values = self.setup_fields.values()
        self.setup_fields.clear_errors()
        try:
            if values["new_password"] != values["confirm"]:
                self.setup_fields.show_errors({"confirm": "The two passwords are not the same"})
                return
            self._context.current_user = users.create_first_manager(
                self._context.store, values["name"], values["new_code"], values["new_password"]
            )
        except InvalidInput as exc:
            renamed = {
                {"officer_code": "new_code", "password": "new_password"}.get(k, k): v
                for k, v in exc.fields.items()
            }
            self.setup_fields.show_errors(renamed)
            return
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        finally:
            for name in ("new_password", "confirm"):
                widget = self.setup_fields.widgets[name]
                assert isinstance(widget, QLineEdit)
                widget.clear()
        self.message.hide()
        self.refresh()
        self.signed_in.emit()
