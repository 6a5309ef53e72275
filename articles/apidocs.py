"""OpenAPI examples of the authoring API."""

from drf_spectacular.utils import OpenApiExample

EXAMPLE_ETAG = '"3f1c0e5b0a6d4b8f9a2e7c1d5b3a9f0e6c2d8b4a1f7e3c9d5b0a6e2f8c4d1b7a"'

EXAMPLE_SECTION = {
    "anchor": "tapering-off",
    "heading": "Tapering off",
    "body": "Your prescriber may suggest lowering the dose in small steps over a few weeks.",
    "position": 2,
}

EXAMPLE_ARTICLE = {
    "slug": "stopping-ldn",
    "title": "Stopping low-dose naltrexone safely",
    "summary": "Why people stop LDN, what may happen, and how to plan it with a prescriber.",
    "topics": ["ldn", "medication-changes"],
    "audience": "patient",
    "external_id": "cms-4711",
    "author": "editor",
    "created_at": "2026-11-02T09:15:00Z",
    "updated_at": "2026-11-20T14:03:11Z",
    "etag": EXAMPLE_ETAG,
    "sections": [
        {
            "anchor": "introduction",
            "heading": "Introduction",
            "body": "Many people who take LDN ask what happens if they stop.",
            "position": 0,
        },
        {
            "anchor": "reasons-to-stop",
            "heading": "Reasons to stop",
            "body": "- Side effects such as vivid dreams\n- No benefit after a fair trial",
            "position": 1,
        },
        EXAMPLE_SECTION,
    ],
}

ARTICLE_EXAMPLE = OpenApiExample("article", value=EXAMPLE_ARTICLE, response_only=True)
ARTICLE_LIST_EXAMPLE = OpenApiExample(
    "articles",
    value={
        "count": 1,
        "next": None,
        "previous": None,
        "results": [{k: v for k, v in EXAMPLE_ARTICLE.items() if k not in {"etag", "sections"}}],
    },
    response_only=True,
)
ARTICLE_CREATE_EXAMPLE = OpenApiExample(
    "new article",
    value={
        "slug": "stopping-ldn",
        "title": "Stopping low-dose naltrexone safely",
        "summary": "Why people stop LDN, what may happen, and how to plan it with a prescriber.",
        "topics": ["ldn"],
        "audience": "patient",
        "sections": [
            {
                "anchor": "introduction",
                "heading": "Introduction",
                "body": "Many people who take LDN ask what happens if they stop.",
            }
        ],
    },
    request_only=True,
)
ARTICLE_REPLACE_EXAMPLE = OpenApiExample(
    "whole document",
    value={k: v for k, v in ARTICLE_CREATE_EXAMPLE.value.items() if k != "slug"}
    | {"external_id": "cms-4711"},
    request_only=True,
)
ARTICLE_UPDATE_EXAMPLE = OpenApiExample(
    "new title", value={"title": "Stopping LDN: a patient's guide"}, request_only=True
)
SECTION_EXAMPLE = OpenApiExample("section", value=EXAMPLE_SECTION, response_only=True)
SECTION_LIST_EXAMPLE = OpenApiExample(
    "sections", value=EXAMPLE_ARTICLE["sections"], response_only=True
)
SECTION_CREATE_EXAMPLE = OpenApiExample(
    "new section",
    value={
        "anchor": "after-stopping",
        "heading": "After stopping",
        "body": "Symptoms that LDN eased may come back over some weeks.",
        "position": 3,
    },
    request_only=True,
)
SECTION_UPDATE_EXAMPLE = OpenApiExample(
    "new body",
    value={"body": "Lower the dose in steps of 0.5 to 1 mg, as your prescriber advises."},
    request_only=True,
)
SECTION_ORDER_REQUEST_EXAMPLE = OpenApiExample(
    "new order",
    value={"anchors": ["introduction", "tapering-off", "reasons-to-stop"]},
    request_only=True,
)
SECTION_ORDER_EXAMPLE = OpenApiExample(
    "order",
    value={"anchors": ["introduction", "reasons-to-stop", "tapering-off"]},
    response_only=True,
)
HISTORY_EXAMPLE = OpenApiExample(
    "history",
    value={
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "history_id": 42,
                "object_type": "section",
                "anchor": "tapering-off",
                "action": "changed",
                "changed_at": "2026-11-20T14:03:11Z",
                "changed_by": "editor",
                "reason": "Edited tapering-off",
                "changes": [
                    {
                        "field": "body",
                        "old": "Lower the dose slowly.",
                        "new": EXAMPLE_SECTION["body"],
                    }
                ],
            },
            {
                "history_id": 7,
                "object_type": "article",
                "anchor": None,
                "action": "created",
                "changed_at": "2026-11-02T09:15:00Z",
                "changed_by": "editor",
                "reason": "Created",
                "changes": [{"field": "title", "old": None, "new": EXAMPLE_ARTICLE["title"]}],
            },
        ],
    },
    response_only=True,
)
