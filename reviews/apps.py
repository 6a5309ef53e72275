"""App configuration for reviews: clinicians, reviews, comments, decisions and their audit trail."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Clinical review"
    default_auto_field = "django.db.models.BigAutoField"
