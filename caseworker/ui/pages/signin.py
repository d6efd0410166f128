"""Sign in with name and officer code."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from caseworker.services import users
from caseworker.services.errors import InvalidInput, ServiceError
from caseworker.ui.context import AppContext
from caseworker.ui.fields import FieldSet
from caseworker.ui.widgets import banner, heading, section, show_banner


class SignInPage(QWidget):
    signed_in = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Caseworker — Today's yes"))
        box, form = section("Sign in")
        self.fields = FieldSet()
        self.name = self.fields.line(form, "name", "Your name", "e.g. Jo Smith")
        self.code = self.fields.line(form, "officer_code", "Officer code", "e.g. JS01")
        self.button = QPushButton("&Sign in")
        self.button.setAccessibleName("Sign in")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.code.returnPressed.connect(self.submit)
        self.name.returnPressed.connect(self.code.setFocus)
        form.addRow(self.button)
        self.message = banner()
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.fields.focus_chain()
        QWidget.setTabOrder(self.code, self.button)

    def submit(self) -> None:
        self.fields.clear_errors()
        try:
            self._context.current_user = users.sign_in(
                self._context.store, self.name.text(), self.code.text()
            )
        except InvalidInput as exc:
            self.fields.show_errors(exc.fields)
            return
        except ServiceError as exc:
            show_banner(self.message, str(exc), error=True)
            return
        self.message.hide()
        self.signed_in.emit()
