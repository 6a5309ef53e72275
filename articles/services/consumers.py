"""Consuming sites' credentials: API keys issued and revoked."""

from datetime import datetime

from django.db import transaction

from articles.models import (
    ConsumerApiKey,
    ConsumerSite,
)
from ldncontent.exceptions import (
    InvalidContent,
)


@transaction.atomic
def consumer_key_issue(
    *, site: ConsumerSite, name: str, expires_at: datetime | None = None
) -> tuple[ConsumerApiKey, str]:
    """Issue an API key for a consuming site; the plain key is returned once, only its hash kept."""
    if not site.active:
        raise InvalidContent(errors={"site": ["The site is inactive: activate it first."]})
    return ConsumerApiKey.objects.create_key(site=site, name=name, expiry_date=expires_at)


@transaction.atomic
def consumer_key_revoke(*, key: ConsumerApiKey) -> ConsumerApiKey:
    """Revoke a key: it stops working at once and cannot be restored."""
    key = ConsumerApiKey.objects.select_for_update().get(pk=key.pk)
    key.revoked = True
    key.save(update_fields=["revoked"])
    return key
