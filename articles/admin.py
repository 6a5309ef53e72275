"""Admin of articles: the working copy with its history, and consuming sites with their keys."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from articles.models import Article, ConsumerApiKey, ConsumerSite, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    ordering = ["position"]
    fields = ["position", "anchor", "heading", "body"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "audience", "author", "updated_at"]
    list_filter = ["audience"]
    search_fields = ["title", "slug", "external_id"]
    readonly_fields = ["author", "created_at", "updated_at"]
    inlines = [SectionInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(Section)
class SectionAdmin(SimpleHistoryAdmin):
    list_display = ["anchor", "heading", "article", "position"]
    search_fields = ["anchor", "heading", "article__slug"]
    list_select_related = ["article"]


class ConsumerApiKeyInline(admin.TabularInline):
    model = ConsumerApiKey
    extra = 0
    fields = ["name", "prefix", "created", "expiry_date", "revoked"]
    readonly_fields = ["name", "prefix", "created", "expiry_date"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        # Keys are added from the key admin, which shows the new key once.
        return False


@admin.register(ConsumerSite)
class ConsumerSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "contact_email"]
    inlines = [ConsumerApiKeyInline]


@admin.register(ConsumerApiKey)
class ConsumerApiKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "site"]
    list_filter = [*APIKeyModelAdmin.list_filter, "site"]
    list_select_related = ["site"]


# The library's own key model is unused: consuming sites' keys are ConsumerApiKey.
admin.site.unregister(APIKey)
