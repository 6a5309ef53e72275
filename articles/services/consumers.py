"""Consuming sites and their credentials: sites registered and changed, API keys issued and
revoked (publishing admins only; a revoked key is never restored)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from articles.exceptions import KeyAlreadyRevoked
from articles.models import ConsumerApiKey, ConsumerSite
from articles.services.webhooks import webhook_deliveries_cancel
from ldncontent.exceptions import InvalidContent
from ldncontent.permissions import PUBLISHING_ADMINS, require_role

SITE_FIELDS = ("name", "contact_email", "active")


def _validated_site(site: ConsumerSite) -> None:
    try:
        site.full_clean()
    except DjangoValidationError as error:
        raise InvalidContent(errors=error.message_dict) from error


@transaction.atomic
def consumer_site_create(
    *, user, name: str, contact_email: str, active: bool = True
) -> ConsumerSite:
    """Register a website that syndicates approved articles."""
    require_role(user, PUBLISHING_ADMINS, action="manage consuming sites")
    site = ConsumerSite(name=name.strip(), contact_email=contact_email.strip(), active=active)
    _validated_site(site)
    site.save()
    return site


@transaction.atomic
def consumer_site_update(*, user, site: ConsumerSite, changes: dict[str, Any]) -> ConsumerSite:
    """Change a site's name, contact or active flag (an inactive site's keys stop working, and
    its webhook deliveries still pending are cancelled)."""
    require_role(user, PUBLISHING_ADMINS, action="manage consuming sites")
    unknown = sorted(set(changes) - set(SITE_FIELDS))
    if unknown:
        raise InvalidContent(errors={name: ["This field cannot be changed."] for name in unknown})
    site = ConsumerSite.objects.select_for_update().get(pk=site.pk)
    for name, value in changes.items():
        setattr(site, name, value.strip() if isinstance(value, str) else value)
    _validated_site(site)
    site.save()
    if not site.active:
        webhook_deliveries_cancel(endpoints=site.webhook_endpoints.all())
    return site


@transaction.atomic
def consumer_key_issue(
    *, site: ConsumerSite, name: str, issued_by, expires_at: datetime | None = None
) -> tuple[ConsumerApiKey, str]:
    """Issue an API key for a consuming site; the plain key is returned once, only its hash kept."""
    require_role(issued_by, PUBLISHING_ADMINS, action="issue API keys")
    site = ConsumerSite.objects.select_for_update().get(pk=site.pk)
    if not site.active:
        raise InvalidContent(errors={"site": ["The site is inactive: activate it first."]})
    if not name.strip():
        raise InvalidContent(errors={"name": ["Name the key, e.g. `production`."]})
    max_length = ConsumerApiKey._meta.get_field("name").max_length
    if len(name.strip()) > max_length:
        raise InvalidContent(errors={"name": [f"Use at most {max_length} characters."]})
    return ConsumerApiKey.objects.create_key(site=site, name=name.strip(), expiry_date=expires_at)


@transaction.atomic
def consumer_key_revoke(*, key: ConsumerApiKey, revoked_by) -> ConsumerApiKey:
    """Revoke a key: it stops working at once and cannot be restored."""
    require_role(revoked_by, PUBLISHING_ADMINS, action="revoke API keys")
    key = ConsumerApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked:
        raise KeyAlreadyRevoked()
    key.revoked = True
    key.save(update_fields=["revoked"])
    return key
