"""Admin of the working copy: articles and sections, edited through the services with the ETag
read when the form opened, with their history."""

from django import forms
from django.contrib import admin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from articles import selectors, services
from articles.admin.base import ServiceBackedAdmin, disable_fields
from articles.admin.references import ReferenceInline, flagged_condition
from articles.models import ARTICLE_EDITABLE_FIELDS, Article, Reference, Section


def _shows_history(instance) -> bool:
    """True when a form shows a record rebuilt from the history (simple-history's revert page)."""
    return hasattr(instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME)


class ArticleAdminForm(forms.ModelForm):
    etag = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = ["slug", *ARTICLE_EDITABLE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            disable_fields(self, "slug")
            # The ETag and the values shown come from one read, so a save is never accepted
            # over a change the editor was not shown. A history revert shows an old version
            # on purpose, against the stored article's ETag.
            working_copy = selectors.working_copy_get(slug=self.instance.slug)
            self.initial["etag"] = working_copy.etag
            if not _shows_history(self.instance):
                for name in ArticleAdminForm.Meta.fields:
                    self.initial[name] = getattr(working_copy.article, name)


class SectionInline(admin.TabularInline):
    """The article's sections, in order; they are edited on their own pages."""

    model = Section
    extra = 0
    ordering = ["position"]
    fields = ["position", "anchor", "heading"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CitesFlaggedFilter(admin.SimpleListFilter):
    """Articles with a reference whose source no longer stands."""

    title = "evidence"
    parameter_name = "flagged_references"

    def lookups(self, request, model_admin):
        return [("yes", "Cites a dead, withdrawn or superseded source")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                pk__in=Reference.objects.filter(flagged_condition()).values("article_id")
            )
        return queryset


@admin.register(Article)
class ArticleAdmin(ServiceBackedAdmin):
    form = ArticleAdminForm
    list_display = ["title", "slug", "audience", "author", "updated_at"]
    list_filter = ["audience", CitesFlaggedFilter]
    # A DOI, PubMed id, guideline id or URL finds every article with a reference to it.
    search_fields = [
        "title",
        "slug",
        "external_id",
        "references__doi",
        "references__pmid",
        "references__guideline_id",
        "references__url",
    ]
    readonly_fields = ["author", "created_at", "updated_at"]
    inlines = [SectionInline, ReferenceInline]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ArticleAdminForm.Meta.fields}
        slug = fields.pop("slug")
        if change:
            services.article_update(
                article=obj,
                user=request.user,
                if_match=form.cleaned_data["etag"],
                fields=fields,
                reason="Edited in the admin",
            )
            return
        created = services.article_create(
            author=request.user, slug=slug, fields=fields, reason="Created in the admin"
        )
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Versions and publications refer to articles; an article is never deleted.
        return False


class SectionAdminForm(forms.ModelForm):
    etag = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Section
        fields = ["article", "anchor", "heading", "body", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "position" in self.fields:  # the form of staff who may only view has no fields
            self.fields["position"].required = False
        if self.instance.pk:
            disable_fields(self, "article", "anchor")
            # As for articles: the section shown and the ETag come from one read.
            working_copy = selectors.working_copy_get(slug=self.instance.article.slug)
            self.initial["etag"] = working_copy.etag
            shown = next((s for s in working_copy.sections if s.pk == self.instance.pk), None)
            if shown is not None and not _shows_history(self.instance):
                for name in ("heading", "body", "position"):
                    self.initial[name] = getattr(shown, name)


@admin.register(Section)
class SectionAdmin(ServiceBackedAdmin):
    form = SectionAdminForm
    list_display = ["anchor", "heading", "article", "position"]
    search_fields = ["anchor", "heading", "article__slug"]
    list_select_related = ["article"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in ("heading", "body", "position")}
            if changes["position"] is None:
                changes.pop("position")
            services.section_update(
                article=obj.article,
                anchor=obj.anchor,
                user=request.user,
                if_match=data["etag"],
                changes=changes,
            )
            return
        article = data["article"]
        created = services.section_create(
            article=article,
            user=request.user,
            if_match=selectors.article_etag(
                article=article, sections=selectors.section_list(article=article)
            ),
            anchor=data["anchor"],
            heading=data["heading"],
            body=data["body"],
            position=data["position"],
        )
        obj.pk = created.pk
        obj._state.adding = False

    def delete_view(self, request, object_id, extra_context=None):
        section = self.get_object(request, object_id)
        if request.method != "POST" and section is not None:
            # The confirmation form posts back the ETag of the state it showed.
            etag = selectors.working_copy_get(slug=section.article.slug).etag
            extra_context = {**(extra_context or {}), "etag": etag}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.section_delete(
            article=obj.article,
            anchor=obj.anchor,
            user=request.user,
            if_match=request.POST.get("etag", ""),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletes would skip the services
        return actions
