"""Assigning an open review's sign-offs: who is asked to sign each role, by when."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from articles.models import Article
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS, require_role
from reviews.exceptions import AlreadySigned, InvalidTransition, NotRequested, SeparationOfDuties
from reviews.models import CLINICAL_ROLE, Review, ReviewState, SignOffRequest
from reviews.notices import notify_awaiting_sign_off
from reviews.services.signoffs import ensure_no_own_work, signer_for


def _assignee_errors(*, review: Review, request: SignOffRequest, assignee) -> list[str]:
    """Why `assignee` may not be asked to sign this request's role, if they may not."""
    name = assignee.get_username()
    role = request.role
    if signer_for(user=assignee, role=role) is None:
        who = (
            "an active clinician"
            if role.code == CLINICAL_ROLE
            else f"an active sign-off reviewer holding the {role.code!r} role"
        )
        return [f"{name} may not sign the {role.name.lower()} role: assign {who}."]
    try:
        ensure_no_own_work(review=review, user=assignee)
    except SeparationOfDuties:
        return [f"{name} submitted or edited this version: someone else must sign it."]
    other = review.sign_offs.filter(signer=assignee).exclude(role=role).first()
    if other is not None:
        return [
            f"{name} signed this version as {other.role_name.lower()}: one person signs at "
            "most one role of a version."
        ]
    return []


@transaction.atomic
def sign_off_request_assign(
    *, review: Review, role_code: str, assignee, due_on: date | None, assigned_by
) -> SignOffRequest:
    """Ask `assignee` (None: nobody) to sign one role of an open review, by `due_on` (or no date).

    Editors, publishing admins and clinicians assign; the assignee must be able to sign the
    role and may not be the version's submitter or editor. Recorded in the request's history.
    """
    require_role(
        assigned_by, EDITORS, PUBLISHING_ADMINS, CLINICAL_REVIEWERS, action="assign sign-offs"
    )
    # The workflow's lock order (article, then review), so concurrent decisions cannot deadlock.
    Article.objects.select_for_update().filter(pk=review.article_id).first()
    review = Review.objects.select_for_update().select_related("version").get(pk=review.pk)
    if review.state != ReviewState.SUBMITTED:
        raise InvalidTransition(
            f"This review is {review.get_state_display().lower()}: only the sign-offs of a "
            "review awaiting a decision can be assigned."
        )
    request = (
        SignOffRequest.objects.select_for_update()
        .select_related("role")
        .filter(review=review, role__code=role_code)
        .first()
    )
    if request is None:
        needed = ", ".join(
            review.sign_off_requests.order_by("role__code").values_list("role__code", flat=True)
        )
        raise NotRequested(
            f"Version {review.version.number} does not need a {role_code!r} sign-off: it "
            f"needs {needed}."
        )
    if review.sign_offs.filter(role=request.role).exists():
        raise AlreadySigned(
            f"The {request.role.name.lower()} sign-off of this version is recorded: there is "
            "nobody left to assign."
        )
    errors: dict[str, list[str]] = {}
    if assignee is not None and (
        problems := _assignee_errors(review=review, request=request, assignee=assignee)
    ):
        errors["assignee"] = problems
    if due_on is not None and due_on < timezone.localdate():
        errors["due_on"] = ["Choose today or a later date (or null for no due date)."]
    if errors:
        raise InvalidContent(errors=errors)
    if (request.assignee_id, request.due_on) == (getattr(assignee, "pk", None), due_on):
        return request
    request.assignee = assignee
    request.due_on = due_on
    request._history_user = assigned_by
    request._change_reason = (
        f"Assigned to {assignee.get_username()}" if assignee is not None else "Unassigned"
    ) + (f", due {due_on.isoformat()}" if due_on is not None else ", no due date")
    request.save(update_fields=["assignee", "due_on"])
    notify_awaiting_sign_off(request=request)  # once per assignee: a new due date sends nothing
    return request
