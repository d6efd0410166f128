"""Auto-lock: idle time or Ctrl+L hides every family's data; unlocking loses nothing."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from caseworker.domain.household import Household
from caseworker.domain.users import User
from caseworker.services import households, keys
from caseworker.store.database import Store
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import MainWindow
from tests.conftest import PASSWORD, make_household
from tests.ui.conftest import Officer

SURNAME = "Quillfeatherstone"


def _visible_texts(window: QWidget) -> str:
    """Everything a person could read on the window now."""
    texts = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QLineEdit):
            texts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount()):
                for col in range(model.columnCount()):
                    texts.append(str(model.index(row, col).data()))
    return "\n".join([*texts, window.windowTitle()])


def _household(store: Store, officer: User) -> Household:
    member = households.build_member({"first_name": "Ada", "surname": SURNAME})
    return households.create_household(store, officer, make_household(members=[member]))


def test_idle_lock_hides_data_and_unlock_restores_the_draft(
    qtbot: QtBot, store: Store, officer: User
) -> None:
    household = _household(store, officer)
    # Long enough for signing in and finding the family on a busy machine (the warm-up
    # after signing in runs meanwhile), short enough for a test: 5 minutes in the app.
    window = MainWindow(AppContext(store), idle_lock_ms=2000)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    ui = Officer(qtbot, window)
    ui.sign_in()
    ui.open_found(SURNAME)
    ui.shortcut("Ctrl+R")
    note = window.visit.fields.widgets["point_of_need"]
    ui.type("Hours cut at the bakery", into=note)
    assert SURNAME in _visible_texts(window)

    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.lock_page, timeout=6000)
    shown = _visible_texts(window)
    assert SURNAME not in shown and "Hours cut" not in shown and household.reference not in shown
    assert not window.visit.isVisible()

    ui.type("wrong password!!", into=window.lock_page.password)
    ui.click(window.lock_page.unlock_button)
    assert "password is wrong" in window.lock_page.message.text()
    assert window.stack.currentWidget() is window.lock_page
    ui.type(PASSWORD, into=window.lock_page.password)
    ui.click(window.lock_page.unlock_button)
    assert window.stack.currentWidget() is window.visit
    assert isinstance(note, QPlainTextEdit) and note.toPlainText() == "Hours cut at the bakery"
    assert window.lock_page.password.text() == ""


def test_ctrl_l_locks_and_another_user_gets_their_own_session(
    qtbot: QtBot, store: Store, officer: User, manager: User
) -> None:
    _household(store, officer)
    window = MainWindow(AppContext(store))
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    ui = Officer(qtbot, window)
    ui.sign_in()
    ui.open_found(SURNAME)
    assert keys.key_for(officer.id) is not None
    ui.shortcut("Ctrl+L")
    assert window.stack.currentWidget() is window.lock_page
    assert SURNAME not in _visible_texts(window)
    assert keys.key_for(officer.id) is None and keys.key_for(manager.id) is None
    ui.type("TM01", into=window.lock_page.other_code)
    ui.type(PASSWORD, into=window.lock_page.other_password)
    ui.click(window.lock_page.switch_button)
    assert window.context.user.id == manager.id
    assert keys.key_for(manager.id) is not None and keys.key_for(officer.id) is None
    assert window.stack.currentWidget() is window.today
    assert "Morgan Lee" in window.who.text()
    QApplication.processEvents()
