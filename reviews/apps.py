"""App configuration for reviews: clinicians, reviews, comments, decisions and their audit trail."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Clinical review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviews.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
