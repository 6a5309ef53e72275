"""Models of articles: the working copy, frozen versions, and the served read model."""

from articles.models.consumers import ConsumerApiKey, ConsumerSite
from articles.models.events import Event, EventSequence, EventType
from articles.models.publication import Publication, PublicationStatus, ReviewKind
from articles.models.versions import FrozenModel, FrozenQuerySet, ImmutableRecord, Version
from articles.models.working_copy import (
    SLUG_MESSAGE,
    SLUG_PATTERN,
    Article,
    Audience,
    Section,
    slug_validator,
)

__all__ = [
    "SLUG_MESSAGE",
    "SLUG_PATTERN",
    "Article",
    "Audience",
    "ConsumerApiKey",
    "ConsumerSite",
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
    "slug_validator",
]
