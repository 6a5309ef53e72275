"""URLs of the governance API, under /api/v1/ (some nest under an article's or review's path).

The consuming sites' feedback endpoint is under delivery's prefix but not one of delivery's
routes: ldncontent.urls mounts FEEDBACK_URLS before delivery's include, and the request goes
through the whole middleware stack.
"""

from django.urls import path

from governance import apis

FEEDBACK_URLS = [
    path(
        "articles/<slug:slug>/feedback/",
        apis.PublishedFeedbackCreateApi.as_view(),
        name="published-feedback-create",
    ),
]

urlpatterns = [
    path("feedback/", apis.FeedbackListApi.as_view(), name="feedback-list"),
    path("feedback/<int:feedback_id>/", apis.FeedbackDetailApi.as_view(), name="feedback-detail"),
    path(
        "feedback/<int:feedback_id>/triage/",
        apis.FeedbackTriageApi.as_view(),
        name="feedback-triage",
    ),
    path(
        "reviews/<int:review_id>/feedback/",
        apis.ReviewFeedbackApi.as_view(),
        name="review-feedback",
    ),
    path(
        "articles/<slug:slug>/versions/<int:number>/dossier/",
        apis.VersionDossierApi.as_view(),
        name="version-dossier",
    ),
    path("dossiers/", apis.DossierSampleApi.as_view(), name="dossier-sample"),
]
