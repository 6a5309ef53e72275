"""The working copy's rules on what is written, checked by every write whatever calls it:
section and topic rules, the article's own fields, a free external id and the change reason."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model

from articles.citations import unknown_citations
from articles.exceptions import ExternalIdTaken, TooManySections, UnknownCitation
from articles.models import (
    CHANGE_REASON_MAX_LENGTH,
    Article,
    Section,
    change_reason_validator,
    slug_validator,
)
from ldncontent.exceptions import InvalidContent

TOPICS_MAX = 20
TOPIC_MAX_LENGTH = 50
TOPICS_RULE = (
    f"Topics are a list of at most {TOPICS_MAX} slugs (lowercase letters, digits and single "
    f"hyphens, at most {TOPIC_MAX_LENGTH} characters each), e.g. `ldn, chronic-pain`; "
    "duplicates are dropped."
)


def validate_section(
    *, anchor: str, heading: str, body: str, prefix: str = ""
) -> dict[str, list[str]]:
    """The errors of one section, by field name (with `prefix`); empty when it is valid."""
    errors: dict[str, list[str]] = {}
    try:
        slug_validator(anchor)
    except DjangoValidationError as error:
        errors[f"{prefix}anchor"] = list(error.messages)
    if too_long := length_errors(anchor, model=Section, field="anchor"):
        errors.setdefault(f"{prefix}anchor", []).extend(too_long)
    if not heading.strip():
        errors[f"{prefix}heading"] = ["A section needs a heading that is not blank."]
    if len(body) > settings.SECTION_BODY_MAX_CHARS:
        errors[f"{prefix}body"] = [
            f"The body has {len(body)} characters; the limit is {settings.SECTION_BODY_MAX_CHARS}:"
            " split it into several sections."
        ]
    return errors


def length_errors(value: str, *, model: type[Model], field: str) -> list[str]:
    """The error of a value longer than the model's `field` stores, if it is."""
    limit = model._meta.get_field(field).max_length
    return [f"Use at most {limit} characters."] if len(value) > limit else []


def validate_sections(sections: Sequence[dict[str, Any]]) -> None:
    """Refuse a whole document's sections: too many, an invalid one, or an anchor used twice."""
    if len(sections) > settings.ARTICLE_MAX_SECTIONS:
        raise TooManySections(
            f"An article may have at most {settings.ARTICLE_MAX_SECTIONS} sections; "
            f"this one would have {len(sections)}.",
            errors={"sections": [f"At most {settings.ARTICLE_MAX_SECTIONS} sections."]},
        )
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, section in enumerate(sections):
        prefix = f"sections[{index}]."
        errors.update(
            validate_section(
                anchor=section["anchor"],
                heading=section["heading"],
                body=section.get("body", ""),
                prefix=prefix,
            )
        )
        if section["anchor"] in seen:
            errors.setdefault(f"{prefix}anchor", []).append(
                f"The anchor {section['anchor']!r} is used twice: anchors are unique in an article."
            )
        seen.add(section["anchor"])
    if errors:
        raise InvalidContent(errors=errors)


def validated_topics(topics: Any) -> list[str]:
    """The topics without duplicates, or InvalidContent saying which ones break the rule."""
    if not isinstance(topics, list | tuple) or not all(isinstance(item, str) for item in topics):
        raise InvalidContent(errors={"topics": [TOPICS_RULE]})
    unique = list(dict.fromkeys(topics))
    problems = []
    # Counted as sent, duplicates included, as the schema's maxItems counts them.
    if len(topics) > TOPICS_MAX:
        problems.append(f"There are {len(topics)} topics; the limit is {TOPICS_MAX}.")
    for topic in unique:
        try:
            slug_validator(topic)
        except DjangoValidationError:
            problems.append(f"{topic!r} is not a topic slug.")
            continue
        if len(topic) > TOPIC_MAX_LENGTH:
            problems.append(f"{topic!r} is longer than {TOPIC_MAX_LENGTH} characters.")
    if problems:
        raise InvalidContent(errors={"topics": [*problems, TOPICS_RULE]})
    return unique


def normalised_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The article's own fields as stored: topics checked, a blank title refused, "" id as null."""
    fields = dict(fields)
    if "topics" in fields:
        fields["topics"] = validated_topics(fields["topics"])
    if "title" in fields and not fields["title"].strip():
        raise InvalidContent(errors={"title": ["The title may not be blank."]})
    if fields.get("external_id") == "":
        fields["external_id"] = None
    return fields


def ensure_external_id_free(*, external_id: str | None, article_pk: int | None) -> None:
    """Refuse an external id that another article than `article_pk` already has."""
    if external_id is None:
        return
    if Article.objects.filter(external_id=external_id).exclude(pk=article_pk).exists():
        raise ExternalIdTaken(
            f"Another article already has external_id {external_id!r}: "
            "GET /api/v1/articles/?external_id=… finds it."
        )


def checked_reason(reason: str | None, *, default: str) -> str:
    """The change reason to record: the caller's, checked, or `default` when none was given."""
    if reason is None:
        return default
    problems = []
    if len(reason) > CHANGE_REASON_MAX_LENGTH:
        problems.append(
            f"The reason has {len(reason)} characters; the limit is {CHANGE_REASON_MAX_LENGTH}."
        )
    try:
        change_reason_validator(reason)
    except DjangoValidationError as error:
        problems.extend(error.messages)
    if problems:
        raise InvalidContent(errors={"reason": problems})
    return reason


def ensure_citations_known(*, bodies: Sequence[tuple[str, str]], keys: Iterable[str]) -> None:
    """Refuse (400 `unknown_citation`) bodies citing a key not in `keys`, naming each one.

    `bodies` are (field name, body) pairs, so each error says where the citation is.
    """
    keys = set(keys)
    errors: dict[str, list[str]] = {}
    unknown_all: set[str] = set()
    for name, body in bodies:
        unknown = unknown_citations([body], keys)
        if unknown:
            unknown_all.update(unknown)
            errors[name] = [
                f"Cites {', '.join(f'[^{key}]' for key in unknown)}, but the article has no "
                "reference with that key: add the reference first, or fix the marker."
            ]
    if errors:
        raise UnknownCitation(
            f"Unknown citation keys: {', '.join(sorted(unknown_all))}. "
            f"Known keys: {', '.join(sorted(keys)) or 'none'}.",
            errors=errors,
        )
