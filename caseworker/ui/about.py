"""Help > About: version, build date, commit, the policy in force today, the data folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from caseworker.buildinfo import describe


class AboutDialog(QDialog):
    """A small read-only dialog; every value can be selected and copied for IT."""

    def __init__(
        self,
        parent: QWidget | None = None,
        today: date | None = None,
        rules_override: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Caseworker")
        layout = QVBoxLayout(self)
        heading = QLabel("<b>Caseworker — Today's yes</b>")
        layout.addWidget(heading)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in describe(today, rules_override):
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            shown.setAccessibleName(label)
            form.addRow(f"{label}:", shown)
            self.values[label] = shown
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
