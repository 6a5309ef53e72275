"""Domain errors of the articles app, each with a stable `code` for API clients."""

from ldncontent.exceptions import Conflict, InvalidContent


class SlugTaken(Conflict):
    """Another article already uses this slug."""

    code = "slug_taken"
    default_detail = "An article with this slug exists: choose another slug, or PUT to update it."


class ExternalIdTaken(Conflict):
    """Another article already carries this CMS id."""

    code = "external_id_taken"
    default_detail = "Another article already has this external_id."


class AnchorTaken(Conflict):
    """The article already has a section with this anchor."""

    code = "anchor_taken"
    default_detail = "The article already has a section with this anchor: choose another anchor."


class TooManySections(InvalidContent):
    """The article would have more sections than ARTICLE_MAX_SECTIONS."""

    code = "too_many_sections"


class ChangeReasonTwice(InvalidContent):
    """A change reason was sent both in the X-Change-Reason header and in the body."""

    code = "change_reason_twice"
    default_detail = (
        "The change reason was sent twice: send it in the X-Change-Reason header or in the "
        "`reason` field, not both."
    )


class NothingToSubmit(Conflict):
    """The working copy is identical to the last submitted version."""

    code = "no_changes"
    default_detail = (
        "The working copy is identical to the last submitted version: edit it before submitting."
    )


class NothingToRevert(Conflict):
    """The working copy already has the content of the version to revert to."""

    code = "nothing_to_revert"
    default_detail = "The working copy already equals this version: nothing to revert."


class EmptyArticle(InvalidContent):
    """An article without sections cannot be reviewed."""

    code = "empty_article"
    default_detail = "The article has no sections: add at least one before submitting."


class OlderThanLive(Conflict):
    """A version older than the live one cannot replace it."""

    code = "older_than_live"
    default_detail = "A newer version of this article is already live."


class NotPublished(Conflict):
    """The article has no live publication."""

    code = "not_published"
    default_detail = "The article has no live version to retract."


class AlreadyRetracted(Conflict):
    """The publication is already withdrawn."""

    code = "already_retracted"
    default_detail = "The article's live version was already retracted."


class EndpointSwitchedOff(Conflict):
    """The webhook endpoint, or its consuming site, is switched off."""

    code = "endpoint_switched_off"
    default_detail = (
        "The webhook endpoint or its consuming site is switched off: switch it on before "
        "replaying its deliveries."
    )


class KeyAlreadyRevoked(Conflict):
    """The API key is already revoked; revoking is final."""

    code = "key_revoked"
    default_detail = "This API key is already revoked: issue a new key instead."


class UnknownCitation(InvalidContent):
    """A section cites `[^key]` and the article has no reference with that key."""

    code = "unknown_citation"
    default_detail = "A section cites a reference the article does not have."


class ReferenceKeyTaken(Conflict):
    """The article already has a reference with this key."""

    code = "reference_key_taken"
    default_detail = "The article already has a reference with this key: choose another key."


class ReferenceCited(Conflict):
    """A reference that sections still cite cannot be deleted."""

    code = "reference_cited"
    default_detail = "Sections still cite this reference: remove the citations first."
