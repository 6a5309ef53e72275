"""The review workflow: clinicians, each version's review, comments, and the audit trails."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from articles.models import Article, FrozenModel, Publication, ReviewKind, Version
from ldncontent.permissions import CLINICAL_REVIEWERS, STAFF_ROLES


class ClinicianProfile(models.Model):
    """A clinician who may decide reviews, with the name and credentials that get published."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinician_profile"
    )
    published_name = models.CharField(
        max_length=200, help_text="The name shown to readers, e.g. `Dr Amina Okafor`."
    )
    credentials = models.CharField(
        max_length=200, blank=True, help_text="Post-nominal credentials, e.g. `MD, FRCP`."
    )
    profession = models.CharField(max_length=100, help_text="e.g. `General practitioner`.")
    registering_body = models.CharField(
        max_length=200, help_text="The body the clinician is registered with, e.g. `GMC`."
    )
    registration_number = models.CharField(max_length=100)
    active = models.BooleanField(
        default=True, help_text="Only active clinicians may approve, reject or request changes."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["published_name"]

    def __str__(self) -> str:
        return (
            f"{self.published_name}, {self.credentials}"
            if self.credentials
            else self.published_name
        )


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded"


DECIDED_STATES = [ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED]


class Review(models.Model):
    """The clinical review of one submitted version; its state changes only through services."""

    version = models.OneToOneField(Version, on_delete=models.PROTECT, related_name="review")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="reviews")
    state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_reviews",
        help_text="The clinician who decided.",
    )
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=ReviewKind.choices, blank=True)
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(state="submitted"),
                name="review_one_open_per_article",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=DECIDED_STATES)
                | Q(reviewer__isnull=False, decided_at__isnull=False),
                name="review_decision_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved")
                | (~Q(kind="") & Q(last_reviewed__isnull=False, next_review_due__isnull=False)),
                name="review_approval_has_kind_and_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.version} ({self.get_state_display()})"


class Comment(models.Model):
    """A remark on a review, optionally pointing at one section by its anchor."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="comments")
    section_anchor = models.CharField(max_length=80, blank=True)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_comments"
    )
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_not_empty")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on review {self.review_id}"


class ReviewTransition(FrozenModel):
    """One row of the append-only audit trail: who moved a review from which state to which."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_transitions"
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} → {self.to_state} by {self.actor} at {self.at}"


class ReviewDueBoard(Publication):
    """Published articles by next review date: the admin's review-due board."""

    class Meta:
        proxy = True
        verbose_name = "review-due article"
        verbose_name_plural = "review-due board"
        ordering = ["next_review_due"]


class RoleAction(models.TextChoices):
    GRANTED = "granted", "Granted"
    REVOKED = "revoked", "Revoked"


class RoleChange(FrozenModel):
    """One row of the append-only role audit trail: who gave or took which role from whom."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_changes",
        help_text="The account whose role changed.",
    )
    role = models.CharField(max_length=40, choices=[(role, role) for role in STAFF_ROLES])
    sign_off_role = models.ForeignKey(
        "reviews.SignOffRole",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_changes",
        help_text="For sign-off-reviewers: the sign-off role given or taken.",
    )
    action = models.CharField(max_length=10, choices=RoleAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_changes_made",
        help_text="Who changed it.",
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True, help_text="Why, in the actor's words.")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=CLINICAL_REVIEWERS) | ~Q(actor=F("subject")),
                name="rolechange_clinician_never_by_oneself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.action} for {self.subject} by {self.actor} at {self.at}"
