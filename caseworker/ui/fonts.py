"""The shipped fonts on screen: the same faces, in the same fallback order, as the PDFs.

Without them a Korean name showed as empty boxes on a machine with no Hangul font,
while the family's copy printed it (issue 18). Qt falls back character by character
through the families the application font names, as ReportLab's runs do in
``caseworker.reports.fonts``. Adding the three files costs about 30 ms at start-up.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from caseworker.fonts import shipped_fonts

_families: list[str] = []


def add_shipped_fonts() -> list[str]:
    """Give Qt every shipped font once per process; their family names, in order."""
    if not _families:
        for font in shipped_fonts():
            names: list[str] = []
            for path in (font.regular, font.bold):
                if path is not None:
                    names = (
                        QFontDatabase.applicationFontFamilies(
                            QFontDatabase.addApplicationFont(str(path))
                        )
                        or names
                    )
            _families.extend(n for n in names if n not in _families)
    return list(_families)


def use_shipped_fonts(app: QApplication) -> None:
    """Set the window's text in the shipped fonts, at the size the desktop chose."""
    font = QFont(app.font())
    font.setFamilies(add_shipped_fonts())
    app.setFont(font)
