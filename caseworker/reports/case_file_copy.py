"""The case-file copy: the complete record of a case, for the council's files.

Household and members, each visit (the point-of-need note, the four capitals
assessment and stage, the recommendation stored with the visit with every rule
explanation and its policy version), each package (the officer's changes and
exceptions with their reasons, every decision with who, when and why),
payments, and the audit entries. Every page carries the OFFICIAL-SENSITIVE
marking (top and bottom), the case reference and "Page N of M".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Spacer

from caseworker.domain.assessment import CAPITALS, SCORE_LABELS, STAGE_NAMES, Stage
from caseworker.domain.household import Household, Member
from caseworker.domain.labels import label
from caseworker.domain.money import format_pence
from caseworker.domain.packages import PackageItem, PackageStatus, PaymentMethod
from caseworker.reports.common import (
    BRAND,
    INK,
    MARGIN,
    NOT_RECORDED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SECONDARY,
    Styles,
    build,
    content_width,
    council,
    draw_logo,
    instant,
    long_date,
    money,
    text_or_not_recorded,
    yes_no,
)
from caseworker.reports.fonts import draw_string
from caseworker.services.case_file import CaseFile, PackageRecord, VisitRecord
from caseworker.services.visits import TimelineEntry

MARKING = "OFFICIAL-SENSITIVE"
_TOP = 26 * mm

PAYMENT_METHODS = {
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.VOUCHER: "Voucher",
    PaymentMethod.PREPAID_CARD: "Prepaid card",
}

ROUTES = {
    "officer": "Officer on the spot (today's yes)",
    "manager": "Team manager",
    "none": "No cash award",
}


def _kv(s: Styles, rows: Sequence[tuple[str, str]]) -> Flowable:
    w = content_width()
    return s.table([list(r) for r in rows], [w * 0.3, w * 0.7], header=False, label_column=True)


# -- household ----------------------------------------------------------------------------


def _address(household: Household) -> str:
    parts = [household.address_line1, household.address_line2, household.town]
    return ", ".join(p for p in parts if p.strip()) or NOT_RECORDED


def _benefits(household: Household) -> str:
    if household.benefits is None:
        return NOT_RECORDED
    return ", ".join(label(b) for b in household.benefits) or "None"


def _household(s: Styles, case: CaseFile) -> list[Flowable]:
    h = case.household
    rows = [
        ("Case reference", h.reference),
        ("Lead contact", h.lead.full_name if h.lead else NOT_RECORDED),
        ("Address", _address(h)),
        ("Postcode", text_or_not_recorded(h.postcode)),
        ("Phone", text_or_not_recorded(h.phone)),
        ("Email", text_or_not_recorded(h.email)),
        ("Tenure", label(h.tenure)),
        ("Savings", money(h.savings_pence)),
        ("Rent arrears", money(h.rent_arrears_pence)),
        ("Mortgage arrears", money(h.mortgage_arrears_pence)),
        ("Utility arrears", money(h.utility_arrears_pence)),
        ("Council tax arrears", money(h.council_tax_arrears_pence)),
        ("Other debts", money(h.other_debts_pence)),
        ("Benefits claimed", _benefits(h)),
        ("Case opened", instant(case.created_at)),
    ]
    return [s.para("Household", s.h2), _kv(s, rows)]


def _work(member: Member) -> str:
    text = label(member.work_status) if member.work_status else NOT_RECORDED
    return f"{text}, reduced hours" if member.reduced_hours else text


def _earnings(member: Member) -> str:
    if member.earnings_fell_on is None and member.earnings_fall_reason is None:
        return NOT_RECORDED
    reason = label(member.earnings_fall_reason) if member.earnings_fall_reason else ""
    when = long_date(member.earnings_fell_on)
    return f"{when}: {reason}" if reason else when


def _members(s: Styles, household: Household) -> list[Flowable]:
    w = content_width()
    rows = [["Name", "Relationship", "Date of birth", "Work", "Earnings fell", "In education"]]
    rows += [
        [
            m.full_name,
            label(m.relationship),
            long_date(m.date_of_birth),
            _work(m),
            _earnings(m),
            yes_no(m.in_education_or_training),
        ]
        for m in household.members
    ]
    widths = [w * 0.24, w * 0.14, w * 0.15, w * 0.16, w * 0.19, w * 0.12]
    return [
        s.para(f"Members ({len(household.members)})", s.h2),
        s.table(rows, widths) if household.members else s.para(NOT_RECORDED),
    ]


# -- visits -------------------------------------------------------------------------------


def _member_name(household: Household, member_id: Any) -> str:
    for m in household.members:
        if m.id == member_id:
            return m.full_name
    return NOT_RECORDED


def _visit_facts(case: CaseFile, record: VisitRecord) -> list[tuple[str, str]]:
    v = record.visit
    h = case.household
    work = NOT_RECORDED
    if v.work_event is not None:
        work = f"{label(v.work_event)} on {long_date(v.work_event_date)}"
        if v.work_member_id is not None:
            work += f" ({_member_name(h, v.work_member_id)})"
    course = money(v.course_fee_pence)
    if v.course_fee_pence is not None and v.course_member_id is not None:
        course += f" ({_member_name(h, v.course_member_id)})"
    return [
        ("Visit date", long_date(v.visit_date)),
        ("Officer", record.officer),
        ("Venue", text_or_not_recorded(v.venue)),
        ("Recorded", instant(record.recorded_at)),
        ("Needs", ", ".join(label(c) for c in v.need_categories) or NOT_RECORDED),
        ("No money for food or fuel", yes_no(v.no_money_for_food_or_fuel)),
        ("Unfamiliar with benefits", yes_no(v.unfamiliar_with_benefits)),
        ("Family strain", yes_no(v.family_strain)),
        ("Substance use", yes_no(v.substance_use)),
        ("Possession or eviction hearing", long_date(v.hearing_date)),
        ("Getting to work", work),
        ("Cost of getting to work", money(v.getting_to_work_cost_pence)),
        ("Tools or equipment cost", money(v.tools_cost_pence)),
        ("Course fee", course),
        ("Childcare cost", money(v.childcare_cost_pence)),
    ]


def _note(s: Styles, text: str) -> list[Flowable]:
    """The point-of-need note, one flowable per paragraph so a long note splits cleanly."""
    if not text.strip():
        return [s.para(NOT_RECORDED)]
    return [s.para(p.strip("\n"), s.note) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _assessment(s: Styles, record: VisitRecord) -> list[Flowable]:
    capitals = record.visit.capitals
    w = content_width()
    rows = [["Capital", "Score"]]
    for name in CAPITALS:
        score = getattr(capitals, name)
        rows.append([name.capitalize(), SCORE_LABELS.get(score, NOT_RECORDED)])
    if record.stage is not None:
        stage = f"Stage {record.stage}: {STAGE_NAMES[Stage(record.stage)]}"
    else:
        stage = "Not decided: a capital is not scored (not recorded)"
    rows.append(["Stage (policy part 3)", stage])
    return [s.para("Four capitals assessment", s.h3), s.table(rows, [w * 0.3, w * 0.7])]


def _outcome_rows(entries: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [
        [str(e.get("clause", "")), str(e.get("outcome", "")), str(e.get("explanation", ""))]
        for e in entries
    ]


def _recommendation(s: Styles, record: VisitRecord) -> list[Flowable]:
    rec = record.recommendation
    version = record.policy_version or (rec or {}).get("policy_version") or NOT_RECORDED
    out: list[Flowable] = [s.para(f"Recommendation (policy version {version})", s.h3)]
    if rec is None:
        out.append(s.para(f"No recommendation was stored with this visit ({NOT_RECORDED})."))
        return out
    w = content_width()
    widths3 = [w * 0.09, w * 0.12, w * 0.79]
    out.append(s.para(str(rec.get("stage_explanation") or f"Stage: {NOT_RECORDED}")))
    eligibility = rec.get("eligibility") or []
    if eligibility:
        out.append(s.para("Who can receive a cash award (part 4)", s.label))
        rows = [["Clause", "Outcome", "Explanation"]]
        out.append(s.table(rows + _outcome_rows(eligibility), widths3))
    items = rec.get("items") or []
    out.append(s.para("Recommended items (part 5)", s.label))
    if items:
        rows = [["Clause", "Amount", "Explanation"]]
        rows += [
            [
                str(i.get("clause", "")),
                money(i.get("amount_pence")),
                str(i.get("explanation", "")),
            ]
            for i in items
        ]
        out.append(s.table(rows, widths3))
    else:
        out.append(s.para("None."))
    not_recommended = rec.get("not_recommended") or []
    if not_recommended:
        out.append(s.para("Items not recommended", s.label))
        rows = [["Clause", "Outcome", "Explanation"]]
        out.append(s.table(rows + _outcome_rows(not_recommended), widths3))
    cap = rec.get("cap_reduction")
    if cap:
        out.append(s.para("Household cap (6.1)", s.label))
        out += s.bullets(
            [str(cap.get("explanation", ""))]
            + [str(c.get("explanation", "")) for c in cap.get("cuts") or []]
        )
    out.append(s.para("Total and approval route (6.2, 6.3)", s.label))
    out += s.bullets(
        [f"Total {money(rec.get('total_pence'))}. {rec.get('route_explanation', '')}".strip()]
    )
    for key, title in (
        ("referrals", "Referrals (part 7)"),
        ("missing_facts", "Facts not recorded"),
        ("what_if", "What would change the outcome"),
    ):
        entries = rec.get(key) or []
        if entries:
            out.append(s.para(title, s.label))
            out += s.bullets([str(e.get("explanation", "")) for e in entries])
    return out


def _visits(s: Styles, case: CaseFile) -> list[Flowable]:
    out: list[Flowable] = [s.para(f"Visits ({len(case.visits)})", s.h2)]
    if not case.visits:
        out.append(s.para(f"No visits recorded ({NOT_RECORDED})."))
    for n, record in enumerate(case.visits, 1):
        out.append(
            s.para(f"Visit {n} of {len(case.visits)}: {long_date(record.visit.visit_date)}", s.h3)
        )
        out.append(_kv(s, _visit_facts(case, record)))
        out.append(s.para("Point of need (officer's note)", s.label))
        out += _note(s, record.visit.point_of_need)
        out += _assessment(s, record)
        out += _recommendation(s, record)
    return out


# -- packages, payments, audit ----------------------------------------------------------


def _change(item: PackageItem) -> str:
    if item.exception and item.recommended_pence == 0:
        return "Exception: added (its condition does not hold)"
    if item.exception:
        return "Exception: raised above the recommendation"
    if item.amount_pence == 0:
        return "Removed by the officer"
    if item.amount_pence < item.recommended_pence:
        return "Lowered by the officer"
    return "As recommended"


def _decision_text(status: PackageStatus) -> str:
    return "Proposed (recommended)" if status is PackageStatus.RECOMMENDED else status.label


def _review(record: PackageRecord) -> str:
    if record.review_due is not None:
        return long_date(record.review_due)
    if record.package.status is PackageStatus.WITHDRAWN:
        return "none: the package was withdrawn"
    return "none: not approved"


def _package(s: Styles, case: CaseFile, n: int, record: PackageRecord) -> list[Flowable]:
    p = record.package
    w = content_width()
    out: list[Flowable] = [
        s.para(f"Package {n}: {format_pence(p.total_pence)}, {p.status.label.lower()}", s.h3),
        _kv(
            s,
            [
                ("For the visit on", long_date(p.visit_date)),
                ("Proposed by", f"{record.created_by}, {instant(p.created_at)}"),
                ("Policy version", p.policy_version or NOT_RECORDED),
                ("Approval route", ROUTES.get(p.route, p.route)),
                ("Status", p.status.label),
                ("Approved on", long_date(p.approved_on) if p.approved_on else "not approved"),
                ("Review due (part 8)", _review(record)),
            ],
        ),
        s.para("Items, with the officer's changes and exceptions (6.5)", s.label),
    ]
    rows = [["Clause", "Item", "Recommended", "Agreed", "Change", "Reason"]]
    rows += [
        [
            i.clause,
            i.item,
            format_pence(i.recommended_pence),
            format_pence(i.amount_pence),
            _change(i),
            i.reason.strip() or ("none needed" if not i.exception else NOT_RECORDED),
        ]
        for i in p.items
    ]
    out.append(
        s.table(rows, [w * 0.08, w * 0.18, w * 0.16, w * 0.11, w * 0.2, w * 0.27])
        if p.items
        else s.para(NOT_RECORDED)
    )
    item_lines = [i.explanation for i in p.items if i.explanation]
    visit = next((v for v in case.visits if v.visit.id == p.visit_id), None)
    seen = set((visit.recommendation or {}).get("explanation") or []) if visit else set()
    extra = [line for line in p.explanation if line not in seen and line not in item_lines]
    if item_lines or extra:
        out.append(s.para("Rule explanations for this package", s.label))
        out += s.bullets(item_lines + extra)
    out.append(s.para("Decisions (6.6)", s.label))
    rows = [["When (UK time)", "Who", "Decision", "Amount", "Why"]]
    rows += [
        [
            instant(e.at, zone=False),
            e.who,
            _decision_text(e.status),
            format_pence(e.amount_pence) if e.amount_pence else "",
            e.reason.strip(),
        ]
        for e in record.events
    ]
    out.append(
        s.table(rows, [w * 0.19, w * 0.17, w * 0.24, w * 0.12, w * 0.28])
        if record.events
        else s.para(NOT_RECORDED)
    )
    return out


def _packages(s: Styles, case: CaseFile) -> list[Flowable]:
    out: list[Flowable] = [s.para(f"Support packages ({len(case.packages)})", s.h2)]
    if not case.packages:
        out.append(s.para("No packages recorded."))
    for n, record in enumerate(case.packages, 1):
        out += _package(s, case, n, record)
    return out


def _payments(s: Styles, case: CaseFile) -> list[Flowable]:
    out: list[Flowable] = [s.para(f"Payments ({len(case.payments)})", s.h2)]
    if not case.payments:
        out.append(s.para("No payments recorded."))
        return out
    number = {r.package.id: n for n, r in enumerate(case.packages, 1)}
    w = content_width()
    rows = [["When (UK time)", "Package", "Amount", "Method", "Reference", "Recorded by"]]
    rows += [
        [
            instant(p.at, zone=False),
            f"Package {number.get(p.package_id, '?')}",
            format_pence(p.amount_pence),
            PAYMENT_METHODS.get(p.method, str(p.method)) if p.method else NOT_RECORDED,
            text_or_not_recorded(p.reference),
            p.who,
        ]
        for p in case.payments
    ]
    out.append(s.table(rows, [w * 0.19, w * 0.12, w * 0.13, w * 0.16, w * 0.2, w * 0.2]))
    return out


_FIELD = re.compile(r"^member:[0-9a-f-]+\.")


def _audit_detail(entry: TimelineEntry) -> str:
    changes = entry.changes
    if "reason" in changes and isinstance(changes.get("reason"), str):
        parts = []
        if changes.get("amount_pence"):
            parts.append(format_pence(int(changes["amount_pence"])))
        if changes.get("reference"):
            parts.append(f"reference {changes['reference']}")
        if changes["reason"]:
            parts.append(f"why: {changes['reason']}")
        return "; ".join(parts)
    if "total_pence" in changes and "items" in changes:
        return (
            f"{format_pence(int(changes['total_pence']))}, policy {changes.get('policy_version')}"
        )
    if entry.what == "Household details changed":
        fields = sorted(
            {_FIELD.sub("member ", k).replace("_pence", "").replace("_", " ") for k in changes}
        )
        return "Changed: " + ", ".join(fields)
    if entry.what == "Visit recorded":
        visit_date = changes.get("visit_date")
        after = visit_date.get("after") if isinstance(visit_date, dict) else None
        return f"Visit of {after}" if after else ""
    return ""


def _audit(s: Styles, case: CaseFile) -> list[Flowable]:
    out: list[Flowable] = [
        s.para(f"Audit trail ({len(case.audit)} entries, newest first)", s.h2),
    ]
    if not case.audit:
        out.append(s.para("No audit entries recorded."))
        return out
    w = content_width()
    rows = [["When (UK time)", "Who", "What", "Details"]]
    rows += [[instant(e.at, zone=False), e.who, e.what, _audit_detail(e)] for e in case.audit]
    out.append(s.table(rows, [w * 0.19, w * 0.17, w * 0.3, w * 0.34]))
    return out


# -- the document -----------------------------------------------------------------------


def _story(case: CaseFile) -> list[Flowable]:
    s = Styles(9.5)
    by = f" by {case.generated_by}" if case.generated_by else ""
    story: list[Flowable] = [
        s.para(f"Case file: {case.reference}", s.title),
        s.para(f"Generated {instant(case.generated_at)}{by}. {MARKING}.", s.small),
        Spacer(1, 2 * mm),
    ]
    story += _household(s, case)
    story += _members(s, case.household)
    story += _visits(s, case)
    story += _packages(s, case)
    story += _payments(s, case)
    story += _audit(s, case)
    return story


def _page(case: CaseFile) -> Any:
    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(INK)
        draw_string(
            canvas, PAGE_WIDTH / 2, PAGE_HEIGHT - 8 * mm, MARKING, 10, bold=True, align="centre"
        )
        top = PAGE_HEIGHT - 10 * mm
        width = draw_logo(canvas, MARGIN, top, 8 * mm)
        draw_string(canvas, MARGIN + width + 3 * mm, top - 5.5 * mm, council().name, 9, bold=True)
        draw_string(
            canvas, PAGE_WIDTH - MARGIN, top - 5.5 * mm, f"Case {case.reference}", 9, align="right"
        )
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, top - 10 * mm, PAGE_WIDTH - MARGIN, top - 10 * mm)
        canvas.setFillColor(SECONDARY)
        draw_string(canvas, MARGIN, 9 * mm, f"Case {case.reference}", 8.5)
        canvas.setFillColor(INK)
        draw_string(canvas, PAGE_WIDTH / 2, 9 * mm, MARKING, 9, bold=True, align="centre")
        canvas.restoreState()

    return draw


def write_case_file(case: CaseFile, path: Path) -> None:
    """Write the case-file copy of ``case`` as a PDF at ``path`` (OFFICIAL-SENSITIVE)."""
    page = _page(case)
    build(
        Path(path),
        _story(case),
        title=f"Case file {case.reference}",
        subject=f"Today's yes case file ({MARKING})",
        keywords=[MARKING, "Today's yes", "case file", case.reference],
        first_page=page,
        later_pages=page,
        top_first=_TOP,
        top_later=_TOP,
    )
