"""Clinical review's models: the workflow and its audit trails, and the sign-off policies."""

from reviews.models.evidence import EvidenceCheck, EvidenceVerdict
from reviews.models.signoffs import (
    CLINICAL_MEANING,
    CLINICAL_ROLE,
    SignOff,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from reviews.models.workflow import (
    DECIDED_STATES,
    ClinicianProfile,
    Comment,
    Review,
    ReviewDueBoard,
    ReviewState,
    ReviewTransition,
    RoleAction,
    RoleChange,
)

__all__ = [
    "CLINICAL_MEANING",
    "CLINICAL_ROLE",
    "DECIDED_STATES",
    "ClinicianProfile",
    "Comment",
    "EvidenceCheck",
    "EvidenceVerdict",
    "Review",
    "ReviewDueBoard",
    "ReviewState",
    "ReviewTransition",
    "RoleAction",
    "RoleChange",
    "SignOff",
    "SignOffPolicy",
    "SignOffRequest",
    "SignOffRole",
    "SignOffRoleHolder",
]
