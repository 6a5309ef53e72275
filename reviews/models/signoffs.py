"""Sign-off policies: the roles that must sign a version, who holds them, and the signatures.

A policy says which roles must sign the versions it covers (all articles, a topic, an
audience or one article). At submission the roles of every matching policy, and always the
clinical role, are frozen into the review as sign-off requests; each signature is a frozen
row bound to the version's content hash. The version is published when the last required
role signs, in that transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.models import Article, Audience, FrozenModel, ReviewKind, Version
from reviews.models.workflow import Review

CLINICAL_ROLE = "clinical"
CLINICAL_MEANING = (
    "I have reviewed this version's clinical content and confirm it is accurate, safe and "
    "appropriate for its audience."
)


class SignOffRole(models.Model):
    """A kind of sign-off a version may need: clinical, pharmacist, plain language, lay reader."""

    code = models.SlugField(
        max_length=40,
        unique=True,
        help_text="Stable identifier, e.g. `pharmacist`. `clinical` is the mandatory one.",
    )
    name = models.CharField(max_length=100, help_text="e.g. `Pharmacist`.")
    meaning = models.TextField(
        help_text="What a signature for this role attests; recorded with every sign-off, e.g. "
        "`I confirm the medicines information is accurate.`"
    )
    checklist = models.JSONField(
        default=list,
        blank=True,
        help_text="Statements the signer must confirm, e.g. `Reading age checked`.",
    )
    resign_on_change = models.BooleanField(
        default=True,
        help_text="Whether this role must also sign change reviews; if not, it signs only full "
        "reviews. The clinical role always signs.",
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = "sign-off role"
        constraints = [
            models.CheckConstraint(
                condition=~Q(code=CLINICAL_ROLE) | Q(resign_on_change=True, active=True),
                name="signoffrole_clinical_always_signs",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SignOffRoleHolder(models.Model):
    """A person who may sign for one non-clinical role, with what readers see of them.

    Clinicians sign the clinical role with their ClinicianProfile, granted only by a superuser.
    """

    role = models.ForeignKey(SignOffRole, on_delete=models.PROTECT, related_name="holders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sign_off_roles"
    )
    published_name = models.CharField(max_length=200, help_text="e.g. `Sam Patel`.")
    credentials = models.CharField(max_length=200, blank=True, help_text="e.g. `MPharm`.")
    profession = models.CharField(max_length=100, blank=True, help_text="e.g. `Pharmacist`.")
    registering_body = models.CharField(max_length=200, blank=True, help_text="e.g. `GPhC`.")
    registration_number = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role__code", "published_name"]
        verbose_name = "sign-off role holder"
        constraints = [
            models.UniqueConstraint(fields=["role", "user"], name="signoffroleholder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.published_name} ({self.role})"


class SignOffPolicy(models.Model):
    """Which roles must (or may) sign the versions this policy covers.

    A policy with no topic, audience or article covers every article. Every active policy
    whose scope matches a version applies; the clinical role is required whatever they say.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    topic = models.CharField(
        max_length=60, blank=True, help_text="Covers versions with this topic, e.g. `medicines`."
    )
    audience = models.CharField(
        max_length=20, choices=Audience.choices, blank=True, help_text="Covers this audience."
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_off_policies",
        help_text="Covers this one article.",
    )
    required_roles = models.ManyToManyField(
        SignOffRole, related_name="requiring_policies", blank=True
    )
    optional_roles = models.ManyToManyField(
        SignOffRole, related_name="optional_in_policies", blank=True
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords(m2m_fields=[required_roles, optional_roles])

    class Meta:
        ordering = ["name"]
        verbose_name = "sign-off policy"
        verbose_name_plural = "sign-off policies"
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic="") & Q(audience=""))
                | (Q(topic="") & Q(article__isnull=True))
                | (Q(audience="") & Q(article__isnull=True)),
                name="signoffpolicy_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        if self.topic:
            return f"topic {self.topic}"
        if self.audience:
            return f"audience {self.audience}"
        if self.article_id:
            return f"article {self.article}"
        return "all articles"


class SignOffRequest(models.Model):
    """One role a review needs (or invites), frozen at submission; assigned and due."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="sign_off_requests")
    role = models.ForeignKey(SignOffRole, on_delete=models.PROTECT, related_name="requests")
    required = models.BooleanField(help_text="False for a role a policy only invites.")
    needed_for_change = models.BooleanField(
        help_text="Whether this role must sign if the clinician approves as a change review."
    )
    policies = models.JSONField(
        default=list, help_text="Names of the policies that asked for this role."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_off_assignments",
        help_text="The person asked to sign, if any.",
    )
    due_on = models.DateField(null=True, blank=True, help_text="When the signature is due.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "-required", "role__code"]  # required first, as answers list them
        verbose_name = "sign-off request"
        constraints = [
            models.UniqueConstraint(fields=["review", "role"], name="signoffrequest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.role} for {self.review.version}"


class SignOff(FrozenModel):
    """One signature: a person signing one role of one version, bound to its content hash.

    Frozen: the signer's name, registration and the role's meaning are copied as they were
    when signing, so later edits of a profile or a role never change what was signed.
    """

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="sign_offs")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="sign_offs")
    content_hash = models.CharField(max_length=64)
    role = models.ForeignKey(SignOffRole, on_delete=models.PROTECT, related_name="sign_offs")
    role_name = models.CharField(max_length=100)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sign_offs"
    )
    signer_name = models.CharField(max_length=200)
    signer_credentials = models.CharField(max_length=200, blank=True)
    signer_profession = models.CharField(max_length=100, blank=True)
    registering_body = models.CharField(max_length=200, blank=True)
    registration_number = models.CharField(max_length=100, blank=True)
    meaning = models.TextField()
    checklist = models.JSONField(
        default=list, blank=True, help_text="The statements the signer confirmed."
    )
    kind = models.CharField(
        max_length=20,
        choices=ReviewKind.choices,
        blank=True,
        help_text="Set on the clinical sign-off: how much of the article the approval covers.",
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = "sign-off"
        constraints = [
            models.UniqueConstraint(fields=["review", "role"], name="signoff_one_per_role"),
            models.UniqueConstraint(fields=["review", "signer"], name="signoff_one_role_each"),
            models.CheckConstraint(
                condition=Q(kind="")
                | Q(last_reviewed__isnull=False, next_review_due__isnull=False),
                name="signoff_clinical_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_name} sign-off of {self.version} by {self.signer_name}"
