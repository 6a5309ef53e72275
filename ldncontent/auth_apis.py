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


class WhoAmISignOffRoleSerializer(serializers.Serializer):
    """A sign-off role the user holds, and how their signatures name them."""

    role = serializers.CharField(
        source="role.code", read_only=True, help_text="The role's code, e.g. `pharmacist`."
    )
    role_name = serializers.CharField(
        source="role.name", read_only=True, help_text="e.g. `Pharmacist`."
    )
    published_name = serializers.CharField(
        read_only=True, help_text="The name readers see on the signature, e.g. `Sam Patel`."
    )
    credentials = serializers.CharField(read_only=True, help_text="e.g. `MPharm`.")


class WhoAmISerializer(serializers.Serializer):
    """The authenticated user, their roles, their clinician profile and sign-off roles."""

    username = serializers.CharField(read_only=True, help_text="The username.")
    roles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The user's role groups."
    )
    clinician = WhoAmIClinicianSerializer(
        read_only=True,
        allow_null=True,
        help_text="The clinician profile (a superuser grants it); null for other staff.",
    )
    sign_off_roles = WhoAmISignOffRoleSerializer(
        many=True,
        read_only=True,
        help_text="The other sign-off roles the user may sign (pharmacist, lay reader, ...); "
        "the clinical role comes with the clinician profile.",
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
        description="The authenticated user, their role groups, for clinicians the profile "
        "that approvals publish (name, credentials, profession, active), and the other "
        "sign-off roles they hold (active ones only).",
        tags=AUTH_TAG,
        responses={200: WhoAmISerializer, 401: NOT_AUTHENTICATED},
        examples=[
            OpenApiExample(
                "editor",
                value={
                    "username": "editor",
                    "roles": ["editors"],
                    "clinician": None,
                    "sign_off_roles": [],
                },
                response_only=True,
            ),
            OpenApiExample(
                "pharmacist",
                value={
                    "username": "sam-patel",
                    "roles": ["sign-off-reviewers"],
                    "clinician": None,
                    "sign_off_roles": [
                        {
                            "role": "pharmacist",
                            "role_name": "Pharmacist",
                            "published_name": "Sam Patel",
                            "credentials": "MPharm",
                        }
                    ],
                },
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
                    "sign_off_roles": [],
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        # The reverse one-to-one raises (an AttributeError) when there is no profile.
        profile = getattr(request.user, "clinician_profile", None)
        # The reverse relation of reviews' SignOffRoleHolder: ldncontent imports no app.
        sign_off_roles = request.user.sign_off_roles.filter(active=True).select_related("role")
        return Response(
            WhoAmISerializer(
                {
                    "username": request.user.get_username(),
                    "roles": sorted(user_roles(request.user)),
                    "clinician": profile,
                    "sign_off_roles": sign_off_roles.order_by("role__code"),
                }
            ).data
        )
