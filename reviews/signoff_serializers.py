"""Input and output shapes of the sign-off API: signing, assigning, roles, policies, holders."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.fields import empty

from articles.models import SLUG_MESSAGE, Article, Audience, ReviewKind, slug_validator
from articles.services.validation import TOPIC_MAX_LENGTH
from ldncontent.serializers import StrictBooleanField, StrictCharField, StrictSerializer
from reviews.models import SignOffPolicy, SignOffRole, SignOffRoleHolder
from reviews.serializers import (
    EvidenceCheckInputSerializer,
    ReviewSummaryOutputSerializer,
    SignOffOutputSerializer,
)
from reviews.services.policies import CHECKLIST_ITEM_MAX_LENGTH, CHECKLIST_MAX_ITEMS

ROLE_CODE_MAX_LENGTH = SignOffRole._meta.get_field("code").max_length
# A topic slug, or blank for a policy whose scope is not a topic.
topic_or_blank_validator = RegexValidator(
    r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?\Z", SLUG_MESSAGE, code="invalid_slug"
)
# Roles a policy names at most, each way: far more than any publisher has.
POLICY_ROLES_MAX = 50


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """A reference by slug (a code, a username) that must be a string naming an existing row."""

    def run_validation(self, data=empty):
        # DRF turns "" into null for a nullable relation; "" names nothing, so it is refused.
        if data == "":
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().run_validation(data)

    def to_internal_value(self, data: Any):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _role_code_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=ROLE_CODE_MAX_LENGTH, validators=[slug_validator], **kwargs)


def _checklist_field(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=CHECKLIST_ITEM_MAX_LENGTH),
        max_length=CHECKLIST_MAX_ITEMS,
        help_text=help_text,
        **kwargs,
    )


def _roles_field(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=StrictSlugRelatedField(
            slug_field="code",
            queryset=SignOffRole.objects.all(),
            error_messages={"does_not_exist": "There is no sign-off role {value!r}."},
        ),
        max_length=POLICY_ROLES_MAX,
        help_text=help_text,
        **kwargs,
    )


# --- signing and assigning -----------------------------------------------------------------------


class SignOffInputSerializer(StrictSerializer):
    """One role's signature on exactly the content shown."""

    role = _role_code_field(help_text="The code of the role you sign for, e.g. `pharmacist`.")
    content_hash = StrictCharField(
        max_length=64,
        help_text="The `content_hash` shown with the review: the signature is bound to it.",
    )
    checklist = _checklist_field(
        "Every statement of the role's checklist, confirmed (empty when it has none).",
        required=False,
        default=list,
    )
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=ReviewKind.choices,
        required=False,
        default="",
        help_text="The clinical sign-off only (and then required): `full` or `change`.",
    )
    next_review_due = serializers.DateField(
        required=False,
        default=None,
        help_text="The clinical sign-off of a full review only: a date sooner than the default "
        "interval (12 months).",
    )
    evidence = EvidenceCheckInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=200,
        help_text="The clinical sign-off only: a check of each reference the review covers "
        "(`evidence_to_check` of the review).",
    )


class SignOffAssignInputSerializer(StrictSerializer):
    """Who is asked to sign a role of an open review, and by when."""

    assignee = StrictSlugRelatedField(
        slug_field="username",
        queryset=get_user_model()._default_manager.all(),
        allow_null=True,
        error_messages={"does_not_exist": "There is no account {value!r}."},
        help_text="The username of someone who may sign the role; null to unassign.",
    )
    due_on = serializers.DateField(
        allow_null=True,
        required=False,
        default=None,
        help_text="Today or later; null (or left out) for no due date.",
    )


class ReviewSignOffsOutputSerializer(ReviewSummaryOutputSerializer):
    """A review with what it needs and every signature given so far."""

    sign_offs = SignOffOutputSerializer(
        many=True, read_only=True, help_text="Every signature given, in the order given."
    )

    class Meta(ReviewSummaryOutputSerializer.Meta):
        fields = [*ReviewSummaryOutputSerializer.Meta.fields, "sign_offs"]
        read_only_fields = fields


class SignOffRequirementOutputSerializer(serializers.Serializer):
    """A role the working copy would need (or invite) if submitted now."""

    role = serializers.CharField(source="role.code", read_only=True, help_text="The role's code.")
    role_name = serializers.CharField(source="role.name", read_only=True)
    required = serializers.BooleanField(
        read_only=True, help_text="False for a role a policy only invites."
    )
    needed_for_change = serializers.BooleanField(
        read_only=True,
        help_text="Whether the role must also sign if the clinician approves a change review: "
        "when the role re-signs changes, or did not sign the last approved version (or the "
        "article was retracted since).",
    )
    policies = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The policies asking for the role (the clinical role is required whatever "
        "they say).",
    )


# --- roles ---------------------------------------------------------------------------------------


class SignOffRoleOutputSerializer(serializers.ModelSerializer):
    """A kind of sign-off versions may need."""

    class Meta:
        model = SignOffRole
        fields = ["code", "name", "meaning", "checklist", "resign_on_change", "active"]
        read_only_fields = fields


class SignOffRoleCreateInputSerializer(StrictSerializer):
    """A new sign-off role."""

    code = _role_code_field(
        help_text="Stable identifier: lowercase letters, digits and single hyphens."
    )
    name = StrictCharField(max_length=100, help_text="e.g. `Pharmacist`.")
    meaning = StrictCharField(
        max_length=2000, help_text="What a signature for this role attests; recorded with each."
    )
    checklist = _checklist_field(
        "Statements each signer must confirm, e.g. `Doses checked against the BNF`.",
        required=False,
        default=list,
    )
    resign_on_change = StrictBooleanField(
        required=False,
        default=True,
        help_text="Whether the role also signs change reviews (false: full reviews only).",
    )


class SignOffRoleUpdateInputSerializer(StrictSerializer):
    """Changes to a sign-off role; at least one field."""

    min_fields = 1

    code = _role_code_field(
        required=False, help_text="A new code (not for the clinical role, whose code is fixed)."
    )
    name = StrictCharField(max_length=100, required=False, help_text="e.g. `Pharmacist`.")
    meaning = StrictCharField(
        max_length=2000, required=False, help_text="What a signature for this role attests."
    )
    checklist = _checklist_field("Statements each signer must confirm.", required=False)
    resign_on_change = StrictBooleanField(
        required=False, help_text="Whether the role also signs change reviews."
    )
    active = StrictBooleanField(
        required=False, help_text="False: policies stop asking for it (not the clinical role)."
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return super().validate(attrs)


# --- policies ------------------------------------------------------------------------------------


class SignOffPolicyOutputSerializer(serializers.ModelSerializer):
    """Which roles must (or may) sign the versions a scope covers."""

    article = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The one article covered, if the scope is an article.",
    )
    required_roles = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the roles required."
    )
    optional_roles = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the roles invited."
    )
    scope = serializers.CharField(
        read_only=True, help_text="In words: a topic, an audience, an article or all articles."
    )
    topic = serializers.CharField(read_only=True, help_text="The topic covered, or blank.")
    audience = serializers.CharField(
        read_only=True, help_text="The audience covered (patient, caregiver, clinician), or blank."
    )

    class Meta:
        model = SignOffPolicy
        fields = [
            "id",
            "name",
            "description",
            "scope",
            "topic",
            "audience",
            "article",
            "required_roles",
            "optional_roles",
            "active",
        ]
        read_only_fields = fields


class SignOffPolicyUpdateInputSerializer(StrictSerializer):
    """Changes to a sign-off policy; at least one field."""

    min_fields = 1

    name = StrictCharField(max_length=100, required=False, help_text="Unique, e.g. `Medicines`.")
    description = StrictCharField(
        max_length=2000, required=False, allow_blank=True, help_text="Why the policy exists."
    )
    topic = StrictCharField(
        max_length=TOPIC_MAX_LENGTH,
        required=False,
        allow_blank=True,
        validators=[topic_or_blank_validator],
        help_text="Covers versions with this topic (a topic slug), or blank.",
    )
    audience = serializers.ChoiceField(
        choices=[("", "None"), *Audience.choices],
        required=False,
        help_text="Covers versions for this audience, or blank.",
    )
    article = StrictSlugRelatedField(
        slug_field="slug",
        queryset=Article.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": "There is no article {value!r}."},
        help_text="Covers this one article (its slug), or null.",
    )
    required_roles = _roles_field("Codes of the roles that must sign.", required=False)
    optional_roles = _roles_field("Codes of the roles invited to sign.", required=False)
    active = StrictBooleanField(
        required=False, help_text="False: the policy asks for nothing at the next submissions."
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return super().validate(attrs)


class SignOffPolicyCreateInputSerializer(SignOffPolicyUpdateInputSerializer):
    """A new sign-off policy: at most one of topic, audience and article (none: every article)."""

    min_fields = 0

    name = StrictCharField(max_length=100, help_text="Unique, e.g. `Medicines`.")
    active = None


# --- holders -------------------------------------------------------------------------------------


class SignOffRoleHolderOutputSerializer(serializers.Serializer):
    """Someone who may sign a role, as readers see them (for the clinical role: a clinician)."""

    username = serializers.CharField(
        source="user.get_username", read_only=True, help_text="Their account."
    )
    published_name = serializers.CharField(read_only=True, help_text="e.g. `Sam Patel`.")
    credentials = serializers.CharField(read_only=True, help_text="e.g. `MPharm`.")
    profession = serializers.CharField(read_only=True, help_text="e.g. `Pharmacist`.")
    registering_body = serializers.CharField(read_only=True, help_text="e.g. `GPhC`.")
    registration_number = serializers.CharField(read_only=True, help_text="Their registration.")
    active = serializers.BooleanField(
        read_only=True, help_text="False once the role was revoked (kept: sign-offs name them)."
    )


class SignOffRoleGrantInputSerializer(StrictSerializer):
    """Granting a sign-off role to an account, with what readers will see of them."""

    username = StrictSlugRelatedField(
        slug_field="username",
        queryset=get_user_model()._default_manager.all(),
        error_messages={"does_not_exist": "There is no account {value!r}."},
        help_text="The account to grant the role to (not your own).",
    )
    published_name = StrictCharField(
        max_length=SignOffRoleHolder._meta.get_field("published_name").max_length,
        help_text="The name readers see on the signature, e.g. `Sam Patel`.",
    )
    credentials = StrictCharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="e.g. `MPharm`."
    )
    profession = StrictCharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="e.g. `Pharmacist`."
    )
    registering_body = StrictCharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="e.g. `GPhC`."
    )
    registration_number = StrictCharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Registration."
    )
    note = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, for the role audit trail.",
    )


class SignOffRoleRevokeInputSerializer(StrictSerializer):
    """Revoking a sign-off role, with the reason."""

    reason = StrictCharField(max_length=2000, help_text="Why, for the role audit trail.")
