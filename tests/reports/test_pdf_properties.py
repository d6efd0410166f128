"""What both documents share: metadata, embedded fonts, real text, pages that render."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.reports.conftest import Written
from tests.reports.pdf_tools import coloured, fonts, ink, render


@pytest.mark.parametrize(
    ("kind", "title", "subject"),
    [
        ("family", "Your support from Today's yes: case", "summary for the family"),
        ("file", "Case file", "OFFICIAL-SENSITIVE"),
    ],
)
def test_metadata(written: Written, kind: str, title: str, subject: str) -> None:
    reader = PdfReader(getattr(written, kind))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == f"{title} {written.case.reference}"
    assert meta.author == "London Borough of Example"
    assert subject in (meta.subject or "")
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    # No personal data in the metadata, which file browsers show.
    assert "Zoë" not in str(dict(meta)) and "O'Brien" not in str(dict(meta))


@pytest.mark.parametrize("kind", ["family", "file"])
def test_every_font_is_embedded_and_shipped(written: Written, kind: str) -> None:
    used = fonts(getattr(written, kind))
    assert used, "no fonts: the text would be images"
    assert all(used.values()), used
    assert set(used) <= {"DejaVuSans", "DejaVuSans-Bold", "NanumGothic"}


def test_korean_is_set_in_the_fallback_font(written: Written) -> None:
    assert "NanumGothic" in fonts(written.file)  # 김민준 is in the case file
    assert "NanumGothic" not in fonts(written.family)  # nothing Korean in this letter


@pytest.mark.parametrize("kind", ["family", "file"])
def test_pages_render_and_are_not_blank(written: Written, kind: str, tmp_path: Path) -> None:
    pdf = getattr(written, kind)
    pages = render(pdf, tmp_path)
    assert len(pages) == len(PdfReader(pdf).pages)
    for page in pages:
        assert ink(page) > 0.01, page.name  # text covers more than 1% of the page
    assert coloured(pages[0]) > 200  # the council's logo is on the first page


def test_pdfs_are_written_whole_or_not_at_all(written: Written) -> None:
    assert not list(written.folder.glob("*.part"))
