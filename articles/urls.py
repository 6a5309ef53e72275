"""URLs of the authoring API, under /api/v1/."""

from django.urls import path

from articles import apis
from articles.apis import webhooks

urlpatterns = [
    path("articles/", apis.ArticleListCreateApi.as_view(), name="article-list"),
    path("articles/<slug:slug>/", apis.ArticleDetailApi.as_view(), name="article-detail"),
    path(
        "articles/<slug:slug>/revert/",
        apis.ArticleRevertApi.as_view(),
        name="article-revert",
    ),
    path(
        "articles/<slug:slug>/history/",
        apis.ArticleHistoryApi.as_view(),
        name="article-history",
    ),
    path(
        "articles/<slug:slug>/sections/",
        apis.SectionListCreateApi.as_view(),
        name="section-list",
    ),
    path(
        "articles/<slug:slug>/sections/<slug:anchor>/",
        apis.SectionDetailApi.as_view(),
        name="section-detail",
    ),
    path(
        "articles/<slug:slug>/references/",
        apis.ReferenceListCreateApi.as_view(),
        name="reference-list",
    ),
    path(
        "articles/<slug:slug>/references/<slug:key>/",
        apis.ReferenceDetailApi.as_view(),
        name="reference-detail",
    ),
    path(
        "articles/<slug:slug>/section-order/",
        apis.SectionOrderApi.as_view(),
        name="section-order",
    ),
    path("articles/<slug:slug>/versions/", apis.VersionListApi.as_view(), name="version-list"),
    path(
        "articles/<slug:slug>/versions/<int:number>/",
        apis.VersionDetailApi.as_view(),
        name="version-detail",
    ),
    path(
        "articles/<slug:slug>/versions/<int:number>/diff/",
        apis.VersionDiffApi.as_view(),
        name="version-diff",
    ),
    path(
        "articles/<slug:slug>/retract/",
        apis.PublicationRetractApi.as_view(),
        name="article-retract",
    ),
    path("webhooks/", webhooks.WebhookEndpointListCreateApi.as_view(), name="webhook-list"),
    path(
        "webhooks/<int:endpoint_id>/",
        webhooks.WebhookEndpointDetailApi.as_view(),
        name="webhook-detail",
    ),
    path(
        "webhooks/<int:endpoint_id>/deliveries/",
        webhooks.WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/replay/",
        webhooks.WebhookDeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
]
