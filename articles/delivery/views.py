"""The delivery API for consuming sites: approved articles only, as stored bytes, cacheable.

Each view is a DRF view for the OpenAPI schema, but `dispatch` is a lean path of its own:
check the key and throttle it, then answer from the published read model. An article or a
section takes one query (the key and the publication together), a list or the changes feed
two. It never reads the working copy, versions or reviews. `DeliveryMiddleware` routes these
requests past the middleware that delivery doesn't use.
"""

import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from articles.delivery import apidocs as examples
from articles.delivery.keys import ConsumerKeyAuthentication, api_key_from, throttle_wait
from articles.delivery.parameters import (
    FEED_PARAMETERS,
    LIST_PARAMETERS,
    InvalidQuery,
    encode_cursor,
    feed_query,
    list_query,
)
from articles.delivery.selectors import (
    Consumer,
    ServedPublication,
    consumer_for_key,
    events_after,
    publication_for_key,
    publication_page,
)
from articles.delivery.serializers import (
    ChangesPageOutputSerializer,
    PublishedArticleOutputSerializer,
    PublishedListOutputSerializer,
    PublishedSectionOutputSerializer,
    RetractionNoticeOutputSerializer,
)
from articles.models.publication import PublicationStatus, ReviewOverduePolicy
from articles.rendering import iso_8601
from ldncontent.apidocs import error_response
from ldncontent.error_handler import error_body
from ldncontent.http import parse_etag_list

DELIVERY_TAG = ["delivery"]
JSON = "application/json"


class _DeliveryJSONEncoder(DjangoJSONEncoder):
    """Dates and times as in the stored payloads (iso_8601), not DjangoJSONEncoder's ms."""

    def default(self, o: Any) -> Any:
        if isinstance(o, date):
            return iso_8601(o)
        return super().default(o)


def _json_response(body: dict[str, Any], status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, separators=(",", ":"), cls=_DeliveryJSONEncoder).encode(),
        status=status,
        content_type=JSON,
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    headers = {}
    if status == 401:
        headers["WWW_Authenticate"] = "Api-Key"
    if "retry_after" in extra:
        headers["Retry_After"] = str(extra.pop("retry_after"))
    return _json_response(error_body(code, detail, **extra), status, **headers)


def cache_headers(response: HttpResponse, publication: ServedPublication) -> HttpResponse:
    """ETag and caching headers; Last-Modified on a 200 only (a 304 with an ETag omits it)."""
    response["ETag"] = publication.etag
    if response.status_code == 200:
        response["Last-Modified"] = http_date(publication.updated_at.timestamp())
    response["Cache-Control"] = (
        f"public, max-age={settings.DELIVERY_MAX_AGE}, "
        f"stale-while-revalidate={settings.DELIVERY_STALE_WHILE_REVALIDATE}"
    )
    response["Vary"] = "Authorization"
    return response


class EarlyResponse(Exception):
    """The request is answered with `response` (an error or a 304) instead of the view's body."""

    def __init__(self, response: HttpResponse):
        self.response = response
        super().__init__(response.status_code)


def _admit(consumer: Consumer | None) -> None:
    """Refuse a request without a valid key (401) or past its key's rate (429); count it."""
    if consumer is None:
        raise EarlyResponse(
            _error(
                401,
                "invalid_api_key",
                "Send a valid consuming-site key as `Authorization: Api-Key <key>`.",
            )
        )
    wait = throttle_wait(consumer)
    if wait is not None:
        raise EarlyResponse(
            _error(
                429,
                "throttled",
                f"Too many requests for this key: retry in {wait} seconds.",
                retry_after=wait,
            )
        )


class DeliveryApi(APIView):
    """Base of the delivery views: GET/HEAD only, and no answer before the key is checked.

    `dispatch` reads the key (`read_key`), refuses an invalid or throttled one, and only then
    calls the view's `get`: a view cannot skip the check. It bypasses DRF's request wrapping,
    content negotiation and authentication classes, which delivery doesn't need;
    ConsumerKeyAuthentication is there for the OpenAPI schema.
    """

    authentication_classes = [ConsumerKeyAuthentication]
    permission_classes: list = []  # dispatch checks the key before any view answers

    def read_key(self, request: HttpRequest, raw_key: str, **kwargs: Any) -> Consumer | None:
        """The consumer of `raw_key`, or None; a view may read what it serves in the same query."""
        return consumer_for_key(raw_key)

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            refused = _error(405, "method_not_allowed", "The delivery API is read-only: use GET.")
            refused["Allow"] = "GET, HEAD"
            return refused
        try:
            _admit(self.read_key(request, api_key_from(request), **kwargs))
            response = self.get(request, *args, **kwargs)
        except EarlyResponse as early:
            response = early.response
        except InvalidQuery as invalid:
            response = _error(400, "invalid", invalid.detail, errors=invalid.errors)
        if response.status_code != 304:
            # As CommonMiddleware would, which delivery skips; a HEAD gets its GET's length.
            response["Content-Length"] = str(len(response.content))
        if request.method == "HEAD":
            response.content = b""
        return response


def _withheld(due) -> bool:
    return ReviewOverduePolicy.withholds(
        settings.REVIEW_OVERDUE_POLICY, next_review_due=due, today=timezone.localdate()
    )


class PublishedArticleReadApi(DeliveryApi):
    """Base of the article and section views: the key and the publication in one query."""

    publication: ServedPublication | None = None

    def read_key(
        self, request: HttpRequest, raw_key: str, *, slug: str, **kwargs: Any
    ) -> Consumer | None:
        known = tuple(parse_etag_list(request.META.get("HTTP_IF_NONE_MATCH", "")))
        consumer, self.publication = publication_for_key(
            raw_key=raw_key, slug=slug, known_etags=known
        )
        return consumer

    def served(self, slug: str) -> ServedPublication:
        """The publication of `slug` with its payload; else EarlyResponse (404, 410, 304)."""
        publication = self.publication
        if publication is None:
            raise EarlyResponse(
                _error(404, "not_found", f"No published article has the slug {slug!r}.")
            )
        if publication.status == PublicationStatus.RETRACTED:
            raise EarlyResponse(
                _error(
                    410,
                    "retracted",
                    "This article was withdrawn from publication: remove it from your site.",
                    retracted_at=publication.retracted_at,
                    reason=publication.retraction_reason,
                )
            )
        if _withheld(publication.next_review_due):
            raise EarlyResponse(
                _error(
                    404,
                    "awaiting_review",
                    "This article is past its clinical review date and is withheld until a "
                    "clinician reviews it again.",
                )
            )
        if publication.payload is None:
            raise EarlyResponse(cache_headers(HttpResponseNotModified(), publication))
        return publication


NOT_FOUND = error_response(
    "Never published (or unknown); nothing says whether a draft exists.",
    "not_found",
    "No published article has the slug 'stopping-ldn'.",
)
READ_ERRORS = {
    401: error_response(
        "Missing or invalid API key.",
        "invalid_api_key",
        "Send a valid consuming-site key as `Authorization: Api-Key <key>`.",
    ),
    429: error_response(
        "Too many requests for this key; see Retry-After.",
        "throttled",
        "Too many requests for this key: retry in 12 seconds.",
    ),
}
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="The ETag you hold: 304 with no body when it is still current.",
    )
]
CACHE_HEADERS = [
    OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304])
    for name in ("ETag", "Cache-Control")
] + [OpenApiParameter("Last-Modified", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200])]
DETAIL_RESPONSES = {
    304: None,
    404: NOT_FOUND,
    410: RetractionNoticeOutputSerializer,
    **READ_ERRORS,
}


class PublishedArticleDetailApi(PublishedArticleReadApi):
    @extend_schema(
        operation_id="published_articles_retrieve",
        summary="Get an approved article",
        description="The clinician-approved version of an article: sections as Markdown and "
        "sanitised HTML, version number, content hash, the `medical_review` block and "
        "schema.org `json_ld`. Strong ETag: send `If-None-Match` to get 304 when unchanged. "
        "410 once retracted (remove it from your site); 404 for anything never published. "
        "With REVIEW_OVERDUE_POLICY=withhold, an article past its review date answers 404 "
        "`awaiting_review`.",
        tags=DELIVERY_TAG,
        parameters=[*CONDITIONAL_PARAMETERS, *CACHE_HEADERS],
        responses={200: PublishedArticleOutputSerializer, **DETAIL_RESPONSES},
        examples=[examples.PUBLISHED_ARTICLE_EXAMPLE, examples.RETRACTION_NOTICE_EXAMPLE],
    )
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        publication = self.served(slug)
        response = HttpResponse(publication.payload, content_type=JSON)
        return cache_headers(response, publication)


class PublishedSectionDetailApi(PublishedArticleReadApi):
    @extend_schema(
        operation_id="published_sections_retrieve",
        summary="Get one section of an approved article",
        description="One section of the approved version, by anchor. Same validators and "
        "status codes as the article.",
        tags=DELIVERY_TAG,
        parameters=[*CONDITIONAL_PARAMETERS, *CACHE_HEADERS],
        responses={200: PublishedSectionOutputSerializer, **DETAIL_RESPONSES},
        examples=[examples.PUBLISHED_SECTION_EXAMPLE],
    )
    def get(self, request: HttpRequest, slug: str, anchor: str) -> HttpResponse:
        publication = self.served(slug)
        sections = json.loads(publication.payload)["sections"]
        section = next((item for item in sections if item["anchor"] == anchor), None)
        if section is None:
            return _error(
                404, "not_found", f"The published article {slug!r} has no section {anchor!r}."
            )
        response = _json_response(section, 200)
        return cache_headers(response, publication)


class PublishedArticleListApi(DeliveryApi):
    @extend_schema(
        operation_id="published_articles_list",
        summary="List approved articles",
        description="Live approved articles in slug order (a stable order), a page at a "
        "time: pass `next_cursor` as `cursor` until it is null. Retracted articles are not "
        "listed (the changes feed tells you about them).",
        tags=DELIVERY_TAG,
        parameters=LIST_PARAMETERS,
        responses={
            200: PublishedListOutputSerializer,
            400: error_response(
                "A query parameter is malformed.",
                "invalid",
                "Invalid query parameters: review_overdue: Use true or false.",
            ),
            **READ_ERRORS,
        },
        examples=[examples.PUBLISHED_LIST_EXAMPLE],
    )
    def get(self, request: HttpRequest) -> HttpResponse:
        query = list_query(request.GET, default_limit=settings.DELIVERY_PAGE_SIZE)
        rows = publication_page(
            after_slug=query.after_slug,
            limit=query.limit + 1,
            topic=query.topic,
            audience=query.audience,
            updated_since=query.updated_since,
            review_overdue=query.review_overdue,
        )
        page, more = rows[: query.limit], len(rows) > query.limit
        next_cursor = encode_cursor(page[-1][0]) if more else None
        # The entries are stored rendered: the page is their bytes, joined.
        body = b"".join(
            (
                b'{"results":[',
                b",".join(entry for _, entry in page),
                b'],"next_cursor":',
                json.dumps(next_cursor).encode(),
                b"}",
            )
        )
        return HttpResponse(body, content_type=JSON)


class ChangesFeedApi(DeliveryApi):
    @extend_schema(
        operation_id="published_changes_list",
        summary="The changes feed",
        description="Every published, retracted and review-overdue event, in the order they "
        "were committed. Start without `cursor`, then pass the `next_cursor` you got; store it "
        "between syncs. Events are never removed, so a site that syncs from its cursor never "
        "misses a retraction.",
        tags=DELIVERY_TAG,
        parameters=FEED_PARAMETERS,
        responses={
            200: ChangesPageOutputSerializer,
            400: error_response(
                "A query parameter is malformed.",
                "invalid",
                "Invalid query parameters: cursor: Use the next_cursor of a previous page.",
            ),
            **READ_ERRORS,
        },
        examples=[examples.CHANGES_EXAMPLE],
    )
    def get(self, request: HttpRequest) -> HttpResponse:
        query = feed_query(request.GET)
        events = events_after(position=int(query.cursor), limit=query.limit)
        return _json_response(
            {
                "events": [
                    {
                        "id": event["position"],
                        "type": event["type"],
                        "slug": event["slug"],
                        "version": event["version"],
                        "content_hash": event["content_hash"],
                        "occurred_at": event["occurred_at"],
                        "data": event["data"],
                    }
                    for event in events
                ],
                "next_cursor": str(events[-1]["position"]) if events else query.cursor,
            },
            200,
        )
