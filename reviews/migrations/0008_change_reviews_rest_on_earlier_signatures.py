"""Open reviews frozen before the rule: a role that does not re-sign changes may skip a change
review only if it signed the article's last approved version and the article was not retracted
since. Requests that skipped on the role's setting alone are asked to sign in full, each
change recorded in the request's history like any other."""

from django.db import migrations
from django.utils import timezone

REASON = "Needed for change reviews: the role signed nothing this review builds on"


def require_roles_that_signed_nothing_earlier(apps, schema_editor):
    SignOffRequest = apps.get_model("reviews", "SignOffRequest")
    HistoricalSignOffRequest = apps.get_model("reviews", "HistoricalSignOffRequest")
    Review = apps.get_model("reviews", "Review")
    SignOff = apps.get_model("reviews", "SignOff")
    Publication = apps.get_model("articles", "Publication")
    spared = SignOffRequest.objects.filter(
        needed_for_change=False, review__state="submitted"
    ).select_related("review__version")
    for request in spared:
        review = request.review
        previous = (
            Review.objects.filter(
                article_id=review.article_id,
                state="approved",
                version__number__lt=review.version.number,
            )
            .order_by("-version__number")
            .first()
        )
        retracted = Publication.objects.filter(
            article_id=review.article_id, status="retracted"
        ).exists()
        signed_before = (
            previous is not None
            and SignOff.objects.filter(review=previous, role_id=request.role_id).exists()
        )
        if retracted or not signed_before:
            request.needed_for_change = True
            request.save(update_fields=["needed_for_change"])
            HistoricalSignOffRequest.objects.create(
                **{
                    field.attname: getattr(request, field.attname)
                    for field in SignOffRequest._meta.concrete_fields
                },
                history_date=timezone.now(),
                history_type="~",
                history_change_reason=REASON,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_reference_url_one_validator"),
        ("reviews", "0007_sign_off_requests_required_first"),
    ]

    operations = [
        # Reversing keeps the safer requests: nothing is spared again.
        migrations.RunPython(require_roles_that_signed_nothing_earlier, migrations.RunPython.noop),
    ]
