"""The benchmark's data: the demo with a consumer key, enlarged by bulk-created history and
published articles whose bytes the project's own Publication builder makes."""

import hashlib
import io
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SLUG = "stopping-ldn"

TOPICS = [
    "ldn", "chronic-pain", "fibromyalgia", "long-covid", "crohns-disease", "multiple-sclerosis",
    "medication-changes", "sleep", "mental-health", "autoimmune", "dosage", "side-effects",
    "pregnancy", "children", "older-adults", "pharmacy", "prescribing", "tapering",
]  # fmt: skip
SUBJECTS = [
    "Starting", "Stopping", "Adjusting", "Living with", "Talking to your GP about",
    "Travelling with", "Understanding", "Managing", "Questions about", "Monitoring",
]  # fmt: skip
THEMES = [
    "low-dose naltrexone", "chronic pain", "fibromyalgia flares", "long COVID fatigue",
    "Crohn's disease", "sleep problems", "a new prescription", "side effects",
    "compounded medicines", "repeat prescriptions",
]  # fmt: skip


@dataclass
class Seed:
    """What the measured requests need: a consumer key, and the article's ETag and bytes."""

    api_key: str
    etag: str
    payload: bytes


def seed() -> Seed:
    """Migrate, load the demo (which publishes stopping-ldn) and issue a consumer key."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from articles.models import ConsumerSite, Publication
    from articles.services import consumer_key_issue

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    site, _ = ConsumerSite.objects.get_or_create(
        name="Benchmark site", defaults={"contact_email": "bench@example.org"}
    )
    _, api_key = consumer_key_issue(
        site=site,
        name=f"bench {datetime.now(UTC):%Y-%m-%d %H:%M:%S}",
        issued_by=User.objects.get(username="publisher"),  # the demo's publishing admin
    )
    publication = Publication.objects.live().filter(slug=SLUG).first()
    if publication is None:
        raise SystemExit(f"{SLUG} is not live in the bench database.")
    return Seed(api_key=api_key, etag=publication.etag, payload=bytes(publication.payload))


def enlarge(*, versions: int, articles: int) -> dict[str, float]:
    """Add history to the benchmarked article and many other published articles.

    Versions, articles and publications are bulk-inserted (no save(), no history rows); each
    publication's payload, ETag and list entry are made by `articles.rendering`, as publish
    makes them.
    """
    from django.contrib.auth.models import User
    from django.db import transaction

    from articles.models import Article, Version

    started = time.monotonic()
    now = datetime.now(UTC)
    pool = _section_pool()  # before the history below, or it would be mostly one article
    article = Article.objects.get(slug=SLUG)
    latest = article.versions.order_by("-number").first()
    missing = versions - article.versions.count()
    with transaction.atomic():
        history = []
        for offset in range(1, missing + 1):
            number = latest.number + offset
            sections = [dict(item) for item in latest.sections]
            sections[-1]["body"] += f"\n\nRevision {number}: wording clarified."
            history.append(
                Version(
                    article=article,
                    number=number,
                    title=latest.title,
                    summary=latest.summary,
                    topics=latest.topics,
                    audience=latest.audience,
                    sections=sections,
                    content_hash=hashlib.sha256(
                        f"{latest.content_hash}:{number}".encode()
                    ).hexdigest(),
                    submitted_by_id=latest.submitted_by_id,
                    submitted_at=now - timedelta(minutes=missing - offset),
                    note=f"Benchmark revision {number}.",
                )
            )
        Version.objects.bulk_create(history, batch_size=200)
    versions_done = time.monotonic()

    editor = User.objects.get(username="editor")
    existing = set(Article.objects.filter(slug__startswith="bench-").values_list("slug", flat=True))
    wanted = []
    for index in range(articles):
        subject, theme = SUBJECTS[index % len(SUBJECTS)], THEMES[(index // 10) % len(THEMES)]
        slug = f"bench-{index:05d}-" + "-".join(
            "".join(c for c in word.lower() if c.isalnum()) for word in f"{subject} {theme}".split()
        )
        if slug not in existing:
            wanted.append((index, slug, f"{subject} {theme} ({index})"))
    for start in range(0, len(wanted), 1000):
        with transaction.atomic():
            _create_published(wanted[start : start + 1000], editor=editor, pool=pool, now=now)
    return {
        "versions_seconds": versions_done - started,
        "articles_seconds": time.monotonic() - versions_done,
    }


def _section_pool() -> list[dict]:
    """The sections of the demo's versions: real article text to build other articles from."""
    from articles.models import Version

    pool = []
    for sections in Version.objects.values_list("sections", flat=True):
        pool.extend(sections)
    return pool


def _article_fields(index: int, title: str) -> dict:
    return {
        "title": title,
        "summary": f"What to know about {title.split(' (')[0].lower()}: a patient guide.",
        "topics": [TOPICS[index % len(TOPICS)], TOPICS[(index * 7 + 3) % len(TOPICS)]],
        "audience": ("patient", "caregiver", "clinician")[index % 3],
    }


def _create_published(chunk, *, editor, pool, now: datetime) -> None:
    """Bulk-insert one chunk of (index, slug, title): Article, Version 1 and live Publication."""
    from articles.models import Article, Publication, ReviewKind, Version
    from articles.rendering import Attribution, publication_render, publication_values
    from articles.snapshots import content_hash

    Article.objects.bulk_create(
        [
            Article(slug=slug, author=editor, **_article_fields(index, title))
            for index, slug, title in chunk
        ],
        batch_size=200,
    )
    article_ids = dict(
        Article.objects.filter(slug__in=[slug for _, slug, _ in chunk]).values_list("slug", "id")
    )
    versions = {}
    for index, slug, title in chunk:
        picked = [pool[(index + n * 5) % len(pool)] for n in range(3 + index % 5)]
        sections = [
            {"anchor": f"{item['anchor']}-{n}", "heading": item["heading"], "body": item["body"]}
            for n, item in enumerate(picked)
        ]
        article_fields = _article_fields(index, title)
        versions[slug] = Version(
            article_id=article_ids[slug],
            number=1,
            sections=sections,
            content_hash=content_hash({**article_fields, "sections": sections}),
            submitted_by=editor,
            submitted_at=now - timedelta(days=index % 300 + 1),
            note="Benchmark article.",
            **article_fields,
        )
    Version.objects.bulk_create(list(versions.values()), batch_size=200)
    version_ids = dict(
        Version.objects.filter(article_id__in=article_ids.values(), number=1).values_list(
            "article_id", "id"
        )
    )
    publications = []
    for index, slug, _ in chunk:
        version = versions[slug]
        version.id = version_ids[version.article_id]
        # A few past their review date: publish flags them review_overdue, as the daily check.
        overdue = index % 50 == 0
        last_reviewed = (now - timedelta(days=400 if overdue else index % 300 + 1)).date()
        attribution = Attribution(
            reviewer_name="Dr Amina Okafor",
            reviewer_credentials="MBBS, MRCGP",
            review_kind=ReviewKind.FULL,
            approved_at=datetime.combine(last_reviewed, datetime.min.time(), tzinfo=UTC),
            last_reviewed=last_reviewed,
            next_review_due=last_reviewed + timedelta(days=365),
        )
        publication = Publication(
            article_id=version.article_id,
            **publication_values(version=version, slug=slug, attribution=attribution, now=now),
        )
        publication_render(publication=publication, now=now)
        publications.append(publication)
    Publication.objects.bulk_create(publications, batch_size=200)


def copy_sqlite(source: str, target: Path) -> None:
    """A consistent copy of a SQLite database (the online backup API)."""
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    copy.close()
    original.close()
