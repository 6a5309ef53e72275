"""Slugs and topic lists: rules shared by the working copy, the published read model and
delivery, which reads none of the working copy."""

from django.core.validators import RegexValidator
from django.db.models import Q

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
SLUG_MESSAGE = (
    "Use lowercase letters, digits and single hyphens, starting and ending with a letter or "
    "digit (for example `stopping-ldn`)."
)
slug_validator = RegexValidator(SLUG_PATTERN, SLUG_MESSAGE, code="invalid_slug")


def topics_include(topic: str, *, field: str = "topics") -> Q:
    """Rows whose JSON list of topic slugs (in `field`) includes `topic`.

    Topics are validated slugs, so the quoted slug occurs in the JSON text exactly when it is
    an element; unlike JSON containment, this works alike on SQLite and PostgreSQL.
    """
    return Q(**{f"{field}__icontains": f'"{topic}"'})
