"""Every admin page, form, action and custom view x every kind of staff, over HTTP.

A page cell expects a status. A write cell posts what a browser would (the form as a superuser
sees it, so fields hidden from the role are forged in) and expects the write to happen or not;
a refused write never changes anything and is never a 500. Each cell runs on fresh data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles import services as article_services
from articles.models import (
    Article,
    ConsumerApiKey,
    ConsumerSite,
    Publication,
    Reference,
    ReviewKind,
    Section,
    Version,
    WebhookEndpoint,
)
from articles.selectors import article_etag, section_list
from governance import services as governance_services
from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS
from notifications.models import EmailNotification, NotificationKind, NotificationStatus
from reviews import services as review_services
from reviews.models import (
    ClinicianProfile,
    Review,
    ReviewTransition,
    RoleChange,
    SignOff,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from scheduling import services as scheduling_services
from scheduling.models import EmbargoGrant, Release, Schedule, Withdrawal
from tests import factories
from tests.clients import form_data, staff_client

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "editor", "clinician", "sign_off_reviewer", "publishing_admin", "superuser"]
PROFILE = {
    "published_name": "Dr New Clinician",
    "credentials": "MBBS",
    "profession": "General practitioner",
    "registering_body": "GMC",
    "registration_number": "GMC-123456",
}


@pytest.fixture
def world(db):
    """Role users, a draft, a pending review, a live article, a site with a key, a clinician,
    a pending medicines review that a pharmacist (the sign-off reviewer) must also sign, and
    scheduling's rows: an open release, two approved versions scheduled (one alone, one in the
    release), a timed withdrawal of the live article and an embargo grant to a second key."""
    pharmacist_role = factories.sign_off_role(
        "pharmacist", name="Pharmacist", checklist=["Doses checked"]
    )
    medicines_policy = factories.sign_off_policy(
        name="Medicines", required=[pharmacist_role], topic="medicines"
    )
    users = {
        "editor": factories.editor(username="matrix-editor"),
        "clinician": factories.clinician_with_profile(username="matrix-clinician"),
        "sign_off_reviewer": factories.sign_off_reviewer(
            role=pharmacist_role, username="matrix-pharmacist"
        ),
        "publishing_admin": factories.publishing_admin(username="matrix-admin"),
        "superuser": User.objects.create_superuser("matrix-root", "root@example.org", "pw-12345"),
    }
    approver = factories.clinician_with_profile(username="matrix-approver")
    someone = factories.UserFactory(username="someone", is_staff=True)

    def article(slug, topics=("ldn",)):
        return article_services.article_create(
            author=users["editor"],
            slug=slug,
            fields={"title": slug.title(), "topics": list(topics)},
            sections=[{"anchor": f"part-{i}", "heading": f"Part {i}"} for i in range(2)],
        )

    draft = article("draft")
    article_services.reference_create(
        article=draft,
        user=users["editor"],
        if_match=etag_of(draft),
        values={"key": "src", "kind": "website", "title": "Source", "url": "https://e.org/"},
    )
    pending = review_services.review_submit(article=article("pending"), user=users["editor"])
    article_services.section_update(
        article=pending.article,
        anchor="part-1",
        user=users["editor"],
        if_match=etag_of(pending.article),
        changes={"body": "Edited after submission."},
    )
    live = review_services.review_submit(article=article("live"), user=users["editor"])
    review_services.review_approve(
        review=live, reviewer=approver, content_hash=live.version.content_hash, kind=ReviewKind.FULL
    )
    medicines = review_services.review_submit(
        article=article("doses", topics=["ldn", "medicines"]), user=users["editor"]
    )
    site = ConsumerSite.objects.create(name="Site", contact_email="web@example.org")
    key, _ = article_services.consumer_key_issue(
        site=site, name="valid", issued_by=users["publishing_admin"]
    )
    failed_notification = EmailNotification.objects.create(
        recipient=users["editor"],
        recipient_email="editor@example.org",
        kind=NotificationKind.DECISION,
        dedup_key="decision:0:rejected",
        subject="Rejected",
        body="Rejected.",
        status=NotificationStatus.FAILED,
        attempts=8,
        next_attempt_at=timezone.now(),
        last_error="mail server unreachable",
    )
    release = scheduling_services.release_create(
        name="Guideline 2027",
        publish_at=timezone.now() + timedelta(days=2),
        user=users["publishing_admin"],
    )

    def approved_for_later(slug, **when):
        review = review_services.review_submit(article=article(slug), user=users["editor"])
        review_services.review_approve(
            review=review,
            reviewer=approver,
            content_hash=review.version.content_hash,
            kind=ReviewKind.FULL,
            **when,
        )
        return Schedule.objects.get(article=review.article)

    later = approved_for_later("later", publish_at=timezone.now() + timedelta(days=1))
    launch = approved_for_later("launch", release=release.pk)
    withdrawal = scheduling_services.withdrawal_set(
        article=live.article,
        withdraw_at=timezone.now() + timedelta(days=3),
        reason="Superseded by the new guideline.",
        user=users["publishing_admin"],
    )
    preview_key, _ = article_services.consumer_key_issue(
        site=site, name="preview", issued_by=users["publishing_admin"]
    )
    grant = scheduling_services.embargo_grant(
        api_key=preview_key, user=users["publishing_admin"], note="Pre-caches the launch."
    )
    return {
        "users": users,
        "someone": someone,
        "approver": approver,
        "draft": draft,
        "pending": pending,
        "publication": Publication.objects.get(),
        "site": site,
        "key": key,
        "profile": ClinicianProfile.objects.get(user=approver),
        "medicines": medicines,
        "pharmacist_role": pharmacist_role,
        "medicines_policy": medicines_policy,
        "holder": SignOffRoleHolder.objects.get(user=users["sign_off_reviewer"]),
        "failed_notification": failed_notification,
        "transitions": ReviewTransition.objects.count(),
        "signoff": SignOff.objects.get(review=live),
        "release": release,
        "later": later,
        "launch": launch,
        "withdrawal": withdrawal,
        "grant": grant,
    }


def root_client(world):
    return staff_client(world["users"]["superuser"])


def form_as_superuser(world, page_url: str, **changes) -> dict:
    return form_data(root_client(world).get(page_url), **changes)


@dataclass(frozen=True)
class Write:
    """A POST built from the world, and a check that says whether it took effect."""

    url: Callable[[dict], str]
    data: Callable[[dict], dict]
    happened: Callable[[dict], bool]


def article_form(world, **changes):
    url = f"/admin/articles/article/{world['draft'].pk}/change/"
    return form_as_superuser(world, url, **changes)


def reference_of(world, key="src") -> Reference:
    return Reference.objects.get(article=world["draft"], key=key)


def section_of(world, anchor="part-0") -> Section:
    return Section.objects.get(article=world["draft"], anchor=anchor)


def etag_of(article) -> str:
    return article_etag(article=article, sections=section_list(article=article))


def user_form(world, user, **changes):
    return form_as_superuser(world, f"/admin/auth/user/{user.pk}/change/", **changes)


def action(name: str, *pks) -> dict:
    return {"action": name, "_selected_action": [str(pk) for pk in pks]}


def clinical_role() -> SignOffRole:
    return SignOffRole.objects.get(code="clinical")


WRITES = {
    "article_add": Write(
        lambda w: "/admin/articles/article/add/",
        lambda w: form_as_superuser(
            w, "/admin/articles/article/add/", slug="admin-new", title="New", topics='["ldn"]'
        ),
        lambda w: Article.objects.filter(slug="admin-new").exists(),
    ),
    "article_change": Write(
        lambda w: f"/admin/articles/article/{w['draft'].pk}/change/",
        lambda w: article_form(w, title="Renamed in the admin"),
        lambda w: Article.objects.filter(title="Renamed in the admin").exists(),
    ),
    "article_history_revert": Write(
        lambda w: (
            f"/admin/articles/article/{w['draft'].pk}/history/"
            f"{w['draft'].history.earliest().history_id}/"
        ),
        lambda w: {
            **article_form(w, title="Reverted title"),
            "etag": etag_of(w["draft"]),
        },
        lambda w: Article.objects.filter(title="Reverted title").exists(),
    ),
    "section_add": Write(
        lambda w: "/admin/articles/section/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/articles/section/add/",
            article=str(w["draft"].pk),
            anchor="added",
            heading="Added",
            body="",
            position="",
        ),
        lambda w: Section.objects.filter(anchor="added").exists(),
    ),
    "section_change": Write(
        lambda w: f"/admin/articles/section/{section_of(w).pk}/change/",
        lambda w: form_as_superuser(
            w, f"/admin/articles/section/{section_of(w).pk}/change/", body="Changed in the admin."
        ),
        lambda w: Section.objects.filter(body="Changed in the admin.").exists(),
    ),
    "section_delete": Write(
        lambda w: f"/admin/articles/section/{section_of(w).pk}/delete/",
        lambda w: {"post": "yes", "etag": etag_of(w["draft"])},
        lambda w: not Section.objects.filter(article=w["draft"], anchor="part-0").exists(),
    ),
    "section_delete_selected": Write(
        lambda w: "/admin/articles/section/",
        lambda w: {**action("delete_selected", section_of(w, "part-1").pk), "post": "yes"},
        lambda w: not Section.objects.filter(article=w["draft"], anchor="part-1").exists(),
    ),
    "reference_add": Write(
        lambda w: "/admin/articles/reference/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/articles/reference/add/",
            article=str(w["draft"].pk),
            key="added",
            kind="book",
            title="Added in the admin",
        ),
        lambda w: Reference.objects.filter(key="added").exists(),
    ),
    "reference_change": Write(
        lambda w: f"/admin/articles/reference/{reference_of(w).pk}/change/",
        lambda w: form_as_superuser(
            w, f"/admin/articles/reference/{reference_of(w).pk}/change/", status="withdrawn"
        ),
        lambda w: Reference.objects.filter(status="withdrawn").exists(),
    ),
    "reference_delete": Write(
        lambda w: f"/admin/articles/reference/{reference_of(w).pk}/delete/",
        lambda w: {"post": "yes", "etag": etag_of(w["draft"])},
        lambda w: not Reference.objects.filter(article=w["draft"], key="src").exists(),
    ),
    "reference_delete_selected": Write(
        lambda w: "/admin/articles/reference/",
        lambda w: {**action("delete_selected", reference_of(w).pk), "post": "yes"},
        lambda w: not Reference.objects.filter(article=w["draft"], key="src").exists(),
    ),
    "version_revert": Write(
        lambda w: f"/admin/articles/version/{w['pending'].version.pk}/revert/",
        lambda w: {"etag": etag_of(w["pending"].article), "reason": ""},
        lambda w: not Section.objects.filter(body="Edited after submission.").exists(),
    ),
    "version_delete": Write(
        lambda w: f"/admin/articles/version/{w['pending'].version.pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not Version.objects.filter(pk=w["pending"].version.pk).exists(),
    ),
    "publication_change": Write(
        lambda w: f"/admin/articles/publication/{w['publication'].pk}/change/",
        lambda w: {"status": "retracted", "reviewer_name": "Forged"},
        lambda w: Publication.objects.filter(reviewer_name="Forged").exists(),
    ),
    "publication_history_revert": Write(
        lambda w: (
            f"/admin/articles/publication/{w['publication'].pk}/history/"
            f"{w['publication'].history.earliest().history_id}/"
        ),
        lambda w: form_as_superuser(
            w,
            f"/admin/articles/publication/{w['publication'].pk}/history/"
            f"{w['publication'].history.earliest().history_id}/",
            reviewer_name="Forged",
        ),
        lambda w: Publication.objects.filter(reviewer_name="Forged").exists(),
    ),
    "site_add": Write(
        lambda w: "/admin/articles/consumersite/add/",
        lambda w: form_as_superuser(
            w, "/admin/articles/consumersite/add/", name="New site", contact_email="n@e.org"
        ),
        lambda w: ConsumerSite.objects.filter(name="New site").exists(),
    ),
    "site_change": Write(
        lambda w: f"/admin/articles/consumersite/{w['site'].pk}/change/",
        lambda w: form_as_superuser(
            w, f"/admin/articles/consumersite/{w['site'].pk}/change/", active=""
        ),
        lambda w: ConsumerSite.objects.filter(active=False).exists(),
    ),
    "key_add": Write(
        lambda w: "/admin/articles/consumerapikey/add/",
        lambda w: form_as_superuser(
            w, "/admin/articles/consumerapikey/add/", site=str(w["site"].pk), name="new-key"
        ),
        lambda w: ConsumerApiKey.objects.filter(name="new-key").exists(),
    ),
    "key_change": Write(
        lambda w: f"/admin/articles/consumerapikey/{w['key'].pk}/change/",
        lambda w: {"name": "renamed-key", "site": str(w["site"].pk)},
        lambda w: ConsumerApiKey.objects.filter(name="renamed-key").exists(),
    ),
    "key_revoke_action": Write(
        lambda w: "/admin/articles/consumerapikey/",
        lambda w: action("revoke", w["key"].pk),
        lambda w: ConsumerApiKey.objects.filter(revoked=True).exists(),
    ),
    "webhook_add": Write(
        lambda w: "/admin/articles/webhookendpoint/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/articles/webhookendpoint/add/",
            name="CMS",
            url="https://cms.example.org/hooks",
            event_types="[]",
        ),
        lambda w: WebhookEndpoint.objects.filter(name="CMS").exists(),
    ),
    "review_approve": Write(
        lambda w: f"/admin/reviews/review/{w['pending'].pk}/decide/",
        lambda w: {
            "action": "approve",
            "content_hash": w["pending"].version.content_hash,
            "kind": "full",
        },
        lambda w: Review.objects.filter(pk=w["pending"].pk, state="approved").exists(),
    ),
    "review_comment": Write(
        lambda w: f"/admin/reviews/review/{w['pending'].pk}/decide/",
        lambda w: {"action": "comment", "body": "A remark from the admin."},
        lambda w: w["pending"].comments.filter(body="A remark from the admin.").exists(),
    ),
    "review_delete": Write(
        lambda w: f"/admin/reviews/review/{w['pending'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not Review.objects.filter(pk=w["pending"].pk).exists(),
    ),
    "transition_delete": Write(
        lambda w: f"/admin/reviews/reviewtransition/{ReviewTransition.objects.first().pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: ReviewTransition.objects.count() < w["transitions"],
    ),
    "review_sign_pharmacist": Write(
        lambda w: f"/admin/reviews/review/{w['medicines'].pk}/decide/",
        lambda w: {
            "action": "sign",
            "role": "pharmacist",
            "content_hash": w["medicines"].version.content_hash,
            "checklist": ["Doses checked"],
        },
        lambda w: SignOff.objects.filter(role__code="pharmacist").exists(),
    ),
    "review_reject_medicines": Write(
        lambda w: f"/admin/reviews/review/{w['medicines'].pk}/decide/",
        lambda w: {"action": "reject", "note": "Not accurate."},
        lambda w: Review.objects.filter(pk=w["medicines"].pk, state="rejected").exists(),
    ),
    "review_assign": Write(
        lambda w: f"/admin/reviews/review/{w['medicines'].pk}/decide/",
        lambda w: {
            "action": "assign",
            "role": "pharmacist",
            "assignee": str(w["users"]["sign_off_reviewer"].pk),
            "due_on": "",
        },
        lambda w: SignOffRequest.objects.filter(assignee__isnull=False).exists(),
    ),
    "signoffrole_add": Write(
        lambda w: "/admin/reviews/signoffrole/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/reviews/signoffrole/add/",
            code="lay-reader",
            name="Lay reader",
            meaning="I read it as a patient would.",
        ),
        lambda w: SignOffRole.objects.filter(code="lay-reader").exists(),
    ),
    "signoffrole_change": Write(
        lambda w: f"/admin/reviews/signoffrole/{w['pharmacist_role'].pk}/change/",
        lambda w: form_as_superuser(
            w,
            f"/admin/reviews/signoffrole/{w['pharmacist_role'].pk}/change/",
            meaning="Changed in the admin.",
        ),
        lambda w: SignOffRole.objects.filter(meaning="Changed in the admin.").exists(),
    ),
    "signoffrole_history_revert": Write(
        lambda w: (
            f"/admin/reviews/signoffrole/{w['pharmacist_role'].pk}/history/"
            f"{w['pharmacist_role'].history.earliest().history_id}/"
        ),
        lambda w: form_as_superuser(
            w,
            f"/admin/reviews/signoffrole/{w['pharmacist_role'].pk}/change/",
            meaning="Reverted in the admin.",
        ),
        lambda w: SignOffRole.objects.filter(meaning="Reverted in the admin.").exists(),
    ),
    "clinical_role_deactivate": Write(
        lambda w: f"/admin/reviews/signoffrole/{clinical_role().pk}/change/",
        lambda w: form_as_superuser(
            w,
            f"/admin/reviews/signoffrole/{clinical_role().pk}/change/",
            active="",
            resign_on_change="",
            code="doctor",
        ),
        lambda w: not SignOffRole.objects.filter(code="clinical", active=True).exists(),
    ),
    "signoffrole_delete": Write(
        lambda w: f"/admin/reviews/signoffrole/{w['pharmacist_role'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not SignOffRole.objects.filter(code="pharmacist").exists(),
    ),
    "signoffpolicy_add": Write(
        lambda w: "/admin/reviews/signoffpolicy/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/reviews/signoffpolicy/add/",
            name="Pain",
            topic="chronic-pain",
            required_roles=[str(w["pharmacist_role"].pk)],
            optional_roles=None,
        ),
        lambda w: SignOffPolicy.objects.filter(name="Pain").exists(),
    ),
    "signoffpolicy_change": Write(
        lambda w: f"/admin/reviews/signoffpolicy/{w['medicines_policy'].pk}/change/",
        lambda w: form_as_superuser(
            w,
            f"/admin/reviews/signoffpolicy/{w['medicines_policy'].pk}/change/",
            active="",
            optional_roles=None,
        ),
        lambda w: SignOffPolicy.objects.filter(name="Medicines", active=False).exists(),
    ),
    "signoffpolicy_delete": Write(
        lambda w: f"/admin/reviews/signoffpolicy/{w['medicines_policy'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not SignOffPolicy.objects.filter(name="Medicines").exists(),
    ),
    "holder_grant": Write(
        lambda w: "/admin/reviews/signoffroleholder/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/reviews/signoffroleholder/add/",
            user=str(w["someone"].pk),
            role=str(w["pharmacist_role"].pk),
            published_name="Sam Patel",
        ),
        lambda w: SignOffRoleHolder.objects.filter(user=w["someone"]).exists(),
    ),
    "holder_change": Write(
        lambda w: f"/admin/reviews/signoffroleholder/{w['holder'].pk}/change/",
        lambda w: {"published_name": "Forged", "credentials": "Forged"},
        lambda w: SignOffRoleHolder.objects.filter(published_name="Forged").exists(),
    ),
    "holder_revoke_action": Write(
        lambda w: "/admin/reviews/signoffroleholder/",
        lambda w: {
            **action("revoke_sign_off_role", w["holder"].pk),
            "reason": "Left.",
            "confirm": "yes",
        },
        lambda w: SignOffRoleHolder.objects.filter(pk=w["holder"].pk, active=False).exists(),
    ),
    "signoff_delete": Write(
        lambda w: f"/admin/reviews/signoff/{w['signoff'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not SignOff.objects.filter(pk=w["signoff"].pk).exists(),
    ),
    "clinician_grant": Write(
        lambda w: "/admin/reviews/clinicianprofile/add/",
        lambda w: form_as_superuser(
            w, "/admin/reviews/clinicianprofile/add/", user=str(w["someone"].pk), **PROFILE
        ),
        lambda w: ClinicianProfile.objects.filter(user=w["someone"]).exists(),
    ),
    "clinician_profile_change": Write(
        lambda w: f"/admin/reviews/clinicianprofile/{w['profile'].pk}/change/",
        lambda w: form_as_superuser(
            w,
            f"/admin/reviews/clinicianprofile/{w['profile'].pk}/change/",
            credentials="MD, FRCP",
        ),
        lambda w: ClinicianProfile.objects.filter(credentials="MD, FRCP").exists(),
    ),
    "clinician_profile_history_revert": Write(
        lambda w: (
            f"/admin/reviews/clinicianprofile/{w['profile'].pk}/history/"
            f"{w['profile'].history.earliest().history_id}/"
        ),
        lambda w: {**PROFILE, "credentials": "Forged, FRCP"},
        lambda w: ClinicianProfile.objects.filter(credentials="Forged, FRCP").exists(),
    ),
    "clinician_revoke_action": Write(
        lambda w: "/admin/reviews/clinicianprofile/",
        lambda w: {
            **action("revoke_clinician_role", w["profile"].pk),
            "reason": "Left.",
            "confirm": "yes",
        },
        lambda w: ClinicianProfile.objects.filter(pk=w["profile"].pk, active=False).exists(),
    ),
    "rolechange_delete": Write(
        lambda w: "/admin/reviews/rolechange/",
        lambda w: {**action("delete_selected", *RoleChange.objects.values_list("pk", flat=True))},
        lambda w: False,
    ),
    "notification_retry_action": Write(
        lambda w: "/admin/notifications/emailnotification/",
        lambda w: action("retry", w["failed_notification"].pk),
        lambda w: EmailNotification.objects.filter(
            pk=w["failed_notification"].pk, status=NotificationStatus.PENDING
        ).exists(),
    ),
    "schedule_cancel_action": Write(
        lambda w: "/admin/scheduling/schedule/",
        lambda w: {**action("cancel_schedules", w["later"].pk), "reason": "The campaign moved."},
        lambda w: Schedule.objects.filter(pk=w["later"].pk, state="cancelled").exists(),
    ),
    "schedule_add_to_release_action": Write(
        lambda w: "/admin/scheduling/schedule/",
        lambda w: {**action("add_to_release", w["later"].pk), "release": str(w["release"].pk)},
        lambda w: Schedule.objects.filter(pk=w["later"].pk, release=w["release"]).exists(),
    ),
    "schedule_remove_from_release_action": Write(
        lambda w: "/admin/scheduling/schedule/",
        lambda w: action("remove_from_release", w["launch"].pk),
        lambda w: Schedule.objects.filter(pk=w["launch"].pk, release__isnull=True).exists(),
    ),
    "schedule_change": Write(
        lambda w: f"/admin/scheduling/schedule/{w['later'].pk}/change/",
        lambda w: {"state": "cancelled", "content_hash": "forged"},
        lambda w: (
            Schedule.objects.exclude(state="pending").exists()
            or Schedule.objects.filter(content_hash="forged").exists()
        ),
    ),
    "schedule_delete": Write(
        lambda w: f"/admin/scheduling/schedule/{w['later'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not Schedule.objects.filter(pk=w["later"].pk).exists(),
    ),
    "schedule_delete_selected": Write(
        lambda w: "/admin/scheduling/schedule/",
        lambda w: {**action("delete_selected", w["later"].pk), "post": "yes"},
        lambda w: not Schedule.objects.filter(pk=w["later"].pk).exists(),
    ),
    "release_add": Write(
        lambda w: "/admin/scheduling/release/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/scheduling/release/add/",
            name="Admin release",
            publish_at_0=(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%d"),
            publish_at_1="09:00:00",
        ),
        lambda w: Release.objects.filter(name="Admin release").exists(),
    ),
    "release_change": Write(
        lambda w: f"/admin/scheduling/release/{w['release'].pk}/change/",
        lambda w: {"name": "Forged", "state": "cancelled"},
        lambda w: (
            Release.objects.filter(pk=w["release"].pk).exclude(name="Guideline 2027").exists()
            or Release.objects.exclude(state="open").exists()
        ),
    ),
    "release_cancel_action": Write(
        lambda w: "/admin/scheduling/release/",
        lambda w: {**action("cancel_releases", w["release"].pk), "reason": "The guideline moved."},
        lambda w: Release.objects.filter(pk=w["release"].pk, state="cancelled").exists(),
    ),
    "release_delete_selected": Write(
        lambda w: "/admin/scheduling/release/",
        lambda w: {**action("delete_selected", w["release"].pk), "post": "yes"},
        lambda w: not Release.objects.filter(pk=w["release"].pk).exists(),
    ),
    "withdrawal_add": Write(
        lambda w: "/admin/scheduling/withdrawal/add/",
        lambda w: {
            "article": str(w["publication"].article_id),
            "withdraw_at_0": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d"),
            "withdraw_at_1": "09:00:00",
            "reason": "Forged.",
        },
        lambda w: Withdrawal.objects.filter(reason="Forged.").exists(),
    ),
    "withdrawal_change": Write(
        lambda w: f"/admin/scheduling/withdrawal/{w['withdrawal'].pk}/change/",
        lambda w: {"state": "cancelled", "reason": "Forged."},
        lambda w: (
            Withdrawal.objects.exclude(state="pending").exists()
            or Withdrawal.objects.filter(reason="Forged.").exists()
        ),
    ),
    "withdrawal_cancel_action": Write(
        lambda w: "/admin/scheduling/withdrawal/",
        lambda w: {**action("cancel_withdrawals", w["withdrawal"].pk), "reason": "Kept."},
        lambda w: Withdrawal.objects.filter(pk=w["withdrawal"].pk, state="cancelled").exists(),
    ),
    "withdrawal_delete": Write(
        lambda w: f"/admin/scheduling/withdrawal/{w['withdrawal'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not Withdrawal.objects.filter(pk=w["withdrawal"].pk).exists(),
    ),
    "embargo_grant_add": Write(
        lambda w: "/admin/scheduling/embargogrant/add/",
        lambda w: form_as_superuser(
            w,
            "/admin/scheduling/embargogrant/add/",
            api_key=str(w["key"].pk),
            note="Launch preview.",
        ),
        lambda w: EmbargoGrant.objects.filter(api_key=w["key"]).exists(),
    ),
    "embargo_grant_change": Write(
        lambda w: f"/admin/scheduling/embargogrant/{w['grant'].pk}/change/",
        lambda w: {"api_key": str(w["key"].pk), "note": "Forged."},
        lambda w: (
            EmbargoGrant.objects.filter(api_key=w["key"]).exists()
            or EmbargoGrant.objects.filter(note="Forged.").exists()
        ),
    ),
    "embargo_grant_revoke_action": Write(
        lambda w: "/admin/scheduling/embargogrant/",
        lambda w: action("revoke_grants", w["grant"].pk),
        lambda w: not EmbargoGrant.objects.filter(pk=w["grant"].pk).exists(),
    ),
    "embargo_grant_delete": Write(
        lambda w: f"/admin/scheduling/embargogrant/{w['grant'].pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not EmbargoGrant.objects.filter(pk=w["grant"].pk).exists(),
    ),
    "user_add": Write(
        lambda w: "/admin/auth/user/add/",
        lambda w: {
            "username": "added-user",
            "usable_password": "true",
            "password1": "a-long-start-password-81",
            "password2": "a-long-start-password-81",
        },
        lambda w: User.objects.filter(username="added-user").exists(),
    ),
    "user_give_editor_role": Write(
        lambda w: f"/admin/auth/user/{w['someone'].pk}/change/",
        lambda w: user_form(w, w["someone"], roles=[EDITORS]),
        lambda w: w["someone"].groups.filter(name=EDITORS).exists(),
    ),
    "user_give_clinician_group": Write(
        lambda w: f"/admin/auth/user/{w['someone'].pk}/change/",
        lambda w: user_form(
            w,
            w["someone"],
            roles=[CLINICAL_REVIEWERS],
            groups=[str(Group.objects.get(name=CLINICAL_REVIEWERS).pk)],
        ),
        lambda w: w["someone"].groups.filter(name=CLINICAL_REVIEWERS).exists(),
    ),
    "user_make_superuser": Write(
        lambda w: f"/admin/auth/user/{w['someone'].pk}/change/",
        lambda w: user_form(w, w["someone"], is_superuser="on"),
        lambda w: User.objects.filter(pk=w["someone"].pk, is_superuser=True).exists(),
    ),
    "user_set_password": Write(
        lambda w: f"/admin/auth/user/{w['someone'].pk}/password/",
        lambda w: {"password1": "taken-over-9281", "password2": "taken-over-9281"},
        lambda w: User.objects.get(pk=w["someone"].pk).check_password("taken-over-9281"),
    ),
    "group_add": Write(
        lambda w: "/admin/auth/group/add/",
        lambda w: {"name": "helpers"},
        lambda w: Group.objects.filter(name="helpers").exists(),
    ),
    "role_group_rename": Write(
        lambda w: f"/admin/auth/group/{Group.objects.get(name=EDITORS).pk}/change/",
        lambda w: {"name": "writers"},
        lambda w: Group.objects.filter(name="writers").exists(),
    ),
    "role_group_delete": Write(
        lambda w: f"/admin/auth/group/{Group.objects.get(name=PUBLISHING_ADMINS).pk}/delete/",
        lambda w: {"post": "yes"},
        lambda w: not Group.objects.filter(name=PUBLISHING_ADMINS).exists(),
    ),
}


def happens_for(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


# Which roles' writes take effect. A superuser without a role group holds every Django
# permission, so where a write is refused to it, the service refused it (the role is checked
# in the service, not only by the admin's permissions).
EXPECTED_WRITES = {
    "article_add": happens_for("editor"),
    "article_change": happens_for("editor"),
    "article_history_revert": happens_for("editor"),
    "section_add": happens_for("editor"),
    "section_change": happens_for("editor"),
    "section_delete": happens_for("editor"),
    "section_delete_selected": happens_for(),
    "reference_add": happens_for("editor"),
    "reference_change": happens_for("editor"),
    "reference_delete": happens_for("editor"),
    "reference_delete_selected": happens_for(),
    "version_revert": happens_for("editor"),
    "version_delete": happens_for(),
    "publication_change": happens_for(),
    "publication_history_revert": happens_for(),
    "site_add": happens_for("publishing_admin"),
    "site_change": happens_for("publishing_admin"),
    "key_add": happens_for("publishing_admin"),
    "key_change": happens_for(),
    "key_revoke_action": happens_for("publishing_admin"),
    "webhook_add": happens_for("publishing_admin"),
    "review_approve": happens_for("clinician"),
    "review_comment": happens_for("editor", "clinician", "sign_off_reviewer"),
    "review_delete": happens_for(),
    "transition_delete": happens_for(),
    "review_sign_pharmacist": happens_for("sign_off_reviewer"),
    "review_reject_medicines": happens_for("clinician", "sign_off_reviewer"),
    # The service refuses a superuser without a role: assigning is for editors, clinicians and
    # publishing admins.
    "review_assign": happens_for("editor", "clinician", "publishing_admin"),
    "signoffrole_add": happens_for("publishing_admin", "superuser"),
    "signoffrole_change": happens_for("publishing_admin", "superuser"),
    "signoffrole_history_revert": happens_for("publishing_admin", "superuser"),
    "clinical_role_deactivate": happens_for(),
    "signoffrole_delete": happens_for(),
    "signoffpolicy_add": happens_for("publishing_admin", "superuser"),
    "signoffpolicy_change": happens_for("publishing_admin", "superuser"),
    "signoffpolicy_delete": happens_for(),
    "holder_grant": happens_for("superuser"),
    "holder_change": happens_for(),
    "holder_revoke_action": happens_for("publishing_admin", "superuser"),
    "signoff_delete": happens_for(),
    "clinician_grant": happens_for("superuser"),
    "clinician_profile_change": happens_for("superuser"),
    "clinician_profile_history_revert": happens_for("superuser"),
    "clinician_revoke_action": happens_for("superuser"),
    "rolechange_delete": happens_for(),
    "notification_retry_action": happens_for("publishing_admin"),
    # Clinical reviewers and publishing admins schedule; the admin offers a superuser the
    # actions and the release form, and the service refuses it (it holds no role).
    "schedule_cancel_action": happens_for("clinician", "publishing_admin"),
    "schedule_add_to_release_action": happens_for("clinician", "publishing_admin"),
    "schedule_remove_from_release_action": happens_for("clinician", "publishing_admin"),
    "schedule_change": happens_for(),
    "schedule_delete": happens_for(),
    "schedule_delete_selected": happens_for(),
    "release_add": happens_for("clinician", "publishing_admin"),
    "release_change": happens_for(),
    "release_cancel_action": happens_for("clinician", "publishing_admin"),
    "release_delete_selected": happens_for(),
    "withdrawal_add": happens_for(),
    "withdrawal_change": happens_for(),
    "withdrawal_cancel_action": happens_for("clinician", "publishing_admin"),
    "withdrawal_delete": happens_for(),
    # Only publishing admins grant and revoke embargo access (the service refuses a superuser).
    "embargo_grant_add": happens_for("publishing_admin"),
    "embargo_grant_change": happens_for(),
    "embargo_grant_revoke_action": happens_for("publishing_admin"),
    "embargo_grant_delete": happens_for(),
    "user_add": happens_for("publishing_admin", "superuser"),
    "user_give_editor_role": happens_for("publishing_admin", "superuser"),
    "user_give_clinician_group": happens_for(),
    "user_make_superuser": happens_for("superuser"),
    "user_set_password": happens_for("superuser"),
    "group_add": happens_for("superuser"),
    "role_group_rename": happens_for(),
    "role_group_delete": happens_for(),
}


def client_for(role: str, world):
    if role == "anonymous":
        from django.test import Client

        return Client()
    return staff_client(world["users"][role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(WRITES))
def test_admin_write_matrix(world, role, operation):
    write = WRITES[operation]
    url, data = write.url(world), write.data(world)
    assert not write.happened(world), "the world starts without the write"
    response = client_for(role, world).post(url, data)
    assert response.status_code < 500, (role, operation, response.content[:300])
    assert write.happened(world) == EXPECTED_WRITES[operation][role], (
        role,
        operation,
        response.status_code,
        response.content[:300],
    )
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def page(status_by_role: dict[str, int]) -> dict[str, int]:
    return {"anonymous": 302, **status_by_role}


def everyone(status: int) -> dict[str, int]:
    return page({role: status for role in ROLES if role != "anonymous"})


def only(status_for: dict[str, int], default: int = 403) -> dict[str, int]:
    return page({role: status_for.get(role, default) for role in ROLES if role != "anonymous"})


PAGES = [
    ("/admin/", everyone(200)),
    ("/admin/articles/article/", everyone(200)),
    ("/admin/articles/article/add/", only({"editor": 200, "superuser": 200})),
    ("/admin/articles/reference/", everyone(200)),
    ("/admin/articles/reference/?flagged=yes&q=10.1000", everyone(200)),
    ("/admin/articles/reference/add/", only({"editor": 200, "superuser": 200})),
    ("/admin/articles/article/?flagged_references=yes&q=https://e.org/", everyone(200)),
    ("/admin/articles/version/", everyone(200)),
    ("/admin/articles/version/add/", everyone(403)),
    ("/admin/articles/publication/", everyone(200)),
    ("/admin/articles/consumersite/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/articles/consumerapikey/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/articles/consumerapikey/add/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/articles/webhookendpoint/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/reviews/review/?state__exact=submitted", everyone(200)),
    ("/admin/reviews/review/?state__exact=submitted&assigned=me", everyone(200)),
    ("/admin/reviews/review/?state__exact=submitted&sign_off_overdue=yes", everyone(200)),
    (
        "/admin/reviews/clinicianprofile/",
        only({"editor": 403, "sign_off_reviewer": 403}, default=200),
    ),
    ("/admin/reviews/clinicianprofile/add/", only({"superuser": 200})),
    ("/admin/reviews/rolechange/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/reviews/rolechange/add/", everyone(403)),
    ("/admin/reviews/signoffrole/", everyone(200)),
    ("/admin/reviews/signoffrole/add/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/reviews/signoffpolicy/", everyone(200)),
    ("/admin/reviews/signoffpolicy/add/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/reviews/signoffroleholder/", everyone(200)),
    ("/admin/reviews/signoffroleholder/add/", only({"superuser": 200})),
    ("/admin/reviews/signoff/", everyone(200)),
    ("/admin/reviews/signoff/add/", everyone(403)),
    ("/admin/notifications/emailnotification/", only({"publishing_admin": 200, "superuser": 200})),
    (
        "/admin/notifications/emailnotification/add/",
        only({"publishing_admin": 403, "superuser": 403}),
    ),
    (
        "/admin/governance/feedback/",
        only({"editor": 200, "clinician": 200, "publishing_admin": 200, "superuser": 200}),
    ),
    ("/admin/governance/feedback/add/", everyone(403)),
    (
        "/admin/governance/dossierexport/",
        only({"clinician": 200, "publishing_admin": 200, "superuser": 200}),
    ),
    ("/admin/governance/dossierexport/add/", everyone(403)),
    ("/admin/scheduling/schedule/", only({"sign_off_reviewer": 403}, default=200)),
    ("/admin/scheduling/schedule/?state__exact=pending", only({"sign_off_reviewer": 403}, 200)),
    ("/admin/scheduling/schedule/board/", only({"sign_off_reviewer": 403}, default=200)),
    ("/admin/scheduling/schedule/{later}/change/", only({"sign_off_reviewer": 403}, 200)),
    ("/admin/scheduling/schedule/add/", everyone(403)),
    ("/admin/scheduling/release/", only({"sign_off_reviewer": 403}, default=200)),
    ("/admin/scheduling/release/{release}/change/", only({"sign_off_reviewer": 403}, 200)),
    (
        "/admin/scheduling/release/add/",
        only({"clinician": 200, "publishing_admin": 200, "superuser": 200}),
    ),
    ("/admin/scheduling/withdrawal/", only({"sign_off_reviewer": 403}, default=200)),
    ("/admin/scheduling/withdrawal/{withdrawal}/change/", only({"sign_off_reviewer": 403}, 200)),
    ("/admin/scheduling/withdrawal/add/", everyone(403)),
    ("/admin/scheduling/embargogrant/", only({"publishing_admin": 200, "superuser": 200})),
    (
        "/admin/scheduling/embargogrant/{grant}/change/",
        only({"publishing_admin": 200, "superuser": 200}),
    ),
    ("/admin/scheduling/embargogrant/add/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/auth/user/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/auth/user/add/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/auth/group/", only({"publishing_admin": 200, "superuser": 200})),
    ("/admin/auth/group/add/", only({"superuser": 200})),
    ("/admin/knox/authtoken/", only({"superuser": 200})),
    ("/admin/axes/accessattempt/", only({"superuser": 200})),
    ("/admin/axes/accessfailurelog/", only({"superuser": 200})),
    ("/admin/axes/accesslog/", only({"superuser": 200})),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[url for url, _ in PAGES])
def test_admin_page_matrix(world, role, url, expected):
    """A `{name}` in the URL is the primary key of the world's row of that name."""
    ids = {name: row.pk for name, row in world.items() if hasattr(row, "pk")}
    response = client_for(role, world).get(url.format(**ids))
    assert response.status_code == expected[role], (role, url)


def test_the_matrix_covers_every_registered_admin_model():
    from django.contrib import admin

    registered = {
        f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
    }
    covered = {".".join(url.split("/")[2:4]) for url, _ in PAGES if url.count("/") > 3}
    # Models whose pages are only reached through WRITES, or read-only records of services.
    covered |= {
        "articles.section",
        "articles.event",
        "articles.webhookdelivery",
        "reviews.reviewtransition",
        "reviews.reviewdueboard",
    }
    assert registered <= covered, registered - covered


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_every_change_page_opens_for_whoever_may_list_it(world, role):
    """Each registered model's change page (of a row the world made), for every staff role: it
    opens (read-only where the role may only view) exactly when the role may open the list,
    and otherwise is refused; never a 500."""
    from django.contrib import admin

    live = world["publication"]
    admin_user = world["users"]["publishing_admin"]
    # Rows of the models the world leaves empty: an endpoint (before the event it is sent),
    # a reader's report, a dossier export and a change of someone's staff roles.
    article_services.webhook_endpoint_create(
        user=admin_user, name="CMS", url="https://cms.example.org/hooks"
    )
    governance_services.feedback_receive(
        site_id=world["site"].pk,
        api_key_id=world["key"].pk,
        slug=live.article.slug,
        content_hash=live.version.content_hash,
        category="error",
        text="<script>alert(1)</script> The dose is wrong.",
    )
    governance_services.dossier_export(user=admin_user, version=live.version)
    review_services.staff_roles_set(user=world["someone"], roles=[EDITORS], changed_by=admin_user)
    client = client_for(role, world)
    mismatches, unopened = [], set()
    for model in admin.site._registry:
        row = model._default_manager.order_by("pk").first()
        if row is None:
            unopened.add(model._meta.app_label)
            continue
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        listing = client.get(base, follow=True).status_code
        page = client.get(f"{base}{row.pk}/change/", follow=True)
        if page.status_code != (200 if listing == 200 else 403):
            mismatches.append((base, listing, page.status_code))
    assert not mismatches, mismatches
    assert unopened <= {"knox", "axes"}, "only the login and token logs the tests do not fill"
