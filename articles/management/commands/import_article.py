"""`manage.py import_article FILE`: create or replace an article from a text or Markdown file."""

from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from articles import selectors, services
from articles.importing import FORMATS, ImportedArticle, make_slug, parse_article
from articles.models import (
    ARTICLE_EDITABLE_FIELDS,
    CHANGE_REASON_MAX_LENGTH,
    Article,
    Audience,
)
from ldncontent.exceptions import DomainError

MARKDOWN_SUFFIXES = (".md", ".markdown")
SLUG_MAX_LENGTH = Article._meta.get_field("slug").max_length
TITLE_MAX_LENGTH = Article._meta.get_field("title").max_length


class Command(BaseCommand):
    """Import one article file into the working copy, recording who imported it and from where."""

    help = (
        "Create an article from a plain-text or Markdown file (UTF-8); with --replace, replace "
        "the working copy of the article with the same slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The UTF-8 file to import.")
        parser.add_argument("--slug", help="URL name of the article (default: from the title).")
        parser.add_argument("--title", help="Title to use instead of the one in the file.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="auto",
            help="auto: Markdown for .md/.markdown files or text with Markdown headings.",
        )
        parser.add_argument(
            "--author",
            help="Username of the author, who must be an editor (default: the first superuser).",
        )
        parser.add_argument("--topics", help="Comma-separated topic slugs, e.g. `ldn,pain`.")
        parser.add_argument("--audience", choices=Audience.values)
        parser.add_argument("--summary", help="One or two sentences for listings and search.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the working copy of the article with this slug (or create it).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        imported = _parsed(path, _format_for(path, options["format"]))
        title = _title(imported, options["title"], path)
        slug = options["slug"] or make_slug(title, max_length=SLUG_MAX_LENGTH)
        author = _author(options["author"])
        working_copy = _working_copy(slug)
        existing = working_copy.article if working_copy is not None else None
        if existing is not None and not options["replace"]:
            raise CommandError(
                f"An article with the slug {slug!r} exists: use --replace to replace its "
                "working copy, or --slug to import under another slug."
            )
        sections = [asdict(section) for section in imported.sections]
        # Without a references list in the file, the article's references stay as they are.
        references = (
            None
            if imported.references is None
            else [asdict(reference) for reference in imported.references]
        )
        fields = _fields(title, options, existing)
        reason = _import_reason(path)
        try:
            _, created = services.article_put(
                slug=slug,
                user=author,
                if_match=working_copy.etag if working_copy is not None else None,
                fields=fields,
                sections=sections,
                references=references,
                reason=reason,
            )
        except DomainError as error:
            raise CommandError(_described(error)) from error
        action = "Created" if created else "Replaced"
        kept = f", {len(references)} references" if references else ""
        self.stdout.write(f"{action} {slug}: {title!r}, {len(sections)} sections{kept}.")


def _format_for(path: Path, requested: str) -> str:
    if requested == "auto" and path.suffix.lower() in MARKDOWN_SUFFIXES:
        return "markdown"
    return requested


def _parsed(path: Path, fmt: str) -> ImportedArticle:
    try:
        # utf-8-sig drops a byte order mark, which would otherwise start the title.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{path} is not UTF-8 text (byte {error.start} cannot be decoded): "
            "save it as UTF-8 and retry."
        ) from error
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    try:
        return parse_article(text, fmt=fmt)
    except ValueError as error:
        raise CommandError(f"{path}: {error}") from error


def _title(imported: ImportedArticle, override: str | None, path: Path) -> str:
    title = (override or imported.title).strip()
    if not title:
        raise CommandError(f"{path} has no title line: pass --title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise CommandError(
            f"The title has {len(title)} characters; the limit is {TITLE_MAX_LENGTH}."
        )
    return title


def _author(username: str | None):
    users = get_user_model()._default_manager
    if username is None:
        author = users.filter(is_superuser=True).order_by("pk").first()
        if author is None:
            raise CommandError("There is no superuser to be the author: pass --author USERNAME.")
        return author
    try:
        return users.get_by_natural_key(username)
    except users.model.DoesNotExist:
        raise CommandError(
            f"No user has the username {username!r}: pass --author with an existing user."
        ) from None


def _fields(title: str, options: dict[str, Any], existing: Article | None) -> dict[str, Any]:
    # A replace resets every field it is not given, so start from the article's current values:
    # re-importing the text must not wipe the topics, audience or CMS id set elsewhere.
    fields = {name: getattr(existing, name) for name in ARTICLE_EDITABLE_FIELDS} if existing else {}
    fields["title"] = title
    if options["summary"] is not None:
        fields["summary"] = options["summary"]
    if options["audience"] is not None:
        fields["audience"] = options["audience"]
    if options["topics"] is not None:
        fields["topics"] = [
            topic.strip() for topic in options["topics"].split(",") if topic.strip()
        ]
    return fields


def _working_copy(slug: str) -> selectors.WorkingCopy | None:
    """The article with this slug and its ETag from one read (the fields kept come from it)."""
    try:
        return selectors.working_copy_get(slug=slug)
    except Http404:
        return None


def _import_reason(path: Path) -> str:
    """`Imported from <file name>`, shortened to fit the history's change reason."""
    reason = f"Imported from {path.name}"
    if len(reason) > CHANGE_REASON_MAX_LENGTH:
        reason = reason[: CHANGE_REASON_MAX_LENGTH - 1] + "…"
    return reason


def _described(error: DomainError) -> str:
    problems = [
        f"{field}: {' '.join(map(str, messages)) if isinstance(messages, list) else messages}"
        for field, messages in (error.errors or {}).items()
    ]
    return " ".join([error.detail, *problems])
