"""The governance API: reader feedback (from consuming sites, and its triage), dossiers."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from articles import selectors as article_selectors
from articles.apis import AuthoringPagination
from articles.delivery.keys import ConsumerKeyAuthentication
from governance import apidocs as docs
from governance import selectors, services
from governance.models import FeedbackCategory, FeedbackStatus
from governance.permissions import CanReadFeedback, IsConsumerSite
from governance.serializers import (
    DossierOutputSerializer,
    DossierSampleOutputSerializer,
    DossierSampleQuerySerializer,
    FeedbackDetailOutputSerializer,
    FeedbackInputSerializer,
    FeedbackOutputSerializer,
    FeedbackQuerySerializer,
    FeedbackReceiptOutputSerializer,
    FeedbackTriageInputSerializer,
    ReviewFeedbackOutputSerializer,
)
from ldncontent.apidocs import READ_ERRORS, WRITE_ERRORS
from ldncontent.permissions import HasStaffRole
from reviews import selectors as review_selectors

FEEDBACK_TAG = ["feedback"]
DOSSIERS_TAG = ["dossiers"]


class FeedbackRateThrottle(SimpleRateThrottle):
    """At most FEEDBACK_RATE reports per consuming-site key (refused ones count too, so a
    key cannot probe hashes faster than it may report)."""

    scope = "feedback"

    def get_rate(self) -> str:
        return settings.FEEDBACK_RATE

    def get_cache_key(self, request, view) -> str:
        return f"throttle_feedback_{request.auth.key_id}"


class PublishedFeedbackCreateApi(APIView):
    """Consuming sites send reader feedback with their key; everything else is refused."""

    authentication_classes = [ConsumerKeyAuthentication]
    permission_classes = [IsConsumerSite]
    throttle_classes = [FeedbackRateThrottle]

    def permission_denied(self, request, message=None, code=None):
        raise exceptions.AuthenticationFailed(IsConsumerSite.message)

    @extend_schema(
        operation_id="published_feedback_create",
        summary="Send a reader's feedback on the version they saw",
        description="A consuming site forwards what a reader reports about an article: the "
        "`content_hash` the site was served (so the report is tied to that exact version), "
        "optionally the `section_anchor` of one of its sections, a `category` and the "
        "reader's `text` (at most FEEDBACK_MAX_CHARS characters; stored as sent and escaped "
        "wherever it is shown). A hash never published under this slug is refused with 404 "
        "`version_not_published`, the same answer whether the slug, the hash or an approval "
        "is missing. At most FEEDBACK_RATE reports per key (429 with Retry-After). The "
        "publisher's CMS is told by a `feedback.received` webhook; consuming sites never are.",
        tags=["delivery"],
        request=FeedbackInputSerializer,
        responses={
            201: FeedbackReceiptOutputSerializer,
            400: WRITE_ERRORS[400],
            401: docs.INVALID_API_KEY,
            404: docs.NOT_PUBLISHED,
            413: WRITE_ERRORS[413],
            415: WRITE_ERRORS[415],
            429: docs.THROTTLED,
        },
        examples=[docs.FEEDBACK_INPUT_EXAMPLE, docs.FEEDBACK_RECEIPT_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.feedback_receive(
            site_id=request.auth.site_id,
            api_key_id=request.auth.key_id,
            slug=slug,
            **serializer.validated_data,
        )
        return Response(
            FeedbackReceiptOutputSerializer(feedback).data, status=status.HTTP_201_CREATED
        )


class FeedbackReaders:
    """Editors, clinical reviewers and publishing admins read feedback."""

    permission_classes = [IsAuthenticated, CanReadFeedback]


@extend_schema_view(
    get=extend_schema(
        operation_id="feedback_list",
        summary="Reader feedback, newest first",
        description="Every report consuming sites sent, newest first; filter by `status`, "
        "`article` (slug) and `category`. `text` is the reader's, untrusted: escape it "
        "wherever you show it. Editors, clinical reviewers and publishing admins.",
        tags=FEEDBACK_TAG,
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=FeedbackStatus.values),
            OpenApiParameter(
                "article", {"type": "string", "maxLength": 120}, description="A slug."
            ),
            OpenApiParameter("category", OpenApiTypes.STR, enum=FeedbackCategory.values),
        ],
        responses={
            200: FeedbackOutputSerializer(many=True),
            400: WRITE_ERRORS[400],
            **READ_ERRORS,
        },
        examples=[docs.FEEDBACK_LIST_EXAMPLE],
    )
)
class FeedbackListApi(FeedbackReaders, generics.ListAPIView):
    serializer_class = FeedbackOutputSerializer
    pagination_class = AuthoringPagination
    filter_backends: list = []

    def get_queryset(self):
        query = FeedbackQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.feedback_list(
            status=filters.get("status"),
            slug=filters.get("article"),
            category=filters.get("category"),
        )


class FeedbackDetailApi(FeedbackReaders, APIView):
    @extend_schema(
        operation_id="feedback_retrieve",
        summary="One report with its triage trail",
        description="The report and every move it made in triage (who, when, why).",
        tags=FEEDBACK_TAG,
        responses={200: FeedbackDetailOutputSerializer, **READ_ERRORS},
        examples=[docs.FEEDBACK_DETAIL_EXAMPLE],
    )
    def get(self, request: Request, feedback_id: int) -> Response:
        feedback = selectors.feedback_get(feedback_id=feedback_id)
        return Response(FeedbackDetailOutputSerializer(feedback).data)


class FeedbackTriageApi(FeedbackReaders, APIView):
    @extend_schema(
        operation_id="feedback_triage",
        summary="Triage a report",
        description="Move a report to `triaged`, `addressed` (naming the later version of "
        "the article that addresses it, `addressed_in_version`) or `declined`, with a `note` "
        "saying why. A new report may go to any of the three, a triaged one to addressed or "
        "declined, and a decided one back to triaged (409 `invalid_triage` otherwise). Each "
        "move is recorded. Editors and clinical reviewers only (publishing admins read).",
        tags=FEEDBACK_TAG,
        request=FeedbackTriageInputSerializer,
        responses={
            200: FeedbackDetailOutputSerializer,
            **{code: WRITE_ERRORS[code] for code in (400, 401, 403, 404, 413, 415)},
            409: docs.INVALID_TRIAGE,
        },
        examples=[docs.TRIAGE_INPUT_EXAMPLE, docs.FEEDBACK_DETAIL_EXAMPLE],
    )
    def post(self, request: Request, feedback_id: int) -> Response:
        feedback = selectors.feedback_get(feedback_id=feedback_id)
        serializer = FeedbackTriageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.feedback_triage(feedback=feedback, user=request.user, **serializer.validated_data)
        return Response(
            FeedbackDetailOutputSerializer(selectors.feedback_get(feedback_id=feedback_id)).data
        )


class ReviewFeedbackApi(FeedbackReaders, APIView):
    @extend_schema(
        operation_id="reviews_feedback",
        summary="Reader error reports a review must see",
        description="The article's error reports still new or triaged, whatever version the "
        "reader saw, and the reports this review acknowledged when it was approved as a "
        "full review.",
        tags=["reviews"],
        responses={200: ReviewFeedbackOutputSerializer, **READ_ERRORS},
        examples=[docs.REVIEW_FEEDBACK_EXAMPLE],
    )
    def get(self, request: Request, review_id: int) -> Response:
        review = review_selectors.review_get(review_id=review_id)
        reports = selectors.review_feedback(review=review)
        return Response(
            ReviewFeedbackOutputSerializer(
                {"review": review.pk, "article": review.article.slug, **reports}
            ).data
        )


class DossierExporters:
    """Any staff role reaches these views; the services let publishing admins and clinical
    reviewers export."""

    permission_classes = [IsAuthenticated, HasStaffRole]


class VersionDossierApi(DossierExporters, APIView):
    @extend_schema(
        operation_id="versions_dossier",
        summary="One version's production record (dossier)",
        description="A deterministic record of how this version was produced: its frozen "
        "text and content hash with the hash recomputed from the text, the diff against the "
        "previous approved version, who wrote and submitted it, every sign-off (name, "
        "profession, registration, meaning, time), the comments and how they were resolved, "
        "evidence checks where recorded, the review's audit trail, when it was published, "
        "flagged overdue and retracted, and the reader feedback on it by category and "
        "triage outcome. Each export is recorded in the export log. Publishing admins and "
        "clinical reviewers only. A printable page of it is in the admin.",
        tags=DOSSIERS_TAG,
        responses={200: DossierOutputSerializer, **READ_ERRORS, 403: docs.EXPORT_FORBIDDEN},
        examples=[docs.DOSSIER_EXAMPLE],
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        article = article_selectors.article_get(slug=slug)
        version = article_selectors.version_get(article=article, number=number)
        return Response(services.dossier_export(user=request.user, version=version))


class DossierSampleApi(DossierExporters, APIView):
    @extend_schema(
        operation_id="dossiers_sample",
        summary="Draw a random sample of versions, as an assessor does",
        description="Draws `sample` versions among those approved from `from` to `to` "
        "(inclusive). The same window, size and `seed` draw the same versions; without a "
        "seed one is chosen and returned. The draw is recorded in the export log with its "
        "parameters and the versions drawn; fetch each one's dossier from its `dossier` "
        "path. Publishing admins and clinical reviewers only.",
        tags=DOSSIERS_TAG,
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "sample",
                {"type": "integer", "minimum": 1, "maximum": settings.DOSSIER_SAMPLE_MAX},
                required=True,
            ),
            OpenApiParameter("seed", {"type": "string", "maxLength": 64}),
        ],
        responses={
            200: DossierSampleOutputSerializer,
            400: WRITE_ERRORS[400],
            **READ_ERRORS,
            403: docs.EXPORT_FORBIDDEN,
        },
        examples=[docs.DOSSIER_SAMPLE_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        query = DossierSampleQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        export = services.dossier_sample_draw(
            user=request.user,
            date_from=values["from"],
            date_to=values["to"],
            size=values["sample"],
            seed=values.get("seed"),
        )
        return Response(DossierSampleOutputSerializer(export).data)
