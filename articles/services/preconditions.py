"""If-Match on the working copy: a write locks the article and goes ahead only when If-Match
names its current ETag (RFC 9110 strong comparison)."""

from articles.models import Article
from articles.selectors import article_etag, section_list
from ldncontent.exceptions import PreconditionFailed, PreconditionRequired
from ldncontent.http import EntityTag, parse_if_match


def _if_match_tags(if_match: str | None) -> list[EntityTag]:
    """The entity tags of If-Match: 428 when it is missing, blank or `*`, 400 when malformed."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired()
    if if_match.strip() == "*":
        raise PreconditionRequired(
            "If-Match: * is not accepted: send the ETag from your last GET of this article, "
            "so that no one else's change is overwritten."
        )
    tags = parse_if_match(if_match)
    if not tags:
        raise PreconditionRequired()
    return tags


def lock_with_current_etag(*, article: Article, if_match: str | None) -> tuple[Article, list]:
    """Lock the article row, then refuse the write unless If-Match names its current ETag.

    The comparison is strong (RFC 9110 13.1.1): a weak tag never matches, even with the same
    opaque tag, because a weak validator does not promise that the content is the same.
    """
    tags = _if_match_tags(if_match)
    article = Article.objects.select_for_update().get(pk=article.pk)
    sections = section_list(article=article)
    current = article_etag(article=article, sections=sections)
    if not any(tag.opaque == current and not tag.weak for tag in tags):
        if any(tag.weak for tag in tags):
            raise PreconditionFailed(
                "If-Match sent a weak entity tag (W/…), and a weak tag never matches a write "
                "(RFC 9110 strong comparison): send the ETag exactly as your last GET returned "
                "it, without W/."
            )
        raise PreconditionFailed()
    return article, sections


def refuse_if_match_without_article(*, slug: str, if_match: str | None) -> None:
    """412 when If-Match names a version of an article that does not exist (RFC 9110 13.1.1)."""
    if if_match is None or not if_match.strip():
        return
    if if_match.strip() != "*":
        parse_if_match(if_match)  # a malformed header is a 400 here too
    raise PreconditionFailed(
        f"No article has the slug {slug!r}: leave If-Match out to create it, or check the slug."
    )
