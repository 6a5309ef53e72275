"""The role groups and the admin permissions each one holds, kept in place after every migrate."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from ldncontent.permissions import (
    CLINICAL_REVIEWERS,
    EDITORS,
    PUBLISHING_ADMINS,
    SIGN_OFF_REVIEWERS,
)

_READ_CONTENT = [
    "articles.view_article",
    "articles.view_section",
    "articles.view_reference",
    "articles.view_version",
    "articles.view_publication",
    "reviews.view_review",
    "reviews.view_comment",
    "reviews.view_reviewtransition",
    "reviews.view_reviewdueboard",
    "reviews.view_signoff",
    "reviews.view_signoffrole",
    "reviews.view_signoffpolicy",
    "reviews.view_signoffroleholder",
]

ROLE_PERMISSIONS = {
    EDITORS: [
        *_READ_CONTENT,
        "articles.add_article",
        "articles.change_article",
        "articles.add_section",
        "articles.change_section",
        "articles.delete_section",
        "articles.add_reference",
        "articles.change_reference",
        "articles.delete_reference",
        "reviews.add_comment",
    ],
    CLINICAL_REVIEWERS: [
        *_READ_CONTENT,
        "reviews.add_comment",
        "reviews.view_clinicianprofile",
    ],
    SIGN_OFF_REVIEWERS: [*_READ_CONTENT, "reviews.add_comment"],
    PUBLISHING_ADMINS: [
        *_READ_CONTENT,
        "auth.view_group",
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "reviews.view_clinicianprofile",
        "reviews.view_rolechange",
        "reviews.add_signoffrole",
        "reviews.change_signoffrole",
        "reviews.add_signoffpolicy",
        "reviews.change_signoffpolicy",
        "reviews.add_signoffroleholder",
        "reviews.change_signoffroleholder",
        "articles.add_consumersite",
        "articles.change_consumersite",
        "articles.view_consumersite",
        "articles.add_consumerapikey",
        "articles.change_consumerapikey",
        "articles.view_consumerapikey",
        "articles.add_webhookendpoint",
        "articles.change_webhookendpoint",
        "articles.view_webhookendpoint",
        "articles.view_webhookdelivery",
        "articles.view_event",
        "notifications.view_emailnotification",
    ],
}


def ensure_role_groups(**kwargs) -> None:
    """Create the role groups and give each exactly its permissions (the group admin cannot
    change them, so a permission dropped here is taken away on the next migrate).

    Connected to post_migrate: Django creates permissions after migrations, so they are
    created here first when a fresh database is being set up.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = set()
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            wanted.add((app_label, codename))
        permissions = [
            permission
            for permission in Permission.objects.select_related("content_type").filter(
                codename__in=[codename for _, codename in wanted]
            )
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.set(permissions)
