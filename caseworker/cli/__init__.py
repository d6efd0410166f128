"""The ``caseworker`` command: no arguments opens the window; subcommands do headless work.

Each subcommand module exposes ``register(subparsers)``, which adds its parser
and sets ``func`` to a handler ``(args) -> exit code``. Handlers import what
they need lazily so that ``caseworker --version`` and the window start fast.

Exit codes: 0 done, 1 failed (a test or check did not pass), 2 refused (the
request must change: ``Refused``), 3 the machine or store is the problem
(``EnvironmentProblem``: disk full, folder read-only, store busy, connection
lost). An error meant for a person is printed as its message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from caseworker import paths
from caseworker.cli import (
    audit,
    export,
    households,
    payments,
    recovery,
    referrals,
    report,
    retention,
    rules,
    sar,
    server,
    sync,
    users,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseworker",
        description="Today's yes case tool. With no command, opens the application window.",
    )
    parser.add_argument(
        "--version",
        action="store_true",
        help="print the version, build date, commit, policy in force and data folder, then exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation headless (window offscreen, temporary store, policy "
        "test cases, a PDF); print one line and exit 0 if it works",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"folder for every file the app writes (also ${paths.ENV_DATA_DIR})",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: synthetic data only, in a separate UNENCRYPTED store (no keyring)",
    )
    parser.add_argument(
        "--no-crash-dialog",
        action="store_true",
        help="report unexpected errors on stderr instead of a dialog (for CI)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    households.register(sub)
    audit.register(sub)
    users.register(sub)
    export.register(sub)
    sar.register(sub)
    retention.register(sub)
    rules.register(sub)
    sync.register(sub)
    server.register(sub)
    recovery.register(sub)
    report.register(sub)
    payments.register(sub)
    referrals.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; output piped into ``head`` (which closes early) is not an error."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The Python docs' recipe (library/signal, "Note on SIGPIPE"): stop writing
        # to the closed pipe, and let the interpreter's final flush go nowhere.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths.set_data_dir(args.data_dir)
    paths.set_demo_mode(args.demo)
    if args.version:
        from caseworker.buildinfo import version_text

        print(version_text())
        return 0
    if args.self_test:
        from caseworker.selftest import run_self_test

        passed, summary = run_self_test()
        print(summary, file=sys.stdout if passed else sys.stderr)
        return 0 if passed else 1
    func = getattr(args, "func", None)
    if func is None:
        # What the window needs of the store and services, imported before Qt: once
        # PySide6 is loaded it reads the source of every module imported after it.
        import caseworker.fonts
        import caseworker.logs
        import caseworker.services.rules_state
        import caseworker.services.users
        import caseworker.settings
        import caseworker.store.encryption
        import caseworker.sync.status  # noqa: F401
        from caseworker.ui.app import run_app

        return run_app(crash_dialog=not args.no_crash_dialog)
    try:
        code: int = func(args)
    except BrokenPipeError:
        raise  # handled by main: the reader went away, nothing is wrong
    except Exception as exc:
        return _explain(exc)
    return code


def _explain(exc: Exception) -> int:
    """Print a refusal or an environment problem in plain words and return its exit
    code; re-raise anything else, because that is a bug to report."""
    from caseworker.domain.errors import CaseworkerError
    from caseworker.store.errors import translate

    problem = exc if isinstance(exc, CaseworkerError) else translate(exc)
    if problem is None:
        raise exc
    print(f"caseworker: {problem}", file=sys.stderr)
    return problem.exit_code


if __name__ == "__main__":
    sys.exit(main())
