"""The family copy: a plain-English letter to the lead contact about one visit.

GOV.UK style: short sentences, no jargon. It says what we talked about, what we
agreed to pay and how, who we referred the family to (with contact details
from the referral directory), what happens next and when the review is
(policy part 8), and how to contact the team. It never shows the stage, the
four capitals scores, the point-of-need note, rule explanations or any other
internal working: only what the family needs.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, KeepTogether, Spacer

from caseworker.domain.directory import DirectoryService
from caseworker.domain.labels import label
from caseworker.domain.money import format_pence
from caseworker.domain.packages import PackageStatus, PaymentMethod
from caseworker.domain.payments import route_not_chosen_sentence
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
    long_date,
    referral_directory,
)
from caseworker.reports.fonts import draw_string
from caseworker.services.case_file import CaseFile, PackageRecord, VisitRecord

TITLE = "Your support from Today's yes"

# What each award item is, in words a family uses (policy part 5).
PLAIN_ITEMS = {
    "5.1": "Help with rent or mortgage arrears",
    "5.2": "Help with gas, electricity or water bills you owe",
    "5.3": "Emergency money for food and fuel",
    "5.4": "Travel or clothes to get to work",
    "5.5": "Tools or equipment for your work",
    "5.6": "A training or course fee",
    "5.7": "Childcare while you work or train",
}

PAYMENT_METHODS = {
    PaymentMethod.BANK_TRANSFER: "bank transfer",
    PaymentMethod.VOUCHER: "voucher",
    PaymentMethod.PREPAID_CARD: "prepaid card",
}

_TOP_FIRST = 44 * mm
_TOP_LATER = 26 * mm


def _decided_package(case: CaseFile, visit: VisitRecord) -> PackageRecord | None:
    """The package the letter is about: the newest for the visit that was not withdrawn."""
    for record in reversed(case.packages_for(visit.visit.id)):
        if record.package.status is not PackageStatus.WITHDRAWN:
            return record
    return None


def _talked_about(s: Styles, case: CaseFile, visit: VisitRecord | None) -> list[Flowable]:
    out: list[Flowable] = [s.para("What we talked about", s.h2)]
    if visit is None:
        out.append(s.para("We have not recorded a visit with you yet."))
        return out
    where = f" at {visit.visit.venue}" if visit.visit.venue.strip() else ""
    officer = visit.officer if visit.officer != NOT_RECORDED else "one of our officers"
    out.append(s.para(f"You met {officer}{where} on {long_date(visit.visit.visit_date)}."))
    topics = [label(c) for c in visit.visit.need_categories]
    if topics:
        out.append(s.para("We talked about:"))
        out += s.bullets(topics)
    else:
        out.append(s.para("We talked about how things are for you and your household."))
    return out


def _payment(s: Styles, record: PackageRecord | None) -> list[Flowable]:
    out: list[Flowable] = [s.para("What we agreed to pay", s.h2)]
    if record is None:
        out.append(s.para("We did not agree a payment at this visit."))
        return out
    package = record.package
    items = [i for i in package.items if i.amount_pence > 0]
    rows = [["What it is for", "Amount"]]
    rows += [[PLAIN_ITEMS.get(i.clause, i.item), format_pence(i.amount_pence)] for i in items]
    rows.append(["Total", format_pence(package.total_pence)])
    table = s.table(
        rows, [content_width() * 0.72, content_width() * 0.28], bold_rows=[len(rows) - 1]
    )
    status = package.status
    if status is PackageStatus.REJECTED:
        out.append(
            s.para(
                "We cannot make a payment this time. Your officer will tell you why and "
                "talk to you about other help."
            )
        )
        return out
    total = format_pence(package.total_pence)
    if status is PackageStatus.AWAITING_MANAGER:
        out += [s.para(f"We have asked a manager to agree a payment of {total}."), table]
        return out
    if status is PackageStatus.RECOMMENDED:
        out += [s.para(f"We are still deciding on a payment of up to {total}."), table]
        return out
    out.append(s.para(f"We agreed to pay you {total}."))
    out.append(table)
    payment = record.payment
    if payment is not None and payment.method is None and record.payment_sentence:
        # Paid by a route (services.payments): say how, as the route words it.
        out.append(
            s.para(
                f"We paid this on {long_date(payment.at.date())}. {record.payment_sentence}",
                s.after,
            )
        )
    elif payment is not None:
        how = PAYMENT_METHODS.get(payment.method, "payment") if payment.method else "payment"
        ref = f" The payment reference is {payment.reference}." if payment.reference else ""
        out.append(
            s.para(f"We paid this by {how} on {long_date(payment.at.date())}.{ref}", s.after)
        )
    elif record.payment_sentence:
        out.append(s.para(record.payment_sentence, s.after))
    else:
        out.append(s.para(route_not_chosen_sentence(), s.after))
    return out


def _referrals(s: Styles, visit: VisitRecord | None) -> list[Flowable]:
    out: list[Flowable] = [s.para("Who we have referred you to", s.h2)]
    referrals = (visit.recommendation or {}).get("referrals") or [] if visit else []
    if not referrals:
        out.append(s.para("We did not refer you to another service at this visit."))
        return out
    chosen = visit.referral_services if visit else {}
    charged = any(c.cost and "free" not in c.cost.casefold() for c in chosen.values())
    out.append(
        s.para(
            ("Most of these services are free; a cost is shown where there is one. "
             if charged else "These services are free. ")
            + "They can help with things we talked about. Contact them when you are ready."
        )
    )  # fmt: skip
    directory = referral_directory()
    for referral in referrals:
        clause = str(referral.get("clause", ""))
        found = chosen.get(clause)
        if found is not None:
            out.append(KeepTogether(_directory_service(s, found)))
            continue
        service = directory.get(clause)
        name = service.name if service else str(referral.get("service") or NOT_RECORDED)
        block: list[Flowable] = [s.bold(name, s.h3)]
        if service is not None and service.what:
            block.append(s.para(service.what))
        for what, value in (
            ("Phone", service.phone if service else ""),
            ("Website", service.web if service else ""),
            ("Address", service.address if service else ""),
        ):
            block.append(s.para(f"{what}: {value or NOT_RECORDED}", s.small))
        out.append(KeepTogether(block))
    return out


def _directory_service(s: Styles, service: DirectoryService) -> list[Flowable]:
    """A service from the borough's directory: its real name, address, phone and hours."""
    block: list[Flowable] = [s.bold(service.name, s.h3)]
    if service.organisation and service.organisation != service.name:
        block.append(s.para(f"Run by {service.organisation}.", s.small))
    if service.description:
        block.append(s.para(service.description))
    address = ", ".join(x for x in (service.address, service.postcode) if x)
    for what, value in (
        ("Phone", service.phone),
        ("Email", service.email),
        ("Website", service.url),
        ("Address", address),
    ):
        if value:
            block.append(s.para(f"{what}: {value}", s.small))
    hours = service.opening_words()
    block.append(s.para(f"Opening times: {'; '.join(hours) if hours else NOT_RECORDED}", s.small))
    if service.cost:
        block.append(s.para(f"Cost: {service.cost}", s.small))
    return block


def _next(s: Styles, record: PackageRecord | None) -> list[Flowable]:
    out: list[Flowable] = [s.para("What happens next", s.h2)]
    review = record.review_due if record is not None else None
    if review is not None:
        out.append(
            s.para(
                f"We will contact you around {long_date(review)} to see how things are going. "
                "This is your review. It is 12 weeks after we agreed your payment."
            )
        )
    elif record is not None and record.package.status in (
        PackageStatus.RECOMMENDED,
        PackageStatus.AWAITING_MANAGER,
    ):
        out.append(s.para("We will contact you when the payment has been decided."))
    out.append(
        s.para("If things change or get harder, contact us. You do not need to wait for us.")
    )
    return out


def _contact(s: Styles, case: CaseFile) -> list[Flowable]:
    c = council()
    team = ", ".join(x for x in (c.team, c.name) if x)
    out: list[Flowable] = [s.para("How to contact us", s.h2), s.para(team)]
    for what, value in (
        ("Phone", c.phone),
        ("Email", c.email),
        ("Address", c.address),
        ("Opening hours", c.opening_hours),
    ):
        out.append(s.para(f"{what}: {value or NOT_RECORDED}", s.body))
    out.append(s.para(f"Tell us your case reference when you contact us: {case.reference}."))
    return out


def _story(case: CaseFile) -> list[Flowable]:
    s = Styles(11)
    visit = case.focus_visit
    record = _decided_package(case, visit) if visit is not None else None
    lead = case.household.lead
    story: list[Flowable] = [
        s.para(TITLE, s.title),
        s.para(f"Case reference: {case.reference}", s.small),
        s.para(f"Date: {long_date(case.generated_at.date())}", s.small),
        Spacer(1, 3 * mm),
        s.para(f"Dear {lead.full_name if lead else 'householder'},"),
        s.para(
            "Thank you for talking to us. This letter is a record of what we talked about "
            "and what we agreed. Keep it somewhere safe."
        ),
    ]
    story += _talked_about(s, case, visit)
    story += _payment(s, record)
    story += _referrals(s, visit)
    story += _next(s, record)
    story += _contact(s, case)
    return story


def _first_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
    canvas.saveState()
    top = PAGE_HEIGHT - 14 * mm
    width = draw_logo(canvas, MARGIN, top, 20 * mm)
    canvas.setFillColor(INK)
    draw_string(canvas, MARGIN + width + 5 * mm, top - 9 * mm, council().name, 15, bold=True)
    canvas.setFillColor(SECONDARY)
    draw_string(canvas, MARGIN + width + 5 * mm, top - 15 * mm, council().team, 10)
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(1.5)
    canvas.line(MARGIN, top - 24 * mm, PAGE_WIDTH - MARGIN, top - 24 * mm)
    _footer(canvas)
    canvas.restoreState()


def _later_pages(canvas: Canvas, _doc: BaseDocTemplate) -> None:
    canvas.saveState()
    top = PAGE_HEIGHT - 10 * mm
    width = draw_logo(canvas, MARGIN, top, 9 * mm)
    canvas.setFillColor(INK)
    draw_string(canvas, MARGIN + width + 3 * mm, top - 6 * mm, council().name, 10, bold=True)
    _footer(canvas)
    canvas.restoreState()


def _footer(canvas: Canvas) -> None:
    canvas.setFillColor(SECONDARY)
    draw_string(canvas, MARGIN, 9 * mm, f"{council().name} · {TITLE}", 8.5)


def write_family_copy(case: CaseFile, path: Path) -> None:
    """Write the family copy of ``case`` (about ``case.focus_visit``) as a PDF at ``path``."""
    build(
        Path(path),
        _story(case),
        title=f"{TITLE}: case {case.reference}",
        subject="A summary for the family of their Today's yes visit, payment and referrals",
        keywords=["Today's yes", "family copy", case.reference],
        first_page=_first_page,
        later_pages=_later_pages,
        top_first=_TOP_FIRST,
        top_later=_TOP_LATER,
    )
