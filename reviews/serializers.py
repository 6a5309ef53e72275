"""Input and output shapes of the reviewer API."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import ReviewKind
from articles.serializers.versions import (
    FrozenReferenceOutputSerializer,
    SnapshotDiffOutputSerializer,
    VersionSectionOutputSerializer,
)
from articles.services.validation import TOPIC_MAX_LENGTH
from ldncontent.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from reviews.models import (
    Comment,
    EvidenceCheck,
    EvidenceVerdict,
    Review,
    ReviewState,
    ReviewTransition,
    SignOff,
    SignOffRequest,
)
from reviews.services.policies import CHECKLIST_ITEM_MAX_LENGTH, CHECKLIST_MAX_ITEMS


def _username(source: str, help_text: str) -> serializers.CharField:
    return serializers.CharField(
        source=f"{source}.get_username", read_only=True, allow_null=True, help_text=help_text
    )


class SignOffRequestOutputSerializer(serializers.ModelSerializer):
    """One role the version needs (or invites), who is asked to sign it, and by when."""

    role = serializers.CharField(source="role.code", read_only=True, help_text="The role's code.")
    role_name = serializers.CharField(source="role.name", read_only=True)
    assignee = _username("assignee", "The person asked to sign, if any.")
    signed = serializers.SerializerMethodField(help_text="Whether the role has been signed.")
    overdue = serializers.SerializerMethodField(
        help_text="Whether the signature is late: due before today, not signed, and the review "
        "still awaits its sign-offs."
    )

    class Meta:
        model = SignOffRequest
        fields = [
            "role",
            "role_name",
            "required",
            "needed_for_change",
            "policies",
            "assignee",
            "due_on",
            "signed",
            "overdue",
        ]
        read_only_fields = fields

    def get_signed(self, request: SignOffRequest) -> bool:
        return any(
            sign_off.role_id == request.role_id for sign_off in request.review.sign_offs.all()
        )

    def get_overdue(self, request: SignOffRequest) -> bool:
        return (
            request.due_on is not None
            and request.due_on < timezone.localdate()
            and request.review.state == ReviewState.SUBMITTED
            and not self.get_signed(request)
        )


class SignOffOutputSerializer(serializers.ModelSerializer):
    """One signature, frozen as it was given: bound to the content hash the signer saw."""

    role = serializers.CharField(source="role.code", read_only=True, help_text="The role's code.")
    signer = _username("signer", "The account that signed.")

    class Meta:
        model = SignOff
        fields = [
            "role",
            "role_name",
            "signer",
            "signer_name",
            "signer_credentials",
            "signer_profession",
            "registering_body",
            "registration_number",
            "meaning",
            "checklist",
            "kind",
            "last_reviewed",
            "next_review_due",
            "note",
            "content_hash",
            "signed_at",
        ]
        read_only_fields = fields


class PublicationRequestedOutputSerializer(serializers.Serializer):
    """When the clinical approval asked for the version to go out, instead of at once."""

    publish_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The time asked for; null with a release."
    )
    release = serializers.IntegerField(
        source="release_id", read_only=True, allow_null=True, help_text="The release, if any."
    )
    release_name = serializers.CharField(
        source="release.name", read_only=True, allow_null=True, help_text="Its name."
    )
    release_publish_at = serializers.DateTimeField(
        source="release.publish_at",
        read_only=True,
        allow_null=True,
        help_text="When the release goes out (never before `publish_at`, when both are set).",
    )
    requested_by = _username("requested_by", "The clinician who approved with it.")
    requested_at = serializers.DateTimeField(read_only=True, help_text="When.")


class ReviewSummaryOutputSerializer(serializers.ModelSerializer):
    """A review in the queue."""

    article = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The article's slug."
    )
    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="The version under review."
    )
    title = serializers.CharField(source="version.title", read_only=True)
    content_hash = serializers.CharField(
        source="version.content_hash",
        read_only=True,
        help_text="The hash of exactly the content under review: send it back to approve.",
    )
    submitted_by = _username("version.submitted_by", "Who submitted the version.")
    submitted_at = serializers.DateTimeField(source="version.submitted_at", read_only=True)
    sign_off_requests = SignOffRequestOutputSerializer(
        many=True, read_only=True, help_text="The roles that must (or may) sign this version."
    )
    reviewer = _username(
        "reviewer",
        "Who decided, once decided: the clinician who approved, or whoever holding a required "
        "role requested changes or rejected.",
    )
    kind = serializers.ChoiceField(
        choices=ReviewKind.choices,
        allow_blank=True,
        read_only=True,
        help_text="`full` or `change` once approved; blank before.",
    )
    publication_requested = serializers.SerializerMethodField(
        help_text="Set when the clinical approval asked for a time or a release: the version "
        "is then scheduled, not published, when its last required sign-off lands (so whoever "
        "signs last sees it). Null: published at once."
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "article",
            "version",
            "title",
            "content_hash",
            "state",
            "submitted_by",
            "submitted_at",
            "sign_off_requests",
            "reviewer",
            "decided_at",
            "decision_note",
            "kind",
            "last_reviewed",
            "next_review_due",
            "publication_requested",
        ]
        read_only_fields = fields

    @extend_schema_field(PublicationRequestedOutputSerializer(allow_null=True))
    def get_publication_requested(self, review: Review) -> dict | None:
        # The reverse one-to-one raises (an AttributeError) when nothing was asked for.
        requested = getattr(review.version, "publish_request", None)
        return PublicationRequestedOutputSerializer(requested).data if requested else None


class CommentOutputSerializer(serializers.ModelSerializer):
    """A comment on a review."""

    author = _username("author", "Who wrote it.")

    class Meta:
        model = Comment
        fields = ["id", "section_anchor", "body", "author", "resolved", "created_at"]
        read_only_fields = fields


class TransitionOutputSerializer(serializers.ModelSerializer):
    """One step of the review's audit trail."""

    actor = _username("actor", "Who made the step.")

    class Meta:
        model = ReviewTransition
        fields = ["at", "actor", "from_state", "to_state", "note"]
        read_only_fields = fields


class EarlierApprovalOutputSerializer(serializers.Serializer):
    """Who first approved a section's current text, unchanged since."""

    anchor = serializers.CharField(read_only=True, help_text="The section's anchor.")
    version = serializers.IntegerField(read_only=True, help_text="The approved version.")
    reviewer_name = serializers.CharField(read_only=True, help_text="The approving clinician.")
    approved_at = serializers.DateTimeField(read_only=True, help_text="When.")


class DiffAgainstLiveOutputSerializer(SnapshotDiffOutputSerializer):
    """The version under review compared with the live one: every field and section."""

    against = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The live version; null if none."
    )


class EvidenceCheckOutputSerializer(serializers.ModelSerializer):
    """One cited reference checked at the clinical sign-off (frozen)."""

    checked_by = _username("checked_by", "The clinician who checked it.")

    class Meta:
        model = EvidenceCheck
        fields = ["reference_key", "verdict", "note", "checked_by", "checked_at"]
        read_only_fields = fields


class EvidenceToCheckOutputSerializer(serializers.Serializer):
    """The references an approval must check, by kind of review."""

    full = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="A full approval: every reference the version cites.",
    )
    change = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="A change approval: the references cited by sections changed since the last "
        "approved version, and cited references whose entry changed.",
    )


class ReviewDetailOutputSerializer(ReviewSummaryOutputSerializer):
    """A review with the content under review, what changed, comments and the audit trail."""

    summary = serializers.CharField(
        source="version.summary", read_only=True, help_text="The summary under review."
    )
    topics = serializers.ListField(
        source="version.topics",
        child=serializers.CharField(),
        read_only=True,
        help_text="The topics under review.",
    )
    audience = serializers.CharField(
        source="version.audience", read_only=True, help_text="The audience under review."
    )
    sections = VersionSectionOutputSerializer(source="version.sections", many=True, read_only=True)
    diff_against_live = serializers.SerializerMethodField()
    earlier_approvals = serializers.SerializerMethodField(
        help_text="For unchanged sections: the first approval of their current text."
    )
    comments = CommentOutputSerializer(many=True, read_only=True)
    sign_offs = SignOffOutputSerializer(
        many=True, read_only=True, help_text="Every signature given, in the order given."
    )
    transitions = TransitionOutputSerializer(many=True, read_only=True)
    references = FrozenReferenceOutputSerializer(
        source="version.references",
        many=True,
        read_only=True,
        help_text="Every reference frozen with the version, cited or not, by key.",
    )
    evidence_to_check = serializers.SerializerMethodField(
        help_text="The references the clinical approval must check (`evidence`), by kind."
    )
    evidence_checks = serializers.SerializerMethodField(
        help_text="The evidence checks given with the clinical sign-off, by key."
    )

    class Meta(ReviewSummaryOutputSerializer.Meta):
        fields = [
            *ReviewSummaryOutputSerializer.Meta.fields,
            "sign_offs",
            "summary",
            "topics",
            "audience",
            "sections",
            "diff_against_live",
            "earlier_approvals",
            "comments",
            "transitions",
            "references",
            "evidence_to_check",
            "evidence_checks",
        ]
        read_only_fields = fields

    @extend_schema_field(EvidenceToCheckOutputSerializer)
    def get_evidence_to_check(self, review) -> dict:
        return EvidenceToCheckOutputSerializer(self.context["evidence_to_check"]).data

    @extend_schema_field(EvidenceCheckOutputSerializer(many=True))
    def get_evidence_checks(self, review) -> list:
        return EvidenceCheckOutputSerializer(self.context["evidence_checks"], many=True).data

    @extend_schema_field(DiffAgainstLiveOutputSerializer)
    def get_diff_against_live(self, review) -> dict:
        return DiffAgainstLiveOutputSerializer(self.context["diff_against_live"]).data

    @extend_schema_field(EarlierApprovalOutputSerializer(many=True))
    def get_earlier_approvals(self, review) -> list:
        return EarlierApprovalOutputSerializer(self.context["earlier_approvals"], many=True).data


class ReviewQueueQuerySerializer(serializers.Serializer):
    """Filters of the review queue; other query parameters are ignored, as on every list."""

    state = serializers.ChoiceField(choices=ReviewState.choices, required=False)
    topic = StrictCharField(required=False, allow_blank=True, max_length=TOPIC_MAX_LENGTH)
    overdue = serializers.BooleanField(required=False)
    assigned = serializers.ChoiceField(choices=["me"], required=False)
    sign_off_overdue = serializers.BooleanField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class SubmitInputSerializer(StrictSerializer):
    """Submitting the working copy for review."""

    note = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What changed and why, for the reviewer.",
    )


class EvidenceCheckInputSerializer(StrictSerializer):
    """A cited reference checked by the approving clinician."""

    reference_key = StrictCharField(
        max_length=80, help_text="The key of a reference of the version (see `references`)."
    )
    verdict = serializers.ChoiceField(
        choices=EvidenceVerdict.choices,
        help_text="still_supports: the source still supports the text; replaced: newer "
        "evidence replaces it (say which in the note); removed: it was withdrawn or removed, "
        "only for a reference the version no longer cites (409 `cited_source_removed`).",
    )
    note = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What you found; required unless the source still supports the text.",
    )


class ApproveInputSerializer(StrictSerializer):
    """A clinician's approval of exactly the content shown."""

    content_hash = StrictCharField(
        max_length=64,
        help_text="The `content_hash` shown with the review: approval is bound to it.",
    )
    kind = serializers.ChoiceField(
        choices=ReviewKind.choices,
        help_text="`full`: the whole article was reviewed (sets last_reviewed and "
        "next_review_due). `change`: only the changes were reviewed (keeps the last full "
        "review's dates).",
    )
    next_review_due = serializers.DateField(
        required=False,
        help_text="Full reviews only: a date sooner than the default interval (12 months).",
    )
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    checklist = serializers.ListField(
        child=StrictCharField(max_length=CHECKLIST_ITEM_MAX_LENGTH),
        max_length=CHECKLIST_MAX_ITEMS,
        required=False,
        default=list,
        help_text="Every statement of the clinical role's checklist, confirmed (empty when it "
        "has none).",
    )
    publish_at = serializers.DateTimeField(
        required=False,
        help_text="Publish at this time (in the future) instead of at once: the approved "
        "version, its hash and attribution are frozen in a schedule, and the live version is "
        "served until then.",
    )
    release = StrictIntegerField(
        min_value=1,
        required=False,
        help_text="Publish with this open release, at its time (see `releases_list`); with "
        "`publish_at` too, the release may not go out before it (409 `earlier_than_approved`).",
    )
    evidence = EvidenceCheckInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=200,
        help_text="A check of each reference the approval covers (`evidence_to_check` of the "
        "review: every cited one for a full review, those of changed sections for a change "
        "review); 409 `evidence_checks_missing` lists any left out.",
    )


class CommentInputSerializer(StrictSerializer):
    """A comment, optionally on one section."""

    section_anchor = StrictCharField(
        max_length=Comment._meta.get_field("section_anchor").max_length,
        required=False,
        allow_blank=True,
        default="",
        help_text="The anchor of the section the comment is about (blank: the whole article).",
    )
    body = StrictCharField(max_length=5000, help_text="The comment.")


class RequestChangesInputSerializer(StrictSerializer):
    """Sending a version back, with comments that say what to change."""

    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    comments = CommentInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="New comments; at least one comment must exist on the review in all.",
    )


class RejectInputSerializer(StrictSerializer):
    """Rejecting a version, with the reason."""

    note = StrictCharField(max_length=2000, help_text="Why the version is rejected.")


class WithdrawInputSerializer(StrictSerializer):
    """Withdrawing a submission."""

    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class CommentResolveInputSerializer(StrictSerializer):
    """Resolving a comment."""

    resolved = StrictBooleanField(help_text="True to resolve, false to reopen.")


class SectionReviewStatusOutputSerializer(serializers.Serializer):
    """A section's review status."""

    anchor = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=["same_as_live", "changed_since_approval", "moved", "new", "removed"],
        read_only=True,
        help_text="same_as_live: the text and place clinicians approved; "
        "changed_since_approval: its heading or body changed; moved: same text, new place "
        "among the others; new; removed: live, but deleted from the working copy.",
    )


class FieldReviewStatusOutputSerializer(serializers.Serializer):
    """A content field's review status."""

    field = serializers.CharField(read_only=True, help_text="title, summary, topics or audience.")
    status = serializers.ChoiceField(
        choices=["same_as_live", "changed_since_approval", "new"],
        read_only=True,
        help_text="same_as_live: the value clinicians approved; changed_since_approval; new: "
        "nothing is live.",
    )


class ArticleReviewStatusOutputSerializer(serializers.Serializer):
    """The medical-review status of an article's working copy."""

    status = serializers.ChoiceField(
        choices=[
            "draft",
            "in_review",
            "changes_requested",
            "live",
            "live_with_unreviewed_changes",
            "retracted",
        ],
        read_only=True,
        help_text="Derived from versions, reviews and the publication.",
    )
    live_version = serializers.IntegerField(read_only=True, allow_null=True)
    latest_version = serializers.IntegerField(read_only=True, allow_null=True)
    open_review_id = serializers.IntegerField(read_only=True, allow_null=True)
    next_review_due = serializers.DateField(read_only=True, allow_null=True)
    fields = FieldReviewStatusOutputSerializer(many=True, read_only=True)
    sections = SectionReviewStatusOutputSerializer(many=True, read_only=True)
