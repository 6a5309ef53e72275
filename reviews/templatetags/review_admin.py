"""Template helpers of the reviewer admin: index counts and word-level diff highlighting."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reviews.selectors import review_counts

register = template.Library()


@register.inclusion_tag("admin/reviews/review_counts.html")
def review_counts_panel() -> dict:
    return {"counts": review_counts()}


@register.simple_tag
def word_diff_side(changes: list, side: str) -> SafeString:
    """One side of a word diff: `old` shows removed words struck out, `new` inserted ones marked."""
    hidden, shown_tag = ("insert", "del") if side == "old" else ("delete", "ins")
    parts = []
    for change in changes:
        if change.op == "equal":
            parts.append(escape(change.text))
        elif change.op != hidden:
            parts.append(
                f'<{shown_tag} class="ldn-{shown_tag}">{escape(change.text)}</{shown_tag}>'
            )
    # Every piece of text was escaped above.
    return mark_safe("".join(parts))
