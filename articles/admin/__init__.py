"""Admin of articles: the working copy and its references (edited through the services, with
their history),
frozen versions and publications (read-only), consuming sites with their keys, and webhooks.

Importing the modules registers their model admins."""

from articles.admin import consumers, references, versions, webhooks, working_copy

__all__ = ["consumers", "references", "versions", "webhooks", "working_copy"]
