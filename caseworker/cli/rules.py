"""``caseworker rules ...``: the rules engine commands (arrive with the rules issue)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """No rules commands yet."""
