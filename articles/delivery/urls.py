"""URLs of the delivery API for consuming sites, under PREFIX."""

from django.urls import path

from articles.apis import delivery

# Mounted first in the root URLconf, and routed by articles.middleware.DeliveryMiddleware.
PREFIX = "api/v1/published/"

urlpatterns = [
    path("articles/", delivery.PublishedArticleListApi.as_view(), name="published-article-list"),
    path(
        "articles/<slug:slug>/",
        delivery.PublishedArticleDetailApi.as_view(),
        name="published-article-detail",
    ),
    path(
        "articles/<slug:slug>/sections/<slug:anchor>/",
        delivery.PublishedSectionDetailApi.as_view(),
        name="published-section-detail",
    ),
    path("changes/", delivery.ChangesFeedApi.as_view(), name="published-changes"),
]
