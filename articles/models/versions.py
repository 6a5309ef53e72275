"""Frozen records: immutable Versions of an article, and the base class that keeps rows frozen."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from articles.models.working_copy import Article, Audience


class ImmutableRecord(Exception):
    """Raised on any attempt to change or delete a frozen record."""


class FrozenQuerySet(models.QuerySet):
    """A queryset that refuses bulk changes: frozen records are only ever inserted."""

    def update(self, **kwargs):
        raise ImmutableRecord(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise ImmutableRecord(f"{self.model.__name__} rows are never deleted.")


class FrozenModel(models.Model):
    """A model whose rows are written once and then never changed or deleted."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(f"{type(self).__name__} {self.pk} is frozen.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{type(self).__name__} {self.pk} is frozen.")


class Version(FrozenModel):
    """An immutable, numbered snapshot of an article, submitted for clinical review."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the article.")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    topics = models.JSONField(default=list)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    sections = models.JSONField(help_text="Ordered list of {anchor, heading, body}.")
    references = models.JSONField(
        default=list,
        blank=True,
        help_text="Every reference of the working copy when it was submitted, cited or not, "
        "by key: {key, kind, title, authors_or_publisher, doi, pmid, guideline_id, url, "
        "published_on, accessed_on, status}. Empty for versions without references.",
    )
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the canonical JSON of the snapshot."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_versions"
    )
    submitted_at = models.DateTimeField()
    note = models.TextField(blank=True, help_text="What changed, in the submitter's words.")

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug} v{self.number}"
