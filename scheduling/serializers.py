"""Serializers of the scheduling API: schedules, releases, withdrawals and what is upcoming."""

from rest_framework import serializers

from ldncontent.serializers import StrictCharField, StrictIntegerField, StrictSerializer
from scheduling.models import (
    Release,
    ReleaseState,
    Schedule,
    ScheduleChange,
    ScheduleState,
    Withdrawal,
    WithdrawalState,
)

REASON_MAX_LENGTH = 2000


class ScheduleChangeOutputSerializer(serializers.ModelSerializer):
    """One move of a schedule in its audit trail."""

    actor = serializers.CharField(
        source="actor.username",
        default=None,
        read_only=True,
        allow_null=True,
        help_text="Who made the move; null when the worker did (at the due time).",
    )
    at = serializers.DateTimeField(read_only=True, help_text="When.")
    from_state = serializers.CharField(
        read_only=True, help_text="The state before (empty when the schedule was made)."
    )
    to_state = serializers.CharField(read_only=True, help_text="The state after.")
    note = serializers.CharField(read_only=True, help_text="Why, or what happened.")

    class Meta:
        model = ScheduleChange
        fields = ["actor", "at", "from_state", "to_state", "note"]


class ScheduleOutputSerializer(serializers.ModelSerializer):
    """A scheduled publication: which approved version goes out when, and what became of it."""

    id = serializers.IntegerField(read_only=True, help_text="The schedule's id.")
    article = serializers.CharField(
        source="article.slug", read_only=True, help_text="The article's slug."
    )
    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="The approved version's number."
    )
    content_hash = serializers.CharField(
        read_only=True, help_text="The approved version's hash, frozen at approval."
    )
    reviewer_name = serializers.CharField(
        source="attribution.reviewer_name",
        read_only=True,
        help_text="The approving clinician, as the publication will name them.",
    )
    publish_at = serializers.DateTimeField(read_only=True, help_text="Not served before this.")
    release = serializers.IntegerField(
        source="release_id",
        read_only=True,
        allow_null=True,
        help_text="The release it goes out with, if any.",
    )
    state = serializers.ChoiceField(
        choices=ScheduleState.choices,
        read_only=True,
        help_text="pending, published, cancelled or superseded.",
    )
    published_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it went out."
    )
    delay_seconds = serializers.SerializerMethodField(
        help_text="How many seconds after publish_at it went out (null until then)."
    )
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, help_text="The approving clinician."
    )
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was approved.")

    class Meta:
        model = Schedule
        fields = [
            "id",
            "article",
            "version",
            "content_hash",
            "reviewer_name",
            "publish_at",
            "release",
            "state",
            "published_at",
            "delay_seconds",
            "created_by",
            "created_at",
        ]

    def get_delay_seconds(self, schedule: Schedule) -> float | None:
        return None if schedule.delay is None else schedule.delay.total_seconds()


class ScheduleDetailOutputSerializer(ScheduleOutputSerializer):
    """A schedule with its audit trail."""

    changes = ScheduleChangeOutputSerializer(
        many=True, read_only=True, help_text="Every move, oldest first."
    )

    class Meta(ScheduleOutputSerializer.Meta):
        fields = [*ScheduleOutputSerializer.Meta.fields, "changes"]


class ScheduleQuerySerializer(serializers.Serializer):
    """Filters of the schedule list; other query parameters are ignored, as on every list."""

    state = serializers.ChoiceField(
        choices=ScheduleState.choices, required=False, help_text="Only schedules in this state."
    )
    article = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="Only this slug's."
    )
    release = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        help_text="Only the schedules of this release.",
    )


class ReasonInputSerializer(StrictSerializer):
    """Why a schedule or release is cancelled."""

    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH, help_text="Why it is cancelled (kept in the audit trail)."
    )


class ReleaseInputSerializer(StrictSerializer):
    """A new release."""

    name = StrictCharField(max_length=200, help_text="What the release is, e.g. a guideline.")
    publish_at = serializers.DateTimeField(
        help_text="When every schedule of the release goes out (in the future)."
    )


class ReleaseScheduleInputSerializer(StrictSerializer):
    """A schedule to add to, or take out of, a release."""

    schedule = StrictIntegerField(min_value=1, help_text="The schedule's id.")


class ReleaseOutputSerializer(serializers.ModelSerializer):
    """A release: its time, its state, its schedules and what staff must know."""

    id = serializers.IntegerField(read_only=True, help_text="The release's id.")
    name = serializers.CharField(read_only=True, help_text="What the release is.")
    publish_at = serializers.DateTimeField(read_only=True, help_text="When it goes out.")
    state = serializers.ChoiceField(
        choices=ReleaseState.choices,
        read_only=True,
        help_text="open, published, cancelled, or failed (nothing of it was published).",
    )
    published_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it went out."
    )
    delay_seconds = serializers.SerializerMethodField(
        help_text="How many seconds after publish_at it went out (null until then)."
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Schedules that left the release (superseded or cancelled after joining), "
        "and why a failed release published nothing.",
    )
    schedules = ScheduleOutputSerializer(
        many=True, read_only=True, help_text="The schedules in the release."
    )
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, help_text="Who opened it."
    )
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was opened.")

    class Meta:
        model = Release
        fields = [
            "id",
            "name",
            "publish_at",
            "state",
            "published_at",
            "delay_seconds",
            "warnings",
            "schedules",
            "created_by",
            "created_at",
        ]

    def get_delay_seconds(self, release: Release) -> float | None:
        return None if release.delay is None else release.delay.total_seconds()


class ReleaseQuerySerializer(serializers.Serializer):
    """Filters of the release list."""

    state = serializers.ChoiceField(
        choices=ReleaseState.choices, required=False, help_text="Only releases in this state."
    )


class WithdrawalInputSerializer(StrictSerializer):
    """When to retract the article's live version, and why."""

    withdraw_at = serializers.DateTimeField(help_text="When to retract it (in the future).")
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH,
        help_text="The retraction reason, as consuming sites will see it.",
    )


class WithdrawalCancelInputSerializer(StrictSerializer):
    """Why a withdrawal is cancelled."""

    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the article stays live (optional).",
    )


class WithdrawalOutputSerializer(serializers.ModelSerializer):
    """A timed withdrawal of an article."""

    id = serializers.IntegerField(read_only=True, help_text="The withdrawal's id.")
    article = serializers.CharField(
        source="article.slug", read_only=True, help_text="The article's slug."
    )
    withdraw_at = serializers.DateTimeField(read_only=True, help_text="When it is retracted.")
    reason = serializers.CharField(read_only=True, help_text="The retraction reason.")
    state = serializers.ChoiceField(
        choices=WithdrawalState.choices, read_only=True, help_text="pending, done or cancelled."
    )
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, help_text="Who set it."
    )
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was set.")
    closed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was carried out or cancelled."
    )
    note = serializers.CharField(read_only=True, help_text="What happened, or why cancelled.")

    class Meta:
        model = Withdrawal
        fields = [
            "id",
            "article",
            "withdraw_at",
            "reason",
            "state",
            "created_by",
            "created_at",
            "closed_at",
            "note",
        ]


class WithdrawalQuerySerializer(serializers.Serializer):
    """Filters of the withdrawal list."""

    state = serializers.ChoiceField(
        choices=WithdrawalState.choices, required=False, help_text="Only this state."
    )
    article = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="Only this slug's."
    )


class UpcomingOutputSerializer(serializers.ModelSerializer):
    """What a consuming site with embargo access learns of a scheduled version."""

    slug = serializers.CharField(source="article.slug", read_only=True, help_text="The slug.")
    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="The version that will be served."
    )
    content_hash = serializers.CharField(
        read_only=True, help_text="Its content hash, as delivery will serve it."
    )
    publish_at = serializers.DateTimeField(
        read_only=True, help_text="Not served by the delivery endpoints before this time."
    )

    class Meta:
        model = Schedule
        fields = ["slug", "version", "content_hash", "publish_at"]
