"""``caseworker rules ...``: evaluate, schema, check, test (the rules engine)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Placeholder until the rules engine lands; replaced by the rules issue."""
