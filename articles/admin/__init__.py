"""Admin of articles: the working copy (edited through the services, with its history),
frozen versions and publications (read-only), consuming sites with their keys, and webhooks.

Importing the modules registers their model admins."""

from articles.admin import consumers, versions, webhooks, working_copy

__all__ = ["consumers", "versions", "webhooks", "working_copy"]
