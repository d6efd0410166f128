"""A labelled set of form fields that reads and writes raw values by field name.

Every control gets a visible label (its buddy, for Alt+key), an accessible
name equal to the label, an error line beneath it, and a place in the Tab
order that follows the screen. Raw values are what drafts store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from caseworker.domain import clock
from caseworker.domain.dates import digits_date, four_digits_date, six_digits_date
from caseworker.ui.widgets import steady

Choice = tuple[str | None, str]


class CheckGroup(QWidget):
    """Several checkboxes that together hold a list of values."""

    def __init__(self, label: str, options: Sequence[Choice], columns: int = 2) -> None:
        super().__init__()
        self.setAccessibleName(label)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, (value, text) in enumerate(options):
            box = QCheckBox(text)
            box.setAccessibleName(f"{label}: {text}")
            grid.addWidget(box, i // columns, i % columns)
            self.boxes[str(value)] = box

    def values(self) -> list[str]:
        return [value for value, box in self.boxes.items() if box.isChecked()]

    def set_values(self, values: Sequence[str]) -> None:
        for value, box in self.boxes.items():
            box.setChecked(value in values)


def with_mnemonic(label: str, taken: set[str]) -> str:
    """Underline the first letter of ``label`` not already an Alt+key on the page."""
    for i, char in enumerate(label):
        if char.isalpha() and char.isascii() and char.lower() not in taken:
            taken.add(char.lower())
            return f"{label[:i]}&{label[i:]}"
    return label


class FieldSet:
    """Fields added in screen order to one or more form layouts.

    ``taken`` is the page's set of Alt+letters already in use (its buttons,
    tabs and the menu bar); each field takes the first free letter of its label.
    """

    def __init__(
        self, on_change: Callable[[], None] | None = None, taken: set[str] | None = None
    ) -> None:
        self.widgets: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._on_change = on_change or (lambda: None)
        self._order: list[QWidget] = []
        self._taken = taken if taken is not None else set()
        self._dates: dict[str, tuple[bool, bool]] = {}  # date field -> (past, recent)

    # -- building -----------------------------------------------------------
    def free_letter(self, letter: str) -> None:
        """Give back a letter kept aside, so the next field can take it."""
        self._taken.discard(letter.lower())

    def _add(self, form: QFormLayout, name: str, label: str, widget: QWidget, help: str) -> None:
        text = with_mnemonic(label, self._taken)
        widget.setAccessibleName(label)
        widget.setObjectName(name)
        if help:
            widget.setToolTip(help)
            widget.setAccessibleDescription(help)
        if isinstance(widget, QCheckBox):
            widget.setText(text)  # the words are part of the box: clicking them ticks it
            form.addRow(widget)
        else:
            caption = QLabel(text)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        error = QLabel()
        error.setObjectName(f"{name}_error")
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.hide()
        form.addRow("", error)
        self.widgets[name] = widget
        self._errors[name] = error
        for box in widget.boxes.values() if isinstance(widget, CheckGroup) else [widget]:
            self._order.append(box)

    def line(
        self, form: QFormLayout, name: str, label: str, placeholder: str = "", help: str = ""
    ) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._on_change)
        self._add(form, name, label, edit, help)
        return edit

    def date(
        self,
        form: QFormLayout,
        name: str,
        label: str,
        placeholder: str = "dd/mm/yyyy",
        past: bool = False,
        recent: bool = False,
    ) -> QLineEdit:
        """A date: dd/mm/yyyy, or its digits alone (quicker): eight, six with the year's
        last two, and for a ``recent`` date four, day and month (``six_digits_date``,
        ``four_digits_date``; ``past``: it cannot be in the future). Shown with the
        slashes once the officer moves on, so what was understood is on screen, and read
        with them."""
        example = "31/12/1985, 31121985 or 311285" + (" (or 3112 for this year)" if recent else "")
        edit = self.line(form, name, label, placeholder, f"Type it as {example}.")
        self._dates[name] = (past, recent)

        def slashed() -> None:
            edit.setText(self._slashed(name, edit.text()))

        edit.editingFinished.connect(slashed)
        return edit

    def _slashed(self, name: str, text: str) -> str:
        """``text`` as dd/mm/yyyy when it is a date's digits alone; else as typed, for the
        error to name."""
        past, recent = self._dates[name]
        today = clock.today()
        typed = (
            digits_date(text)
            or six_digits_date(text, today, past)
            or (four_digits_date(text, today, past) if recent else None)
        )
        return text if typed is None else f"{typed:%d/%m/%Y}"

    def text(self, form: QFormLayout, name: str, label: str, help: str = "") -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(80)
        edit.textChanged.connect(self._on_change)
        self._add(form, name, label, edit, help)
        return edit

    def choice(
        self, form: QFormLayout, name: str, label: str, options: Sequence[Choice], help: str = ""
    ) -> QComboBox:
        combo = QComboBox()
        steady(combo)  # the wheel passing over a score must not change it
        for value, text in options:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._on_change)
        self._add(form, name, label, combo, help)
        return combo

    def check(self, form: QFormLayout, name: str, label: str, help: str = "") -> QCheckBox:
        box = QCheckBox()
        box.toggled.connect(self._on_change)
        self._add(form, name, label, box, help)
        return box

    def checks(
        self, form: QFormLayout, name: str, label: str, options: Sequence[Choice], help: str = ""
    ) -> CheckGroup:
        group = CheckGroup(label, options)
        for box in group.boxes.values():
            box.toggled.connect(self._on_change)
        self._add(form, name, label, group, help)
        return group

    def focus_chain(self) -> list[QWidget]:
        """Controls in screen order; ``QWidget.setTabOrder`` is applied along it."""
        for first, second in zip(self._order, self._order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        return list(self._order)

    # -- values -------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.widgets.items():
            if isinstance(widget, QLineEdit):
                text = widget.text()
                out[name] = self._slashed(name, text) if name in self._dates else text
            elif isinstance(widget, QPlainTextEdit):
                out[name] = widget.toPlainText()
            elif isinstance(widget, QComboBox):
                out[name] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                out[name] = widget.isChecked()
            elif isinstance(widget, CheckGroup):
                out[name] = widget.values()
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            widget = self.widgets.get(name)
            if isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText("" if value is None else str(value))
            elif isinstance(widget, QComboBox):
                index = widget.findData(value)
                widget.setCurrentIndex(max(index, 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, CheckGroup):
                widget.set_values([str(v) for v in value or []])

    # -- errors -------------------------------------------------------------
    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Show each message under its field; return messages for fields not on this form."""
        self.clear_errors()
        unplaced = []
        for name, message in errors.items():
            label = self._errors.get(name)
            if label is None:
                unplaced.append(message)
                continue
            label.setText(message)
            label.show()
        first = next((self.widgets[n] for n in self.widgets if n in errors), None)
        if first is not None:
            first.setFocus()
        return unplaced

    def clear_errors(self) -> None:
        for label in self._errors.values():
            label.clear()
            label.hide()

    def error_text(self, name: str) -> str:
        return self._errors[name].text()
