"""Shared reads of the working copy: lookups, the article ETag and the edit history."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value, Window
from django.db.models.functions import Lag
from django.http import Http404

from articles.citations import unused_references
from articles.diffing import SnapshotDiff, diff_snapshots
from articles.models import (
    ARTICLE_EDITABLE_FIELDS,
    Article,
    Publication,
    Reference,
    Section,
    Version,
)
from articles.snapshots import reference_snapshot, version_snapshot
from ldncontent.http import strong_etag

ARTICLE_TRACKED_FIELDS = ("slug", *ARTICLE_EDITABLE_FIELDS)
SECTION_TRACKED_FIELDS = ("anchor", "heading", "body", "position")


def article_list() -> QuerySet[Article]:
    """Articles of the working copy in slug order (filtered by `articles.filters`)."""
    return Article.objects.select_related("author").order_by("slug")


def article_get(*, slug: str) -> Article:
    """The article with this slug, or 404."""
    article = Article.objects.select_related("author").filter(slug=slug).first()
    if article is None:
        raise Http404(f"No article has the slug {slug!r}.")
    return article


def section_list(*, article: Article) -> list[Section]:
    """The article's sections in order."""
    return list(Section.objects.filter(article=article).order_by("position"))


def reference_list(*, article: Article) -> list[Reference]:
    """The article's references in key order."""
    return list(Reference.objects.filter(article=article).order_by("key"))


_DOI_RESOLVERS = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


def cites_identifier(value: str) -> Q:
    """References naming this source: a DOI (a resolver prefix is ignored), a PubMed id, a
    guideline id (any case) or a URL."""
    value = value.strip()
    doi = value
    for prefix in _DOI_RESOLVERS:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
            break
    return (
        Q(doi__iexact=doi) | Q(pmid=value) | Q(guideline_id__iexact=value) | Q(url=value)
        if value
        else Q(pk__in=[])
    )


def article_etag(
    *,
    article: Article,
    sections: Iterable[Section],
    references: Iterable[Reference] | None = None,
) -> str:
    """The ETag of the working copy: it changes with any change to the article, its sections
    or its references' content (not with link checks, which no editor writes).

    `references` are read from the database when not given; an article without references
    keeps the ETag it had before references existed.
    """
    if references is None:
        references = reference_list(article=article)
    state = {
        "article": {name: getattr(article, name) for name in ARTICLE_TRACKED_FIELDS},
        "sections": [
            [section.anchor, section.heading, section.body]
            for section in sorted(sections, key=lambda section: section.position)
        ],
    }
    frozen = sorted(
        (reference_snapshot(reference) for reference in references), key=lambda item: item["key"]
    )
    if frozen:
        state["references"] = frozen
    return strong_etag(state)


@dataclass(frozen=True)
class WorkingCopy:
    """An article, its sections in order and its references as one read saw them, with that
    state's ETag."""

    article: Article
    sections: list[Section]
    etag: str
    references: list[Reference] = field(default_factory=list)

    def reference(self, key: str) -> Reference:
        """The reference with this key, or 404."""
        for reference in self.references:
            if reference.key == key:
                return reference
        raise Http404(f"Article {self.article.slug!r} has no reference with the key {key!r}.")

    @property
    def unused_references(self) -> list[str]:
        """Keys of references that no section cites (sorted): frozen, but never served."""
        return unused_references(
            (section.body for section in self.sections),
            (reference.key for reference in self.references),
        )

    def section(self, anchor: str) -> Section:
        """The section with this anchor, or 404."""
        for section in self.sections:
            if section.anchor == anchor:
                return section
        raise Http404(f"Article {self.article.slug!r} has no section with the anchor {anchor!r}.")


_SECTION_COLUMNS = {
    "section_id": "sections__id",
    "section_anchor": "sections__anchor",
    "section_heading": "sections__heading",
    "section_body": "sections__body",
    "section_position": "sections__position",
}


def working_copy_get(*, slug: str) -> WorkingCopy:
    """The article with this slug, its sections, its references and its ETag, or 404.

    The article and its sections come from one SQL statement, which sees one committed state
    on SQLite and on PostgreSQL alike (two would not, even in one transaction under READ
    COMMITTED); the references come from a second one, and the ETag is computed from exactly
    what was read (see below). So the body a client is shown and the ETag it sends back in
    If-Match describe the same content, and no write is accepted over a body its writer never
    saw.
    """
    rows = list(
        Article.objects.filter(slug=slug)
        .select_related("author")
        .annotate(**{name: F(path) for name, path in _SECTION_COLUMNS.items()})
        .order_by("sections__position")
    )
    if not rows:
        raise Http404(f"No article has the slug {slug!r}.")
    article = rows[0]
    sections = []
    for row in rows:
        if row.section_id is None:  # the outer join's one row for an article without sections
            continue
        section = Section.from_db(
            row._state.db,
            ["id", "article_id", "anchor", "heading", "body", "position"],
            [
                row.section_id,
                article.pk,
                row.section_anchor,
                row.section_heading,
                row.section_body,
                row.section_position,
            ],
        )
        section.article = article
        sections.append(section)
    # A second statement may see a later commit than the first. That is safe: the ETag is
    # computed from exactly what is returned, so it either names a real state (and the body
    # shows it) or names none, and a write sent with it is refused (412).
    references = reference_list(article=article)
    for reference in references:
        reference.article = article
    return WorkingCopy(
        article=article,
        sections=sections,
        etag=article_etag(article=article, sections=sections, references=references),
        references=references,
    )


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded save of the article or one of its sections."""

    history_id: int
    object_type: str
    anchor: str | None
    action: str
    changed_at: datetime
    changed_by: str | None
    reason: str | None
    changes: list[FieldChange]


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _history_entry(record, previous, *, object_type: str, fields: tuple[str, ...]) -> HistoryEntry:
    """One record as an entry, its changes compared with the object's record before it."""
    changes = (
        []
        if record.history_type == "-"
        else [
            FieldChange(
                field=name,
                old=getattr(previous, name) if previous is not None else None,
                new=getattr(record, name),
            )
            for name in fields
            if previous is None or getattr(previous, name) != getattr(record, name)
        ]
    )
    user = record.history_user
    return HistoryEntry(
        history_id=record.history_id,
        object_type=object_type,
        anchor=getattr(record, "anchor", None),
        action=_ACTIONS[record.history_type],
        changed_at=record.history_date,
        changed_by=user.get_username() if user else None,
        reason=record.history_change_reason,
        changes=changes,
    )


# (object type, model, tracked fields, the history column that names the article)
_HISTORY_SOURCES = (
    ("article", Article, ARTICLE_TRACKED_FIELDS, "id"),
    ("section", Section, SECTION_TRACKED_FIELDS, "article_id"),
)


def article_history_index(*, article: Article) -> QuerySet:
    """Every history record of the article and its sections (deleted ones too), newest first.

    Rows carry only `object_type`, `history_id` and `previous_id` (the same object's record
    before, found by the database): paginate them, then read one page with `history_entries`,
    so no page loads the bodies of records it does not show.
    """
    parts = [
        model.history.filter(**{article_column: article.pk})
        .annotate(
            object_type=Value(object_type, output_field=CharField()),
            previous_id=Window(
                Lag("history_id"),
                partition_by=[F("id")],
                order_by=[F("history_date").asc(), F("history_id").asc()],
            ),
        )
        .values("history_date", "history_id", "object_type", "previous_id")
        .order_by()  # history's default ordering is not allowed inside a union
        for object_type, model, _, article_column in _HISTORY_SOURCES
    ]
    return (
        parts[0].union(*parts[1:], all=True).order_by("-history_date", "-history_id", "object_type")
    )


def history_entries(*, rows: Iterable[dict]) -> list[HistoryEntry]:
    """The entries of index rows (a page of `article_history_index`), one query per kind."""
    rows = list(rows)
    entries_by_row: dict[tuple[str, int], HistoryEntry] = {}
    for object_type, model, fields, _ in _HISTORY_SOURCES:
        own_rows = [row for row in rows if row["object_type"] == object_type]
        if not own_rows:
            continue
        wanted = {row["history_id"] for row in own_rows} | {
            row["previous_id"] for row in own_rows if row["previous_id"] is not None
        }
        records = {
            record.history_id: record
            for record in model.history.filter(history_id__in=wanted).select_related("history_user")
        }
        for row in own_rows:
            entries_by_row[object_type, row["history_id"]] = _history_entry(
                records[row["history_id"]],
                records.get(row["previous_id"]),
                object_type=object_type,
                fields=fields,
            )
    return [entries_by_row[row["object_type"], row["history_id"]] for row in rows]


def version_list(*, article: Article) -> QuerySet[Version]:
    """The article's versions, newest first."""
    return (
        Version.objects.filter(article=article).select_related("submitted_by").order_by("-number")
    )


def version_get(*, article: Article, number: int) -> Version:
    """The article's version with this number, or 404."""
    version = (
        Version.objects.filter(article=article, number=number)
        .select_related("submitted_by")
        .first()
    )
    if version is None:
        raise Http404(f"Article {article.slug!r} has no version {number}.")
    return version


def live_publication(*, article: Article) -> Publication | None:
    """The article's publication if it is live (not retracted), else None."""
    return Publication.objects.live().filter(article=article).select_related("version").first()


def version_diff(*, version: Version, against: Version | None) -> SnapshotDiff:
    """Every difference from `against` (None: nothing) to `version`: fields and sections."""
    return diff_snapshots(version_snapshot(against) if against else None, version_snapshot(version))
