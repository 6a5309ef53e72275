"""Schema-only shapes of the delivery API: the served bytes are rendered at publish time."""

from rest_framework import serializers

from articles.models.events import EventType
from articles.models.publication import Publication, ReviewKind
from articles.models.references import ReferenceKind, ReferenceStatus

# The audiences a publication is served for, as the Publication row stores them.
AUDIENCE_CHOICES = Publication._meta.get_field("audience").choices


class PublishedSignOffOutputSerializer(serializers.Serializer):
    """One signature the served version carries: who signed it, for which role, when."""

    role = serializers.CharField(read_only=True, help_text="The role's code, e.g. `pharmacist`.")
    role_name = serializers.CharField(read_only=True, help_text="e.g. `Pharmacist`.")
    name = serializers.CharField(read_only=True, help_text="The signer's published name.")
    credentials = serializers.CharField(read_only=True, help_text="e.g. `MPharm`; may be empty.")
    profession = serializers.CharField(read_only=True, help_text="e.g. `Pharmacist`.")
    signed_at = serializers.DateTimeField(read_only=True, help_text="When they signed.")


class MedicalReviewOutputSerializer(serializers.Serializer):
    """Who reviewed the served version clinically, and when it is due again."""

    reviewer_name = serializers.CharField(read_only=True, help_text="The clinician's name.")
    reviewer_credentials = serializers.CharField(
        read_only=True, help_text="Their credentials, e.g. `MBBS, MRCGP`."
    )
    review_kind = serializers.ChoiceField(
        choices=ReviewKind.choices,
        read_only=True,
        help_text="`full`: the whole article was reviewed; `change`: only the latest changes.",
    )
    approved_at = serializers.DateTimeField(read_only=True, help_text="When it was approved.")
    last_reviewed = serializers.DateField(
        read_only=True, help_text="The date of the last full clinical review."
    )
    next_review_due = serializers.DateField(read_only=True, help_text="When it is due again.")
    # Not read_only: a read-only field is listed as required in the schema, and this one may be
    # absent. The serializer only describes stored bytes; nothing is ever written through it.
    sign_offs = PublishedSignOffOutputSerializer(
        many=True,
        required=False,
        help_text="Every sign-off of the version, in the order given: the clinician's and those "
        "of the other roles its sign-off policies required. Absent only from versions approved "
        "before sign-off policies existed, which named the clinician alone.",
    )


class PublishedSectionOutputSerializer(serializers.Serializer):
    """A section as served: Markdown and sanitised HTML."""

    anchor = serializers.CharField(read_only=True, help_text="Stable id of the section.")
    heading = serializers.CharField(read_only=True, help_text="The heading.")
    position = serializers.IntegerField(read_only=True, help_text="0-based place.")
    markdown = serializers.CharField(read_only=True, help_text="The body as CommonMark.")
    html = serializers.CharField(
        read_only=True,
        help_text="The body as HTML, sanitised by an allow-list; each citation is a numbered "
        'link to its reference, `<sup><a href="#ref-1">1</a></sup>`.',
    )
    # Not read_only, so the schema does not list it as required: absent from versions
    # without references, whose payloads are what they were before references existed.
    cites = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="The numbers of the references this section cites, in order of first "
        "citation. Absent when the version has no references.",
    )


class PublishedReferenceIdentifiersOutputSerializer(serializers.Serializer):
    """The identifiers of a served reference; null when it has none of the kind."""

    doi = serializers.CharField(read_only=True, allow_null=True, help_text="DOI.")
    pmid = serializers.CharField(read_only=True, allow_null=True, help_text="PubMed id.")
    guideline_id = serializers.CharField(
        read_only=True, allow_null=True, help_text="NICE or other guideline id."
    )


class PublishedReferenceOutputSerializer(serializers.Serializer):
    """A source the served version cites, numbered in order of first citation."""

    number = serializers.IntegerField(
        read_only=True, help_text="1, 2, 3… in order of first citation: the link `#ref-N`."
    )
    key = serializers.CharField(read_only=True, help_text="The citation key in the Markdown.")
    kind = serializers.ChoiceField(
        choices=ReferenceKind.choices, read_only=True, help_text="What kind of source it is."
    )
    title = serializers.CharField(read_only=True, help_text="The source's title.")
    authors_or_publisher = serializers.CharField(
        read_only=True, help_text="Authors or publisher; may be empty."
    )
    identifiers = PublishedReferenceIdentifiersOutputSerializer(read_only=True)
    published_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="Publication date."
    )
    accessed_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="When the source was last read."
    )
    status = serializers.ChoiceField(
        choices=ReferenceStatus.choices,
        read_only=True,
        help_text="current, withdrawn or superseded, as approved.",
    )
    url = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Where to read it: its URL, else its DOI at doi.org; null when neither.",
    )


class PublishedArticleOutputSerializer(serializers.Serializer):
    """An approved article exactly as consuming sites are served it."""

    slug = serializers.CharField(read_only=True, help_text="URL name of the article.")
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    topics = serializers.ListField(child=serializers.CharField(), read_only=True)
    audience = serializers.ChoiceField(choices=AUDIENCE_CHOICES, read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="The approved version number.")
    content_hash = serializers.CharField(
        read_only=True, help_text="SHA-256 of the approved content."
    )
    review_overdue = serializers.BooleanField(
        read_only=True, help_text="True once next_review_due has passed."
    )
    medical_review = MedicalReviewOutputSerializer(read_only=True)
    sections = PublishedSectionOutputSerializer(many=True, read_only=True)
    references = PublishedReferenceOutputSerializer(
        many=True,
        required=False,
        help_text="The sources the sections cite, in order of first citation. Absent when the "
        "version has no references.",
    )
    json_ld = serializers.JSONField(
        read_only=True,
        help_text="schema.org MedicalWebPage for the page's <script> tag; with `citation` "
        "(each cited source) when the version has references.",
    )


class PublishedListItemOutputSerializer(serializers.Serializer):
    """An approved article in the delivery list (without sections)."""

    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    topics = serializers.ListField(child=serializers.CharField(), read_only=True)
    audience = serializers.ChoiceField(choices=AUDIENCE_CHOICES, read_only=True)
    version = serializers.IntegerField(read_only=True)
    content_hash = serializers.CharField(read_only=True)
    etag = serializers.CharField(
        read_only=True, help_text="The article's current ETag, for If-None-Match."
    )
    review_overdue = serializers.BooleanField(read_only=True)
    medical_review = MedicalReviewOutputSerializer(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, help_text="Last change served.")


class PublishedListOutputSerializer(serializers.Serializer):
    """A page of approved articles."""

    results = PublishedListItemOutputSerializer(many=True, read_only=True)
    next_cursor = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Pass as `cursor` for the next page; null at the end.",
    )


class ChangeEventOutputSerializer(serializers.Serializer):
    """One event of the changes feed."""

    id = serializers.IntegerField(read_only=True, help_text="Position in the feed.")
    type = serializers.ChoiceField(choices=EventType.choices, read_only=True)
    slug = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True, allow_null=True)
    content_hash = serializers.CharField(read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    data = serializers.JSONField(
        read_only=True, help_text="Details: e.g. the retraction reason or the review date."
    )


class ChangesPageOutputSerializer(serializers.Serializer):
    """A page of the changes feed."""

    events = ChangeEventOutputSerializer(many=True, read_only=True)
    next_cursor = serializers.CharField(
        read_only=True, help_text="Store it; pass it as `cursor` on your next sync."
    )


class RetractionNoticeOutputSerializer(serializers.Serializer):
    """The 410 answer for a retracted article."""

    code = serializers.CharField(read_only=True, help_text="`retracted`.")
    detail = serializers.CharField(read_only=True)
    retracted_at = serializers.DateTimeField(read_only=True)
    reason = serializers.CharField(read_only=True, help_text="Why it was withdrawn.")
