"""The fonts shipped in ``resources/fonts/``, listed once for the PDFs and the screen.

``fonts.yaml`` gives them in fallback order. The PDFs register them with ReportLab
(``caseworker.reports.fonts``); the window gives them to Qt (``caseworker.ui.fonts``),
so a name looks the same on screen as on the family's copy. This module imports
neither, so the window can list the fonts without loading ReportLab.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from caseworker import paths


@dataclass(frozen=True)
class ShippedFont:
    name: str  # as registered with ReportLab: CW-Font0, CW-Font1, ...
    label: str  # the font's own name, for people
    regular: Path
    bold: Path | None


def font_dir() -> Path:
    return paths.resources_dir() / "fonts"


@functools.cache
def shipped_fonts() -> tuple[ShippedFont, ...]:
    """The fonts listed in ``fonts.yaml``, in fallback order."""
    folder = font_dir()
    listing: dict[str, Any] = yaml.safe_load((folder / "fonts.yaml").read_text("utf-8")) or {}
    fonts = []
    for index, entry in enumerate(listing.get("fonts") or []):
        bold = entry.get("bold")
        fonts.append(
            ShippedFont(
                name=f"CW-Font{index}",
                label=str(entry.get("name") or entry["regular"]),
                regular=folder / str(entry["regular"]),
                bold=folder / str(bold) if bold else None,
            )
        )
    if not fonts:
        raise FileNotFoundError(f"No fonts are listed in {folder / 'fonts.yaml'}")
    return tuple(fonts)
