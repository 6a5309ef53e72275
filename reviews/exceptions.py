"""Domain errors of clinical review, each with a stable `code`."""

from ldncontent.exceptions import Conflict, InvalidContent, NotAllowed


class InvalidTransition(Conflict):
    """The review is not in a state that allows this step."""

    code = "invalid_transition"


class NotAClinician(NotAllowed):
    """Only an active clinician may decide reviews."""

    code = "not_a_clinician"
    default_detail = (
        "Only an active clinician (a clinical-reviewers member with an active clinician profile) "
        "may approve, reject or request changes."
    )


class SeparationOfDuties(NotAllowed):
    """A clinician may not decide on content they submitted or edited."""

    code = "separation_of_duties"


class NotTheSubmitter(NotAllowed):
    """Only the submitter may withdraw a submission."""

    code = "not_submitter"
    default_detail = "Only the editor who submitted this version may withdraw it."


class ContentHashMismatch(Conflict):
    """The approval names other content than the version under review."""

    code = "content_hash_mismatch"


class CommentRequired(InvalidContent):
    """Requesting changes needs at least one comment."""

    code = "comment_required"
    default_detail = "Say what to change: add at least one comment (optionally on a section)."


class ChangeReviewNeedsFullReview(Conflict):
    """A change review keeps the dates of an earlier full review, so one must exist."""

    code = "full_review_required"
    default_detail = (
        "This article has no earlier approval: its first approval must be a full clinical review."
    )


class OwnRole(NotAllowed):
    """No one changes the roles of their own account: someone else must."""

    code = "own_role"
    default_detail = (
        "No one may change the roles of their own account: ask another publishing admin, or a "
        "superuser for the clinician role."
    )


class AlreadyAClinician(Conflict):
    """The account already holds the clinician role."""

    code = "already_a_clinician"
    default_detail = (
        "This account is already an active clinician: edit the clinician profile instead."
    )


class NoClinicianRole(Conflict):
    """The account holds no clinician role to revoke."""

    code = "no_clinician_role"
    default_detail = "This account is not a clinician: there is no clinician role to revoke."


class NotASigner(NotAllowed):
    """Only a holder of a sign-off role may sign for it."""

    code = "not_a_signer"
    default_detail = "Only a sign-off reviewer holding this role may sign for it."


class NotRequested(Conflict):
    """The role is not one this review needs or invites."""

    code = "role_not_requested"


class AlreadySigned(Conflict):
    """The role of this version has been signed already."""

    code = "already_signed"


class SignerNoLongerHoldsRole(Conflict):
    """A sign-off was given by someone who has since lost the role it was given for."""

    code = "signer_role_revoked"


class ClinicalRoleFixed(Conflict):
    """The clinical role is the mandatory one: its code, activity and re-signing never change."""

    code = "clinical_role_fixed"
    default_detail = (
        "The clinical role signs every version: its code cannot change, it cannot be "
        "deactivated and it always re-signs changes."
    )


class RoleInUse(Conflict):
    """Open reviews need the role, or reviews have asked for it: it cannot change that way."""

    code = "role_in_use"


class SignOffRoleTaken(Conflict):
    """Another sign-off role already has this code."""

    code = "sign_off_role_taken"


class SignOffPolicyTaken(Conflict):
    """Another sign-off policy already has this name."""

    code = "sign_off_policy_taken"


class AlreadyHoldsRole(Conflict):
    """The account already holds this sign-off role."""

    code = "already_holds_role"


class NoSignOffRole(Conflict):
    """The account does not hold this sign-off role, so there is nothing to revoke."""

    code = "no_sign_off_role"


class CitedSourceRemoved(Conflict):
    """The approval would publish text citing a source its own evidence check found removed."""

    code = "cited_source_removed"
    default_detail = (
        "The version cites a source you checked as removed or withdrawn: request changes so "
        "the text no longer rests on it."
    )


class EvidenceChecksMissing(Conflict):
    """The clinical approval lacks an evidence check of a reference it must check."""

    code = "evidence_checks_missing"
    default_detail = "Check every reference the review covers before approving."
