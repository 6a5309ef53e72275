"""The sign-off API: signing a role of a version, assigning who signs by when, and managing the
roles, the policies that ask for them and the people who hold them."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import selectors as article_selectors
from ldncontent.apidocs import READ_ERRORS, WRITE_ERRORS
from reviews import apidocs as examples
from reviews import selectors, services
from reviews.apis import StaffPermissions
from reviews.signoff_serializers import (
    ReviewSignOffsOutputSerializer,
    SignOffAssignInputSerializer,
    SignOffInputSerializer,
    SignOffPolicyCreateInputSerializer,
    SignOffPolicyOutputSerializer,
    SignOffPolicyUpdateInputSerializer,
    SignOffRequirementOutputSerializer,
    SignOffRoleCreateInputSerializer,
    SignOffRoleGrantInputSerializer,
    SignOffRoleHolderOutputSerializer,
    SignOffRoleOutputSerializer,
    SignOffRoleRevokeInputSerializer,
    SignOffRoleUpdateInputSerializer,
)

SIGN_OFFS_TAG = ["sign-offs"]
LIST_ERRORS = {code: READ_ERRORS[code] for code in (401, 403)}
BODY_ERRORS = {code: WRITE_ERRORS[code] for code in (400, 401, 413, 415)}
ROLE_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="The role's code, e.g. `pharmacist`."
)
MANAGED_BY = "Any staff role reads; publishing admins (and superusers) write."


def _review_output(review_id: int) -> dict:
    return ReviewSignOffsOutputSerializer(selectors.review_get(review_id=review_id)).data


class ReviewSignOffApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_sign_off",
        summary="Sign one role of the version under review",
        description="Sign for one role the version needs (`sign_off_requests`), bound to the "
        "`content_hash` shown with the review (409 `content_hash_mismatch`). Only a holder of "
        "the role may sign it (for `clinical`: an active clinician), never someone who "
        "submitted or edited the version, and nobody signs two roles of one version (403). "
        "Confirm every statement of the role's `checklist`. The clinical sign-off also says "
        "the `kind` of review (`full` or `change`), may set `next_review_due` and carries the "
        "`evidence` checks of the references the review covers (409 "
        "`evidence_checks_missing` lists any left out); other roles leave all three out.\n\n"
        "**The review stays `submitted` until the last required sign-off**: that signature "
        "approves the review and publishes the version, in its transaction. A `change` review "
        "needs only the roles that re-sign changes or did not sign the last approved version "
        "(`needed_for_change`). "
        "`POST .../approve/` is the clinical sign-off under its older name.",
        tags=SIGN_OFFS_TAG,
        request=SignOffInputSerializer,
        responses={
            200: ReviewSignOffsOutputSerializer,
            **BODY_ERRORS,
            403: examples.NOT_SIGNABLE,
            404: READ_ERRORS[404],
            409: examples.SIGN_OFF_CONFLICTS,
        },
        examples=[
            examples.SIGN_OFF_EXAMPLE,
            examples.CLINICAL_SIGN_OFF_EXAMPLE,
            examples.SIGNED_REVIEW_EXAMPLE,
        ],
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = SignOffInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.signoff_record(
            review=review,
            signer=request.user,
            role_code=data["role"],
            content_hash=data["content_hash"],
            kind=data["kind"],
            next_review_due=data["next_review_due"],
            checklist=data["checklist"],
            note=data["note"],
            evidence=data["evidence"],
        )
        return Response(_review_output(review.pk))


class SignOffRequestAssignApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="reviews_sign_off_requests_assign",
        summary="Assign who signs a role, by when",
        description="Ask someone to sign one role of an open review (`assignee`: a username, "
        "or null to unassign) by `due_on` (today or later, or null). The assignee must be able "
        "to sign the role and must not have submitted or edited the version (400 naming "
        "`assignee`). Their queue is `GET /api/v1/reviews/?assigned=me`; a request past its "
        "date is `overdue`. Editors, publishing admins and clinicians.",
        tags=SIGN_OFFS_TAG,
        request=SignOffAssignInputSerializer,
        parameters=[
            OpenApiParameter(
                "role",
                str,
                OpenApiParameter.PATH,
                description="The role's code, e.g. `pharmacist`.",
            )
        ],
        responses={
            200: ReviewSignOffsOutputSerializer,
            **BODY_ERRORS,
            403: examples.ASSIGN_FORBIDDEN,
            404: READ_ERRORS[404],
            409: examples.ASSIGN_CONFLICTS,
        },
        examples=[
            examples.ASSIGN_EXAMPLE,
            examples.UNASSIGN_EXAMPLE,
            examples.ASSIGNED_REVIEW_EXAMPLE,
        ],
    )
    def post(self, request: Request, review_id: int, role: str) -> Response:
        review = selectors.review_get(review_id=review_id)
        serializer = SignOffAssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.sign_off_request_assign(
            review=review,
            role_code=role,
            assignee=serializer.validated_data["assignee"],
            due_on=serializer.validated_data["due_on"],
            assigned_by=request.user,
        )
        return Response(_review_output(review.pk))


class ArticleSignOffRequirementsApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="articles_sign_off_requirements",
        summary="The sign-offs the working copy would need",
        description="The roles a version of the working copy would need (`required`) or invite "
        "if it were submitted now, by the active policies covering its topics, audience or the "
        "article itself, with the policies asking for each. The clinical role is always "
        "required. A review already open keeps the requests it was opened with.",
        tags=SIGN_OFFS_TAG,
        responses={200: SignOffRequirementOutputSerializer(many=True), **READ_ERRORS},
        examples=[examples.REQUIREMENTS_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        article = article_selectors.article_get(slug=slug)
        requirements = services.article_sign_off_requirements(article=article)
        return Response(SignOffRequirementOutputSerializer(requirements, many=True).data)


class SignOffRoleListCreateApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="sign_off_roles_list",
        summary="Sign-off roles",
        description="Every sign-off role, the clinical one first. " + MANAGED_BY,
        tags=SIGN_OFFS_TAG,
        responses={
            200: SignOffRoleOutputSerializer(many=True),
            401: READ_ERRORS[401],
            403: READ_ERRORS[403],
        },
        examples=[examples.ROLE_LIST_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        return Response(SignOffRoleOutputSerializer(selectors.sign_off_role_list(), many=True).data)

    @extend_schema(
        operation_id="sign_off_roles_create",
        summary="Create a sign-off role",
        description="A new kind of sign-off (e.g. pharmacist) that policies may then require or "
        "invite. `meaning` is what a signature attests, recorded with each; `checklist` the "
        "statements each signer confirms; `resign_on_change` false lets the role skip change "
        "reviews. Publishing admins.",
        tags=SIGN_OFFS_TAG,
        request=SignOffRoleCreateInputSerializer,
        responses={
            201: SignOffRoleOutputSerializer,
            **BODY_ERRORS,
            403: examples.MANAGERS_ONLY,
            409: examples.ROLE_CREATE_CONFLICTS,
        },
        examples=[examples.ROLE_CREATE_EXAMPLE, examples.ROLE_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        serializer = SignOffRoleCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = services.signoff_role_create(actor=request.user, **serializer.validated_data)
        return Response(SignOffRoleOutputSerializer(role).data, status=status.HTTP_201_CREATED)


class SignOffRoleDetailApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="sign_off_roles_retrieve",
        summary="A sign-off role",
        description="One sign-off role. " + MANAGED_BY,
        tags=SIGN_OFFS_TAG,
        parameters=[ROLE_CODE],
        responses={200: SignOffRoleOutputSerializer, **READ_ERRORS},
        examples=[examples.ROLE_EXAMPLE],
    )
    def get(self, request: Request, code: str) -> Response:
        return Response(SignOffRoleOutputSerializer(selectors.sign_off_role_get(code=code)).data)

    @extend_schema(
        operation_id="sign_off_roles_partial_update",
        summary="Change a sign-off role",
        description="Rename or reword a role, change its checklist or whether it re-signs "
        "changes, or deactivate it (policies then stop asking for it). Reviews already open "
        "keep the requests they were opened with; signatures keep the meaning they were given "
        "with. A code reviews have asked for is fixed, and a role open reviews require stays "
        "active until they are decided (409 `role_in_use`). The clinical role's code is fixed, "
        "and it can be neither deactivated nor spared change reviews (409 "
        "`clinical_role_fixed`). Publishing admins.",
        tags=SIGN_OFFS_TAG,
        parameters=[ROLE_CODE],
        request=SignOffRoleUpdateInputSerializer,
        responses={
            200: SignOffRoleOutputSerializer,
            **BODY_ERRORS,
            403: examples.MANAGERS_ONLY,
            404: READ_ERRORS[404],
            409: examples.ROLE_CONFLICTS,
        },
        examples=[examples.ROLE_UPDATE_EXAMPLE, examples.ROLE_EXAMPLE],
    )
    def patch(self, request: Request, code: str) -> Response:
        role = selectors.sign_off_role_get(code=code)
        serializer = SignOffRoleUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = services.signoff_role_update(
            role=role, actor=request.user, changes=serializer.validated_data
        )
        return Response(SignOffRoleOutputSerializer(role).data)


class SignOffPolicyListCreateApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="sign_off_policies_list",
        summary="Sign-off policies",
        description="Every sign-off policy by name, active or not. " + MANAGED_BY,
        tags=SIGN_OFFS_TAG,
        responses={
            200: SignOffPolicyOutputSerializer(many=True),
            401: READ_ERRORS[401],
            403: READ_ERRORS[403],
        },
        examples=[examples.POLICY_LIST_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        policies = selectors.sign_off_policy_list()
        return Response(SignOffPolicyOutputSerializer(policies, many=True).data)

    @extend_schema(
        operation_id="sign_off_policies_create",
        summary="Create a sign-off policy",
        description="Ask for these roles' sign-offs (`required_roles`) or invite them "
        "(`optional_roles`, never the clinical role) on every version of one `topic`, one "
        "`audience` or one `article` (by slug), or with none of the three, of every article: "
        "at most one scope (400 naming `scope`), and a role is either required or optional. "
        "The next submissions follow it; reviews already open do not change. Publishing "
        "admins.",
        tags=SIGN_OFFS_TAG,
        request=SignOffPolicyCreateInputSerializer,
        responses={
            201: SignOffPolicyOutputSerializer,
            **BODY_ERRORS,
            403: examples.MANAGERS_ONLY,
            409: examples.POLICY_CONFLICTS,
        },
        examples=[examples.POLICY_CREATE_EXAMPLE, examples.POLICY_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        serializer = SignOffPolicyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = services.signoff_policy_create(actor=request.user, **serializer.validated_data)
        policy = selectors.sign_off_policy_get(policy_id=policy.pk)
        return Response(SignOffPolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)


class SignOffPolicyDetailApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="sign_off_policies_retrieve",
        summary="A sign-off policy",
        description="One sign-off policy. " + MANAGED_BY,
        tags=SIGN_OFFS_TAG,
        responses={200: SignOffPolicyOutputSerializer, **READ_ERRORS},
        examples=[examples.POLICY_EXAMPLE],
    )
    def get(self, request: Request, policy_id: int) -> Response:
        policy = selectors.sign_off_policy_get(policy_id=policy_id)
        return Response(SignOffPolicyOutputSerializer(policy).data)

    @extend_schema(
        operation_id="sign_off_policies_partial_update",
        summary="Change a sign-off policy",
        description="Change a policy's name, scope or roles, or deactivate it (`active`). "
        "The same rules as creating it; the next submissions follow the change, reviews "
        "already open do not. Publishing admins.",
        tags=SIGN_OFFS_TAG,
        request=SignOffPolicyUpdateInputSerializer,
        responses={
            200: SignOffPolicyOutputSerializer,
            **BODY_ERRORS,
            403: examples.MANAGERS_ONLY,
            404: READ_ERRORS[404],
            409: examples.POLICY_CONFLICTS,
        },
        examples=[examples.POLICY_UPDATE_EXAMPLE, examples.POLICY_EXAMPLE],
    )
    def patch(self, request: Request, policy_id: int) -> Response:
        policy = selectors.sign_off_policy_get(policy_id=policy_id)
        serializer = SignOffPolicyUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.signoff_policy_update(
            policy=policy, actor=request.user, changes=serializer.validated_data
        )
        policy = selectors.sign_off_policy_get(policy_id=policy.pk)
        return Response(SignOffPolicyOutputSerializer(policy).data)


class SignOffRoleHolderListGrantApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="sign_off_roles_holders_list",
        summary="Who may sign a role",
        description="The people who hold the role, active ones first (revoked holders stay "
        "listed, as sign-offs name them). For `clinical`: the clinicians. " + MANAGED_BY,
        tags=SIGN_OFFS_TAG,
        parameters=[ROLE_CODE],
        responses={200: SignOffRoleHolderOutputSerializer(many=True), **READ_ERRORS},
        examples=[examples.HOLDER_LIST_EXAMPLE],
    )
    def get(self, request: Request, code: str) -> Response:
        role = selectors.sign_off_role_get(code=code)
        holders = selectors.sign_off_role_holders(role=role)
        return Response(SignOffRoleHolderOutputSerializer(holders, many=True).data)

    @extend_schema(
        operation_id="sign_off_roles_holders_grant",
        summary="Grant a sign-off role",
        description="Let an account sign for the role, named to readers as given; it joins the "
        "`sign-off-reviewers` group. A holder whose role was revoked is made active again with "
        "these details. Recorded in the role audit trail. Superusers only (who, to call the "
        "API, also hold a staff role such as publishing-admins): publishing admins create "
        "accounts and set their passwords, so they do not also give them signing authority "
        "(403 `not_allowed`). Never for one's own account (403 `own_role`); the clinical role "
        "is granted by a superuser on the clinician profiles instead (409 "
        "`clinical_role_fixed`).",
        tags=SIGN_OFFS_TAG,
        parameters=[ROLE_CODE],
        request=SignOffRoleGrantInputSerializer,
        responses={
            201: SignOffRoleHolderOutputSerializer,
            **BODY_ERRORS,
            403: examples.GRANT_FORBIDDEN,
            404: READ_ERRORS[404],
            409: examples.GRANT_CONFLICTS,
        },
        examples=[examples.GRANT_EXAMPLE, examples.HOLDER_EXAMPLE],
    )
    def post(self, request: Request, code: str) -> Response:
        role = selectors.sign_off_role_get(code=code)
        serializer = SignOffRoleGrantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        holder = services.signoff_role_grant(
            user=data.pop("username"), role=role, granted_by=request.user, **data
        )
        return Response(
            SignOffRoleHolderOutputSerializer(holder).data, status=status.HTTP_201_CREATED
        )


class SignOffRoleRevokeApi(StaffPermissions, APIView):
    @extend_schema(
        operation_id="sign_off_roles_holders_revoke",
        summary="Revoke a sign-off role",
        description="Stop the account signing for the role, saying why: the holder is kept, "
        "inactive; without another sign-off role the account leaves `sign-off-reviewers`. "
        "Signatures it gave on reviews still open stop counting. Recorded in the role audit "
        "trail. Publishing admins and superusers, never for their own account.",
        tags=SIGN_OFFS_TAG,
        parameters=[
            ROLE_CODE,
            OpenApiParameter(
                "username", str, OpenApiParameter.PATH, description="The holder's username."
            ),
        ],
        request=SignOffRoleRevokeInputSerializer,
        responses={
            200: SignOffRoleHolderOutputSerializer,
            **BODY_ERRORS,
            403: examples.REVOKE_FORBIDDEN,
            404: READ_ERRORS[404],
            409: examples.REVOKE_CONFLICTS,
        },
        examples=[examples.REVOKE_EXAMPLE, examples.REVOKED_HOLDER_EXAMPLE],
    )
    def post(self, request: Request, code: str, username: str) -> Response:
        role = selectors.sign_off_role_get(code=code)
        user = selectors.user_get(username=username)
        serializer = SignOffRoleRevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        holder = services.signoff_role_revoke(
            user=user, role=role, revoked_by=request.user, **serializer.validated_data
        )
        return Response(SignOffRoleHolderOutputSerializer(holder).data)
