"""Subject access requests: everything held about a household, for the data protection officer.

Writes ``REF-subject-access.json`` (every field, machine-readable: the case file,
and under ``held`` every row ``services.erasure.INVENTORY`` ties to the household,
so nothing the store keeps about the family is left out) and
``REF-subject-access.pdf`` (the full case file, readable) into a folder the
requester chooses, and records that the export happened in the audit trail.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from caseworker.domain.users import User
from caseworker.reports import write_case_file
from caseworker.services import erasure
from caseworker.services.audit import AuditTrail
from caseworker.services.case_file import case_file
from caseworker.store.database import Store

log = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime | uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def export_subject_access(
    store: Store, user: User, household_id: uuid.UUID, folder: Path
) -> list[Path]:
    """Write the JSON and PDF for one household into ``folder``; return their paths."""
    case = case_file(store, household_id, generated_by=f"{user.name} (subject access)")
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"{case.reference}-subject-access.json"
    pdf_path = folder / f"{case.reference}-subject-access.pdf"
    with store.read() as session:
        held = erasure.held_about(session, household_id)
    data = {
        "exported_at": str(case.generated_at),
        "exported_by": user.name,
        **_plain(case),
        "held": held,
    }
    partial = json_path.with_suffix(".json.part")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    partial.replace(json_path)
    write_case_file(case, pdf_path)
    with store.unit_of_work() as session:
        AuditTrail(session, user.id).record(
            "household", household_id, "subject_access_export", {}, household_id=household_id
        )
    log.info("subject access export for household %s by %s", household_id, user.id)
    return [json_path, pdf_path]
