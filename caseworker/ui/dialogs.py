"""The small dialog service every screen asks, so tests can answer instead of a person."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget


class DialogService:
    def save_path(self, parent: QWidget, title: str, suggested: str, filter: str) -> Path | None:
        """Where the officer wants the file; ``None`` if they cancelled."""
        chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested, filter)
        return Path(chosen) if chosen else None

    def choose_folder(self, parent: QWidget, title: str) -> Path | None:
        chosen = QFileDialog.getExistingDirectory(parent, title)
        return Path(chosen) if chosen else None

    def ask_text(self, parent: QWidget, title: str, question: str) -> str | None:
        """A line of text, such as the reason for a decision; ``None`` if they cancelled
        or left it blank."""
        text, ok = QInputDialog.getText(parent, title, question)
        return (text.strip() or None) if ok else None

    def open_file(self, path: Path) -> None:
        """Open in the system viewer (a PDF reader)."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
