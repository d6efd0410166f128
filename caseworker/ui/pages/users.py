"""People who can sign in, and a team manager adding an officer or another manager.

The two password fields are cleared as soon as the form is sent, whether or not
the person was added.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caseworker.domain.users import Role, User
from caseworker.services import users
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.models import ListTableModel
from caseworker.ui.widgets import (
    banner,
    button,
    enter_presses,
    heading,
    on_refresh_key,
    row_table,
    section,
    show_banner,
    tab_chain,
)

# Alt+letters of this page: the Case menu, the people table and the Add button.
TAKEN = frozenset("cpa")
ROLES: list[tuple[str | None, str]] = [
    (Role.OFFICER.value, "Officer"),
    (Role.MANAGER.value, "Team manager"),
]
_ROLE_LABELS = dict(ROLES)
PASSWORD_HELP = (
    f"At least {users.MIN_PASSWORD_LENGTH} characters; a few unrelated words work well. "
    "Give it to the person in private."
)


def user_rows(people: list[User]) -> list[tuple[str, ...]]:
    return [(u.name, u.officer_code, _ROLE_LABELS[u.role.value]) for u in people]


class UsersPage(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.people: list[User] = []

        layout = QVBoxLayout(self)
        layout.addWidget(heading("People"))
        self.message = banner()
        layout.addWidget(self.message)
        label = QLabel("&People who can sign in")
        layout.addWidget(label)
        self.model = ListTableModel(("Name", "Officer code", "Role"))
        self.table = row_table(self.model, "People who can sign in")
        self.table.setMinimumHeight(140)
        label.setBuddy(self.table)
        layout.addWidget(self.table, 1)

        box, form = section("Add a person")
        self.fields = FieldSet(taken=set(TAKEN))
        f = self.fields
        f.line(form, "name", "Name", "e.g. Jo Smith")
        f.line(
            form,
            "officer_code",
            "Officer code",
            "e.g. JS01",
            "2 to 8 letters or digits starting with a letter; they sign in with it.",
        )
        f.choice(form, "role", "Role", ROLES)
        for name, text in (("password", "Password"), ("confirm", "Type the password again")):
            edit = f.line(form, name, text, help=PASSWORD_HELP)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_button = button("&Add person")
        form.addRow(self.add_button)
        layout.addWidget(box)

        self.add_button.clicked.connect(self.add)
        enter_presses(box, self.add_button)  # Enter in any of its fields adds the person
        on_refresh_key(self, self.refresh)
        chain = [self.table, *f.focus_chain(), self.add_button]
        tab_chain(chain)
        self.refresh()

    def _line(self, name: str) -> QLineEdit:
        widget = self.fields.widgets[name]
        assert isinstance(widget, QLineEdit)
        return widget

    def refresh(self) -> None:
        self.people = users.list_users(self._context.store)
        self.model.set_rows(user_rows(self.people))

    def add(self) -> None:
        values = self.fields.values()
        self.fields.clear_errors()
        try:
            if values["password"] != values["confirm"]:
                self.fields.show_errors({"confirm": "The two passwords are not the same"})
                show_banner(self.message, "Nobody added. Type the same password twice.", True)
                return
            user = users.add_user(
                self._context.store,
                self._context.user,
                values["name"],
                values["officer_code"],
                Role(values["role"]),
                values["password"],
            )
        except InvalidInput as exc:
            unplaced = self.fields.show_errors(exc.fields)
            show_banner(
                self.message,
                " ".join(["Nobody added. Correct the fields marked below.", *unplaced]),
                error=True,
            )
            return
        except ServiceError as exc:
            show_banner(self.message, f"Nobody added. {exc}", error=True)
            return
        finally:
            for name in ("password", "confirm"):
                self._line(name).clear()
        for name in ("name", "officer_code"):
            self._line(name).clear()
        self.refresh()
        row = next((i for i, u in enumerate(self.people) if u.id == user.id), -1)
        if row >= 0:
            self.table.selectRow(row)
        role = "a team manager" if user.role is Role.MANAGER else "an officer"
        show_banner(
            self.message,
            f"Added {user.name} ({user.officer_code}) as {role}. "
            "They can sign in now with the password you gave them.",
        )
        self._line("name").setFocus()
