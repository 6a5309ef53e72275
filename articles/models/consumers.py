"""Consuming sites and their API keys: the only credentials the delivery API accepts."""

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


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


class ConsumerApiKey(AbstractAPIKey):
    """An API key of a consuming site: stored hashed, shown once, revocable, optionally expiring."""

    site = models.ForeignKey(ConsumerSite, on_delete=models.PROTECT, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "consumer API key"
        verbose_name_plural = "consumer API keys"
