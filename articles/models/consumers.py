"""Consuming sites and their API keys: the only credentials the delivery API accepts."""

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from articles.models.versions import ImmutableRecord


class ConsumerSite(models.Model):
    """A website that syndicates approved articles."""

    name = models.CharField(max_length=200, unique=True, help_text="e.g. `Patient Forum UK`.")
    contact_email = models.EmailField(help_text="Who to tell about changes and incidents.")
    active = models.BooleanField(
        default=True, help_text="An inactive site's keys stop working at once."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConsumerApiKeyQuerySet(models.QuerySet):
    """Keys are revoked one by one through the service; no bulk update restores one."""

    def update(self, **kwargs):
        if "revoked" in kwargs and not kwargs["revoked"]:
            raise ImmutableRecord("A revoked API key is never restored: issue a new key.")
        return super().update(**kwargs)


class ConsumerApiKey(AbstractAPIKey):
    """An API key of a consuming site: stored hashed, shown once, revocable, optionally expiring."""

    site = models.ForeignKey(ConsumerSite, on_delete=models.PROTECT, related_name="api_keys")

    objects = APIKeyManager.from_queryset(ConsumerApiKeyQuerySet)()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "consumer API key"
        verbose_name_plural = "consumer API keys"

    def save(self, *args, **kwargs):
        # The library refuses to restore a key it loaded revoked; this also covers an instance
        # built by hand over a revoked row.
        if (
            not self._state.adding
            and not self.revoked
            and type(self).objects.filter(pk=self.pk, revoked=True).exists()
        ):
            raise ImmutableRecord(f"API key {self.prefix} is revoked: it is never restored.")
        super().save(*args, **kwargs)
