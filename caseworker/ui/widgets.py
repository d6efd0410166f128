"""Small building blocks shared by the screens."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QScrollArea, QWidget


def section(title: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return box, form


def scrolling(inner: QWidget) -> QScrollArea:
    """Wrap a form so it stays usable at 200% text size on a small laptop screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(inner)
    return area


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    label.setAccessibleName(text)
    return label


def banner() -> QLabel:
    """A message line for the outcome of the last action (errors, saved, restored)."""
    label = QLabel()
    label.setProperty("role", "banner")
    label.setWordWrap(True)
    label.hide()
    return label


def show_banner(label: QLabel, text: str, error: bool = False) -> None:
    label.setText(text)
    label.setProperty("error", error)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setAccessibleName(text)
    label.show()
