"""Query filters of the authoring article list."""

import django_filters

from articles.models import Article, Audience, topics_include


class ArticleFilter(django_filters.FilterSet):
    """Filters of GET /api/v1/articles/."""

    topic = django_filters.CharFilter(
        method="filter_topic", help_text="Only articles with this topic slug."
    )
    audience = django_filters.ChoiceFilter(
        choices=Audience.choices, help_text="Only articles for this audience."
    )
    external_id = django_filters.CharFilter(
        help_text="The article that carries this CMS id (for upserts by the CMS's own id)."
    )
    search = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", help_text="Words in the title."
    )

    class Meta:
        model = Article
        fields = ["topic", "audience", "external_id", "search"]

    def filter_topic(self, queryset, name, value):
        return queryset.filter(topics_include(value))
