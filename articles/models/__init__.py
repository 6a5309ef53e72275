"""Models of articles: the working copy, frozen versions, and the served read model."""

from articles.models.consumers import ConsumerApiKey, ConsumerSite
from articles.models.events import PUBLIC_EVENT_TYPES, Event, EventSequence, EventType
from articles.models.publication import (
    Publication,
    PublicationQuerySet,
    PublicationStatus,
    ReviewKind,
    ReviewOverduePolicy,
)
from articles.models.references import (
    REFERENCE_CONTENT_FIELDS,
    REFERENCE_IDENTIFIER_FIELDS,
    Reference,
    ReferenceCheckResult,
    ReferenceKind,
    ReferenceStatus,
)
from articles.models.slugs import SLUG_MESSAGE, SLUG_PATTERN, slug_validator, topics_include
from articles.models.versions import FrozenModel, FrozenQuerySet, ImmutableRecord, Version
from articles.models.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from articles.models.working_copy import (
    ARTICLE_CONTENT_FIELDS,
    ARTICLE_EDITABLE_FIELDS,
    CHANGE_REASON_MAX_LENGTH,
    Article,
    Audience,
    Section,
    change_reason_validator,
)

__all__ = [
    "ARTICLE_CONTENT_FIELDS",
    "ARTICLE_EDITABLE_FIELDS",
    "CHANGE_REASON_MAX_LENGTH",
    "PUBLIC_EVENT_TYPES",
    "REFERENCE_CONTENT_FIELDS",
    "REFERENCE_IDENTIFIER_FIELDS",
    "SLUG_MESSAGE",
    "SLUG_PATTERN",
    "Article",
    "Audience",
    "ConsumerApiKey",
    "ConsumerSite",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Event",
    "EventSequence",
    "EventType",
    "FrozenModel",
    "FrozenQuerySet",
    "ImmutableRecord",
    "Publication",
    "PublicationQuerySet",
    "PublicationStatus",
    "Reference",
    "ReferenceCheckResult",
    "ReferenceKind",
    "ReferenceStatus",
    "ReviewKind",
    "ReviewOverduePolicy",
    "Section",
    "Version",
    "WebhookDelivery",
    "WebhookEndpoint",
    "change_reason_validator",
    "slug_validator",
    "topics_include",
]
