"""The authoring API of articles: the working copy (articles, sections), its versions, and
retraction; webhooks are in articles.apis.webhooks."""

from articles.apis.articles import (
    ArticleDetailApi,
    ArticleHistoryApi,
    ArticleListCreateApi,
    ArticleRevertApi,
)
from articles.apis.authoring import AuthoringPagination, AuthoringPermissions
from articles.apis.references import ReferenceDetailApi, ReferenceListCreateApi
from articles.apis.sections import SectionDetailApi, SectionListCreateApi, SectionOrderApi
from articles.apis.versions import (
    PublicationRetractApi,
    VersionDetailApi,
    VersionDiffApi,
    VersionListApi,
)

__all__ = [
    "ArticleDetailApi",
    "ArticleHistoryApi",
    "ArticleListCreateApi",
    "ArticleRevertApi",
    "AuthoringPagination",
    "AuthoringPermissions",
    "PublicationRetractApi",
    "ReferenceDetailApi",
    "ReferenceListCreateApi",
    "SectionDetailApi",
    "SectionListCreateApi",
    "SectionOrderApi",
    "VersionDetailApi",
    "VersionDiffApi",
    "VersionListApi",
]
