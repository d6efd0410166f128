"""The main window: sign in, find a household, record it, record a visit."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QStackedWidget,
    QWidget,
)

from caseworker import paths
from caseworker.domain.users import Role
from caseworker.services import users
from caseworker.ui.context import AppContext
from caseworker.ui.keys import KEYS_PAGE_KEY, YES_TODAY_KEY
from caseworker.ui.pages.signin import SignInPage
from caseworker.ui.sync_status import SyncController, SyncStatusBar
from caseworker.ui.widgets import install_wheel_guard, scrolling, show_banner

if TYPE_CHECKING:
    from caseworker.domain.household import Household
    from caseworker.services.today import TodayItem
    from caseworker.sync.run import SyncReport
    from caseworker.ui.about import AboutDialog
    from caseworker.ui.keys import KeysDialog
    from caseworker.ui.pages.approvals import ApprovalsPage
    from caseworker.ui.pages.conflicts import ConflictsPage
    from caseworker.ui.pages.dashboard import DashboardPage
    from caseworker.ui.pages.duplicates import DuplicatesPage
    from caseworker.ui.pages.fund import FundPage
    from caseworker.ui.pages.household import HouseholdPage
    from caseworker.ui.pages.impact import ImpactPage
    from caseworker.ui.pages.lock import LockPage
    from caseworker.ui.pages.reconciliation import ReconciliationPage
    from caseworker.ui.pages.reviews import ReviewsPage
    from caseworker.ui.pages.search import SearchPage
    from caseworker.ui.pages.today import TodayPage
    from caseworker.ui.pages.users import UsersPage
    from caseworker.ui.pages.visit import VisitPage

Shortcut = QKeySequence | QKeySequence.StandardKey | str
_ACTIVITY = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)


IDLE_LOCK_MINUTES = 5
# Written out, not QKeySequence.StandardKey.Quit: that one has no key on Windows.
SIGN_OUT_KEY = "Ctrl+Shift+L"
QUIT_KEY = "Ctrl+Q"
CONFLICTS_KEY = "Ctrl+Shift+C"
ABOUT_KEY = "Shift+F1"
TODAY_KEY = "Ctrl+T"
FAMILY_COPY_KEY = "Ctrl+P"


PREFERRED_SIZE = QSize(1100, 760)


def fit_to_screen(window: QWidget) -> None:
    """Once shown (its frame known), keep the whole window, frame and all, on its screen:
    a 1366x768 laptop at 200% has room for 683x384 of the window's own pixels."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()
    window.resize(window.size().boundedTo(room.size() - frame))
    if not room.contains(window.frameGeometry()):
        window.move(room.topLeft())


#: Every page of the window, in stack order; only "signin" is made with the window.
PAGE_ORDER = (
    "signin",
    "search",
    "household",
    "visit",
    "lock_page",
    "reviews",
    "conflicts",
    "approvals",
    "fund",
    "users",
    "impact",
    "dashboard",
    "duplicates",
    "reconciliation",
    "today",
)
#: The pages a list-page refresh (F5, after a sync, Back to search) applies to.
_LIST_PAGES = frozenset(PAGE_ORDER) - {
    "signin",
    "search",
    "household",
    "visit",
    "lock_page",
    "today",
}
#: A manager's pages (the Manager menu): Back (Alt+Left) goes to Today from them.
_MANAGER_PAGES = _LIST_PAGES - {"reviews", "conflicts"}


WARM_UP_STEP_MS = 50  # between the warm-up's steps after signing in (see _warm_up)


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, idle_lock_ms: int = IDLE_LOCK_MINUTES * 60_000) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle("Caseworker — Today's yes")
        self.stack = QStackedWidget()
        # The pages scroll when the window is smaller than they would like (a small
        # screen at 200%), so the window never has to be larger than the screen.
        pages = scrolling(self.stack)
        pages.setFrameShape(QFrame.Shape.NoFrame)
        self.setCentralWidget(pages)
        self.resize(PREFERRED_SIZE)
        # Only the sign-in page is made now; every other page (and the modules behind
        # it: reports, PDFs, charts, fuzzy matching) the first time it is wanted, so
        # the window opens fast (issue 18: start-up <= 0.8 s with 100,000 households).
        self.signin = SignInPage(context)
        self.stack.addWidget(self.signin)
        self._pages: dict[str, QWidget] = {"signin": self.signin}
        self._before_lock: QWidget | None = None  # the page the lock screen hides
        self._session_of: uuid.UUID | None = None  # whose search the search page holds
        self.about_dialog: AboutDialog | None = None
        self.keys_dialog: KeysDialog | None = None
        # Any key or click restarts the idle clock; when it runs out the window locks.
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(idle_lock_ms)
        self.idle.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        install_wheel_guard()  # the wheel scrolls pages; it never changes a value in passing
        self.who = QLabel()
        self.who.setAccessibleName("Signed in as")
        # Online or not, changes waiting, last sync, conflicts: always in view.
        self.sync_status = SyncStatusBar()
        self.sync = SyncController(
            context,
            self.sync_status,
            lambda text: self.statusBar().showMessage(text, 15_000),
            parent=self,
        )
        if paths.demo_mode():
            self.setWindowTitle("Caseworker — DEMO MODE: synthetic data only, NOT encrypted")
            demo = QLabel("DEMO MODE — do not enter real people")
            demo.setProperty("role", "error")
            demo.setAccessibleName("Demo mode")
            self.statusBar().addPermanentWidget(demo)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.statusBar().addPermanentWidget(self.who)
        self._actions()
        self._wire()
        self._add_today()
        self.show_page(self.signin)
        self.sync.start()

    # -- pages, made on first use (issue 18) -----------------------------------------
    def page(self, name: str) -> QWidget:
        """The page called ``name`` (see PAGE_ORDER), made and wired the first time."""
        page = self._pages.get(name)
        if page is None:
            page = getattr(self, f"_make_{name}")()
            self._pages[name] = page
            self.stack.addWidget(page)
        return page

    def make_every_page(self) -> None:
        """Make the pages not made yet (the Keys page lists each page's own shortcuts)."""
        for name in PAGE_ORDER:
            self.page(name)

    def _made(self, name: str) -> QWidget | None:
        """The page if it was made already (nothing to flush or refresh otherwise)."""
        return self._pages.get(name)

    def _is(self, page: QWidget | None, *names: str) -> bool:
        return page is not None and any(self._pages.get(n) is page for n in names)

    def _make_search(self) -> SearchPage:
        from caseworker.ui.pages.search import SearchPage

        page = SearchPage(self.context)
        page.open_household.connect(self.open_household)
        page.new_household.connect(lambda: self.open_household(None))
        return page

    def _make_household(self) -> HouseholdPage:
        from caseworker.ui.pages.household import HouseholdPage

        page = HouseholdPage(self.context)
        page.back.connect(self.go_search)
        page.record_visit.connect(self.start_visit)
        return page

    def _make_visit(self) -> VisitPage:
        from caseworker.ui.pages.visit import VisitPage

        page = VisitPage(self.context)
        page.back.connect(self._back_to_household)
        page.saved.connect(self._visit_saved)
        return page

    def _make_lock_page(self) -> LockPage:
        from caseworker.ui.pages.lock import LockPage

        page = LockPage(self.context)
        page.unlocked.connect(self._unlocked)
        page.switched.connect(self._on_signed_in)
        return page

    def _make_reviews(self) -> ReviewsPage:
        from caseworker.ui.pages.reviews import ReviewsPage

        page = ReviewsPage(self.context)
        page.open_household.connect(self.open_household)
        return page

    def _make_conflicts(self) -> ConflictsPage:
        from caseworker.ui.pages.conflicts import ConflictsPage

        page = ConflictsPage(self.context)
        page.open_household.connect(self.open_household)
        return page

    def _make_approvals(self) -> ApprovalsPage:
        from caseworker.ui.pages.approvals import ApprovalsPage

        return ApprovalsPage(self.context, self.context.rules.current)

    def _make_fund(self) -> FundPage:
        from caseworker.ui.pages.fund import FundPage

        return FundPage(self.context)

    def _make_users(self) -> UsersPage:
        from caseworker.ui.pages.users import UsersPage

        return UsersPage(self.context)

    def _make_impact(self) -> ImpactPage:
        from caseworker.ui.pages.impact import ImpactPage

        return ImpactPage(self.context)

    def _make_dashboard(self) -> DashboardPage:
        from caseworker.ui.pages.dashboard import DashboardPage

        return DashboardPage(self.context)

    def _make_duplicates(self) -> DuplicatesPage:
        from caseworker.ui.pages.duplicates import DuplicatesPage

        return DuplicatesPage(self.context)

    def _make_reconciliation(self) -> ReconciliationPage:
        from caseworker.ui.pages.reconciliation import ReconciliationPage

        return ReconciliationPage(self.context)

    def _make_today(self) -> TodayPage:
        from caseworker.ui.pages.today import TodayPage

        page = TodayPage(self.context)
        page.open_item.connect(self.open_today_item)
        return page

    @property
    def search(self) -> SearchPage:
        return cast("SearchPage", self.page("search"))

    @property
    def household(self) -> HouseholdPage:
        return cast("HouseholdPage", self.page("household"))

    @property
    def visit(self) -> VisitPage:
        return cast("VisitPage", self.page("visit"))

    @property
    def lock_page(self) -> LockPage:
        return cast("LockPage", self.page("lock_page"))

    @property
    def reviews(self) -> ReviewsPage:
        return cast("ReviewsPage", self.page("reviews"))

    @property
    def conflicts(self) -> ConflictsPage:
        return cast("ConflictsPage", self.page("conflicts"))

    @property
    def approvals(self) -> ApprovalsPage:
        return cast("ApprovalsPage", self.page("approvals"))

    @property
    def fund(self) -> FundPage:
        return cast("FundPage", self.page("fund"))

    @property
    def users(self) -> UsersPage:
        return cast("UsersPage", self.page("users"))

    @property
    def impact(self) -> ImpactPage:
        return cast("ImpactPage", self.page("impact"))

    @property
    def dashboard(self) -> DashboardPage:
        return cast("DashboardPage", self.page("dashboard"))

    @property
    def duplicates(self) -> DuplicatesPage:
        return cast("DuplicatesPage", self.page("duplicates"))

    @property
    def reconciliation(self) -> ReconciliationPage:
        return cast("ReconciliationPage", self.page("reconciliation"))

    @property
    def today(self) -> TodayPage:
        return cast("TodayPage", self.page("today"))

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str,
        slot: Callable[[], object],
        what: str,
        menu: QMenu | None = None,
    ) -> QAction:
        """An action of ``menu`` (the Case menu): its key shows in the menu and on the Keys page."""
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(what)  # what it does: the status bar and the Keys page say it
        action.triggered.connect(slot)
        self.addAction(action)
        (menu or self.case_menu).addAction(action)
        return action

    def _actions(self) -> None:
        self.case_menu = self.menuBar().addMenu("&Case")
        self.find_action = self._action(
            "&Find household",
            QKeySequence.StandardKey.Find,
            self.go_search,
            "Search by surname, first name, postcode, date of birth or case reference",
        )
        self.new_action = self._action(
            "&New household",
            QKeySequence.StandardKey.New,
            lambda: self.open_household(None),
            "Record a new household",
        )
        self.save_action = self._action(
            "&Save",
            QKeySequence.StandardKey.Save,
            self._save,
            "Save the household, visit or review on screen (a visit with money makes its package)",
        )
        self.visit_action = self._action(
            "&Record a visit",
            "Ctrl+R",
            lambda: self.household.visit_button.click(),
            "Record a visit for the household on screen (a new household is saved first)",
        )
        self.yes_action = self._action(
            "Say &yes today",
            YES_TODAY_KEY,
            self.yes_today,
            "Approve the package on the spot: on a visit, save it and say yes to its package; "
            "on a household, say yes to the package chosen on its Packages tab",
        )
        self.family_copy_action = self._action(
            "&Family copy (PDF)",
            FAMILY_COPY_KEY,
            self._family_copy,
            "The family's summary to print or give them, for the household on screen",
        )
        self.member_action = self._action(
            "&Add member", "Ctrl+M", self._add_member, "Add a member to the household on screen"
        )
        self.back_action = self._action(
            "&Back", "Alt+Left", self._back, "Back to the page before (typing is kept as a draft)"
        )
        self.lock_action = self._action(
            "&Lock screen", "Ctrl+L", self.lock, "Hide everything until your password is typed"
        )
        self.reviews_action = self._action(
            "Reviews &due",
            "Ctrl+Shift+D",
            self.open_reviews,
            "Your follow-up reviews, overdue first: re-score the capitals, record outcomes",
        )
        self.case_menu.addSeparator()
        self.sync_action = self.sync.sync_action
        self.sync_action.setStatusTip(
            "Send this laptop's changes and fetch the team's now (sync also runs by itself)"
        )
        self.addAction(self.sync_action)
        self.case_menu.addAction(self.sync_action)
        self.sync.cancel_action.setStatusTip("Stop the sync under way; nothing is lost")
        self.addAction(self.sync.cancel_action)
        self.case_menu.addAction(self.sync.cancel_action)
        self.conflicts_action = self._action(
            "&Conflicts and refused changes…",
            CONFLICTS_KEY,
            self.open_conflicts,
            "Changes the team store did not accept, and conflicting edits, to decide",
        )
        self.case_menu.addSeparator()
        self.sign_out_action = self._action(
            "Sign &out",
            SIGN_OUT_KEY,
            self.sign_out,
            "End your session: drafts are kept; the next person starts with an empty search",
        )
        self.quit_action = self._action(
            "&Quit", QUIT_KEY, self.close, "Close Caseworker (drafts are kept)"
        )
        # No Alt+letter for this menu: every letter of "Manager" is a field's on some page.
        self.manager_menu = self.menuBar().addMenu("Manager")
        self.approvals_action = self._manager_action(
            "Approvals &queue",
            "Ctrl+Shift+Q",
            "approvals",
            "Packages waiting for a manager: approve or reject",
        )
        self.fund_action = self._manager_action(
            "Team &fund", "Ctrl+Shift+F", "fund", "The team fund and each officer's allowance"
        )
        self.users_action = self._manager_action(
            "&Users",
            "Ctrl+Shift+U",
            "users",
            "People who can sign in; add an officer or a manager",
        )
        # Duplicate households: listed and merged here, by a manager (issue 10).
        self.duplicates_action = self._manager_action(
            "&Duplicate households",
            "Ctrl+Shift+M",
            "duplicates",
            "Likely duplicate households: merge them, or undo a merge",
        )
        self.impact_action = self._manager_action(
            "Policy-change &impact",
            "Ctrl+Shift+I",
            "impact",
            "What a draft policy would change, household by household",
        )
        self.dashboard_action = self._manager_action(
            "&Evaluation dashboard",
            "Ctrl+Shift+E",
            "dashboard",
            "The pilot's evaluation figures and charts, for a chosen period",
        )
        # Payments: what finance paid, failed, returned, and awards still unpaid (issue 20).
        self.reconciliation_action = self._manager_action(
            "Payments: &reconciliation with finance",
            "Ctrl+Shift+P",
            "reconciliation",
            "Awards paid, failed, returned, paid twice or unpaid, matched with finance's "
            "payment file",
        )
        # No Alt+letter for this menu either: Alt+H is a field's on the household page.
        self.help_menu = self.menuBar().addMenu("Help")
        self.keys_action = self._action(
            "&Keys",
            KEYS_PAGE_KEY,
            self.show_keys,
            "This list: every key and what it does",
            self.help_menu,
        )
        self.about_action = self._action(
            "&About Caseworker",
            ABOUT_KEY,
            self.show_about,
            "Version and the policy in force",
            self.help_menu,
        )
        self._signed_in_actions = [
            self.yes_action,
            self.lock_action,
            self.find_action,
            self.new_action,
            self.save_action,
            self.visit_action,
            self.member_action,
            self.family_copy_action,
            self.back_action,
            self.reviews_action,
            self.sync_action,
            self.conflicts_action,
        ]

    def _manager_action(self, text: str, shortcut: str, page: str, what: str) -> QAction:
        """A Manager menu entry opening the page named ``page`` (made when first opened)."""
        return self._action(
            text, shortcut, lambda: self.open_manager_page(self.page(page)), what, self.manager_menu
        )

    def open_reviews(self) -> None:
        """Case > Reviews due: the signed-in officer's follow-up reviews, overdue first."""
        self.open_manager_page(self.reviews)  # any page with refresh(); officers' too
        self.reviews.table.setFocus()

    def open_conflicts(self) -> None:
        """Case > Conflicts and refused changes (also the status bar's counts)."""
        self.open_manager_page(self.conflicts)  # any page with refresh(); officers' too
        self.conflicts.table.setFocus()

    def _after_sync(self, manual: bool, report: SyncReport) -> None:
        """Show what a sync brought on a list page; never reload a form someone types in."""
        page = self.stack.currentWidget()
        if page is self.signin:
            self.signin.after_sync()
            return
        brought = report.pulled_rows > 0 or report.pushed.applied > 0
        typing = isinstance(QApplication.focusWidget(), QLineEdit | QPlainTextEdit)
        if not (manual or (brought and not typing)):
            return
        if self._is(page, "search"):
            self.search.run_search()
        elif page is not None and self._is(page, *_LIST_PAGES):
            self.open_manager_page(page)

    def show_keys(self) -> None:
        """Help > Keys (F1): every key, read from the actions; window-modal, like About."""
        from caseworker.ui.keys import KeysDialog

        self.make_every_page()  # pages are made lazily; the Keys page lists every page's keys
        self.keys_dialog = KeysDialog(self)
        self.keys_dialog.open()

    def show_about(self) -> None:
        """Help > About: window-modal, so it does not block (and tests can read it)."""
        from caseworker.ui.about import AboutDialog

        self.about_dialog = AboutDialog(self, rules_override=self.context.rules.override)
        self.about_dialog.open()

    def open_manager_page(self, page: QWidget) -> None:
        self._flush()
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()
        self.show_page(page)

    def _wire(self) -> None:
        """The window's own signals; each other page is wired when it is made."""
        self.signin.signed_in.connect(self._on_signed_in)
        self.sync_status.conflicts_clicked.connect(self.conflicts_action.trigger)
        self.sync.synced.connect(self._after_sync)

    # -- Today: the first screen after sign-in (issue 18) --------------------
    def _add_today(self) -> None:
        """Today's Case menu entry (Ctrl+T); the page is made at the first sign-in."""
        self.today_action = self._action(
            "&Today",
            TODAY_KEY,
            self.go_today,
            "Today's drop-in: who was seen, drafts, what waits for a manager or to sync",
        )
        self.case_menu.insertAction(self.find_action, self.today_action)  # first in the menu
        self._signed_in_actions.append(self.today_action)
        self.sync.synced.connect(self._today_after_sync)

    def _today_after_sync(self, _manual: bool, _report: SyncReport) -> None:
        if self._is(self.stack.currentWidget(), "today"):
            self.today.refresh()  # what synced leaves "not yet synced"

    def go_today(self) -> None:
        self._flush()
        self.today.refresh()
        self.show_page(self.today)
        self.today.focus_first()

    def open_today_item(self, item: TodayItem) -> None:
        """A line of Today, opened: its household (on the tab that shows it), the
        visit being typed, the package waiting, or the review due."""
        from caseworker.services.today import Opens

        if item.opens is Opens.REVIEW and item.target_id is not None:
            self.open_reviews()
            model = self.reviews.model
            for row in range(model.rowCount()):
                entry = model.entry(row)
                if entry is not None and entry.review.id == item.target_id:
                    self.reviews.table.selectRow(row)
            return
        self.open_household(item.household_id)
        if item.household_id is None or not self._is(self.stack.currentWidget(), "household"):
            return
        tabs = self.household.tabs
        if item.opens is Opens.VISIT:
            self.household.visit_button.click()
        elif item.opens is Opens.PACKAGE:
            titles = [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]
            tabs.setCurrentIndex(titles.index("Packages"))
        elif item.target_id is not None:  # a visit seen today: the timeline shows it
            tabs.setCurrentIndex(2)

    # -- navigation -----------------------------------------------------------
    def show_page(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        signed_in = self.context.current_user is not None and not self._is(page, "lock_page")
        for action in self._signed_in_actions:
            action.setEnabled(signed_in)
        # On the lock screen too: someone else may end a session its owner left open.
        self.sign_out_action.setEnabled(self.context.current_user is not None)
        self.save_action.setEnabled(self._is(page, "household", "visit", "reviews"))
        is_manager = signed_in and self.context.user.role is Role.MANAGER
        self.manager_menu.menuAction().setVisible(is_manager)
        for action in self.manager_menu.actions():
            action.setEnabled(is_manager)
        self.visit_action.setEnabled(self._is(page, "household"))
        self.yes_action.setEnabled(signed_in and self._is(page, "household", "visit"))
        self.member_action.setEnabled(self._is(page, "household"))
        self.family_copy_action.setEnabled(self._is(page, "household"))

    def _on_signed_in(self) -> None:
        user = self.context.user
        search = self._made("search")
        if user.id != self._session_of and search is not None:
            cast("SearchPage", search).reset()  # another person: the last one's search is theirs
        self._session_of = user.id
        self.statusBar().clearMessage()  # e.g. "Signed out": about the session before
        self.who.setText(f"Signed in as {user.name} ({user.officer_code})")
        self.idle.start()
        self.go_today()
        self._warm_up([lambda: self.household, self._load_rules, lambda: self.visit])

    def _warm_up(self, steps: list[Callable[[], object]]) -> None:
        """Once signed in, while the officer reads Today: make the drop-in's pages and
        load the rules, one step per pass of the event loop, so the session's first
        Ctrl+N and Ctrl+R do not pay for them (issue 18: no page change over 100 ms).
        Start-up stays lean: none of this happens before the window is interactive, and
        a key pressed meanwhile waits for one step at most (bench_dropin prints the
        slowest key)."""
        if not steps:
            return
        step, rest = steps[0], steps[1:]

        def run() -> None:
            if self.context.current_user is not None:  # signed out meanwhile: stop
                step()
                self._warm_up(rest)

        QTimer.singleShot(WARM_UP_STEP_MS, self, run)  # dropped if the window goes first

    def _load_rules(self) -> None:
        from caseworker.domain.rules import RulesUnavailable

        with contextlib.suppress(RulesUnavailable):  # said where the rules are first needed
            self.context.rules.current()

    def sign_out(self) -> None:
        """End the session: drafts are saved, then nothing of it stays on screen."""
        if self.context.current_user is None:
            return
        self._flush()
        self.idle.stop()
        users.forget_keys()  # nothing more is signed for anyone until a password is typed
        self.context.current_user = None
        self.who.clear()
        search = self._made("search")
        if search is not None:
            cast("SearchPage", search).reset()
        self.signin.reset()
        for label in self.findChildren(QLabel):  # every page's last message was theirs
            if label.property("role") == "banner":
                label.hide()
                label.clear()
        self.show_page(self.signin)
        self.statusBar().showMessage("Signed out. Your unsaved typing is kept as drafts.", 10_000)

    # -- locking --------------------------------------------------------------
    def lock(self) -> None:
        """Hide every family's data behind the lock screen; drafts are saved first."""
        if self.context.current_user is None or self._is(self.stack.currentWidget(), "lock_page"):
            return
        self._flush()
        self._before_lock = self.stack.currentWidget()
        self.idle.stop()
        users.forget_keys()  # unlocking (a password again) opens the key again
        self.show_page(self.lock_page)
        self.lock_page.show_for(self.context.user)

    def _unlocked(self) -> None:
        self.show_page(self._before_lock or self.search)
        self.idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.idle.isActive():
            self.idle.start()
        return super().eventFilter(watched, event)

    def go_search(self) -> None:
        self._flush()
        self.show_page(self.search)
        self.search.run_search()
        self.search.focus_search()

    def open_household(self, household_id: uuid.UUID | None) -> None:
        from caseworker.services.errors import ServiceError

        self._flush()
        try:
            self.household.load(household_id)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 10_000)
            return
        self.show_page(self.household)
        self.household.fields.widgets["address_line1"].setFocus()

    def start_visit(self, household: Household) -> None:
        self._flush()
        self.visit.start(household)
        self.show_page(self.visit)
        self.visit.focus_first()

    def _back_to_household(self, household: Household) -> None:
        self.open_household(household.id)
        self.household.tabs.setCurrentIndex(2)

    def _visit_saved(self, household: Household, note: str, outcome: str) -> None:
        """Back on the household; after Ctrl+Y on its Packages tab, the package chosen and
        the banner there (the package is what the message is about)."""
        if self.household.visit_added(household.id):  # the page it came from, kept as it was
            self._flush()
            self.show_page(self.household)
            self.household.fields.widgets["address_line1"].setFocus()
            self.household.tabs.setCurrentIndex(2)
        else:
            self._back_to_household(household)
        if outcome and self.visit.last_package is not None:
            self.household.show_packages(self.visit.last_package)
            show_banner(self.household.packages.message, note, error=outcome == "refused")
        else:
            show_banner(self.household.message, note)

    def _save(self) -> None:
        page = self.stack.currentWidget()
        if self._is(page, "household"):
            self.household.save()
        elif self._is(page, "visit"):
            self.visit.save()
        elif self._is(page, "reviews"):
            self.reviews.save()

    def yes_today(self) -> None:
        """Ctrl+Y: today's yes, from the visit (saved with it, in one service call) or the
        household's Packages tab."""
        page = self.stack.currentWidget()
        if self._is(page, "visit"):
            self.visit.save(yes_today=True)  # the household page, or the visit, says what happened
        elif self._is(page, "household"):
            self.household.show_packages(None)
            self.household.packages.say_yes()

    def _family_copy(self) -> None:
        """Ctrl+P: the Family summary (PDF) button of a saved household."""
        if not self._is(self.stack.currentWidget(), "household"):
            return
        push = self.household.family_pdf_button
        if not push.isEnabled():
            show_banner(self.household.message, "Save the household first: then its family copy.")
            return
        push.click()

    def _add_member(self) -> None:
        self.household.tabs.setCurrentIndex(1)
        self.household.focus_member_form()

    def _back(self) -> None:
        page = self.stack.currentWidget()
        if self._is(page, "household"):
            self.household.leave()
        elif self._is(page, "visit"):
            self.visit.leave()
        elif self._is(page, *_MANAGER_PAGES):
            self.go_today()  # a manager's pages are reached from Today, not from a search
        elif self._is(page, *_LIST_PAGES):
            self.go_search()

    def _flush(self) -> None:
        if self.context.current_user is not None:
            for name in ("household", "visit", "reviews"):  # only pages made can hold typing
                page = self._made(name)
                if page is not None:
                    cast("HouseholdPage | VisitPage | ReviewsPage", page).flush()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Write pending drafts before the window goes: closing loses nothing typed."""
        self._flush()
        self.idle.stop()
        self.sync.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().closeEvent(event)
