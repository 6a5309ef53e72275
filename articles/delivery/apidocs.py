"""OpenAPI examples of the delivery API: the served article, a section, the list, a retraction
notice and the changes feed, showing the article of the authoring examples as approved."""

from drf_spectacular.utils import OpenApiExample

from articles.apidocs import EXAMPLE_ARTICLE, EXAMPLE_HASH, EXAMPLE_SECTION

EXAMPLE_MEDICAL_REVIEW = {
    "reviewer_name": "Dr Amina Okafor",
    "reviewer_credentials": "MBBS, MRCGP",
    "review_kind": "full",
    "approved_at": "2026-11-21T09:00:00Z",
    "last_reviewed": "2026-11-21",
    "next_review_due": "2027-11-21",
    "sign_offs": [
        {
            "role": "clinical",
            "role_name": "Clinical reviewer",
            "name": "Dr Amina Okafor",
            "credentials": "MBBS, MRCGP",
            "profession": "General practitioner",
            "signed_at": "2026-11-21T09:00:00Z",
        }
    ],
}
EXAMPLE_PUBLISHED_SECTION = {
    "anchor": "tapering-off",
    "heading": "Tapering off",
    "position": 2,
    "markdown": EXAMPLE_SECTION["body"],
    "html": f"<p>{EXAMPLE_SECTION['body']}</p>\n",
}
PUBLISHED_ARTICLE_EXAMPLE = OpenApiExample(
    "approved article",
    value={
        "slug": "stopping-ldn",
        "title": EXAMPLE_ARTICLE["title"],
        "summary": EXAMPLE_ARTICLE["summary"],
        "topics": EXAMPLE_ARTICLE["topics"],
        "audience": "patient",
        "version": 2,
        "content_hash": EXAMPLE_HASH,
        "review_overdue": False,
        "medical_review": EXAMPLE_MEDICAL_REVIEW,
        "sections": [EXAMPLE_PUBLISHED_SECTION],
        "json_ld": {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": EXAMPLE_ARTICLE["title"],
            "lastReviewed": "2026-11-21",
            "reviewedBy": {
                "@type": "Person",
                "name": "Dr Amina Okafor",
                "honorificSuffix": "MBBS, MRCGP",
            },
            "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
            "hasPart": [
                {
                    "@type": "WebPageElement",
                    "identifier": "tapering-off",
                    "name": "Tapering off",
                    "text": EXAMPLE_SECTION["body"],
                }
            ],
        },
    },
    response_only=True,
    status_codes=["200"],
)
PUBLISHED_SECTION_EXAMPLE = OpenApiExample(
    "approved section", value=EXAMPLE_PUBLISHED_SECTION, response_only=True, status_codes=["200"]
)
RETRACTION_NOTICE_EXAMPLE = OpenApiExample(
    "retracted",
    value={
        "code": "retracted",
        "detail": "This article was withdrawn from publication: remove it from your site.",
        "retracted_at": "2026-11-25T16:30:00Z",
        "reason": "New guidance on tapering is being reviewed.",
    },
    response_only=True,
    status_codes=["410"],
)
PUBLISHED_LIST_EXAMPLE = OpenApiExample(
    "page",
    value={
        "results": [
            {
                "slug": "stopping-ldn",
                "title": EXAMPLE_ARTICLE["title"],
                "summary": EXAMPLE_ARTICLE["summary"],
                "topics": EXAMPLE_ARTICLE["topics"],
                "audience": "patient",
                "version": 2,
                "content_hash": EXAMPLE_HASH,
                "etag": '"v2-9b2f6c1e4d8a7b3c-5e0f1a2b3c4d5e6f"',
                "review_overdue": False,
                "medical_review": EXAMPLE_MEDICAL_REVIEW,
                "updated_at": "2026-11-21T09:00:00Z",
            }
        ],
        "next_cursor": "c3RvcHBpbmctbGRu",
    },
    response_only=True,
)
CHANGES_EXAMPLE = OpenApiExample(
    "changes",
    value={
        "events": [
            {
                "id": 41,
                "type": "article.published",
                "slug": "stopping-ldn",
                "version": 2,
                "content_hash": EXAMPLE_HASH,
                "occurred_at": "2026-11-21T09:00:00Z",
                "data": {
                    "reviewer_name": "Dr Amina Okafor",
                    "review_kind": "full",
                    "next_review_due": "2027-11-21",
                },
            },
            {
                "id": 42,
                "type": "article.retracted",
                "slug": "stopping-ldn",
                "version": 2,
                "content_hash": EXAMPLE_HASH,
                "occurred_at": "2026-11-25T16:30:00Z",
                "data": {"reason": "New guidance on tapering is being reviewed."},
            },
        ],
        "next_cursor": "42",
    },
    response_only=True,
)
