"""PDF case summaries (ReportLab only; no Qt, no store).

Both writers take a ``CaseFile`` gathered by ``caseworker.services.case_file``:

- ``write_family_copy(case, path)``: a plain-English letter to the lead contact.
- ``write_case_file(case, path)``: the complete OFFICIAL-SENSITIVE case record.
"""

from caseworker.reports.case_file_copy import write_case_file
from caseworker.reports.family_copy import write_family_copy

__all__ = ["write_case_file", "write_family_copy"]
