"""Bearer tokens for staff and CMS integrations: issued hashed, with an expiry, revocable."""

from datetime import timedelta

from django.db import transaction
from knox.models import AuthToken
from knox.settings import knox_settings


@transaction.atomic
def token_issue(*, user, ttl: timedelta | None = None) -> tuple[AuthToken, str]:
    """Issue a token for `user`; the plain token is returned once and only its hash is kept."""
    return AuthToken.objects.create(user=user, expiry=ttl or knox_settings.TOKEN_TTL)


@transaction.atomic
def token_revoke(*, token: AuthToken) -> None:
    """Revoke one token at once."""
    token.delete()
