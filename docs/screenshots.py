"""Make the README screenshots from the offscreen app over synthetic demo data.

    .venv/bin/python docs/screenshots.py

Writes docs/screenshots/{today,search,household,members,visit,reviews,before-after,impact,
dashboard,payment-routes,reconciliation,referral-services,family-copy-referral}.png at
1366x768, the smallest laptop screen the council issues (the last needs pdftoppm, poppler).
Nothing here touches a real case store: the data folder is a fresh temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QGroupBox, QLineEdit, QScrollArea, QWidget

from caseworker import paths
from caseworker.domain.clock import FixedClock, use_clock
from caseworker.domain.directory import DirectoryService
from caseworker.domain.household import (
    Household,
    IncomeDropReason,
    Member,
    Relationship,
    Tenure,
    WorkStatus,
)
from caseworker.domain.packages import Package
from caseworker.domain.rules import default_rules_dir, load_rules
from caseworker.domain.users import Role, User
from caseworker.reports import write_family_copy
from caseworker.services import (
    demo,
    directory,
    fund,
    households,
    packages,
    payments,
    users,
    visits,
)
from caseworker.services.case_file import case_file
from caseworker.store.database import Store
from caseworker.sync.oruk import read_feed
from caseworker.ui.app import create_application
from caseworker.ui.context import AppContext
from caseworker.ui.dialogs import DialogService
from caseworker.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1366, 768)  # a council laptop (issue 18: the visit fits on one screen)
NAME, CODE = "Jo Smith", "JS01"
MANAGER_CODE = "TM01"
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
            _reviews_due(store, manager, officer)
            _todays_drop_in(store, manager, officer)
            to_pay = _payments(store, manager, officer)
            window = _open(AppContext(store))
            _walk(window)
            _walk_today(window)
            _walk_reviews(window)
            _walk_payment_routes(window, to_pay)
            _walk_referrals(window, store, manager, Path(folder))
            window.close()
            window.deleteLater()
            settle()
            draft = _draft_rules(Path(folder))
            window = _open(AppContext(store, dialogs=_Answer(draft)))
            _walk_impact(window)
            _walk_dashboard(window)
            _walk_reconciliation(window)
            window.close()
            window.deleteLater()
            settle()
        finally:
            store.dispose()
            paths.set_data_dir(None)
    app.processEvents()
    return 0


def _open(context: AppContext) -> MainWindow:
    window = MainWindow(context)
    window.resize(*SIZE)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    return window


def _sign_in(window: MainWindow, code: str) -> None:
    signin = window.signin
    typed(signin.code, code)
    key(signin.code, Qt.Key.Key_Return)
    typed(signin.password, PASSWORD)
    key(signin.password, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.today, "sign-in failed"


def _reviews_due(store: Store, manager: User, officer: User) -> None:
    """Three packages approved 100, 90 and 76 days ago: two reviews overdue, one due soon."""
    today = date.today()
    # Three different families: the same person three times would be routed to a
    # manager as likely duplicates, not approved on the spot.
    families = (
        (100, 12_000, "3211", ("Ama", "Mensah", date(1988, 5, 4))),
        (90, 15_000, "2111", ("Tomasz", "Nowak", date(1979, 11, 12))),
        (76, 9_000, "2201", ("Grace", "Okafor", date(1992, 2, 23))),
    )
    for days, arrears, scores, person in families:
        _approved(store, manager, officer, today - timedelta(days=days), arrears, scores, person)


def _proposed(
    store: Store,
    officer: User,
    day: date,
    arrears: int,
    scores: str,
    person: tuple[str, str, date],
    postcode: str = "SE15 4QF",
    savings: int = 20_000,
) -> Package:
    """A family whose hours were cut, visited on ``day``, with its recommended package."""
    ruleset, _problems = load_rules(None)
    first_name, surname, born = person
    lead = Member(
        first_name=first_name,
        surname=surname,
        date_of_birth=born,
        relationship=Relationship.LEAD,
        work_status=WorkStatus.EMPLOYED,
        reduced_hours=True,
        earnings_fell_on=day - timedelta(days=20),
        earnings_fall_reason=IncomeDropReason.REDUCED_HOURS,
    )
    household = households.create_household(
        store,
        officer,
        Household(
            postcode=postcode,
            tenure=Tenure.PRIVATE_RENTER,
            savings_pence=savings,
            rent_arrears_pence=arrears,
            members=[lead],
        ),
    )
    capitals = dict(zip(("financial", "mental", "social", "human"), scores, strict=True))
    visit = visits.build_visit(
        {"household_id": str(household.id), "visit_date": day.strftime("%d/%m/%Y")} | capitals
    )
    visits.record_visit(store, officer, visit, rules=ruleset)
    return packages.propose(store, officer, ruleset, visit.id, [], day)


def _approved(
    store: Store,
    manager: User,
    officer: User,
    day: date,
    arrears: int,
    scores: str,
    person: tuple[str, str, date],
) -> Package:
    """A family visited on ``day`` whose package the officer approved on the spot."""
    ruleset, _problems = load_rules(None)
    with contextlib.suppress(fund.FundRefused):  # open already for that financial year
        fund.open_fund(store, manager, 6_000_000, day)
    fund.grant_allowance(store, manager, officer.id, 20_000, day)
    package = _proposed(store, officer, day, arrears, scores, person)
    return packages.approve_on_the_spot(store, officer, ruleset, package.id, day)


def _payments(store: Store, manager: User, officer: User) -> Package:
    """Awards sent to finance and finance's file imported; returns one award still to pay."""
    today = date.today()
    week_ago = today - timedelta(days=7)
    people = (
        ("Leah", "Brown", date(1990, 3, 14)),
        ("Yusuf", "Ali", date(1985, 7, 2)),
        ("Rosa", "Silva", date(1994, 9, 30)),
        ("Dan", "Price", date(1983, 1, 8)),
        ("Mira", "Patel", date(1991, 6, 21)),
    )
    made = [_approved(store, manager, officer, week_ago, 10_000, "2111", p) for p in people[:4]]
    forms = (
        ("bank_transfer", {"sort_code": "08-99-99", "account_number": "66374958"}),
        ("cash_out", {"code": "PX7Q2M9K", "delivery": "text", "phone": "07700900123"}),
        (
            "direct_to_supplier",
            {
                "payee_kind": "landlord",
                "payee": "Peckham Lettings",
                "payee_reference": "T-2291",
                "invoice_number": "INV-2291",
            },
        ),
        ("prepaid_card", {"last_four": "4821", "expiry": "09/32", "top_up": "100.00"}),
    )
    sent = [
        payments.instruct_from_form(store, officer, package.id, kind, form, week_ago)
        for package, (kind, form) in zip(made, forms, strict=True)
    ]
    bank, cash, direct, card = (p.reference for p in sent)
    on = (today - timedelta(days=2)).isoformat()
    payments.import_finance_file(
        store,
        manager,
        "line_id,payment_reference,route,outcome,amount,date,detail,reason\n"
        f"F-1001,{bank},bank_transfer,paid,100.00,{on},4958,\n"
        f"F-1002,{cash},cash_out,paid,100.00,{on},2M9K,\n"
        f"F-1003,{direct},direct_to_supplier,paid,100.00,{on},INV-2291,\n"
        f"F-1004,{direct},direct_to_supplier,returned,100.00,{on},INV-2291,tenancy ended\n"
        f"F-1005,{card},prepaid_card,failed,100.00,{on},4821,card blocked\n"
        f"F-1006,{bank},bank_transfer,paid,100.00,{on},4958,\n"
        f"F-1007,CW-0000000000,bank_transfer,paid,45.00,{on},1234,\n",
        today,
    )
    return _approved(store, manager, officer, today, 12_000, "2111", people[4])


def _todays_drop_in(store: Store, manager: User, officer: User) -> None:
    """Two families seen today: one said yes on the spot, one sent to a manager."""
    ruleset, _problems = load_rules(None)
    today = date.today()
    with contextlib.suppress(fund.FundRefused):  # open already for this financial year
        fund.open_fund(store, manager, 6_000_000, today)
    fund.grant_allowance(store, manager, officer.id, 50_000, today)
    for arrears, scores, person, send in (
        (11_000, "2110", ("Leila", "Haddad", date(1990, 7, 19)), False),
        (60_000, "3221", ("Patrick", "Doyle", date(1983, 1, 30)), True),
    ):
        package = _proposed(store, officer, today, arrears, scores, person, "SE5 8RS", 10_000)
        if send:
            packages.send_to_manager(store, officer, package.id)
        else:
            packages.approve_on_the_spot(store, officer, ruleset, package.id, today)


def _walk_today(window: MainWindow) -> None:
    """Today at 1366x768, after the walk left a visit typed and not saved."""
    key(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.today, "Today did not open"
    window.resize(1366, 768)
    settle(300)
    shoot(window, "today.png")
    window.resize(*SIZE)
    settle()


def _draft_rules(folder: Path) -> Path:
    """The policy team's question: what if SE11 joined the borough's districts (4.1)?"""
    draft = folder / "draft-rules"
    shutil.copytree(default_rules_dir(), draft)
    for version in (draft / "versions").glob("*.yaml"):
        text = version.read_text(encoding="utf-8")
        version.write_text(text.replace("[SE1, SE5,", "[SE1, SE5, SE11,"), encoding="utf-8")
    return draft


class _Answer(DialogService):
    """Answers the folder dialog with the draft, as the policy officer would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def choose_folder(self, parent: QWidget, title: str) -> Path | None:
        return self.folder


def _walk(window: MainWindow) -> None:
    _sign_in(window, CODE)
    key(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Today first; find

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
    # Scroll the form so "Stated costs" is at the top: the four capitals show below it,
    # the package beside it.
    costs = next(b for b in visit.findChildren(QGroupBox) if b.title() == "Stated costs")
    fields["human"].setFocus()
    visit.form_area.verticalScrollBar().setValue(costs.y())
    visit.flush()  # keep the draft timer from firing after the window has gone
    shoot(window, "visit.png")


def _walk_reviews(window: MainWindow) -> None:
    """Reviews due: the oldest overdue review open, part scored; then one household's change."""
    key(
        window,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = window.reviews
    assert window.stack.currentWidget() is page, "reviews page did not open"
    assert page.model.rowCount() == 3, "the reviews were not made"
    key(page.table, Qt.Key.Key_Down)  # the second review: six days overdue
    for capital, score in (("financial", "1"), ("mental", "1")):
        combo = page.fields.widgets[capital]
        assert isinstance(combo, QComboBox)
        choose(combo, score)
    shoot(window, "reviews.png")

    for capital, score in (("social", "1"), ("human", "0")):
        combo = page.fields.widgets[capital]
        assert isinstance(combo, QComboBox)
        choose(combo, score)
    home = page.fields.widgets["home_kept"]
    assert isinstance(home, QComboBox)
    choose(home, "Kept")
    for i, combo in enumerate(page.referral_fields.widgets.values()):
        assert isinstance(combo, QComboBox)
        choose(combo, "Taken up" if i % 2 == 0 else "Not taken up")
    entry = page.current()
    assert entry is not None
    household_id = entry.review.household_id
    assert page.save(), page.message.text()
    window.open_household(household_id)
    household = window.household
    bar = household.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(4).center())
    shoot(window, "before-after.png")


def _directory_feed(folder: Path) -> list[DirectoryService]:
    """A small synthetic borough directory (made-up services, 0300 000 numbers)."""
    from tests.directory_feed import service  # the tests' synthetic ORUK services

    raw = [
        service(1, name="Peckham Money Advice Centre", terms=("Debt advice",),
                postcode="SE15 5DQ", phone="0300 000 1507", languages=("English", "Polish")),
        service(2, name="Saturday Debt Drop-in", terms=("Debt advice",), byday="SA",
                postcode="SE15 1AA", opens="10:00", closes="13:00"),
        service(3, name="Borough Money Helpline", terms=("Money advice",), postcode="SE1 7PB",
                opens="08:00", closes="20:00"),
        service(4, name="Camberwell Debt Clinic", terms=("Debt advice",), byday="TU,TH",
                postcode="SE5 8RS"),
    ]  # fmt: skip
    saved = folder / "directory-page.json"
    saved.write_text(json.dumps(raw), encoding="utf-8")
    feed = read_feed(str(saved))
    assert not feed.problems, feed.problems
    return feed.services


def _walk_referrals(window: MainWindow, store: Store, manager: User, folder: Path) -> None:
    """The household left open by the reviews walk: its 7.1 debt-advice referral, the
    directory services for it (a Wednesday at 10:00), one chosen; then its family copy."""
    directory.import_services(store, manager, _directory_feed(folder), "synthetic feed")
    household = window.household
    assert household.household is not None
    today = date.today()
    wednesday = today - timedelta(days=today.weekday()) + timedelta(days=2)
    with use_clock(FixedClock(datetime.combine(wednesday, time(10, 0), tzinfo=UTC))):
        household.referrals.load(household.household.id)
        bar = household.tabs.tabBar()
        titles = [household.tabs.tabText(i) for i in range(household.tabs.count())]
        QTest.mouseClick(
            bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(titles.index("Referrals")).center()
        )
        panel = household.referrals
        rows = [r for r in panel.referrals_shown() if r.clause == "7.1"]
        assert rows, "the household has no 7.1 referral"
        panel.referral_table.selectRow(panel.referrals_shown().index(rows[0]))
        key(panel.referral_table, Qt.Key.Key_Return)
        assert panel.service_model.rowCount() > 1, panel.none_note.text()
        shoot(window, "referral-services.png")
        key(panel.service_table, Qt.Key.Key_Return)  # choose the first (open, near)
        case = case_file(store, household.household.id, rows[0].visit_id)
    pdf = folder / "family-copy.pdf"
    write_family_copy(case, pdf)
    _pdf_page_png(pdf, "Who we have referred you to", OUT / "family-copy-referral.png")


def _pdf_page_png(pdf: Path, text: str, out: Path) -> None:
    """The first page of ``pdf`` showing ``text``, at 80 dpi (poppler's pdftoppm)."""
    from pypdf import PdfReader

    pages = [p.extract_text() or "" for p in PdfReader(pdf).pages]
    number = next(i for i, page in enumerate(pages, 1) if text in page)
    stem = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", str(number), "-l", str(number),
         "-singlefile", str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    shutil.copyfile(stem.with_suffix(".png"), out)
    print(f"wrote {out.relative_to(OUT.parent.parent)} (page {number} of the family copy)")


def _walk_impact(window: MainWindow) -> None:
    """A team manager compares the draft (SE11 added) with the rules in force."""
    _sign_in(window, MANAGER_CODE)
    key(
        window,
        Qt.Key.Key_I,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = window.impact
    assert window.stack.currentWidget() is page, "impact page did not open"
    QTest.mouseClick(page.choose_button, Qt.MouseButton.LeftButton)
    for _ in range(200):
        if not page.running:
            break
        settle(50)
    assert page.report is not None, page.message.text()
    shoot(window, "impact.png")


def _walk_dashboard(window: MainWindow) -> None:
    """The same manager opens the evaluation dashboard: the last 12 months of the demo data."""
    key(
        window,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = window.dashboard
    assert window.stack.currentWidget() is page, "dashboard did not open"
    for _ in range(400):
        if not page.running:
            break
        settle(50)
    assert page.dashboard is not None, page.message.text()
    shoot(window, "dashboard.png")


def _walk_payment_routes(window: MainWindow, package: Package) -> None:
    """The officer pays an award straight to the landlord; the invoice number is missing."""
    window.open_household(package.household_id)
    household = window.household
    bar = household.tabs.tabBar()
    titles = [household.tabs.tabText(i).replace("&", "") for i in range(household.tabs.count())]
    QTest.mouseClick(
        bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(titles.index("Packages")).center()
    )
    panel = household.packages
    choose(panel.route_combo, "Paid straight to")
    settle()
    fields = panel.chosen_route_fields()
    assert fields is not None
    kind = fields.widgets["payee_kind"]
    assert isinstance(kind, QComboBox)
    choose(kind, "Landlord")
    for name, text in (("payee", "Peckham Lettings"), ("payee_reference", "T-2291")):
        edit = fields.widgets[name]
        assert isinstance(edit, QLineEdit)
        typed(edit, text)
    QTest.mouseClick(panel.paid_button, Qt.MouseButton.LeftButton)
    assert fields.error_text("invoice_number"), panel.message.text()
    area = panel.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    if area is not None:
        area.verticalScrollBar().setValue(panel.route_combo.parentWidget().y())
    shoot(window, "payment-routes.png")


def _walk_reconciliation(window: MainWindow) -> None:
    """The manager reads what finance's file said (Ctrl+Shift+P)."""
    key(
        window,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = window.reconciliation
    assert window.stack.currentWidget() is page, "reconciliation did not open"
    assert page.model.rowCount() > 0, page.message.text()
    shoot(window, "reconciliation.png")


if __name__ == "__main__":
    raise SystemExit(main())
