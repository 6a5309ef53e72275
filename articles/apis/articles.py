"""The authoring API of articles: the working copy's list, create, read, PUT, PATCH, revert and
history, for editors and CMSs."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import apidocs as examples
from articles import selectors, services
from articles.apis.authoring import (
    AuthoringPagination,
    AuthoringPermissions,
    request_change_reason,
    request_if_match,
)
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
from ldncontent.apidocs import (
    ETAG_HEADER,
    IF_MATCH,
    IF_MATCH_UNLESS_CREATING,
    READ_ERRORS,
    WRITE_ERRORS,
    error_response,
)

ARTICLES_TAG = ["articles"]


# Every answer is built from one read (selectors.working_copy_get): its body and its ETag
# describe the same state. Write handlers read it in the transaction of their service call,
# while the article is still locked: the state this write produced, never a later one.
def _article_response(
    working_copy: selectors.WorkingCopy, *, status_code: int = status.HTTP_200_OK
) -> Response:
    data = ArticleOutputSerializer(
        working_copy.article,
        context={
            "etag": working_copy.etag,
            "sections": working_copy.sections,
            "references": working_copy.references,
            "unused_references": working_copy.unused_references,
        },
    ).data
    response = Response(data, status=status_code, headers={"ETag": working_copy.etag})
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = reverse("article-detail", kwargs={"slug": working_copy.article.slug})
    return response


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
        reason = request_change_reason(request, data)
        article = services.article_create(
            author=request.user,
            slug=data.pop("slug"),
            sections=data.pop("sections", []),
            references=data.pop("references", []),
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
        references = data.pop("references", None)
        reason = request_change_reason(request, data)
        _, created = services.article_put(
            slug=slug,
            user=request.user,
            if_match=request_if_match(request),
            fields=data,
            sections=sections,
            references=references,
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
        reason = request_change_reason(request, fields)
        services.article_update(
            article=article,
            user=request.user,
            if_match=request_if_match(request),
            fields=fields,
            reason=reason,
        )
        return _article_response(selectors.working_copy_get(slug=slug))


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
        reason = request_change_reason(request, data)
        version = selectors.version_get(article=article, number=data["version"])
        services.article_revert(
            article=article,
            version=version,
            user=request.user,
            if_match=request_if_match(request),
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
