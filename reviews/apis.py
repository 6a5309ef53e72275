"""The reviewer API: submit, the review queue, decisions and comments; previews and status."""

from dataclasses import asdict

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import selectors as article_selectors
from articles.apis import AuthoringPagination
from articles.delivery.serializers import PublishedArticleOutputSerializer
from ldncontent.apidocs import (
    CONDITIONAL_WRITE_ERRORS,
    CONFLICT,
    IF_MATCH_EXAMPLE,
    IF_MATCH_RULES,
    IF_MATCH_SCHEMA,
    READ_ERRORS,
    WRITE_ERRORS,
    error_response,
)
from ldncontent.permissions import HasStaffRole
from reviews import apidocs as examples
from reviews import selectors, services
from reviews.models import ReviewState
from reviews.serializers import (
    ApproveInputSerializer,
    ArticleReviewStatusOutputSerializer,
    CommentInputSerializer,
    CommentOutputSerializer,
    CommentResolveInputSerializer,
    RejectInputSerializer,
    RequestChangesInputSerializer,
    ReviewDetailOutputSerializer,
    ReviewQueueQuerySerializer,
    ReviewSummaryOutputSerializer,
    SubmitInputSerializer,
    WithdrawInputSerializer,
)

REVIEWS_TAG = ["reviews"]
DECISION_ERRORS = {code: WRITE_ERRORS[code] for code in (400, 401, 403, 404, 413, 415)} | {
    409: CONFLICT
}


class StaffPermissions:
    """Any staff role reaches these views; the services decide who may do what."""

    permission_classes = [IsAuthenticated, HasStaffRole]


def _review_detail(review) -> dict:
    publication = article_selectors.live_publication(article=review.article)
    live = publication.version if publication else None
    diff = article_selectors.version_diff(version=review.version, against=live)
    approvals = selectors.earlier_approvals(version=review.version)
    return ReviewDetailOutputSerializer(
        review,
        context={
            "diff_against_live": {
                "against": live.number if live else None,
                "changed": diff.changed,
                "fields": diff.fields,
                "sections": diff.sections,
                "references": diff.references,
            },
            "earlier_approvals": [asdict(item) for item in approvals.values()],
            "evidence_to_check": {
                kind: services.evidence_required(review=review, kind=kind)
                for kind in ("full", "change")
            },
            "evidence_checks": selectors.evidence_checks(review=review),
        },
    ).data


class ArticleSubmitApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="articles_submit",
        summary="Submit the working copy for clinical review",
        description="Freeze the working copy as the article's next version (with its SHA-256 "
        "`content_hash`) and open its review. A review still pending for an older version is "
        "superseded. Content identical to the last submitted version is refused (409 "
        "`no_changes`). `If-Match` is optional: when sent it must be the current ETag, so you "
        "freeze exactly what you last read. Editors only.",
        tags=REVIEWS_TAG,
        request=SubmitInputSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                IF_MATCH_SCHEMA,
                OpenApiParameter.HEADER,
                description="Optional: the article's current ETag. " + IF_MATCH_RULES,
                examples=[IF_MATCH_EXAMPLE],
            )
        ],
        responses={
            201: ReviewSummaryOutputSerializer,
            **{
                code: CONDITIONAL_WRITE_ERRORS[code] for code in (400, 401, 403, 404, 412, 413, 415)
            },
            409: CONFLICT,
            428: error_response(
                "If-Match was sent blank or as `*` (which is refused).",
                "if_match_required",
                "Send an If-Match header with the ETag from your last GET of this article.",
            ),
        },
        examples=[examples.SUBMIT_EXAMPLE, examples.REVIEW_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        article = article_selectors.article_get(slug=slug)
        serializer = SubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_submit(
            article=article,
            user=request.user,
            note=serializer.validated_data["note"],
            if_match=request.headers.get("If-Match"),
        )
        return Response(ReviewSummaryOutputSerializer(review).data, status=status.HTTP_201_CREATED)


class ArticleReviewStatusApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="articles_review_status",
        summary="The working copy's medical-review status",
        description="Derived from versions, reviews and the publication: draft, in_review, "
        "changes_requested, live, live_with_unreviewed_changes or retracted; and per section "
        "whether its text is the one clinicians approved (same_as_live), changed since, or new.",
        tags=REVIEWS_TAG,
        responses={200: ArticleReviewStatusOutputSerializer, **READ_ERRORS},
        examples=[examples.REVIEW_STATUS_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        article = article_selectors.article_get(slug=slug)
        review_status = selectors.article_review_status(article=article)
        return Response(ArticleReviewStatusOutputSerializer(asdict(review_status)).data)


class VersionPreviewApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="versions_preview",
        summary="Preview a version as consuming sites would get it",
        description="Exactly the payload the delivery API would serve if this version were "
        "approved now with a full review: rendered Markdown, sanitised HTML, JSON-LD. The "
        "reviewer fields carry your clinician profile if you have one. Staff only: consuming "
        "sites can never reach a preview.",
        tags=["versions"],
        responses={200: PublishedArticleOutputSerializer, **READ_ERRORS},
        examples=[examples.PREVIEW_EXAMPLE],
    )
    def get(self, request: Request, slug: str, number: int) -> HttpResponse:
        article = article_selectors.article_get(slug=slug)
        version = article_selectors.version_get(article=article, number=number)
        preview = selectors.version_preview(version=version, user=request.user)
        response = HttpResponse(preview.payload, content_type="application/json")
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="reviews_list",
        summary="The review queue",
        description="Reviews oldest first. By default only those awaiting a decision; filter "
        "by `state`, `topic`, `overdue` (the article's live version is past its review date), "
        "`assigned=me` (open reviews with a sign-off assigned to you and not yet signed: your "
        "queue) and `sign_off_overdue` (open reviews with a required sign-off past its due date "
        "and not yet signed; each late request, invited ones too, says `overdue`).",
        tags=REVIEWS_TAG,
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=ReviewState.values,
                description="Default: submitted.",
            ),
            OpenApiParameter(
                "topic", {"type": "string", "maxLength": 50}, description="A topic slug."
            ),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Past review date."),
            OpenApiParameter(
                "assigned",
                OpenApiTypes.STR,
                enum=["me"],
                description="`me`: sign-offs assigned to you, not yet signed.",
            ),
            OpenApiParameter(
                "sign_off_overdue",
                OpenApiTypes.BOOL,
                description="A required sign-off is past its due date and not yet signed.",
            ),
        ],
        responses={
            200: ReviewSummaryOutputSerializer(many=True),
            400: WRITE_ERRORS[400],
            **READ_ERRORS,
        },
        examples=[examples.REVIEW_LIST_EXAMPLE],
    )
)
class ReviewListApi(StaffPermissions, generics.ListAPIView):
    serializer_class = ReviewSummaryOutputSerializer
    pagination_class = AuthoringPagination
    filter_backends: list = []

    def get_queryset(self):
        query = ReviewQueueQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.review_queue(
            user=self.request.user,
            state=filters.get("state"),
            topic=filters.get("topic"),
            overdue=filters.get("overdue"),
            assigned_to_me=filters.get("assigned") == "me",
            sign_off_overdue=filters.get("sign_off_overdue"),
        )


class ReviewDetailApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_retrieve",
        summary="A review with what changed",
        description="The version under review, its `content_hash` (send it back to approve), "
        "a section-level diff against the live version, for unchanged sections the approval "
        "that first covered their text, the comments and the audit trail.",
        tags=REVIEWS_TAG,
        responses={200: ReviewDetailOutputSerializer, **READ_ERRORS},
        examples=[examples.REVIEW_DETAIL_EXAMPLE],
    )
    def get(self, request: Request, review_id: int) -> Response:
        return Response(_review_detail(selectors.review_get(review_id=review_id)))


class ReviewApproveApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_approve",
        summary="The clinical sign-off: approve, and publish once every role has signed",
        description="The clinical sign-off of exactly the content shown (as "
        "`POST .../sign-off/` with `role: clinical`, and here alone with `publish_at` or "
        "`release`). Only an active clinician who neither "
        "submitted nor edited this content may approve (403 `not_a_clinician` / "
        "`separation_of_duties`). `content_hash` must be the one shown with the review (409 "
        "`content_hash_mismatch`); `checklist` confirms every statement of the clinical "
        "role's checklist, if it has one. A `full` review sets last_reviewed to today and "
        "next_review_due (default 12 months; you may choose sooner); a `change` review keeps "
        "the dates of the last full review.\n\n"
        "The version is published now if no other role must sign. Otherwise **the review "
        "stays `submitted`** (see `sign_off_requests`) and the last required sign-off "
        "approves and publishes it.\n\n"
        "With `publish_at` (or `release`), the version is not published at approval but "
        "scheduled: it goes out at that time (or with the release), and the live version is "
        "served until then (see `schedules_list`). With both, the release may not go out "
        "before `publish_at` (409 `earlier_than_approved`). If the time has passed when the "
        "last sign-off lands, it is published at once.",
        tags=REVIEWS_TAG,
        request=ApproveInputSerializer,
        responses={200: ReviewSummaryOutputSerializer, **DECISION_ERRORS},
        examples=[
            examples.APPROVE_EXAMPLE,
            examples.CHANGE_REVIEW_EXAMPLE,
            examples.APPROVED_EXAMPLE,
            examples.SCHEDULED_APPROVAL_EXAMPLE,
        ],
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = ApproveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_approve(
            review=review, reviewer=request.user, **serializer.validated_data
        )
        return Response(ReviewSummaryOutputSerializer(review).data)


class ReviewRequestChangesApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_request_changes",
        summary="Request changes",
        description="Send the version back to the editors. At least one comment must exist "
        "on the review (send new ones in `comments`; each may point at a section anchor). "
        "Active clinicians only, with the same separation of duties as approval.",
        tags=REVIEWS_TAG,
        request=RequestChangesInputSerializer,
        responses={200: ReviewSummaryOutputSerializer, **DECISION_ERRORS},
        examples=[examples.REQUEST_CHANGES_EXAMPLE, examples.REVIEW_EXAMPLE],
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = RequestChangesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_request_changes(
            review=review, reviewer=request.user, **serializer.validated_data
        )
        return Response(ReviewSummaryOutputSerializer(review).data)


class ReviewRejectApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_reject",
        summary="Reject",
        description="Refuse the version outright, saying why. Active clinicians only, with "
        "the same separation of duties as approval.",
        tags=REVIEWS_TAG,
        request=RejectInputSerializer,
        responses={200: ReviewSummaryOutputSerializer, **DECISION_ERRORS},
        examples=[examples.REJECT_EXAMPLE, examples.REVIEW_EXAMPLE],
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_reject(
            review=review, reviewer=request.user, note=serializer.validated_data["note"]
        )
        return Response(ReviewSummaryOutputSerializer(review).data)


class ReviewWithdrawApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_withdraw",
        summary="Withdraw a submission",
        description="The editor who submitted the version takes it back before a decision.",
        tags=REVIEWS_TAG,
        request=WithdrawInputSerializer,
        responses={200: ReviewSummaryOutputSerializer, **DECISION_ERRORS},
        examples=[examples.WITHDRAW_EXAMPLE, examples.REVIEW_EXAMPLE],
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = WithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_withdraw(
            review=review, user=request.user, note=serializer.validated_data["note"]
        )
        return Response(ReviewSummaryOutputSerializer(review).data)


class ReviewCommentListCreateApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_comments_list",
        summary="A review's comments",
        description="The comments on a review, oldest first.",
        tags=REVIEWS_TAG,
        responses={200: CommentOutputSerializer(many=True), **READ_ERRORS},
        examples=[examples.COMMENT_LIST_EXAMPLE],
    )
    def get(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        comments = review.comments.select_related("author")
        return Response(CommentOutputSerializer(comments, many=True).data)

    @extend_schema(
        operation_id="reviews_comments_create",
        summary="Comment on a review",
        description="Add a comment, optionally on one section of the reviewed version (by "
        "anchor). Editors and clinicians.",
        tags=REVIEWS_TAG,
        request=CommentInputSerializer,
        responses={201: CommentOutputSerializer, **DECISION_ERRORS},
        examples=[examples.COMMENT_REQUEST_EXAMPLE, examples.COMMENT_EXAMPLE],
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = CommentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_add(
            review=review, author=request.user, **serializer.validated_data
        )
        return Response(CommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentResolveApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_comments_resolve",
        summary="Resolve or reopen a comment",
        description="Mark a comment resolved (or reopen it). Editors and clinicians.",
        tags=REVIEWS_TAG,
        request=CommentResolveInputSerializer,
        responses={200: CommentOutputSerializer, **DECISION_ERRORS},
        examples=[examples.RESOLVE_EXAMPLE, examples.COMMENT_EXAMPLE],
    )
    def post(self, request: Request, review_id: int, comment_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        comment = selectors.comment_get(review=review, comment_id=comment_id)
        serializer = CommentResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_resolve(
            comment=comment, user=request.user, resolved=serializer.validated_data["resolved"]
        )
        return Response(CommentOutputSerializer(comment).data)
