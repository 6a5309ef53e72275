"""Root URLs: the API, its documentation, the admin and the liveness check."""

import logging

from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from articles.delivery import urls as delivery_urls
from governance.urls import FEEDBACK_URLS
from ldncontent import auth_apis
from scheduling.urls import UPCOMING_URLS

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: ok when the process answers and the database is reachable.

    Anyone may ask, so the answer says only ok or not; why not goes to the log.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check failed: the database is not reachable")
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


api_v1 = [
    path("auth/token/", auth_apis.TokenIssueApi.as_view(), name="auth-token"),
    path("auth/token/revoke/", auth_apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("auth/me/", auth_apis.WhoAmIApi.as_view(), name="auth-me"),
    path("", include("articles.urls")),
    path("", include("reviews.urls")),
    path("", include("governance.urls")),
    path("", include("scheduling.urls")),
]

handler400 = "ldncontent.error_handler.bad_request"
handler404 = "ldncontent.error_handler.page_not_found"
handler500 = "ldncontent.error_handler.server_error"

urlpatterns = [
    # Before delivery's include: reader feedback shares its prefix but is not a delivery route.
    path(delivery_urls.PREFIX, include(FEEDBACK_URLS)),
    # Before delivery's include: embargoed upcoming content is not a delivery route.
    path(delivery_urls.PREFIX, include(UPCOMING_URLS)),
    path(delivery_urls.PREFIX, include(delivery_urls)),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline one.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="ldncontent/redoc.html"),
        name="redoc",
    ),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
