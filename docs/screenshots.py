"""Make the README screenshots from the offscreen app over synthetic demo data.

    .venv/bin/python docs/screenshots.py

Writes docs/screenshots/{search,household,members,visit}.png. Nothing here touches
a real case store: the data folder is a fresh temporary directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QGroupBox, QScrollArea, QWidget

from caseworker import paths
from caseworker.domain.users import Role
from caseworker.services import demo, users
from caseworker.store.database import Store
from caseworker.ui.app import create_application
from caseworker.ui.context import AppContext
from caseworker.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1100, 760)
NAME, CODE = "Jo Smith", "JS01"
PASSWORD = "screenshots only, never a real one"
HOUSEHOLDS = 200


def settle(ms: int = 150) -> None:
    """Let timers fire and layouts and paints finish."""
    QTest.qWait(ms)
    QCoreApplication.processEvents()


def key(
    widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    QTest.keyClick(widget, key, modifier)
    settle(30)


def typed(widget: QWidget, text: str) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    QTest.keyClicks(widget, text)
    settle(30)


def choose(combo: QComboBox, prefix: str) -> None:
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Home)
    while not combo.currentText().startswith(prefix):
        QTest.keyClick(combo, Qt.Key.Key_Down)


def shoot(window: MainWindow, name: str) -> Path:
    settle()
    path = OUT / name
    if not window.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path.relative_to(OUT.parent.parent)}")
    return path


def main() -> int:
    app = create_application()  # the shipped stylesheet, as users see it
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="caseworker-screens-") as folder:
        paths.set_data_dir(folder)
        store = Store.open_local(paths.local_store_path())
        try:
            manager = users.create_first_manager(store, "Morgan Lee", "TM01", PASSWORD)
            officer = users.add_user(store, manager, NAME, CODE, Role.OFFICER, PASSWORD)
            demo.generate(store, officer, HOUSEHOLDS, seed=1)
            window = MainWindow(AppContext(store))
            window.resize(*SIZE)
            window.show()
            window.activateWindow()
            QTest.qWaitForWindowActive(window)
            _walk(window)
            window.close()
            window.deleteLater()
            settle()
        finally:
            store.dispose()
            paths.set_data_dir(None)
    app.processEvents()
    return 0


def _walk(window: MainWindow) -> None:
    signin = window.signin
    typed(signin.code, CODE)
    key(signin.code, Qt.Key.Key_Return)
    typed(signin.password, PASSWORD)
    key(signin.password, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.search, "sign-in failed"

    search = window.search
    typed(search.search, "SE15")
    settle(400)  # the search runs shortly after the last keystroke
    assert search.model.rowCount() > 1, "demo data has no SE15 households"
    shoot(window, "search.png")

    key(search.search, Qt.Key.Key_Return)  # open the first match
    household = window.household
    assert window.stack.currentWidget() is household, "household did not open"
    shoot(window, "household.png")

    bar = household.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    table = household.members_table
    first_row = table.visualRect(table.model().index(0, 0)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first_row)
    shoot(window, "members.png")

    key(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    visit = window.visit
    assert window.stack.currentWidget() is visit, "visit page did not open"
    fields = visit.fields.widgets
    typed(fields["venue"], "Peckham Library")
    typed(fields["point_of_need"], "Hours cut at the depot; rent due Friday.")
    for capital, score in (("financial", "2"), ("mental", "2"), ("social", "1"), ("human", "0")):
        combo = fields[capital]
        assert isinstance(combo, QComboBox)
        choose(combo, score)
    # Scroll so "Stated costs" is at the top: the four capitals and the stage show below it.
    area = visit.findChild(QScrollArea)
    costs = next(b for b in visit.findChildren(QGroupBox) if b.title() == "Stated costs")
    assert area is not None
    area.verticalScrollBar().setValue(costs.y())
    fields["human"].setFocus()
    area.verticalScrollBar().setValue(costs.y())  # focusing may have scrolled it again
    visit.flush()  # keep the draft timer from firing after the window has gone
    shoot(window, "visit.png")


if __name__ == "__main__":
    raise SystemExit(main())
