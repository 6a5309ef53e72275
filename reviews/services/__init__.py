"""Every write of the reviews app, one transaction each: the review workflow, roles and
sign-off policies."""

from reviews.services.assignment import sign_off_request_assign
from reviews.services.evidence import evidence_required
from reviews.services.policies import (
    signoff_policy_create,
    signoff_policy_update,
    signoff_role_create,
    signoff_role_grant,
    signoff_role_revoke,
    signoff_role_update,
)
from reviews.services.roles import (
    GRANTABLE_ROLES,
    PROFILE_FIELDS,
    clinician_grant,
    clinician_profile_update,
    clinician_revoke,
    staff_roles_set,
)
from reviews.services.signoffs import (
    article_sign_off_requirements,
    ensure_can_decide,
    ensure_can_sign,
    sign_off_requirements,
    signer_for,
)
from reviews.services.workflow import (
    comment_add,
    comment_resolve,
    review_approve,
    review_reject,
    review_request_changes,
    review_submit,
    review_withdraw,
    signoff_record,
)

__all__ = [
    "GRANTABLE_ROLES",
    "PROFILE_FIELDS",
    "article_sign_off_requirements",
    "clinician_grant",
    "clinician_profile_update",
    "clinician_revoke",
    "comment_add",
    "comment_resolve",
    "ensure_can_decide",
    "ensure_can_sign",
    "evidence_required",
    "review_approve",
    "review_reject",
    "review_request_changes",
    "review_submit",
    "review_withdraw",
    "sign_off_request_assign",
    "sign_off_requirements",
    "signer_for",
    "signoff_policy_create",
    "signoff_policy_update",
    "signoff_record",
    "signoff_role_create",
    "signoff_role_grant",
    "signoff_role_revoke",
    "signoff_role_update",
    "staff_roles_set",
]
