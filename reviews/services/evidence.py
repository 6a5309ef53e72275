"""Evidence checks at review: which cited references a clinical approval must check, and the
frozen rows that record each check.

A `full` review checks every reference the version cites. A `change` review checks the
references cited by the sections that changed since the last approved version, and any cited
reference whose own entry changed (a new date, a withdrawal). References frozen with the
version but cited nowhere are never served, so they need no check (one may still be sent).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from articles.citations import snapshot_cited_keys
from articles.diffing import diff_snapshots
from articles.models import ReviewKind
from articles.snapshots import version_snapshot
from ldncontent.exceptions import InvalidContent
from reviews.exceptions import CitedSourceRemoved, EvidenceChecksMissing
from reviews.models import EvidenceCheck, EvidenceVerdict, Review, SignOff
from reviews.selectors import last_approved_review

NOTE_MAX_LENGTH = 2000


def evidence_required(*, review: Review, kind: str) -> list[str]:
    """The keys of the references a `kind` approval of this review must check, in order of
    first citation."""
    version = review.version
    if not version.references:
        return []
    snapshot = version_snapshot(version)
    if kind != ReviewKind.CHANGE:
        return snapshot_cited_keys(snapshot)
    previous = last_approved_review(article_id=review.article_id, before_number=version.number)
    if previous is None:  # a change review needs an earlier approval; the workflow says so
        return snapshot_cited_keys(snapshot)
    diff = diff_snapshots(version_snapshot(previous.version), snapshot, words=False)
    changed_anchors = {item.anchor for item in diff.sections if item.status in ("added", "changed")}
    changed_references = {
        item.key for item in diff.references if item.status in ("added", "changed")
    }
    return [
        key
        for key in snapshot_cited_keys(snapshot)
        if key in changed_references or key in snapshot_cited_keys(snapshot, changed_anchors)
    ]


def evidence_validated(
    *, review: Review, kind: str, evidence: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The checks sent with an approval, validated: each names a reference of the version once,
    with a verdict, and a note unless the source still supports the text; no source found
    removed is still cited (409 `cited_source_removed`); every reference the approval must
    check is among them (409 `evidence_checks_missing`, listing the rest)."""
    known = {item["key"] for item in review.version.references}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, check in enumerate(evidence):
        key = check.get("reference_key", "")
        prefix = f"evidence[{index}]."
        if key not in known:
            errors[f"{prefix}reference_key"] = [
                f"Version {review.version.number} has no reference {key!r}: use one of "
                f"{', '.join(sorted(known)) or 'none'}."
            ]
        elif key in seen:
            errors[f"{prefix}reference_key"] = [f"{key!r} is checked twice: send it once."]
        seen.add(key)
        if check.get("verdict") not in EvidenceVerdict.values:
            errors[f"{prefix}verdict"] = [f"Use one of {', '.join(EvidenceVerdict.values)}."]
        note = check.get("note", "")
        if len(note) > NOTE_MAX_LENGTH:
            errors[f"{prefix}note"] = [f"Use at most {NOTE_MAX_LENGTH} characters."]
        elif check.get("verdict") != EvidenceVerdict.STILL_SUPPORTS and not note.strip():
            errors[f"{prefix}note"] = ["Say what replaced or removed the source."]
    if errors:
        raise InvalidContent(errors=errors)
    cited = snapshot_cited_keys(version_snapshot(review.version))
    removed = [
        check["reference_key"]
        for check in evidence
        if check["verdict"] == EvidenceVerdict.REMOVED and check["reference_key"] in cited
    ]
    if removed:
        keys = ", ".join(f"[^{key}]" for key in removed)
        raise CitedSourceRemoved(
            f"Version {review.version.number} still cites {keys}, which you checked as removed "
            "or withdrawn: request changes so the text no longer rests on it, or check it "
            "again if it still supports the text. `removed` is for a reference the version "
            "keeps but no longer cites.",
            errors={"removed": removed},
        )
    missing = [key for key in evidence_required(review=review, kind=kind) if key not in seen]
    if missing:
        raise EvidenceChecksMissing(
            f"A {kind} approval of version {review.version.number} must check every reference "
            f"it covers: missing {', '.join(missing)}.",
            errors={"missing": missing},
        )
    return [
        {
            "reference_key": check["reference_key"],
            "verdict": check["verdict"],
            "note": check.get("note", ""),
        }
        for check in evidence
    ]


def evidence_checks_record(
    *, sign_off: SignOff, checks: Sequence[dict[str, Any]], now: datetime
) -> list[EvidenceCheck]:
    """Freeze the validated checks with the clinical sign-off (in its transaction)."""
    return EvidenceCheck.objects.bulk_create(
        EvidenceCheck(
            review_id=sign_off.review_id,
            sign_off=sign_off,
            version_id=sign_off.version_id,
            reference_key=check["reference_key"],
            verdict=check["verdict"],
            note=check["note"],
            checked_by_id=sign_off.signer_id,
            checked_at=now,
        )
        for check in checks
    )
