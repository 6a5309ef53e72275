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
