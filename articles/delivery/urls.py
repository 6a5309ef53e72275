"""URLs of the delivery API for consuming sites, under PREFIX."""

from django.urls import path

from articles.delivery import views

# Mounted first in the root URLconf, and routed by articles.delivery.middleware.
PREFIX = "api/v1/published/"

urlpatterns = [
    path("articles/", views.PublishedArticleListApi.as_view(), name="published-article-list"),
    path(
        "articles/<slug:slug>/",
        views.PublishedArticleDetailApi.as_view(),
        name="published-article-detail",
    ),
    path(
        "articles/<slug:slug>/sections/<slug:anchor>/",
        views.PublishedSectionDetailApi.as_view(),
        name="published-section-detail",
    ),
    path("changes/", views.ChangesFeedApi.as_view(), name="published-changes"),
]
