"""The authoring API of articles: the working copy, its versions, and retraction."""

from articles.apis.versions import (
    PublicationRetractApi,
    VersionDetailApi,
    VersionDiffApi,
    VersionListApi,
)
from articles.apis.working_copy import (
    ArticleDetailApi,
    ArticleHistoryApi,
    ArticleListCreateApi,
    ArticleRevertApi,
    AuthoringPagination,
    AuthoringPermissions,
    SectionDetailApi,
    SectionListCreateApi,
    SectionOrderApi,
)

__all__ = [
    "ArticleDetailApi",
    "ArticleHistoryApi",
    "ArticleListCreateApi",
    "ArticleRevertApi",
    "AuthoringPagination",
    "AuthoringPermissions",
    "PublicationRetractApi",
    "SectionDetailApi",
    "SectionListCreateApi",
    "SectionOrderApi",
    "VersionDetailApi",
    "VersionDiffApi",
    "VersionListApi",
]
