"""The window sets text in the shipped fonts, as the PDFs do: a Korean name has glyphs."""

from __future__ import annotations

from PySide6.QtGui import QFont, QRawFont
from PySide6.QtWidgets import QApplication, QLabel

from caseworker.fonts import shipped_fonts
from caseworker.ui.fonts import add_shipped_fonts, use_shipped_fonts

KOREAN_NAME = "김민준"


def test_the_window_uses_the_pdf_fonts_in_their_fallback_order(qapp: QApplication) -> None:
    before = QFont(qapp.font())
    try:
        use_shipped_fonts(qapp)
        assert qapp.font().families() == ["DejaVu Sans", "NanumGothic"]
        assert [f.label for f in shipped_fonts()] == ["DejaVu Sans", "NanumGothic"]
        assert qapp.font().pointSizeF() == before.pointSizeF()  # the desktop's size kept
        label = QLabel(f"Lead contact: {KOREAN_NAME}")
        assert label.font().families() == ["DejaVu Sans", "NanumGothic"]
    finally:
        qapp.setFont(before)


def test_every_character_of_a_korean_name_is_in_a_shipped_font(qapp: QApplication) -> None:
    families = add_shipped_fonts()
    assert add_shipped_fonts() == families  # once per process
    covered = {
        ch
        for family in families
        for ch in KOREAN_NAME + "£Zoë"
        if QRawFont.fromFont(QFont(family)).supportsCharacter(ord(ch))
    }
    assert covered == set(KOREAN_NAME + "£Zoë")
    assert not QRawFont.fromFont(QFont("DejaVu Sans")).supportsCharacter(ord("김"))  # why
