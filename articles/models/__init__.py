"""Models of articles: the working copy, frozen versions, and the served read model."""

from articles.models.consumers import ConsumerApiKey, ConsumerSite
from articles.models.events import PUBLIC_EVENT_TYPES, Event, EventSequence, EventType
from articles.models.publication import Publication, PublicationStatus, ReviewKind
from articles.models.versions import FrozenModel, FrozenQuerySet, ImmutableRecord, Version
from articles.models.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from articles.models.working_copy import (
    SLUG_MESSAGE,
    SLUG_PATTERN,
    Article,
    Audience,
    Section,
    slug_validator,
    topics_include,
)

__all__ = [
    "PUBLIC_EVENT_TYPES",
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
    "PublicationStatus",
    "ReviewKind",
    "Section",
    "Version",
    "WebhookDelivery",
    "WebhookEndpoint",
    "slug_validator",
    "topics_include",
]
