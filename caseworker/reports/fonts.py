"""The fonts shipped in ``resources/fonts/`` and per-character fallback between them.

ReportLab sets a run of text in one font and has no fallback of its own, so
``markup`` splits text into runs, each in the first shipped font (in the order
of ``resources/fonts/fonts.yaml``) that has a glyph for every character of the
run: DejaVu Sans for Latin (Zoë, Łukasz, Nguyễn), Greek, Cyrillic and £,
NanumGothic for Hangul (김민준). A character no shipped font has is left in the
first font (it shows as an empty box): add a font for its script to the folder.
Every font is embedded (subset) in the PDF, so the document looks the same
everywhere and its text stays selectable and searchable.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from caseworker.fonts import ShippedFont, font_dir, shipped_fonts

__all__ = ["ShippedFont", "font_dir", "shipped_fonts"]

PRIMARY = "CW-Font0"
_CONTROL = {c: " " for c in range(32) if c != 10}  # keep newlines, blank out the rest


@functools.cache
def _registered(index: int) -> frozenset[int]:
    """Register shipped font ``index`` (regular and bold) once; its code points."""
    font = shipped_fonts()[index]
    regular = TTFont(font.name, str(font.regular))
    pdfmetrics.registerFont(regular)
    bold_name = font.name
    if font.bold is not None:
        bold_name = f"{font.name}-Bold"
        pdfmetrics.registerFont(TTFont(bold_name, str(font.bold)))
    for is_bold, is_italic, name in (
        (0, 0, font.name),
        (1, 0, bold_name),
        (0, 1, font.name),
        (1, 1, bold_name),
    ):
        addMapping(font.name, is_bold, is_italic, name)
    return frozenset(regular.face.charToGlyph)


def register_fonts() -> None:
    """Make sure the first (primary) font is registered; the others load when needed."""
    _registered(0)


def bold_name(index: int = 0) -> str:
    _registered(index)
    return f"CW-Font{index}-Bold" if shipped_fonts()[index].bold is not None else f"CW-Font{index}"


@functools.cache
def font_index(char: str) -> int:
    """The first shipped font with a glyph for ``char`` (the primary one if none has)."""
    code = ord(char)
    if code < 0x80 or code in _registered(0) or unicodedata.category(char) in ("Zs", "Cc"):
        return 0
    for index in range(1, len(shipped_fonts())):
        if code in _registered(index):
            return index
    return 0


def clean(text: str) -> str:
    """NFC (so Nguyễn is one glyph per letter, not letters plus combining marks)
    with control characters other than newlines made spaces."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").translate(_CONTROL)


def runs(text: str) -> list[tuple[int, str]]:
    """``text`` split into (font index, run) pieces."""
    out: list[tuple[int, str]] = []
    for char in clean(text):
        index = font_index(char)
        if out and out[-1][0] == index:
            out[-1] = (index, out[-1][1] + char)
        else:
            out.append((index, char))
    return out


def markup(text: str) -> str:
    """``text`` as ReportLab paragraph markup: escaped, fallback runs in their own font,
    newlines as line breaks. Bold (``<b>``) still works around it."""
    parts = []
    for index, run in runs(text):
        escaped = escape(run).replace("\n", "<br/>")
        parts.append(escaped if index == 0 else f'<font face="CW-Font{index}">{escaped}</font>')
    return "".join(parts)


def draw_string(
    canvas: Any, x: float, y: float, text: str, size: float, bold: bool = False, align: str = "left"
) -> float:
    """Draw one line on a canvas with fallback fonts; returns its width."""
    pieces = []
    for index, run in runs(text.replace("\n", " ")):
        name = bold_name(index) if bold else f"CW-Font{index}"
        _registered(index)
        pieces.append((name, run, float(pdfmetrics.stringWidth(run, name, size))))
    width: float = sum(w for _n, _r, w in pieces)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    for name, run, run_width in pieces:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += run_width
    return width
