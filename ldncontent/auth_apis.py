"""Staff authentication endpoints: issue and revoke bearer tokens, and who am I."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ldncontent.apidocs import NOT_AUTHENTICATED, VALIDATION_ERROR, error_response
from ldncontent.exceptions import DomainError
from ldncontent.permissions import user_roles
from ldncontent.serializers import ErrorSerializer, StrictCharField, StrictSerializer
from ldncontent.tokens import token_issue, token_revoke

AUTH_TAG = ["auth"]


class InvalidCredentials(DomainError):
    """The username and password do not match an active account."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "invalid_credentials"
    default_detail = "The username or password is wrong, or the account is inactive."


class TokenRequestSerializer(StrictSerializer):
    """Credentials exchanged for a bearer token."""

    username = StrictCharField(max_length=150, help_text="Your username.")
    password = StrictCharField(
        max_length=256,
        trim_whitespace=False,
        help_text="Your password.",
        style={"input_type": "password"},
    )


class TokenResponseSerializer(serializers.Serializer):
    """A new bearer token, shown once."""

    token = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Bearer <token>`; shown only once."
    )
    expiry = serializers.DateTimeField(read_only=True, help_text="When the token stops working.")
    username = serializers.CharField(read_only=True, help_text="Whose token it is.")
    roles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The user's role groups."
    )


class WhoAmIClinicianSerializer(serializers.Serializer):
    """The clinician profile: what readers see of the user's approvals."""

    published_name = serializers.CharField(
        read_only=True, help_text="The name shown to readers, e.g. `Dr Amina Okafor`."
    )
    credentials = serializers.CharField(
        read_only=True, help_text="Post-nominal credentials, e.g. `MBBS, MRCGP`."
    )
    profession = serializers.CharField(read_only=True, help_text="e.g. `General practitioner`.")
    active = serializers.BooleanField(
        read_only=True, help_text="Only an active clinician may approve, reject or request changes."
    )


class WhoAmISerializer(serializers.Serializer):
    """The authenticated user, their roles and their clinician profile if any."""

    username = serializers.CharField(read_only=True, help_text="The username.")
    roles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The user's role groups."
    )
    clinician = WhoAmIClinicianSerializer(
        read_only=True,
        allow_null=True,
        help_text="The clinician profile (a superuser grants it); null for other staff.",
    )


class TokenIssueApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]  # opened on purpose: this is how a token is obtained
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get a bearer token",
        description="Exchange a username and password for a bearer token that expires (30 days "
        "by default). Only its hash is stored; keep it secret. Revoke it with "
        "`POST /api/v1/auth/token/revoke/`. Attempts are rate-limited per client, and after 5 "
        "failed logins (LOGIN_FAILURE_LIMIT) for an account, or from one address, logins for "
        "that account and from that address are refused for 15 minutes "
        "(LOGIN_LOCKOUT_MINUTES).",
        tags=AUTH_TAG,
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: VALIDATION_ERROR,
            401: error_response(
                "Wrong credentials.",
                "invalid_credentials",
                InvalidCredentials.default_detail,
            ),
            429: OpenApiResponse(
                response=ErrorSerializer,
                description="Too many attempts from this client (`throttled`), or too many "
                "failed logins for this account or from this address (`locked_out`). Wait for "
                "Retry-After seconds.",
                examples=[
                    OpenApiExample(
                        "throttled",
                        value={
                            "code": "throttled",
                            "detail": "Request was throttled. Expected in 60 seconds.",
                        },
                    ),
                    OpenApiExample(
                        "locked_out",
                        value={
                            "code": "locked_out",
                            "detail": "Too many failed logins for this account or from this "
                            "address: try again in 15 minutes, or ask an administrator to "
                            "unlock the account.",
                        },
                    ),
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "credentials",
                value={"username": "editor", "password": "correct horse battery staple"},
                request_only=True,
            ),
            OpenApiExample(
                "token",
                value={
                    "token": "9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a",
                    "expiry": "2026-12-29T10:00:00Z",
                    "username": "editor",
                    "roles": ["editors"],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise InvalidCredentials()
        token, plain = token_issue(user=user)
        return Response(
            {
                "token": plain,
                "expiry": serializers.DateTimeField().to_representation(token.expiry),
                "username": user.get_username(),
                "roles": sorted(user_roles(user)),
            }
        )


class TokenRevokeApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Revoke this bearer token",
        description="Revoke the token this request is authenticated with; it stops working at "
        "once.",
        tags=AUTH_TAG,
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), 401: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WhoAmIApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_me",
        summary="Who am I",
        description="The authenticated user, their role groups and, for clinicians, the "
        "profile that approvals publish (name, credentials, profession, active).",
        tags=AUTH_TAG,
        responses={200: WhoAmISerializer, 401: NOT_AUTHENTICATED},
        examples=[
            OpenApiExample(
                "editor",
                value={"username": "editor", "roles": ["editors"], "clinician": None},
                response_only=True,
            ),
            OpenApiExample(
                "clinician",
                value={
                    "username": "clinician",
                    "roles": ["clinical-reviewers"],
                    "clinician": {
                        "published_name": "Dr Amina Okafor",
                        "credentials": "MBBS, MRCGP",
                        "profession": "General practitioner",
                        "active": True,
                    },
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        # The reverse one-to-one raises (an AttributeError) when there is no profile.
        profile = getattr(request.user, "clinician_profile", None)
        return Response(
            WhoAmISerializer(
                {
                    "username": request.user.get_username(),
                    "roles": sorted(user_roles(request.user)),
                    "clinician": profile,
                }
            ).data
        )
