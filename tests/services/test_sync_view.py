"""Plain words for the changes a laptop queues, as the sync pages show them."""

from __future__ import annotations

import importlib
import pkgutil

import caseworker.services
from caseworker.services.registry import MUTATIONS
from caseworker.services.sync_view import MUTATION_LABELS, mutation_label


def test_every_mutation_has_plain_words() -> None:
    for module in pkgutil.iter_modules(caseworker.services.__path__):
        importlib.import_module(f"caseworker.services.{module.name}")
    assert len(MUTATIONS) >= 20
    assert sorted(set(MUTATIONS) - set(MUTATION_LABELS)) == []
    assert mutation_label("households.merge") == "Duplicate households merged"


def test_an_unknown_change_still_reads_sensibly() -> None:
    assert mutation_label("fund.close_year") == "Fund: close year"
