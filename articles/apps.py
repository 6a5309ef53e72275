"""App configuration for articles: the working copy, its history and the authoring API."""

from django.apps import AppConfig
from django.core import checks

from articles.delivery.checks import delivery_middleware_position


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(delivery_middleware_position)
