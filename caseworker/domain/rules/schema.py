"""JSON Schemas: FACTS.json (the engine's input) and the rule files.

The rule-file schemas are published in ``resources/rules/schema`` so an editor
(e.g. VS Code's YAML extension, via the comment at the top of each file)
flags a mistyped key while a council officer types; a test keeps the published
files equal to these.
"""

from __future__ import annotations

from typing import Any

from caseworker.domain.rules.facts import Facts
from caseworker.domain.rules.model import FILE_KINDS

SCHEMA_KINDS = ("facts", *FILE_KINDS)


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind``: "facts", "policy", "parameters" or "tests"."""
    model = Facts if kind == "facts" else FILE_KINDS[kind]
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
