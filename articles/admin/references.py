"""Admin of references: each edited on its own page through the services (with the ETag read
when the form opened), listed on its article's page, with their history and link checks."""

from functools import partial

from django import forms
from django.contrib import admin
from django.db.models import Q

from articles import selectors, services
from articles.admin.base import ServiceBackedAdmin, disable_fields
from articles.models import REFERENCE_CONTENT_FIELDS, Reference, ReferenceCheckResult

EDITABLE_FIELDS = [name for name in REFERENCE_CONTENT_FIELDS if name != "key"]
CHECK_FIELDS = ["last_checked_at", "check_result", "check_detail", "dead_since"]


class ReferenceAdminForm(forms.ModelForm):
    etag = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Reference
        fields = ["article", *REFERENCE_CONTENT_FIELDS]
        # A web address typed without a scheme is an https one.
        field_classes = {"url": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            disable_fields(self, "article", "key")
            # The values shown and the ETag come from one read, as for sections.
            working_copy = selectors.working_copy_get(slug=self.instance.article.slug)
            self.initial["etag"] = working_copy.etag
            shown = next((r for r in working_copy.references if r.pk == self.instance.pk), None)
            if shown is not None:
                for name in EDITABLE_FIELDS:
                    self.initial[name] = getattr(shown, name)


class ReferenceInline(admin.TabularInline):
    """The article's references; they are edited on their own pages."""

    model = Reference
    extra = 0
    fields = ["key", "kind", "title", "status", "check_result", "dead_since"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class FlaggedFilter(admin.SimpleListFilter):
    """References whose source no longer stands."""

    title = "flagged"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", "Dead link, withdrawn or superseded")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(flagged_condition())
        return queryset


def flagged_condition() -> Q:
    """References that are flagged (see Reference.flagged), as a query."""
    return Q(check_result=ReferenceCheckResult.DEAD) | ~Q(status="current")


@admin.register(Reference)
class ReferenceAdmin(ServiceBackedAdmin):
    form = ReferenceAdminForm
    list_display = ["key", "title", "article", "kind", "status", "check_result", "dead_since"]
    list_filter = [FlaggedFilter, "kind", "status", "check_result"]
    search_fields = ["key", "title", "doi", "pmid", "guideline_id", "url", "article__slug"]
    list_select_related = ["article"]
    readonly_fields = CHECK_FIELDS

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.reference_update(
                article=obj.article,
                key=obj.key,
                user=request.user,
                if_match=data["etag"],
                changes={name: data[name] for name in EDITABLE_FIELDS},
                reason="Edited in the admin",
            )
            return
        article = data["article"]
        created = services.reference_create(
            article=article,
            user=request.user,
            if_match=selectors.article_etag(
                article=article, sections=selectors.section_list(article=article)
            ),
            values={name: data[name] for name in REFERENCE_CONTENT_FIELDS},
            reason="Added in the admin",
        )
        obj.pk = created.pk
        obj._state.adding = False

    def delete_view(self, request, object_id, extra_context=None):
        reference = self.get_object(request, object_id)
        if request.method != "POST" and reference is not None:
            # The confirmation form posts back the ETag of the state it showed.
            etag = selectors.working_copy_get(slug=reference.article.slug).etag
            extra_context = {**(extra_context or {}), "etag": etag}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.reference_delete(
            article=obj.article,
            key=obj.key,
            user=request.user,
            if_match=request.POST.get("etag", ""),
            reason="Deleted in the admin",
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletes would skip the services
        return actions
