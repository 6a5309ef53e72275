"""The authoring API of the working copy: articles and their sections, for editors and CMSs."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import apidocs as examples
from articles import selectors, services
from articles.exceptions import ChangeReasonTwice
from articles.filters import ArticleFilter
from articles.serializers.articles import (
    ArticleCreateInputSerializer,
    ArticleOutputSerializer,
    ArticleReplaceInputSerializer,
    ArticleRevertInputSerializer,
    ArticleSummaryOutputSerializer,
    ArticleUpdateInputSerializer,
    HistoryEntryOutputSerializer,
)
from articles.serializers.fields import change_reason_field
from articles.serializers.sections import (
    SectionCreateInputSerializer,
    SectionOrderInputSerializer,
    SectionOrderOutputSerializer,
    SectionOutputSerializer,
    SectionUpdateInputSerializer,
)
from ldncontent.apidocs import (
    ETAG_HEADER,
    IF_MATCH,
    IF_MATCH_UNLESS_CREATING,
    READ_ERRORS,
    WRITE_ERRORS,
    error_response,
)
from ldncontent.permissions import HasStaffRole, WritesNeedEditor

ARTICLES_TAG = ["articles"]
SECTIONS_TAG = ["sections"]


class AuthoringPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        # DRF falls back to the default size on a malformed page_size: refuse it instead.
        value = request.query_params.get(self.page_size_query_param)
        if value is not None and not (value.isascii() and value.isdigit() and value.strip("0")):
            raise ValidationError(
                {
                    "page_size": [
                        f"Use a whole number from 1 (larger than {self.max_page_size} "
                        f"gives {self.max_page_size})."
                    ]
                }
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


class AuthoringPermissions:
    """Any staff role may read the authoring API; only editors may write."""

    permission_classes = [IsAuthenticated, HasStaffRole, WritesNeedEditor]


def _if_match(request: Request) -> str | None:
    return request.headers.get("If-Match")


def _change_reason(request: Request, data: dict | None = None) -> str | None:
    """The change reason of a write: X-Change-Reason, or the `reason` field popped from `data`.

    Sent both ways it is refused rather than one silently winning. The header carries printable
    ASCII only: HTTP gives other bytes no reliable meaning, so other text goes in the field.
    """
    field = data.pop("reason", None) if data is not None else None
    header = request.headers.get(examples.CHANGE_REASON_HEADER)
    if header is None:
        return field
    if field is not None:
        raise ChangeReasonTwice()
    try:
        if not header.isascii():
            raise ValidationError(
                "Use printable ASCII in this header, or send the reason in the `reason` field."
            )
        return change_reason_field().run_validation(header)
    except ValidationError as error:
        raise ValidationError({examples.CHANGE_REASON_HEADER: error.detail}) from error


# Every answer is built from one read (selectors.working_copy_get): its body and its ETag
# describe the same state. Write handlers read it in the transaction of their service call,
# while the article is still locked: the state this write produced, never a later one.
def _article_response(
    working_copy: selectors.WorkingCopy, *, status_code: int = status.HTTP_200_OK
) -> Response:
    data = ArticleOutputSerializer(
        working_copy.article,
        context={"etag": working_copy.etag, "sections": working_copy.sections},
    ).data
    response = Response(data, status=status_code, headers={"ETag": working_copy.etag})
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = reverse("article-detail", kwargs={"slug": working_copy.article.slug})
    return response


def _section_response(
    working_copy: selectors.WorkingCopy, anchor: str, *, status_code: int = status.HTTP_200_OK
) -> Response:
    section = working_copy.section(anchor)
    return Response(
        SectionOutputSerializer(section).data,
        status=status_code,
        headers={"ETag": working_copy.etag},
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="articles_list",
        summary="List articles",
        description="The working copies of all articles, in slug order, without their sections. "
        "Filter by topic, audience, title words or the CMS's `external_id`. "
        "Any staff role may read.",
        tags=ARTICLES_TAG,
        responses={
            200: ArticleSummaryOutputSerializer(many=True),
            400: WRITE_ERRORS[400],
            **READ_ERRORS,
        },
        examples=[examples.ARTICLE_LIST_EXAMPLE],
    ),
    post=extend_schema(
        operation_id="articles_create",
        summary="Create an article",
        description="Create an article, optionally with its sections in order. Nothing is "
        "published: the article is a working copy until a clinician approves a version of it. "
        "Editors only.",
        tags=ARTICLES_TAG,
        request=ArticleCreateInputSerializer,
        responses={201: ArticleOutputSerializer, **examples.CREATE_ERRORS},
        parameters=[examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.ARTICLE_CREATE_EXAMPLE, examples.ARTICLE_EXAMPLE],
    ),
)
class ArticleListCreateApi(AuthoringPermissions, generics.ListAPIView):
    serializer_class = ArticleSummaryOutputSerializer
    filterset_class = ArticleFilter
    pagination_class = AuthoringPagination

    def get_queryset(self):
        return selectors.article_list()

    @transaction.atomic
    def post(self, request: Request) -> Response:
        serializer = ArticleCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = _change_reason(request, data)
        article = services.article_create(
            author=request.user,
            slug=data.pop("slug"),
            sections=data.pop("sections", []),
            fields=data,
            reason=reason,
        )
        return _article_response(
            selectors.working_copy_get(slug=article.slug), status_code=status.HTTP_201_CREATED
        )


class ArticleDetailApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="articles_retrieve",
        summary="Get an article",
        description="The article's working copy with its sections in order. The `ETag` header "
        "(also the `etag` field) changes with any change to the article or its sections: send "
        "it in `If-Match` on your next write.",
        tags=ARTICLES_TAG,
        responses={200: ArticleOutputSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
        examples=[examples.ARTICLE_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        return _article_response(selectors.working_copy_get(slug=slug))

    @extend_schema(
        operation_id="articles_replace",
        summary="Replace an article (CMS push)",
        description="Make the working copy exactly this document. Sections are matched by "
        "anchor: listed anchors are updated (only when they differ) or created, anchors not "
        "listed are deleted, and the order is the list's order. Optional fields left out are "
        "reset to their defaults. If no article has this slug it is created (201): send no "
        "If-Match then. Otherwise `If-Match` must carry the current ETag. Editors only.",
        tags=ARTICLES_TAG,
        request=ArticleReplaceInputSerializer,
        responses={
            200: ArticleOutputSerializer,
            201: ArticleOutputSerializer,
            **examples.CONDITIONAL_ERRORS,
        },
        parameters=[IF_MATCH_UNLESS_CREATING, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.ARTICLE_REPLACE_EXAMPLE, examples.ARTICLE_EXAMPLE],
    )
    @transaction.atomic
    def put(self, request: Request, slug: str) -> Response:
        serializer = ArticleReplaceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sections = data.pop("sections")
        reason = _change_reason(request, data)
        _, created = services.article_put(
            slug=slug,
            user=request.user,
            if_match=_if_match(request),
            fields=data,
            sections=sections,
            reason=reason,
        )
        return _article_response(
            selectors.working_copy_get(slug=slug),
            status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="articles_partial_update",
        summary="Change an article's own fields",
        description="Change some of the article's own fields (title, summary, topics, "
        "audience, external_id). Sections are changed through their own endpoints or a PUT. "
        "Needs `If-Match`. Editors only.",
        tags=ARTICLES_TAG,
        request=ArticleUpdateInputSerializer,
        responses={200: ArticleOutputSerializer, **examples.CONDITIONAL_ERRORS},
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.ARTICLE_UPDATE_EXAMPLE, examples.ARTICLE_EXAMPLE],
    )
    @transaction.atomic
    def patch(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = ArticleUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        reason = _change_reason(request, fields)
        services.article_update(
            article=article,
            user=request.user,
            if_match=_if_match(request),
            fields=fields,
            reason=reason,
        )
        return _article_response(selectors.working_copy_get(slug=slug))


class SectionListCreateApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="sections_list",
        summary="List an article's sections",
        description="The article's sections in order. The `ETag` header is the article's.",
        tags=SECTIONS_TAG,
        responses={200: SectionOutputSerializer(many=True), **READ_ERRORS},
        parameters=[ETAG_HEADER],
        examples=[examples.SECTION_LIST_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        working_copy = selectors.working_copy_get(slug=slug)
        return Response(
            SectionOutputSerializer(working_copy.sections, many=True).data,
            headers={"ETag": working_copy.etag},
        )

    @extend_schema(
        operation_id="sections_create",
        summary="Add a section",
        description="Add a section at `position` (default: last); later sections move down. "
        "Needs `If-Match` with the article's ETag. Editors only.",
        tags=SECTIONS_TAG,
        request=SectionCreateInputSerializer,
        responses={201: SectionOutputSerializer, **examples.CONDITIONAL_ERRORS},
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.SECTION_CREATE_EXAMPLE, examples.SECTION_EXAMPLE],
    )
    @transaction.atomic
    def post(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = SectionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = _change_reason(request, data)
        section = services.section_create(
            article=article,
            user=request.user,
            if_match=_if_match(request),
            reason=reason,
            **data,
        )
        response = _section_response(
            selectors.working_copy_get(slug=slug),
            section.anchor,
            status_code=status.HTTP_201_CREATED,
        )
        response["Location"] = reverse(
            "section-detail", kwargs={"slug": slug, "anchor": section.anchor}
        )
        return response


class SectionDetailApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="sections_retrieve",
        summary="Get a section",
        description="One section of the working copy. The `ETag` header is the article's.",
        tags=SECTIONS_TAG,
        responses={200: SectionOutputSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
        examples=[examples.SECTION_EXAMPLE],
    )
    def get(self, request: Request, slug: str, anchor: str) -> Response:
        return _section_response(selectors.working_copy_get(slug=slug), anchor)

    @extend_schema(
        operation_id="sections_partial_update",
        summary="Change a section",
        description="Change a section's heading, body and/or position. The anchor never "
        "changes: to rename one, add a new section and delete the old. Needs `If-Match` with "
        "the article's ETag. Editors only.",
        tags=SECTIONS_TAG,
        request=SectionUpdateInputSerializer,
        responses={200: SectionOutputSerializer, **examples.CONDITIONAL_ERRORS},
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.SECTION_UPDATE_EXAMPLE, examples.SECTION_EXAMPLE],
    )
    @transaction.atomic
    def patch(self, request: Request, slug: str, anchor: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = SectionUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = _change_reason(request, changes)
        services.section_update(
            article=article,
            anchor=anchor,
            user=request.user,
            if_match=_if_match(request),
            changes=changes,
            reason=reason,
        )
        return _section_response(selectors.working_copy_get(slug=slug), anchor)

    @extend_schema(
        operation_id="sections_destroy",
        summary="Delete a section",
        description="Delete a section; later sections move up. The deletion stays in the "
        "history. Needs `If-Match` with the article's ETag. Editors only.",
        tags=SECTIONS_TAG,
        responses={204: None, **examples.DELETE_ERRORS},
        parameters=[IF_MATCH, examples.CHANGE_REASON],
    )
    @transaction.atomic
    def delete(self, request: Request, slug: str, anchor: str) -> Response:
        article = selectors.article_get(slug=slug)
        services.section_delete(
            article=article,
            anchor=anchor,
            user=request.user,
            if_match=_if_match(request),
            reason=_change_reason(request),
        )
        working_copy = selectors.working_copy_get(slug=slug)
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": working_copy.etag})


def _order_response(working_copy: selectors.WorkingCopy) -> Response:
    return Response(
        {"anchors": [section.anchor for section in working_copy.sections]},
        headers={"ETag": working_copy.etag},
    )


class SectionOrderApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="section_order_retrieve",
        summary="Get the section order",
        description="The article's anchors in order.",
        tags=SECTIONS_TAG,
        responses={200: SectionOrderOutputSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
        examples=[examples.SECTION_ORDER_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        return _order_response(selectors.working_copy_get(slug=slug))

    @extend_schema(
        operation_id="section_order_update",
        summary="Reorder sections",
        description="Put the sections in a new order: list every anchor exactly once. Only "
        "sections whose position changes get a history record. Needs `If-Match`. Editors only.",
        tags=SECTIONS_TAG,
        request=SectionOrderInputSerializer,
        responses={200: SectionOrderOutputSerializer, **examples.CONDITIONAL_ERRORS},
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.SECTION_ORDER_REQUEST_EXAMPLE, examples.SECTION_ORDER_EXAMPLE],
    )
    @transaction.atomic
    def put(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = SectionOrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = _change_reason(request, data)
        services.section_reorder(
            article=article,
            user=request.user,
            if_match=_if_match(request),
            anchors=data["anchors"],
            reason=reason,
        )
        return _order_response(selectors.working_copy_get(slug=slug))


class ArticleRevertApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="articles_revert",
        summary="Revert the working copy to a version",
        description="Make the working copy's content equal to a frozen version's: its title, "
        "summary, topics, audience and sections, in the version's order (the CMS's "
        "`external_id` stays). Sections are matched by anchor as in a PUT, and each changed "
        "article or section row is recorded in the history with the reason (default: "
        "`Reverted to version N`); afterwards the working copy's content hash is the version's "
        "`content_hash`. Nothing is published: submit the working copy for review as after any "
        "edit. A working copy that already equals the version is refused with 409 "
        "`nothing_to_revert`, so that the history records only real changes. Needs `If-Match`. "
        "Editors only.",
        tags=ARTICLES_TAG,
        request=ArticleRevertInputSerializer,
        responses={
            200: ArticleOutputSerializer,
            **examples.CONDITIONAL_ERRORS,
            404: error_response(
                "No such article, or the article has no version with this number.",
                "not_found",
                "Article 'stopping-ldn' has no version 7.",
            ),
            409: error_response(
                "The working copy already equals this version: nothing to revert.",
                "nothing_to_revert",
                "The working copy already equals version 3: nothing to revert.",
            ),
        },
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[examples.ARTICLE_REVERT_EXAMPLE, examples.ARTICLE_EXAMPLE],
    )
    @transaction.atomic
    def post(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = ArticleRevertInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = _change_reason(request, data)
        version = selectors.version_get(article=article, number=data["version"])
        services.article_revert(
            article=article,
            version=version,
            user=request.user,
            if_match=_if_match(request),
            reason=reason,
        )
        return _article_response(selectors.working_copy_get(slug=slug))


@extend_schema_view(
    get=extend_schema(
        operation_id="articles_history",
        summary="An article's edit history",
        description="Every recorded change to the article and its sections, deleted sections "
        "included, newest first: who, when, why, and each changed field's old and new value.",
        tags=ARTICLES_TAG,
        responses={
            200: HistoryEntryOutputSerializer(many=True),
            400: WRITE_ERRORS[400],
            **READ_ERRORS,
        },
        examples=[examples.HISTORY_EXAMPLE],
    ),
)
class ArticleHistoryApi(AuthoringPermissions, generics.ListAPIView):
    serializer_class = HistoryEntryOutputSerializer
    pagination_class = AuthoringPagination
    filter_backends = []

    def list(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        page = self.paginate_queryset(selectors.article_history_index(article=article))
        entries = selectors.history_entries(rows=page)
        return self.get_paginated_response(HistoryEntryOutputSerializer(entries, many=True).data)
