"""A keyring for tests: in memory, never the developer's real keyring.

Subprocesses started by tests (the CLI) share keys through the JSON file named
by ``CASEWORKER_TEST_KEYRING_FILE`` when it is set (a temporary file).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

ENV_FILE = "CASEWORKER_TEST_KEYRING_FILE"


class TestKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]
    _memory: dict[str, str] = {}  # noqa: RUF012 (shared by every instance, like a real one)

    @staticmethod
    def _file() -> Path | None:
        name = os.environ.get(ENV_FILE)
        return Path(name) if name else None

    def _load(self) -> dict[str, str]:
        path = self._file()
        if path is not None and path.exists():
            data: dict[str, str] = json.loads(path.read_text("utf-8"))
            return data
        return self._memory

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        path = self._file()
        if path is not None:
            path.write_text(json.dumps(data), "utf-8")
        else:
            self._memory.update(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\x00{username}", None)
        path = self._file()
        if path is not None:
            path.write_text(json.dumps(data), "utf-8")
