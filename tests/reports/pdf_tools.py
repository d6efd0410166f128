"""Reading back the PDFs as a person (or a screen reader) would: extracted text,
rendered pages, metadata and fonts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader


def squash(text: str) -> str:
    """Whitespace collapsed, so wrapped lines compare equal to the stored text."""
    return re.sub(r"\s+", " ", text).strip()


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def text_of(path: Path) -> str:
    return squash(" ".join(page_texts(path)))


def body_text(path: Path, furniture: set[str]) -> str:
    """The text with each page's header and footer lines (and "Page N of M") taken out,
    so text that flows across a page break reads on without interruption."""
    lines = []
    for text in page_texts(path):
        for line in text.splitlines():
            if line.strip() in furniture or re.fullmatch(r"Page \d+ of \d+", line.strip()):
                continue
            lines.append(line)
    return squash(" ".join(lines))


def render(path: Path, folder: Path) -> list[Path]:
    """Every page as a PNG at 80 dpi (poppler's pdftoppm)."""
    prefix = folder / path.stem
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(path), str(prefix)], check=True)
    return sorted(folder.glob(f"{path.stem}-*.png"))


def ink(png: Path) -> float:
    """The share of pixels that are not (near) white."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    total = sum(histogram)
    return sum(histogram[:230]) / total


def coloured(png: Path) -> int:
    """Pixels that are clearly coloured (not grey): the logo's teal."""
    with Image.open(png) as image:
        saturation = image.convert("RGB").convert("HSV").getchannel("S")
        return sum(saturation.histogram()[100:])


def fonts(path: Path) -> dict[str, bool]:
    """Each font the pages use, by base name, and whether its file is embedded."""
    out: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        resources = page["/Resources"]
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            out[str(font["/BaseFont"]).split("+")[-1]] = embedded
    return out
