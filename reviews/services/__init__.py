"""Every write of the reviews app, one transaction each: the review workflow and roles."""

from reviews.services.roles import (
    GRANTABLE_ROLES,
    PROFILE_FIELDS,
    clinician_grant,
    clinician_profile_update,
    clinician_revoke,
    staff_roles_set,
)
from reviews.services.workflow import (
    comment_add,
    comment_resolve,
    ensure_can_decide,
    review_approve,
    review_reject,
    review_request_changes,
    review_submit,
    review_withdraw,
)

__all__ = [
    "GRANTABLE_ROLES",
    "PROFILE_FIELDS",
    "clinician_grant",
    "clinician_profile_update",
    "clinician_revoke",
    "comment_add",
    "comment_resolve",
    "ensure_can_decide",
    "review_approve",
    "review_reject",
    "review_request_changes",
    "review_submit",
    "review_withdraw",
    "staff_roles_set",
]
