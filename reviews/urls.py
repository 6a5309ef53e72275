"""URLs of the reviewer API, under /api/v1/ (some nest under an article's path)."""

from django.urls import path

from reviews import apis, signoff_apis

urlpatterns = [
    path("articles/<slug:slug>/submit/", apis.ArticleSubmitApi.as_view(), name="article-submit"),
    path(
        "articles/<slug:slug>/review-status/",
        apis.ArticleReviewStatusApi.as_view(),
        name="article-review-status",
    ),
    path(
        "articles/<slug:slug>/versions/<int:number>/preview/",
        apis.VersionPreviewApi.as_view(),
        name="version-preview",
    ),
    path("reviews/", apis.ReviewListApi.as_view(), name="review-list"),
    path("reviews/<int:review_id>/", apis.ReviewDetailApi.as_view(), name="review-detail"),
    path(
        "reviews/<int:review_id>/approve/", apis.ReviewApproveApi.as_view(), name="review-approve"
    ),
    path(
        "reviews/<int:review_id>/request-changes/",
        apis.ReviewRequestChangesApi.as_view(),
        name="review-request-changes",
    ),
    path("reviews/<int:review_id>/reject/", apis.ReviewRejectApi.as_view(), name="review-reject"),
    path(
        "reviews/<int:review_id>/withdraw/",
        apis.ReviewWithdrawApi.as_view(),
        name="review-withdraw",
    ),
    path(
        "reviews/<int:review_id>/comments/",
        apis.ReviewCommentListCreateApi.as_view(),
        name="review-comments",
    ),
    path(
        "reviews/<int:review_id>/comments/<int:comment_id>/resolve/",
        apis.CommentResolveApi.as_view(),
        name="review-comment-resolve",
    ),
    path(
        "reviews/<int:review_id>/sign-off/",
        signoff_apis.ReviewSignOffApi.as_view(),
        name="review-sign-off",
    ),
    path(
        "reviews/<int:review_id>/sign-off-requests/<slug:role>/assign/",
        signoff_apis.SignOffRequestAssignApi.as_view(),
        name="review-sign-off-assign",
    ),
    path(
        "articles/<slug:slug>/sign-off-requirements/",
        signoff_apis.ArticleSignOffRequirementsApi.as_view(),
        name="article-sign-off-requirements",
    ),
    path(
        "sign-off-roles/",
        signoff_apis.SignOffRoleListCreateApi.as_view(),
        name="sign-off-role-list",
    ),
    path(
        "sign-off-roles/<slug:code>/",
        signoff_apis.SignOffRoleDetailApi.as_view(),
        name="sign-off-role-detail",
    ),
    path(
        "sign-off-roles/<slug:code>/holders/",
        signoff_apis.SignOffRoleHolderListGrantApi.as_view(),
        name="sign-off-role-holders",
    ),
    path(
        "sign-off-roles/<slug:code>/holders/<str:username>/revoke/",
        signoff_apis.SignOffRoleRevokeApi.as_view(),
        name="sign-off-role-revoke",
    ),
    path(
        "sign-off-policies/",
        signoff_apis.SignOffPolicyListCreateApi.as_view(),
        name="sign-off-policy-list",
    ),
    path(
        "sign-off-policies/<int:policy_id>/",
        signoff_apis.SignOffPolicyDetailApi.as_view(),
        name="sign-off-policy-detail",
    ),
]
