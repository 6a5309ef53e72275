"""Failed-login limits (django-axes): the client's address behind trusted proxies, the lockout."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from ldncontent.error_handler import error_body


def client_address(request: HttpRequest) -> str:
    """The client's IP address, as the outermost of NUM_PROXIES trusted proxies saw it.

    With NUM_PROXIES = 0 (no proxy) it is the connection's address and X-Forwarded-For is
    ignored, since any client can send one. Behind N proxies it is the Nth address from the
    right of X-Forwarded-For: each proxy appends the address it was connected from, so that
    entry was written by a trusted proxy and whatever a client put to the left of it is
    skipped. DRF's throttles count clients the same way (REST_FRAMEWORK["NUM_PROXIES"]).
    """
    remote_address = request.META.get("REMOTE_ADDR", "")
    if settings.NUM_PROXIES == 0:
        return remote_address
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if not forwarded:
        return remote_address
    return forwarded[-min(settings.NUM_PROXIES, len(forwarded))]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 with Retry-After once an account or a client has too many failed logins.

    `{code, detail}` under /api/ (the token endpoint), a plain message on the admin login.
    """
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cool_off.total_seconds() / 60))
    detail = (
        f"Too many failed logins for this account or from this address: try again in "
        f"{minutes} minutes, or ask an administrator to unlock the account."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body("locked_out", detail), status=429)
    else:
        response = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
