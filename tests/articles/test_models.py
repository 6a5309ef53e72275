"""The served read model's rules: which publications are live, overdue and servable."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from articles import services
from articles.models import Publication, ReviewKind, ReviewOverduePolicy
from articles.rendering import Attribution, publication_render, publication_values

TODAY = date(2030, 6, 15)


@pytest.fixture
def publish_due(make_article, editor_user, doctor):
    """Publish a new article whose next review is due on `due`."""

    def publish(slug: str, due: date) -> Publication:
        version = services.version_submit(article=make_article(slug=slug), user=editor_user)
        return services.publish(
            version=version,
            attribution=Attribution(
                reviewer_name="Dr Amina Okafor",
                reviewer_credentials="MD",
                review_kind=ReviewKind.FULL,
                approved_at=timezone.now(),
                last_reviewed=due - timedelta(days=365),
                next_review_due=due,
            ),
            actor=doctor,
        )

    return publish


@pytest.fixture
def publications(publish_due, publisher):
    """One publication in each state the rules tell apart, by slug."""
    made = {
        "due-later": publish_due("due-later", TODAY + timedelta(days=1)),
        "due-today": publish_due("due-today", TODAY),
        "overdue": publish_due("overdue", TODAY - timedelta(days=1)),
        "retracted-overdue": publish_due("retracted-overdue", TODAY - timedelta(days=1)),
    }
    services.publication_retract(
        article=made["retracted-overdue"].article, user=publisher, reason="Withdrawn."
    )
    return made


def slugs(queryset) -> set[str]:
    return set(queryset.values_list("slug", flat=True))


def test_live_publications_are_those_not_retracted(publications):
    assert slugs(Publication.objects.live()) == {"due-later", "due-today", "overdue"}


def test_overdue_publications_are_live_and_due_before_today(publications):
    assert slugs(Publication.objects.overdue(today=TODAY)) == {"overdue"}


def test_flag_policy_serves_every_live_publication(publications):
    servable = Publication.objects.servable(today=TODAY, policy=ReviewOverduePolicy.FLAG)

    assert slugs(servable) == {"due-later", "due-today", "overdue"}


def test_withhold_policy_serves_live_publications_not_overdue(publications):
    servable = Publication.objects.servable(today=TODAY, policy=ReviewOverduePolicy.WITHHOLD)

    assert slugs(servable) == {"due-later", "due-today"}


@pytest.mark.parametrize("policy", ReviewOverduePolicy.values)
def test_the_one_row_rule_agrees_with_the_servable_queryset(publications, policy):
    servable = slugs(Publication.objects.servable(today=TODAY, policy=policy))
    for publication in Publication.objects.live():
        withheld = ReviewOverduePolicy.withholds(
            policy, next_review_due=publication.next_review_due, today=TODAY
        )
        assert withheld == (publication.slug not in servable), (policy, publication.slug)


def test_an_unknown_policy_is_refused_rather_than_guessed(publications):
    with pytest.raises(ValueError, match="sometimes"):
        Publication.objects.servable(today=TODAY, policy="sometimes")


def test_an_overdue_flag_stores_the_bytes_an_overdue_approval_would(publish_due):
    due = timezone.localdate() + timedelta(days=30)
    flagged = publish_due("flagged-later", due)
    services.publications_mark_overdue(today=due + timedelta(days=1))
    flagged.refresh_from_db()

    approved_overdue = Publication(
        article=flagged.article,
        **publication_values(
            version=flagged.version,
            slug=flagged.slug,
            attribution=flagged,
            now=timezone.now() + timedelta(days=31),
        ),
    )
    publication_render(publication=approved_overdue, now=flagged.updated_at)

    assert approved_overdue.review_overdue is True
    assert bytes(flagged.payload) == approved_overdue.payload
    assert flagged.etag == approved_overdue.etag
    assert bytes(flagged.list_entry) == approved_overdue.list_entry


def test_publication_history_keeps_no_served_bytes(publish_due, publisher):
    publication = publish_due("recorded", TODAY)
    services.publication_retract(article=publication.article, user=publisher, reason="Withdrawn.")

    history_fields = {field.name for field in Publication.history.model._meta.fields}
    records = Publication.history.filter(id=publication.pk)

    assert {"payload", "list_entry"}.isdisjoint(history_fields), "reproducible from the version"
    assert {"etag", "version", "status", "reviewer_name"} <= history_fields
    assert [record.status for record in records.order_by("history_id")] == ["live", "retracted"]
