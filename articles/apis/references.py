"""The authoring API of an article's references: list, add, read, change and delete."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import apidocs as examples
from articles import selectors, services
from articles.apis.authoring import AuthoringPermissions, request_change_reason, request_if_match
from articles.serializers.references import (
    ReferenceCreateInputSerializer,
    ReferenceOutputSerializer,
    ReferenceUpdateInputSerializer,
)
from ldncontent.apidocs import ETAG_HEADER, IF_MATCH, READ_ERRORS, error_response

REFERENCES_TAG = ["references"]

EXAMPLE_REFERENCE = {
    "key": "nice-ng193",
    "kind": "guideline",
    "title": "Chronic pain (primary and secondary) in over 16s: assessment of all chronic pain "
    "and management of chronic primary pain",
    "authors_or_publisher": "National Institute for Health and Care Excellence",
    "doi": "",
    "pmid": "",
    "guideline_id": "NG193",
    "url": "https://www.nice.org.uk/guidance/ng193",
    "published_on": "2021-04-07",
    "accessed_on": "2026-11-02",
    "status": "current",
    "last_checked_at": "2026-11-20T03:00:00Z",
    "check_result": "ok",
    "check_detail": "HTTP 200",
    "dead_since": None,
    "flagged": False,
}
REFERENCE_EXAMPLE = OpenApiExample("reference", value=EXAMPLE_REFERENCE, response_only=True)
REFERENCE_CREATE_EXAMPLE = OpenApiExample(
    "new reference",
    value={
        "key": "nice-ng193",
        "kind": "guideline",
        "title": "Chronic pain in over 16s",
        "authors_or_publisher": "NICE",
        "guideline_id": "NG193",
        "url": "https://www.nice.org.uk/guidance/ng193",
        "published_on": "2021-04-07",
    },
    request_only=True,
)
REFERENCE_UPDATE_EXAMPLE = OpenApiExample(
    "mark superseded", value={"status": "superseded"}, request_only=True
)
REFERENCE_KEY_TAKEN = error_response(
    "The article already has a reference with this key.",
    "reference_key_taken",
    "The article already has a reference with this key: choose another key.",
)
REFERENCE_CITED = error_response(
    "Sections still cite the reference.",
    "reference_cited",
    "The sections tapering-off cite [^nice-ng193]: remove the citations first.",
)


def _reference_response(
    working_copy: selectors.WorkingCopy, key: str, *, status_code: int = status.HTTP_200_OK
) -> Response:
    return Response(
        ReferenceOutputSerializer(working_copy.reference(key)).data,
        status=status_code,
        headers={"ETag": working_copy.etag},
    )


class ReferenceListCreateApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="references_list",
        summary="List an article's references",
        description="The article's sources in key order, with what the last link check "
        "found. The `ETag` header is the article's.",
        tags=REFERENCES_TAG,
        responses={200: ReferenceOutputSerializer(many=True), **READ_ERRORS},
        parameters=[ETAG_HEADER],
        examples=[OpenApiExample("references", value=[EXAMPLE_REFERENCE], response_only=True)],
    )
    def get(self, request: Request, slug: str) -> Response:
        working_copy = selectors.working_copy_get(slug=slug)
        return Response(
            ReferenceOutputSerializer(working_copy.references, many=True).data,
            headers={"ETag": working_copy.etag},
        )

    @extend_schema(
        operation_id="references_create",
        summary="Add a reference",
        description="Add a source that sections may cite as `[^key]`. DOI, PubMed id and URL "
        "are checked for form. Needs `If-Match` with the article's ETag, which changes. "
        "Editors only.",
        tags=REFERENCES_TAG,
        request=ReferenceCreateInputSerializer,
        responses={
            201: ReferenceOutputSerializer,
            **examples.CONDITIONAL_ERRORS,
            409: REFERENCE_KEY_TAKEN,
        },
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[REFERENCE_CREATE_EXAMPLE, REFERENCE_EXAMPLE],
    )
    @transaction.atomic
    def post(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = ReferenceCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        reason = request_change_reason(request, values)
        reference = services.reference_create(
            article=article,
            user=request.user,
            if_match=request_if_match(request),
            values=values,
            reason=reason,
        )
        response = _reference_response(
            selectors.working_copy_get(slug=slug),
            reference.key,
            status_code=status.HTTP_201_CREATED,
        )
        response["Location"] = reverse(
            "reference-detail", kwargs={"slug": slug, "key": reference.key}
        )
        return response


class ReferenceDetailApi(AuthoringPermissions, APIView):
    @extend_schema(
        operation_id="references_retrieve",
        summary="Get a reference",
        description="One reference of the working copy. The `ETag` header is the article's.",
        tags=REFERENCES_TAG,
        responses={200: ReferenceOutputSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
        examples=[REFERENCE_EXAMPLE],
    )
    def get(self, request: Request, slug: str, key: str) -> Response:
        return _reference_response(selectors.working_copy_get(slug=slug), key)

    @extend_schema(
        operation_id="references_partial_update",
        summary="Change a reference",
        description="Change some of a reference's fields; the key never changes. Marking a "
        "cited source `withdrawn` or `superseded` flags every article citing it (event "
        "`reference.flagged`). Needs `If-Match` with the article's ETag. Editors only.",
        tags=REFERENCES_TAG,
        request=ReferenceUpdateInputSerializer,
        responses={200: ReferenceOutputSerializer, **examples.CONDITIONAL_ERRORS},
        parameters=[IF_MATCH, examples.CHANGE_REASON, ETAG_HEADER],
        examples=[REFERENCE_UPDATE_EXAMPLE, REFERENCE_EXAMPLE],
    )
    @transaction.atomic
    def patch(self, request: Request, slug: str, key: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = ReferenceUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = request_change_reason(request, changes)
        services.reference_update(
            article=article,
            key=key,
            user=request.user,
            if_match=request_if_match(request),
            changes=changes,
            reason=reason,
        )
        return _reference_response(selectors.working_copy_get(slug=slug), key)

    @extend_schema(
        operation_id="references_destroy",
        summary="Delete a reference",
        description="Delete a reference no section cites (409 `reference_cited` otherwise). "
        "The deletion stays in the history. Needs `If-Match`. Editors only.",
        tags=REFERENCES_TAG,
        responses={204: None, **examples.DELETE_ERRORS, 409: REFERENCE_CITED},
        parameters=[IF_MATCH, examples.CHANGE_REASON],
    )
    @transaction.atomic
    def delete(self, request: Request, slug: str, key: str) -> Response:
        article = selectors.article_get(slug=slug)
        services.reference_delete(
            article=article,
            key=key,
            user=request.user,
            if_match=request_if_match(request),
            reason=request_change_reason(request),
        )
        working_copy = selectors.working_copy_get(slug=slug)
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": working_copy.etag})
