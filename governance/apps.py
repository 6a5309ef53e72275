"""App configuration for governance: reader feedback and the assessors' dossiers."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from governance.services import feedback_acknowledge
        from reviews.hooks import on_review_approved

        on_review_approved(feedback_acknowledge)
