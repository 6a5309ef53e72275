"""The authoring API of an article's sections: list, add, read, change, delete and reorder."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import apidocs as examples
from articles import selectors, services
from articles.apis.authoring import AuthoringPermissions, request_change_reason, request_if_match
from articles.serializers.sections import (
    SectionCreateInputSerializer,
    SectionOrderInputSerializer,
    SectionOrderOutputSerializer,
    SectionOutputSerializer,
    SectionUpdateInputSerializer,
)
from ldncontent.apidocs import ETAG_HEADER, IF_MATCH, READ_ERRORS

SECTIONS_TAG = ["sections"]


def _section_response(
    working_copy: selectors.WorkingCopy, anchor: str, *, status_code: int = status.HTTP_200_OK
) -> Response:
    section = working_copy.section(anchor)
    return Response(
        SectionOutputSerializer(section).data,
        status=status_code,
        headers={"ETag": working_copy.etag},
    )


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
        reason = request_change_reason(request, data)
        section = services.section_create(
            article=article,
            user=request.user,
            if_match=request_if_match(request),
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
        reason = request_change_reason(request, changes)
        services.section_update(
            article=article,
            anchor=anchor,
            user=request.user,
            if_match=request_if_match(request),
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
            if_match=request_if_match(request),
            reason=request_change_reason(request),
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
        reason = request_change_reason(request, data)
        services.section_reorder(
            article=article,
            user=request.user,
            if_match=request_if_match(request),
            anchors=data["anchors"],
            reason=reason,
        )
        return _order_response(selectors.working_copy_get(slug=slug))
