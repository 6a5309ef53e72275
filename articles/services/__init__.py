"""Every write of the articles app, one transaction each (see the modules for the groups)."""

from articles.services.consumers import (
    SITE_FIELDS,
    consumer_key_issue,
    consumer_key_revoke,
    consumer_site_create,
    consumer_site_update,
)
from articles.services.publishing import (
    event_emit,
    publication_retract,
    publication_withdraw_due,
    publications_mark_overdue,
    publish,
    version_submit,
)
from articles.services.references import (
    reference_create,
    reference_delete,
    reference_update,
)
from articles.services.webhooks import (
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from articles.services.working_copy import (
    article_create,
    article_put,
    article_revert,
    article_update,
    section_create,
    section_delete,
    section_reorder,
    section_update,
)

__all__ = [
    "SITE_FIELDS",
    "article_create",
    "article_put",
    "article_revert",
    "article_update",
    "consumer_key_issue",
    "consumer_key_revoke",
    "consumer_site_create",
    "consumer_site_update",
    "event_emit",
    "publication_retract",
    "publication_withdraw_due",
    "publications_mark_overdue",
    "publish",
    "reference_create",
    "reference_delete",
    "reference_update",
    "section_create",
    "section_delete",
    "section_reorder",
    "section_update",
    "version_submit",
    "webhook_delivery_replay",
    "webhook_endpoint_create",
    "webhook_endpoint_update",
]
