"""Governance writes: receive and triage reader feedback, and record dossier exports."""

import hashlib
import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles import services as article_services
from articles.models import EventType, ReviewKind, Version
from governance import selectors
from governance.exceptions import InvalidTriage
from governance.models import (
    TRIAGE_NOTE_MAX_CHARS,
    DossierExport,
    DossierExportKind,
    Feedback,
    FeedbackAcknowledgement,
    FeedbackCategory,
    FeedbackStatus,
    FeedbackTransition,
)
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import (
    CLINICAL_REVIEWERS,
    EDITORS,
    PUBLISHING_ADMINS,
    require_role,
)
from reviews.models import CLINICAL_ROLE, Review, ReviewState

__all__ = [
    "EXPORT_ROLES",
    "TRIAGE_MOVES",
    "TRIAGE_ROLES",
    "dossier_export",
    "dossier_sample_draw",
    "feedback_acknowledge",
    "feedback_receive",
    "feedback_triage",
]

# Who may triage reader feedback: those who change the text (editors) and those who judge
# it (clinical reviewers). Publishing admins read it, as they read everything.
TRIAGE_ROLES = (EDITORS, CLINICAL_REVIEWERS)
# Who may export dossiers: those who answer to assessors for the process (publishing admins)
# and for the clinical content (clinical reviewers).
EXPORT_ROLES = (PUBLISHING_ADMINS, CLINICAL_REVIEWERS)

# Where a report may go from each status: a decided one may be reopened (back to triaged).
TRIAGE_MOVES = {
    FeedbackStatus.NEW: (FeedbackStatus.TRIAGED, FeedbackStatus.ADDRESSED, FeedbackStatus.DECLINED),
    FeedbackStatus.TRIAGED: (FeedbackStatus.ADDRESSED, FeedbackStatus.DECLINED),
    FeedbackStatus.ADDRESSED: (FeedbackStatus.TRIAGED,),
    FeedbackStatus.DECLINED: (FeedbackStatus.TRIAGED,),
}


def _version_ref(version: Version) -> dict[str, Any]:
    return {
        "slug": version.article.slug,
        "number": version.number,
        "content_hash": version.content_hash,
    }


@transaction.atomic
def feedback_receive(
    *,
    site_id: int,
    api_key_id: str,
    slug: str,
    content_hash: str,
    category: str,
    text: str,
    section_anchor: str = "",
) -> Feedback:
    """Store a reader's report on the published version they saw, and tell the CMS.

    The key was checked by the caller (delivery's key authentication). The webhook event
    names the report, its category and section but never carries the reader's text, and goes
    to the CMS's endpoints only (not a public event type).
    """
    version = selectors.published_version(slug=slug, content_hash=content_hash)
    if category not in FeedbackCategory.values:
        raise InvalidContent(
            errors={"category": [f"Use one of: {', '.join(FeedbackCategory.values)}."]}
        )
    if section_anchor and section_anchor not in {item["anchor"] for item in version.sections}:
        raise InvalidContent(
            errors={
                "section_anchor": [
                    f"The version you sent has no section {section_anchor!r}: send an anchor "
                    "of one of its sections, or none."
                ]
            }
        )
    if not text.strip():
        raise InvalidContent(errors={"text": ["Send what the reader wrote."]})
    if len(text) > settings.FEEDBACK_MAX_CHARS:
        raise InvalidContent(
            errors={"text": [f"Send at most {settings.FEEDBACK_MAX_CHARS} characters."]}
        )
    feedback = Feedback.objects.create(
        article_id=version.article_id,
        version=version,
        content_hash=version.content_hash,
        section_anchor=section_anchor,
        category=category,
        text=text,
        site_id=site_id,
        api_key_id=api_key_id,
        received_at=timezone.now(),
    )
    article_services.event_emit(
        type=EventType.FEEDBACK_RECEIVED,
        article=version.article,
        version=version,
        data={
            "feedback_id": feedback.pk,
            "category": category,
            "section_anchor": section_anchor,
        },
    )
    return feedback


@transaction.atomic
def feedback_triage(
    *,
    feedback: Feedback,
    user,
    status: str,
    note: str,
    addressed_in_version: int | None = None,
) -> Feedback:
    """Move a report to triaged, addressed (in a later version of the article) or declined,
    saying why; each move is appended to its triage trail."""
    require_role(user, *TRIAGE_ROLES, action="triage reader feedback")
    feedback = Feedback.objects.select_for_update().select_related("version").get(pk=feedback.pk)
    allowed = TRIAGE_MOVES[FeedbackStatus(feedback.status)]
    if status not in allowed:
        raise InvalidTriage(
            f"This report is {feedback.status}: it can move to "
            f"{' or '.join(str(choice) for choice in allowed)}, not {status}."
        )
    note = note.strip()
    if not note:
        raise InvalidContent(errors={"note": ["Say what was decided, and why."]})
    if len(note) > TRIAGE_NOTE_MAX_CHARS:
        raise InvalidContent(
            errors={"note": [f"Keep the note to {TRIAGE_NOTE_MAX_CHARS} characters."]}
        )
    fixed_in = None
    if status == FeedbackStatus.ADDRESSED:
        if addressed_in_version is None:
            raise InvalidContent(
                errors={"addressed_in_version": ["Name the version that addresses the report."]}
            )
        fixed_in = Version.objects.filter(
            article_id=feedback.article_id, number=addressed_in_version
        ).first()
        if fixed_in is None or fixed_in.number <= feedback.version.number:
            raise InvalidContent(
                errors={
                    "addressed_in_version": [
                        f"Name an existing version of this article after version "
                        f"{feedback.version.number}, the one the reader saw."
                    ]
                }
            )
        # Until a clinician approves the fix the report stays open, so the review of that
        # very version shows it, and a rejected fix leaves it open.
        if not Review.objects.filter(version=fixed_in, state=ReviewState.APPROVED).exists():
            raise InvalidContent(
                errors={
                    "addressed_in_version": [
                        f"Version {fixed_in.number} is not approved: mark the report triaged "
                        "until a clinician approves the version that fixes it."
                    ]
                }
            )
    elif addressed_in_version is not None:
        raise InvalidContent(
            errors={"addressed_in_version": ["Only an addressed report names a version."]}
        )
    from_status = feedback.status
    feedback.status = status
    feedback.addressed_in_version = fixed_in
    feedback.resolution_note = note
    feedback.save(update_fields=["status", "addressed_in_version", "resolution_note"])
    FeedbackTransition.objects.create(
        feedback=feedback,
        actor=user,
        at=timezone.now(),
        from_status=from_status,
        to_status=status,
        addressed_in_version=addressed_in_version if fixed_in else None,
        note=note,
    )
    return feedback


def feedback_acknowledge(*, review, actor) -> list[FeedbackAcknowledgement]:
    """A full approval acknowledges the article's open error reports that the clinician was
    shown with the review (review page, `GET reviews/{id}/feedback/`) before signing: those
    received up to the clinical sign-off, not those that came in while other roles signed.
    Registered as a reviews approval hook, so it runs in the approval's transaction; a change
    review acknowledges nothing. The reports stay open until they are triaged."""
    if review.kind != ReviewKind.FULL:
        return []
    clinical = review.sign_offs.filter(role__code=CLINICAL_ROLE).only("signed_at").first()
    if clinical is None:
        return []
    reports = list(
        selectors.open_error_feedback(article=review.article)
        .select_for_update(of=("self",))
        .filter(received_at__lte=clinical.signed_at)
    )
    now = timezone.now()
    return FeedbackAcknowledgement.objects.bulk_create(
        [
            FeedbackAcknowledgement(
                feedback=report, review=review, acknowledged_by=review.reviewer, at=now
            )
            for report in reports
        ]
    )


@transaction.atomic
def dossier_export(*, user, version: Version, output_format: str = "json") -> dict[str, Any]:
    """One version's dossier, its export recorded in the append-only export log."""
    require_role(user, *EXPORT_ROLES, action="export dossiers")
    dossier = selectors.dossier_build(version=version)
    DossierExport.objects.create(
        kind=DossierExportKind.SINGLE,
        actor=user,
        at=timezone.now(),
        output_format=output_format,
        parameters={"slug": version.article.slug, "number": version.number},
        versions=[_version_ref(version)],
    )
    return dossier


@transaction.atomic
def dossier_sample_draw(
    *, user, date_from: date, date_to: date, size: int, seed: str | None = None
) -> DossierExport:
    """Draw `size` versions approved between the dates, as an assessor samples job bags.

    The same window, size and seed draw the same versions (while the window's approvals stay
    the same); without a seed one is chosen and recorded, so every draw can be repeated. The
    draw is one an assessor can check by hand: each version approved in the window ranked by
    SHA-256 of `"{seed}:{content_hash}"` (hex), lowest first (ties by slug and number), and
    the first `size` taken.
    """
    require_role(user, *EXPORT_ROLES, action="export dossiers")
    if date_to < date_from:
        raise InvalidContent(errors={"to": ["Use a date on or after `from`."]})
    if not 1 <= size <= settings.DOSSIER_SAMPLE_MAX:
        raise InvalidContent(
            errors={"sample": [f"Draw from 1 to {settings.DOSSIER_SAMPLE_MAX} versions."]}
        )
    seed = seed if seed else secrets.token_hex(8)
    population = selectors.approved_versions(date_from=date_from, date_to=date_to)
    drawn = sorted(
        population,
        key=lambda version: (
            hashlib.sha256(f"{seed}:{version.content_hash}".encode()).hexdigest(),
            version.article.slug,
            version.number,
        ),
    )[:size]
    return DossierExport.objects.create(
        kind=DossierExportKind.SAMPLE,
        actor=user,
        at=timezone.now(),
        output_format="json",
        parameters={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "sample": size,
            "seed": seed,
            "population": len(population),
        },
        versions=[_version_ref(version) for version in drawn],
    )
