"""Query filters of the authoring article list."""

import django_filters
from django.core.exceptions import ValidationError

from articles.models import Article, Audience, Reference, topics_include
from articles.selectors import cites_identifier


class NamedChoiceField(django_filters.fields.ChoiceField):
    """A choice that, when given, names one: `?audience=` is refused, as the schema's enum says,
    rather than taken as no filter."""

    def clean(self, value):
        if value == "":
            raise ValidationError("Name one of the choices, or leave the parameter out.")
        return super().clean(value)


class NamedChoiceFilter(django_filters.ChoiceFilter):
    field_class = NamedChoiceField


class ArticleFilter(django_filters.FilterSet):
    """Filters of GET /api/v1/articles/."""

    topic = django_filters.CharFilter(
        method="filter_topic", help_text="Only articles with this topic slug."
    )
    audience = NamedChoiceFilter(
        choices=Audience.choices, help_text="Only articles for this audience."
    )
    external_id = django_filters.CharFilter(
        help_text="The article that carries this CMS id (for upserts by the CMS's own id)."
    )
    search = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", help_text="Words in the title."
    )
    cites = django_filters.CharFilter(
        method="filter_cites",
        help_text="Only articles with a reference to this source: a DOI (`10.1136/bmj.n1234`, "
        "with or without `https://doi.org/`), a PubMed id, a guideline id (`NG193`, any case) "
        "or a URL.",
    )

    class Meta:
        model = Article
        fields = ["topic", "audience", "external_id", "search", "cites"]

    def filter_cites(self, queryset, name, value):
        return queryset.filter(
            pk__in=Reference.objects.filter(cites_identifier(value)).values("article_id")
        )

    def filter_topic(self, queryset, name, value):
        return queryset.filter(topics_include(value))
