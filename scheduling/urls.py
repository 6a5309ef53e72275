"""URLs of the scheduling API, under /api/v1/.

The embargo endpoints are under delivery's prefix but are not delivery routes:
ldncontent.urls mounts UPCOMING_URLS before delivery's include, so they go through the whole
middleware stack and DRF's dispatch.
"""

from django.urls import path

from scheduling import apis

UPCOMING_URLS = [
    path("upcoming/", apis.UpcomingListApi.as_view(), name="published-upcoming-list"),
    path(
        "upcoming/<slug:slug>/",
        apis.UpcomingDetailApi.as_view(),
        name="published-upcoming-detail",
    ),
]

urlpatterns = [
    path("schedules/", apis.ScheduleListApi.as_view(), name="schedule-list"),
    path("schedules/<int:schedule_id>/", apis.ScheduleDetailApi.as_view(), name="schedule-detail"),
    path(
        "schedules/<int:schedule_id>/cancel/",
        apis.ScheduleCancelApi.as_view(),
        name="schedule-cancel",
    ),
    path("releases/", apis.ReleaseListApi.as_view(), name="release-list"),
    path("releases/<int:release_id>/", apis.ReleaseDetailApi.as_view(), name="release-detail"),
    path("releases/<int:release_id>/add/", apis.ReleaseAddApi.as_view(), name="release-add"),
    path(
        "releases/<int:release_id>/remove/", apis.ReleaseRemoveApi.as_view(), name="release-remove"
    ),
    path(
        "releases/<int:release_id>/cancel/", apis.ReleaseCancelApi.as_view(), name="release-cancel"
    ),
    path("withdrawals/", apis.WithdrawalListApi.as_view(), name="withdrawal-list"),
    path(
        "withdrawals/<int:withdrawal_id>/cancel/",
        apis.WithdrawalCancelApi.as_view(),
        name="withdrawal-cancel",
    ),
    path(
        "articles/<slug:slug>/withdrawal/",
        apis.ArticleWithdrawalSetApi.as_view(),
        name="article-withdrawal-set",
    ),
]
