"""``caseworker --self-test``: check an installed copy works, headless, in a few seconds.

IT runs it after installing or upgrading (and the bundle build runs it on what it
built). Everything happens in a temporary folder with synthetic data; the user's
store is never opened. The steps:

1. settings: the machine-wide and user settings files load without problems;
2. rules: the shipped rules load and pass their own policy test cases (and a
   council's override folder, if settings name one, loads and passes its cases);
3. store: a temporary store is made and migrated to the newest schema, a manager
   and a household are saved and found again. Encrypted with a key kept in the OS
   keyring when one is usable (the key is removed afterwards); otherwise a demo
   (unencrypted) store, plus a SQLCipher store with a throwaway key so the
   encryption library is still checked;
4. window: the main window opens offscreen, with the stylesheet, and so does About;
5. PDF: the household's case file is rendered (``caseworker.reports``), or, if that
   package is missing, a one-page ReportLab PDF in the shipped font.

``run_self_test`` returns ``(passed, one-line summary)``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from caseworker import __version__, paths
from caseworker.domain import clock

ENV_PLATFORM = "QT_QPA_PLATFORM"
SELF_TEST_CODE = "ST01"
PDF_MAGIC = b"%PDF-"


class SelfTestFailure(Exception):
    """A step found something wrong (as opposed to crashing)."""


@dataclass
class _Run:
    folder: Path
    facts: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    store: object = None
    household_id: object = None
    rules_override: Path | None = None

    def step(self, name: str, work: Callable[[], str]) -> None:
        try:
            self.facts.append(work())
        except Exception as exc:  # every failure is reported; the other steps still run
            detail = str(exc).splitlines()[0] if str(exc) else ""
            self.failures.append(f"{name}: {type(exc).__name__}{': ' + detail if detail else ''}")


def run_self_test() -> tuple[bool, str]:
    """Run every step; ``(True, summary)`` when all passed, else ``(False, what failed)``."""
    started = time.perf_counter()
    previous_dir = paths._override
    with tempfile.TemporaryDirectory(prefix="caseworker-selftest-") as tmp:
        run = _Run(Path(tmp))
        run.step("settings", lambda: _settings(run))
        paths.set_data_dir(run.folder / "data")  # nothing of the user's is touched
        try:
            run.step("rules", lambda: _rules(run))
            run.step("store", lambda: _store(run))
            if run.store is not None:
                run.step("window", lambda: _window(run))
                run.step("pdf", lambda: _pdf(run))
            else:
                run.failures.append("window, pdf: not run (they need the store)")
        finally:
            _close_store(run)
            paths.set_data_dir(previous_dir)
    seconds = time.perf_counter() - started
    if run.failures:
        return False, f"caseworker {__version__} self-test FAILED: " + "; ".join(run.failures)
    return True, f"caseworker {__version__} self-test passed in {seconds:.1f} s: " + "; ".join(
        run.facts
    )


# -- steps ---------------------------------------------------------------------
def _settings(run: _Run) -> str:
    from caseworker.settings import load_settings

    settings, problems = load_settings()
    run.rules_override = settings.rules_override_dir
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SelfTestFailure(f"{problems[0]}{more}")
    return "settings OK"


def _rules(run: _Run) -> str:
    from caseworker.domain.rules import RuleSet, default_rules_dir, load_rules
    from caseworker.domain.rules.testcases import load_cases, run_cases

    def cases(rules: RuleSet, folder: Path) -> int:
        files, problems = load_cases(folder)
        if problems:
            raise SelfTestFailure(str(problems[0]))
        results = run_cases(files, rules)
        failed = [r for r in results if not r.passed]
        if failed:
            first = failed[0]
            raise SelfTestFailure(
                f"{len(failed)} of {len(results)} policy test cases failed, first "
                f"{first.file}:{first.line} {first.name}: {first.failures[0]}"
            )
        return len(results)

    shipped, problems = load_rules()
    if problems:
        raise SelfTestFailure(str(problems[0]))
    count = cases(shipped, default_rules_dir() / "tests")
    version = shipped.segment_for(clock.today()).version.name
    fact = f"{count} policy test cases passed (policy {version} in force today)"
    if run.rules_override is not None:
        council, problems = load_rules(run.rules_override)
        if problems:
            raise SelfTestFailure(f"council rules: {problems[0]}")
        tests = run.rules_override / "tests"
        extra = cases(council, tests) if tests.exists() else 0
        fact += f"; council rules loaded, {extra} council test cases passed"
    return fact


def _store(run: _Run) -> str:
    from alembic.script import ScriptDirectory

    from caseworker.domain.household import Household, Member, Relationship
    from caseworker.services import households, users
    from caseworker.store.database import Store, _alembic_config
    from caseworker.store.encryption import KEYRING_SERVICE, is_plaintext, keyring_usable

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    path = run.folder / "selftest.db"
    if keyring_usable():
        import keyring

        from caseworker.store.encryption import store_key

        try:
            store = Store.open_local(path, store_key(path))
        finally:
            # A key that was never saved needs no removing.
            with contextlib.suppress(Exception):
                keyring.delete_password(KEYRING_SERVICE, str(path.resolve()))
        kind = f"encrypted, key in the {type(keyring.get_keyring()).__name__} keyring"
    else:
        store = Store.open_local(path)
        cipher_path = run.folder / "cipher-check.db"
        cipher = Store.open_local(cipher_path, secrets.token_hex(32))
        try:
            if cipher.current_revision() != head or is_plaintext(cipher_path):
                raise SelfTestFailure("SQLCipher did not make an encrypted store")
        finally:
            cipher.dispose()
        kind = "demo store as no keyring is usable; SQLCipher checked with a throwaway key"
    run.store = store
    if store.current_revision() != head:
        raise SelfTestFailure(f"store at schema {store.current_revision()}, expected {head}")
    password = secrets.token_urlsafe(18)
    manager = users.create_first_manager(store, "Self Test", SELF_TEST_CODE, password)
    if users.sign_in(store, SELF_TEST_CODE, password).id != manager.id:
        raise SelfTestFailure("signing in returned another user")
    lead = Member(
        first_name="Zoë",
        surname="Selftest",
        date_of_birth=date(1985, 3, 12),
        relationship=Relationship.LEAD,
    )
    saved = households.create_household(
        store,
        manager,
        Household(address_line1="1 Test Street", postcode="SE15 4QF", members=[lead]),
    )
    found = [s.reference for s in households.search(store, "selftest")]
    if found != [saved.reference]:
        raise SelfTestFailure(f"search found {found}, expected [{saved.reference!r}]")
    run.household_id = saved.id
    return f"store at schema {head} ({kind}): saved and found a household"


def _window(run: _Run) -> str:
    from PySide6.QtWidgets import QApplication

    from caseworker.services.rules_state import RulesState
    from caseworker.store.database import Store
    from caseworker.ui.about import AboutDialog
    from caseworker.ui.app import create_application
    from caseworker.ui.context import AppContext
    from caseworker.ui.main_window import MainWindow

    assert isinstance(run.store, Store)
    existing = QApplication.instance()
    if existing is None:
        os.environ[ENV_PLATFORM] = "offscreen"
        app = create_application()
    elif isinstance(existing, QApplication):
        app = existing
    else:
        raise SelfTestFailure("a non-widget Qt application is already running")
    platform = app.platformName()
    context = AppContext(run.store, rules=RulesState(override=run.rules_override))
    window = MainWindow(context)
    about = AboutDialog(window, rules_override=run.rules_override)
    try:
        window.show()
        deadline = time.monotonic() + 5
        handle = window.windowHandle()
        while not (handle is not None and handle.isExposed()) and time.monotonic() < deadline:
            app.processEvents()
            handle = window.windowHandle()
        if handle is None or not handle.isExposed():
            raise SelfTestFailure("the main window was not shown within 5 s")
        if window.stack.currentWidget() is not window.signin:
            raise SelfTestFailure("the main window did not open on the sign-in page")
        about.show()
        app.processEvents()
        if not about.values["Version"].text():
            raise SelfTestFailure("the About dialog shows no version")
    finally:
        about.close()
        window.close()
        about.deleteLater()
        window.deleteLater()
        app.processEvents()
    return f"main window and About shown ({platform})"


def _pdf(run: _Run) -> str:
    import uuid

    from caseworker.store.database import Store

    assert isinstance(run.store, Store) and isinstance(run.household_id, uuid.UUID)
    target = run.folder / "case-file.pdf"
    try:
        from caseworker.reports import write_case_file
        from caseworker.services.case_file import case_file
    except ImportError:
        _fallback_pdf(target)
        what = "one-page PDF in the shipped font (caseworker.reports not installed)"
    else:
        write_case_file(case_file(run.store, run.household_id, generated_by="self-test"), target)
        what = "case file PDF"
    data = target.read_bytes()
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-1024:]:
        raise SelfTestFailure(f"{target.name} is not a complete PDF")
    return f"{what} rendered ({len(data) // 1024} KB)"


def _fallback_pdf(target: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    fonts = sorted((paths.resources_dir() / "fonts").glob("*.ttf"))
    if not fonts:
        raise SelfTestFailure(f"no .ttf font in {paths.resources_dir() / 'fonts'}")
    pdfmetrics.registerFont(TTFont("CW-SelfTest", str(fonts[0])))
    canvas = Canvas(str(target))
    canvas.setFont("CW-SelfTest", 14)
    canvas.drawString(72, 760, f"Caseworker {__version__} self-test: Zoë, Łukasz, £12.50")
    canvas.showPage()
    canvas.save()


def _close_store(run: _Run) -> None:
    dispose = getattr(run.store, "dispose", None)
    if callable(dispose):
        dispose()
