"""What the working-copy views share: pagination, permissions, and a write's If-Match and change
reason read from the request."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from articles import apidocs as examples
from articles.exceptions import ChangeReasonTwice
from articles.serializers.fields import change_reason_field
from ldncontent.permissions import HasStaffRole, WritesNeedEditor


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


def request_if_match(request: Request) -> str | None:
    return request.headers.get("If-Match")


def request_change_reason(request: Request, data: dict | None = None) -> str | None:
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
