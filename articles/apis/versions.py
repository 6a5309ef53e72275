"""The authoring API of frozen versions: list, read, diff; and retraction of the live version."""

import re

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import apidocs as examples
from articles import selectors, services
from articles.serializers.versions import (
    PublicationStatusOutputSerializer,
    RetractInputSerializer,
    VersionDiffOutputSerializer,
    VersionOutputSerializer,
    VersionSummaryOutputSerializer,
)
from ldncontent.apidocs import CONFLICT, READ_ERRORS, WRITE_ERRORS
from ldncontent.permissions import HasStaffRole

VERSIONS_TAG = ["versions"]
AGAINST_PATTERN = r"^(live|[0-9]{1,9})$"


class StaffReadPermissions:
    """Any staff role may read versions; services check authority for writes."""

    permission_classes = [IsAuthenticated, HasStaffRole]


class VersionListApi(StaffReadPermissions, APIView):
    @extend_schema(
        operation_id="versions_list",
        summary="List an article's versions",
        description="Every submitted version of the article, newest first, without sections. "
        "Versions are frozen: nothing edits or deletes them.",
        tags=VERSIONS_TAG,
        responses={200: VersionSummaryOutputSerializer(many=True), **READ_ERRORS},
        examples=[examples.VERSION_LIST_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        versions = selectors.version_list(article=article)
        return Response(VersionSummaryOutputSerializer(versions, many=True).data)


class VersionDetailApi(StaffReadPermissions, APIView):
    @extend_schema(
        operation_id="versions_retrieve",
        summary="Get a version",
        description="One frozen version with its sections and its `content_hash` (the hash a "
        "clinician's approval is bound to).",
        tags=VERSIONS_TAG,
        responses={200: VersionOutputSerializer, **READ_ERRORS},
        examples=[examples.VERSION_EXAMPLE],
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        article = selectors.article_get(slug=slug)
        version = selectors.version_get(article=article, number=number)
        return Response(VersionOutputSerializer(version).data)


class VersionDiffApi(StaffReadPermissions, APIView):
    @extend_schema(
        operation_id="versions_diff",
        summary="Diff a version against another or the live one",
        description="Every difference between version `number` and `against`: a version "
        "number, or `live` (the default) for the version consuming sites are served now. "
        "`fields` covers each content field that reaches served bytes (title, summary, topics, "
        "audience) with a word-level diff when changed. Sections are matched by anchor and "
        "marked added, removed, changed or unchanged, and `moved` when their place changed; "
        "changed headings and bodies carry a word-level diff. `changed` is true when anything "
        "a consuming site would be served differs. Word matching is bounded in time: past "
        "0.3 s, the rest of a very large diff shows whole replaced runs.",
        tags=VERSIONS_TAG,
        parameters=[
            OpenApiParameter(
                "against",
                {"type": "string", "pattern": AGAINST_PATTERN},
                description="A version number, or `live` (default).",
                examples=[OpenApiExample("live", value="live"), OpenApiExample("v1", value="1")],
            )
        ],
        responses={200: VersionDiffOutputSerializer, 400: WRITE_ERRORS[400], **READ_ERRORS},
        examples=[examples.VERSION_DIFF_EXAMPLE],
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        article = selectors.article_get(slug=slug)
        version = selectors.version_get(article=article, number=number)
        against_param = request.query_params.get("against", "live")
        if against_param == "live":
            publication = selectors.live_publication(article=article)
            against = publication.version if publication else None
        elif re.fullmatch(AGAINST_PATTERN, against_param):
            against = selectors.version_get(article=article, number=int(against_param))
        else:
            raise ValidationError({"against": ["Use a version number or `live`."]})
        diff = selectors.version_diff(version=version, against=against)
        return Response(
            VersionDiffOutputSerializer(
                {
                    "version": version.number,
                    "against": against.number if against else None,
                    "changed": diff.changed,
                    "fields": diff.fields,
                    "sections": diff.sections,
                    "references": diff.references,
                }
            ).data
        )


class PublicationRetractApi(StaffReadPermissions, APIView):
    @extend_schema(
        operation_id="articles_retract",
        summary="Retract the live version",
        description="Withdraw the article's live version from delivery at once. Consuming "
        "sites then get 410 with the reason. The publication and every version stay in the "
        "history; a later approval publishes again. Publishing admins and clinicians only.",
        tags=VERSIONS_TAG,
        request=RetractInputSerializer,
        responses={
            200: PublicationStatusOutputSerializer,
            **{code: WRITE_ERRORS[code] for code in (400, 401, 403, 404, 413, 415)},
            409: CONFLICT,
        },
        examples=[examples.RETRACT_REQUEST_EXAMPLE, examples.RETRACTED_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        article = selectors.article_get(slug=slug)
        serializer = RetractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        publication = services.publication_retract(
            article=article, user=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(PublicationStatusOutputSerializer(publication).data)
