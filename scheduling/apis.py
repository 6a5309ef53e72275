"""The scheduling API: schedules, releases and withdrawals (staff), upcoming (embargo keys)."""

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import selectors as article_selectors
from articles.apis import AuthoringPagination
from articles.delivery.apidocs import PUBLISHED_ARTICLE_EXAMPLE
from articles.delivery.keys import ConsumerKeyAuthentication
from articles.delivery.serializers import PublishedArticleOutputSerializer
from articles.rendering import payload_bytes, render_payload
from ldncontent.apidocs import READ_ERRORS, WRITE_ERRORS
from scheduling import apidocs as docs
from scheduling import selectors, services
from scheduling.exceptions import NoEmbargoAccess
from scheduling.models import ReleaseState, ScheduleState, WithdrawalState
from scheduling.permissions import CanReadSchedules, IsConsumerSite, WritesNeedScheduler
from scheduling.serializers import (
    ReasonInputSerializer,
    ReleaseInputSerializer,
    ReleaseOutputSerializer,
    ReleaseQuerySerializer,
    ReleaseScheduleInputSerializer,
    ScheduleDetailOutputSerializer,
    ScheduleOutputSerializer,
    ScheduleQuerySerializer,
    UpcomingOutputSerializer,
    WithdrawalCancelInputSerializer,
    WithdrawalInputSerializer,
    WithdrawalOutputSerializer,
    WithdrawalQuerySerializer,
)

TAGS = ["scheduling"]
READERS = "Editors, clinical reviewers and publishing admins."
WRITERS = "Clinical reviewers and publishing admins only."
POST_ERRORS = {code: WRITE_ERRORS[code] for code in (400, 401, 403, 404, 413, 415)}


class SchedulingStaff:
    """Staff who see schedules; writes need a clinical reviewer or a publishing admin."""

    permission_classes = [IsAuthenticated, CanReadSchedules, WritesNeedScheduler]


class ScheduleListApi(SchedulingStaff, generics.ListAPIView):
    serializer_class = ScheduleOutputSerializer
    pagination_class = AuthoringPagination
    filter_backends: list = []

    @extend_schema(
        operation_id="schedules_list",
        summary="Scheduled publications, soonest first",
        description="Approved versions waiting for their time, and what became of earlier "
        "ones (published with the delay, cancelled, superseded). Filter by `state`, `article` "
        f"(slug) and `release`. {READERS}",
        tags=TAGS,
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=ScheduleState.values),
            OpenApiParameter("article", {"type": "string", "maxLength": 120}),
            OpenApiParameter(
                "release", {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
            ),
        ],
        responses={200: ScheduleOutputSerializer(many=True), 400: WRITE_ERRORS[400]} | READ_ERRORS,
        examples=[docs.SCHEDULE_LIST_EXAMPLE],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ScheduleQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.schedule_list(
            state=filters.get("state"),
            slug=filters.get("article"),
            release_id=filters.get("release"),
        )


class ScheduleDetailApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="schedules_retrieve",
        summary="One scheduled publication with its audit trail",
        description=f"The schedule and every move it made (who, when, why). {READERS}",
        tags=TAGS,
        responses={200: ScheduleDetailOutputSerializer, **READ_ERRORS},
        examples=[docs.SCHEDULE_DETAIL_EXAMPLE],
    )
    def get(self, request: Request, schedule_id: int) -> Response:
        schedule = selectors.schedule_get(schedule_id=schedule_id)
        return Response(ScheduleDetailOutputSerializer(schedule).data)


class ScheduleCancelApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="schedules_cancel",
        summary="Cancel a scheduled publication",
        description="The approved version is not published at its time; the live version "
        "stays. A schedule in a release leaves it, with a warning on the release. The "
        "`reason` is kept in the audit trail and sent to the CMS as "
        f"`version.schedule_cancelled`. 409 `not_pending` once it is out or closed. {WRITERS}",
        tags=TAGS,
        request=ReasonInputSerializer,
        responses={200: ScheduleDetailOutputSerializer, **POST_ERRORS, 409: docs.NOT_PENDING},
        examples=[docs.REASON_EXAMPLE, docs.SCHEDULE_CANCELLED_EXAMPLE],
    )
    def post(self, request: Request, schedule_id: int) -> Response:
        schedule = selectors.schedule_get(schedule_id=schedule_id)
        serializer = ReasonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.schedule_cancel(schedule=schedule, user=request.user, **serializer.validated_data)
        return Response(
            ScheduleDetailOutputSerializer(selectors.schedule_get(schedule_id=schedule_id)).data
        )


class ReleaseListApi(SchedulingStaff, generics.ListAPIView):
    serializer_class = ReleaseOutputSerializer
    pagination_class = AuthoringPagination
    filter_backends: list = []

    @extend_schema(
        operation_id="releases_list",
        summary="Releases, soonest first",
        description="Each release with its schedules and its warnings (schedules that left it "
        f"after joining; why a failed one published nothing). Filter by `state`. {READERS}",
        tags=TAGS,
        parameters=[OpenApiParameter("state", OpenApiTypes.STR, enum=ReleaseState.values)],
        responses={200: ReleaseOutputSerializer(many=True), 400: WRITE_ERRORS[400]} | READ_ERRORS,
        examples=[docs.RELEASE_LIST_EXAMPLE],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ReleaseQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return selectors.release_list(state=query.validated_data.get("state"))

    @extend_schema(
        operation_id="releases_create",
        summary="Open a release",
        description="A release groups approved, scheduled versions of several articles and "
        "publishes them together at `publish_at`, in one transaction: all or none, their "
        "events in one range of positions in the changes feed. Add schedules with "
        f"`releases_add`. {WRITERS}",
        tags=TAGS,
        request=ReleaseInputSerializer,
        responses={201: ReleaseOutputSerializer, **POST_ERRORS},
        examples=[docs.RELEASE_INPUT_EXAMPLE, docs.RELEASE_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        serializer = ReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        release = services.release_create(user=request.user, **serializer.validated_data)
        return Response(
            ReleaseOutputSerializer(selectors.release_get(release_id=release.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ReleaseDetailApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="releases_retrieve",
        summary="One release with its schedules and warnings",
        description=f"The release, its schedules and its warnings. {READERS}",
        tags=TAGS,
        responses={200: ReleaseOutputSerializer, **READ_ERRORS},
        examples=[docs.RELEASE_EXAMPLE],
    )
    def get(self, request: Request, release_id: int) -> Response:
        return Response(ReleaseOutputSerializer(selectors.release_get(release_id=release_id)).data)


def _release_schedule_change(request: Request, release_id: int, change) -> Response:
    release = selectors.release_get(release_id=release_id)
    serializer = ReleaseScheduleInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    schedule = selectors.schedule_get(schedule_id=serializer.validated_data["schedule"])
    change(release=release, schedule=schedule, user=request.user)
    return Response(ReleaseOutputSerializer(selectors.release_get(release_id=release_id)).data)


class ReleaseAddApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="releases_add",
        summary="Add a scheduled version to a release",
        description="Only a pending schedule (an approved version) joins a release: a "
        "release never holds anything not approved. It then goes out at the release's time "
        "with the others, never earlier than the time it was approved for. 409 when the "
        "release is not open or already due, goes out before that time, or the schedule is "
        f"not pending or in a release. {WRITERS}",
        tags=TAGS,
        request=ReleaseScheduleInputSerializer,
        responses={200: ReleaseOutputSerializer, **POST_ERRORS, 409: docs.RELEASE_CONFLICT},
        examples=[docs.RELEASE_SCHEDULE_EXAMPLE, docs.RELEASE_EXAMPLE],
    )
    def post(self, request: Request, release_id: int) -> Response:
        return _release_schedule_change(request, release_id, services.release_schedule_add)


class ReleaseRemoveApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="releases_remove",
        summary="Take a schedule out of a release",
        description="The schedule stays pending and goes out on its own at the release's "
        "time unless it is cancelled. 409 when the release is published or cancelled, or "
        f"the schedule is not in it. {WRITERS}",
        tags=TAGS,
        request=ReleaseScheduleInputSerializer,
        responses={200: ReleaseOutputSerializer, **POST_ERRORS, 409: docs.RELEASE_CONFLICT},
        examples=[docs.RELEASE_SCHEDULE_EXAMPLE, docs.RELEASE_EXAMPLE],
    )
    def post(self, request: Request, release_id: int) -> Response:
        return _release_schedule_change(request, release_id, services.release_schedule_remove)


class ReleaseCancelApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="releases_cancel",
        summary="Cancel a release and the schedules in it",
        description="Nothing of the release is published; each of its pending schedules is "
        "cancelled, with the `reason` in its audit trail. 409 when it is published or "
        f"cancelled already. {WRITERS}",
        tags=TAGS,
        request=ReasonInputSerializer,
        responses={200: ReleaseOutputSerializer, **POST_ERRORS, 409: docs.RELEASE_CONFLICT},
        examples=[docs.REASON_EXAMPLE, docs.RELEASE_EXAMPLE],
    )
    def post(self, request: Request, release_id: int) -> Response:
        release = selectors.release_get(release_id=release_id)
        serializer = ReasonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.release_cancel(release=release, user=request.user, **serializer.validated_data)
        return Response(ReleaseOutputSerializer(selectors.release_get(release_id=release_id)).data)


class WithdrawalListApi(SchedulingStaff, generics.ListAPIView):
    serializer_class = WithdrawalOutputSerializer
    pagination_class = AuthoringPagination
    filter_backends: list = []

    @extend_schema(
        operation_id="withdrawals_list",
        summary="Timed withdrawals, soonest first",
        description=f"When articles are retracted automatically, and why. {READERS}",
        tags=TAGS,
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=WithdrawalState.values),
            OpenApiParameter("article", {"type": "string", "maxLength": 120}),
        ],
        responses={200: WithdrawalOutputSerializer(many=True), 400: WRITE_ERRORS[400]}
        | READ_ERRORS,
        examples=[docs.WITHDRAWAL_LIST_EXAMPLE],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = WithdrawalQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.withdrawal_list(state=filters.get("state"), slug=filters.get("article"))


class ArticleWithdrawalSetApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="articles_withdrawal_set",
        summary="Retract the article automatically at a set time",
        description="At `withdraw_at` the worker retracts the live version through the same "
        "path as `articles_retract`, with `reason` (consuming sites get 410 and an "
        "`article.retracted` event). A pending withdrawal of the article is replaced. 409 "
        f"`article_not_live` when nothing is live. {WRITERS}",
        tags=TAGS,
        request=WithdrawalInputSerializer,
        responses={201: WithdrawalOutputSerializer, **POST_ERRORS, 409: docs.ARTICLE_NOT_LIVE},
        examples=[docs.WITHDRAWAL_INPUT_EXAMPLE, docs.WITHDRAWAL_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        article = article_selectors.article_get(slug=slug)
        serializer = WithdrawalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_set(
            article=article, user=request.user, **serializer.validated_data
        )
        return Response(
            WithdrawalOutputSerializer(selectors.withdrawal_get(withdrawal_id=withdrawal.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class WithdrawalCancelApi(SchedulingStaff, APIView):
    @extend_schema(
        operation_id="withdrawals_cancel",
        summary="Cancel a timed withdrawal",
        description="The article stays live. 409 `not_pending` once it was carried out or "
        f"cancelled. {WRITERS}",
        tags=TAGS,
        request=WithdrawalCancelInputSerializer,
        responses={200: WithdrawalOutputSerializer, **POST_ERRORS, 409: docs.NOT_PENDING},
        examples=[docs.WITHDRAWAL_CANCEL_EXAMPLE, docs.WITHDRAWAL_EXAMPLE],
    )
    def post(self, request: Request, withdrawal_id: int) -> Response:
        withdrawal = selectors.withdrawal_get(withdrawal_id=withdrawal_id)
        serializer = WithdrawalCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.withdrawal_cancel(
            withdrawal=withdrawal, user=request.user, **serializer.validated_data
        )
        return Response(
            WithdrawalOutputSerializer(selectors.withdrawal_get(withdrawal_id=withdrawal_id)).data
        )


class EmbargoReaders:
    """A consuming-site key with an embargo grant; any other key is refused with 403."""

    authentication_classes = [ConsumerKeyAuthentication]
    permission_classes = [IsConsumerSite]

    def permission_denied(self, request, message=None, code=None):
        raise exceptions.AuthenticationFailed(IsConsumerSite.message)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.embargo_granted(key_id=request.auth.key_id):
            raise NoEmbargoAccess()

    def finalize_response(self, request, response, *args, **kwargs):
        """Embargoed content, and the refusals, are for the asking key alone: no shared cache
        (a CDN in front of `published/`) may keep them and serve them to another key."""
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ["Authorization"])
        return response


class UpcomingListApi(EmbargoReaders, APIView):
    @extend_schema(
        operation_id="published_upcoming_list",
        summary="What is scheduled to be published (embargo access only)",
        description="Each scheduled version not yet out: slug, version, content hash and "
        "publish time, so a site can pre-cache. Only for keys a publishing admin granted "
        "embargo access (403 `no_embargo_access` for others); the delivery endpoints serve "
        "none of it before its time, whatever the key.",
        tags=["delivery"],
        responses={
            200: UpcomingOutputSerializer(many=True),
            401: docs.INVALID_API_KEY,
            403: docs.NO_EMBARGO_ACCESS,
        },
        examples=[docs.UPCOMING_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        return Response(UpcomingOutputSerializer(selectors.upcoming_list(), many=True).data)


class UpcomingDetailApi(EmbargoReaders, APIView):
    @extend_schema(
        operation_id="published_upcoming_retrieve",
        summary="The document an article will be served as at its time (embargo access only)",
        description="Exactly the payload the delivery detail endpoint will serve once the "
        "scheduled version is published (the approved version with its frozen attribution). "
        "Only for keys with embargo access (403 `no_embargo_access` for others).",
        tags=["delivery"],
        responses={
            200: PublishedArticleOutputSerializer,
            401: docs.INVALID_API_KEY,
            403: docs.NO_EMBARGO_ACCESS,
            404: docs.NOTHING_UPCOMING,
        },
        examples=[PUBLISHED_ARTICLE_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        schedule = selectors.upcoming_get(slug=slug)
        attribution = services.attribution_thaw(schedule.attribution)
        payload = render_payload(
            version=schedule.version,
            slug=schedule.article.slug,
            attribution=attribution,
            review_overdue=attribution.next_review_due < schedule.publish_at.date(),
        )
        return HttpResponse(payload_bytes(payload), content_type="application/json")
