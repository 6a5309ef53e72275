"""Admin for the working copy: articles with their sections, and their edit history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from articles.models import Article, Section


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
