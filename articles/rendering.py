"""Rendering of the served payload: Markdown to sanitised HTML, medical review block, JSON-LD."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import nh3
from markdown_it.token import Token

from articles.citations import CITATION, citation_order, markdown_parser
from articles.models import (
    ARTICLE_CONTENT_FIELDS,
    Audience,
    Publication,
    PublicationStatus,
    Version,
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

SCHEMA_ORG_AUDIENCE = {
    Audience.PATIENT: "Patient",
    Audience.CAREGIVER: "Patient",
    Audience.CLINICIAN: "Clinician",
}


@dataclass(frozen=True)
class Attribution:
    """Who approved a version and what the approval covers: plain data passed by reviewers."""

    reviewer_name: str
    reviewer_credentials: str
    review_kind: str
    approved_at: datetime | None
    last_reviewed: date | None
    next_review_due: date | None
    # Every sign-off, as served: a dict of SIGN_OFF_KEYS.
    sign_offs: tuple[dict[str, str], ...] = ()


# The keys of a served sign-off, in the order they are served. Sign-offs are stored in JSON
# columns (Publication, Schedule), and PostgreSQL's jsonb does not keep key order: rendering
# in this order keeps re-rendered bytes identical to those first published, on any database.
SIGN_OFF_KEYS = ("role", "role_name", "name", "credentials", "profession", "signed_at")


def _sanitised(html: str) -> str:
    """HTML cleaned by an allow-list (no scripts, styles or unsafe links)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def markdown_to_html(text: str) -> str:
    """CommonMark to sanitised HTML."""
    return _sanitised(markdown_parser().render(text))


def _linked_citations(children: list[Token], numbers: dict[str, int]) -> list[Token]:
    """Inline tokens with each `[^key]` of a served reference, in plain text, as a link."""
    linked = []
    for child in children:
        if child.type != "text":
            linked.append(child)
            continue
        position = 0
        for match in CITATION.finditer(child.content):
            number = numbers.get(match.group(1))
            if number is None:
                continue
            if match.start() > position:
                linked.append(Token("text", "", 0, content=child.content[position : match.start()]))
            link = f'<sup><a href="#ref-{number}">{number}</a></sup>'
            linked.append(Token("html_inline", "", 0, content=link))
            position = match.end()
        if position < len(child.content):
            linked.append(Token("text", "", 0, content=child.content[position:]))
    return linked


def _cited_html(text: str, numbers: dict[str, int]) -> str:
    """CommonMark to sanitised HTML with each `[^key]` as a numbered link to its reference.

    Markers are linked in the parsed text only (as `articles.citations` reads them), never
    in code or attributes.
    """
    markdown = markdown_parser()
    tokens = markdown.parse(text)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _linked_citations(token.children, numbers)
    return _sanitised(markdown.renderer.render(tokens, markdown.options, {}))


# schema.org types of each reference kind.
SCHEMA_ORG_CITATION_TYPE = {
    "journal_article": "ScholarlyArticle",
    "systematic_review": "ScholarlyArticle",
    "guideline": "CreativeWork",
    "website": "WebPage",
    "book": "Book",
}


def reference_url(item: dict[str, Any]) -> str | None:
    """Where a reader finds the source: its URL, else its DOI through doi.org, else none."""
    if item.get("url"):
        return item["url"]
    if item.get("doi"):
        return f"https://doi.org/{item['doi']}"
    return None


def served_references(version: Version) -> list[dict[str, Any]]:
    """The version's cited references, numbered in order of first citation, as served."""
    by_key = {item["key"]: item for item in version.references}
    order = citation_order(item["body"] for item in version.sections)
    return [
        {
            "number": number,
            "key": key,
            "kind": by_key[key]["kind"],
            "title": by_key[key]["title"],
            "authors_or_publisher": by_key[key]["authors_or_publisher"],
            "identifiers": {
                name: by_key[key].get(name) or None for name in ("doi", "pmid", "guideline_id")
            },
            "published_on": by_key[key].get("published_on"),
            "accessed_on": by_key[key].get("accessed_on"),
            "status": by_key[key].get("status", "current"),
            "url": reference_url(by_key[key]),
        }
        for number, key in enumerate((key for key in order if key in by_key), start=1)
    ]


def _json_ld_citation(reference: dict[str, Any]) -> dict[str, Any]:
    citation: dict[str, Any] = {
        "@type": SCHEMA_ORG_CITATION_TYPE.get(reference["kind"], "CreativeWork"),
        "name": reference["title"],
    }
    if reference["authors_or_publisher"]:
        citation["author"] = reference["authors_or_publisher"]
    if reference["published_on"]:
        citation["datePublished"] = reference["published_on"]
    identifiers = [
        {"@type": "PropertyValue", "propertyID": name, "value": value}
        for name, value in reference["identifiers"].items()
        if value
    ]
    if identifiers:
        citation["identifier"] = identifiers
    if reference["url"]:
        citation["url"] = reference["url"]
    return citation


def iso_8601(value: date | datetime | None) -> str | None:
    """A date or time as delivery writes it everywhere: ISO 8601, microseconds, UTC as Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _medical_review(attribution: "Attribution | Publication") -> dict[str, Any]:
    """The `medical_review` block (a Publication has the same fields as an Attribution).

    `sign_offs` is left out for versions approved before sign-off policies, so their
    payloads stay byte for byte what was approved and served.
    """
    block = {
        "reviewer_name": attribution.reviewer_name,
        "reviewer_credentials": attribution.reviewer_credentials,
        "review_kind": attribution.review_kind,
        "approved_at": iso_8601(attribution.approved_at),
        "last_reviewed": iso_8601(attribution.last_reviewed),
        "next_review_due": iso_8601(attribution.next_review_due),
    }
    if attribution.sign_offs:
        block["sign_offs"] = [
            {key: sign_off[key] for key in SIGN_OFF_KEYS} for sign_off in attribution.sign_offs
        ]
    return block


def _schema_org_person(*, name: str, credentials: str, job_title: str = "") -> dict[str, str]:
    person = {"@type": "Person", "name": name}
    if credentials:
        person["honorificSuffix"] = credentials
    if job_title:
        person["jobTitle"] = job_title
    return person


def _reviewed_by(attribution: "Attribution | Publication") -> dict[str, str] | list:
    """JSON-LD `reviewedBy`: the clinician, or every signer (with their role) when several."""
    if len(attribution.sign_offs) > 1:
        return [
            _schema_org_person(
                name=sign_off["name"],
                credentials=sign_off["credentials"],
                job_title=sign_off["role_name"],
            )
            for sign_off in attribution.sign_offs
        ]
    return _schema_org_person(
        name=attribution.reviewer_name, credentials=attribution.reviewer_credentials
    )


def render_payload(
    *,
    version: Version,
    slug: str,
    attribution: Attribution | Publication,
    review_overdue: bool = False,
) -> dict[str, Any]:
    """The document delivery serves for this version: exactly this, byte for byte.

    A version with references also gets `references` (the cited ones, numbered in order of
    first citation), each section's `cites` (those numbers) with numbered links in its HTML,
    and JSON-LD `citation`; a version without any is rendered as before references existed.
    """
    references = served_references(version) if version.references else None
    numbers = {reference["key"]: reference["number"] for reference in references or []}
    sections = []
    for position, item in enumerate(version.sections):
        section = {
            "anchor": item["anchor"],
            "heading": item["heading"],
            "position": position,
            "markdown": item["body"],
        }
        if references is None:
            section["html"] = markdown_to_html(item["body"])
        else:
            section["html"] = _cited_html(item["body"], numbers)
            section["cites"] = [
                numbers[key] for key in citation_order([item["body"]]) if key in numbers
            ]
        sections.append(section)
    json_ld = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": version.title,
        "description": version.summary,
        "keywords": version.topics,
        "lastReviewed": iso_8601(attribution.last_reviewed),
        "reviewedBy": _reviewed_by(attribution),
        "medicalAudience": {
            "@type": "MedicalAudience",
            "audienceType": SCHEMA_ORG_AUDIENCE.get(version.audience, "Patient"),
        },
        "hasPart": [
            {
                "@type": "WebPageElement",
                "identifier": section["anchor"],
                "name": section["heading"],
                "text": section["markdown"],
            }
            for section in sections
        ],
    }
    if references is not None:
        json_ld["citation"] = [_json_ld_citation(reference) for reference in references]
    payload = {
        "slug": slug,
        "title": version.title,
        "summary": version.summary,
        "topics": version.topics,
        "audience": version.audience,
        "version": version.number,
        "content_hash": version.content_hash,
        "review_overdue": review_overdue,
        "medical_review": _medical_review(attribution),
        "sections": sections,
        "json_ld": json_ld,
    }
    if references is not None:
        payload = {
            **{name: value for name, value in payload.items() if name != "json_ld"},
            "references": references,
            "json_ld": json_ld,
        }
    return payload


# `<`, `>` and `&` only ever occur inside JSON strings, where their escapes mean the same: so
# escaped, any part of a payload (json_ld above all) can be inlined in a <script> element
# as it is served, and cannot close it or open a comment.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def payload_bytes(payload: dict[str, Any]) -> bytes:
    """The payload as the compact UTF-8 JSON that is stored and served, safe inside <script>."""
    return (
        json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        .translate(_SCRIPT_SAFE)
        .encode()
    )


def publication_etag(*, version: Version, payload: bytes) -> str:
    """The strong ETag of a served payload.

    Derived from the content hash, plus the payload's own digest so that a change of the
    review metadata (e.g. review_overdue) also changes the validator a CDN holds.
    """
    payload_digest = hashlib.sha256(payload).hexdigest()[:16]
    return f'"v{version.number}-{version.content_hash[:16]}-{payload_digest}"'


def publication_values(
    *, version: Version, slug: str, attribution: Attribution, now: datetime
) -> dict[str, Any]:
    """The fields of the live Publication of `version` approved with `attribution` at `now`.

    All but the served bytes, which `publication_render` makes from them.
    """
    return {
        "slug": slug,
        "version": version,
        "status": PublicationStatus.LIVE,
        "content_hash": version.content_hash,
        **{name: getattr(version, name) for name in ARTICLE_CONTENT_FIELDS},
        "reviewer_name": attribution.reviewer_name,
        "reviewer_credentials": attribution.reviewer_credentials,
        "review_kind": attribution.review_kind,
        "approved_at": attribution.approved_at,
        "last_reviewed": attribution.last_reviewed,
        "next_review_due": attribution.next_review_due,
        "sign_offs": list(attribution.sign_offs),
        "review_overdue": attribution.next_review_due < now.date(),
        "published_at": now,
        "retracted_at": None,
        "retraction_reason": "",
        "retracted_by": None,
    }


def publication_render(*, publication: Publication, now: datetime) -> None:
    """Make the served bytes of `publication` from its other fields, as changed at `now`.

    The payload (from its version, slug, reviewer fields and review_overdue), its ETag and the
    list entry: the one way a Publication's bytes are made, so they always agree.
    """
    raw = payload_bytes(
        render_payload(
            version=publication.version,
            slug=publication.slug,
            attribution=publication,
            review_overdue=publication.review_overdue,
        )
    )
    publication.payload = raw
    publication.etag = publication_etag(version=publication.version, payload=raw)
    publication.updated_at = now
    publication.list_entry = render_list_entry(publication)


def render_list_entry(publication: Publication) -> bytes:
    """The publication's entry in the delivery list, as stored and served: compact JSON."""
    return payload_bytes(
        {
            "slug": publication.slug,
            "title": publication.title,
            "summary": publication.summary,
            "topics": publication.topics,
            "audience": publication.audience,
            "version": publication.version.number,
            "content_hash": publication.content_hash,
            "etag": publication.etag,
            "review_overdue": publication.review_overdue,
            "medical_review": _medical_review(publication),
            "updated_at": iso_8601(publication.updated_at),
        }
    )
