"""Every path the application writes resolves here (one place to override).

Order: the ``--data-dir`` argument, then ``CASEWORKER_DATA_DIR``, then the
platform's user data folder (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "CASEWORKER_DATA_DIR"
_override: Path | None = None
_demo = False


def set_data_dir(path: str | os.PathLike[str] | None) -> None:
    """Point every file the app writes at ``path`` (``None`` restores the default)."""
    global _override
    _override = Path(path).expanduser().resolve() if path else None


def data_dir() -> Path:
    if _override is not None:
        base = _override
    elif os.environ.get(ENV_DATA_DIR):
        base = Path(os.environ[ENV_DATA_DIR]).expanduser().resolve()
    else:
        base = Path(platformdirs.user_data_dir("Caseworker", "Caseworker"))
    base.mkdir(parents=True, exist_ok=True)
    return base


def set_demo_mode(on: bool) -> None:
    """Demo mode: synthetic data only, in its own unencrypted file (no keyring needed)."""
    global _demo
    _demo = on


def demo_mode() -> bool:
    return _demo


def local_store_path() -> Path:
    return data_dir() / ("demo-unencrypted.db" if _demo else "caseworker.db")


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """The shipped resources folder (rules, icons, stylesheet)."""
    return Path(__file__).resolve().parent.parent / "resources"
