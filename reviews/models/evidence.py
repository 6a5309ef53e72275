"""Evidence checks: at review, the clinician checks each cited reference still supports the
text (issue "Evidence"); each check is a frozen row bound to the clinical sign-off."""

from django.conf import settings
from django.db import models

from articles.models import FrozenModel, Version
from reviews.models.signoffs import SignOff
from reviews.models.workflow import Review


class EvidenceVerdict(models.TextChoices):
    """What the clinician found when checking a cited source."""

    STILL_SUPPORTS = "still_supports", "Still supports the text"
    REPLACED = "replaced", "Replaced by newer evidence"
    REMOVED = "removed", "Removed or withdrawn"


class EvidenceCheck(FrozenModel):
    """One cited reference checked at a review: the verdict and note, by whom and when."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="evidence_checks")
    sign_off = models.ForeignKey(SignOff, on_delete=models.PROTECT, related_name="evidence_checks")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="evidence_checks")
    reference_key = models.CharField(
        max_length=80, help_text="The key of the reference checked, as frozen in the version."
    )
    verdict = models.CharField(
        max_length=20,
        choices=EvidenceVerdict.choices,
        help_text="still_supports, replaced or removed.",
    )
    note = models.TextField(blank=True, help_text="What the clinician found.")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_checks"
    )
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["review", "reference_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reference_key"], name="evidence_check_once_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} [^{self.reference_key}]: {self.verdict}"
