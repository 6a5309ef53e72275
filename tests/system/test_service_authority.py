"""Every write service checks who may call it, whatever view, admin page or command calls it:
each one is called directly by every role it must refuse, and nothing is written."""

from collections.abc import Callable

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
    WebhookDelivery,
    WebhookEndpoint,
)
from articles.rendering import Attribution
from articles.selectors import article_etag, section_list
from governance import services as governance_services
from governance.models import DossierExport, Feedback
from ldncontent.exceptions import NotAllowed
from reviews import services as review_services
from reviews.models import (
    ClinicianProfile,
    Comment,
    Review,
    RoleChange,
    SignOffPolicy,
    SignOffRequest,
    SignOffRole,
    SignOffRoleHolder,
)
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["editor", "clinician", "publishing_admin", "sign_off_reviewer", "superuser", "no_role"]
PROFILE = {
    "published_name": "Dr New",
    "profession": "General practitioner",
    "registering_body": "GMC",
    "registration_number": "GMC-1",
}


@pytest.fixture
def world(db):
    """Role users, a draft, a pending review with a comment, a live article, a site with a key,
    a webhook endpoint with deliveries, an account to grant roles to, a pharmacist role with a
    policy and a holder."""
    pharmacist = factories.sign_off_role("pharmacist", name="Pharmacist")
    users = {
        "editor": factories.editor(username="authority-editor"),
        "clinician": factories.clinician_with_profile(username="authority-clinician"),
        "publishing_admin": factories.publishing_admin(username="authority-admin"),
        "sign_off_reviewer": factories.sign_off_reviewer(
            role=pharmacist, username="authority-pharmacist"
        ),
        "superuser": User.objects.create_superuser("authority-root", "r@example.org", "pw-123"),
        "no_role": factories.UserFactory(username="authority-nobody", is_staff=True),
    }
    approver = factories.clinician_with_profile(username="authority-approver")
    endpoint = article_services.webhook_endpoint_create(
        user=users["publishing_admin"], name="CMS", url="https://cms.example.org/hooks"
    )

    def article(slug):
        return article_services.article_create(
            author=users["editor"],
            slug=slug,
            fields={"title": slug.title()},
            sections=[{"anchor": f"part-{i}", "heading": f"Part {i}"} for i in range(2)],
        )

    draft_article = article("draft")
    article_services.reference_create(
        article=draft_article,
        user=users["editor"],
        if_match=etag(draft_article),
        values={"key": "src", "kind": "website", "title": "Source", "url": "https://e.org/"},
    )
    pending = review_services.review_submit(article=article("pending"), user=users["editor"])
    article_services.section_update(
        article=pending.article,
        anchor="part-1",
        user=users["editor"],
        if_match=etag(pending.article),
        changes={"body": "Edited after submission."},
    )
    live = review_services.review_submit(article=article("live"), user=users["editor"])
    review_services.review_approve(
        review=live, reviewer=approver, content_hash=live.version.content_hash, kind=ReviewKind.FULL
    )
    comment = Comment.objects.create(review=pending, body="A remark.", author=approver)
    site = ConsumerSite.objects.create(name="Site", contact_email="web@example.org")
    key, _ = article_services.consumer_key_issue(
        site=site, name="valid", issued_by=users["publishing_admin"]
    )
    return {
        "users": users,
        "approver": approver,
        "candidate": factories.UserFactory(username="authority-candidate"),
        "pending": pending,
        "comment": comment,
        "site": site,
        "key": key,
        "endpoint": endpoint,
        "feedback": governance_services.feedback_receive(
            site_id=site.pk,
            api_key_id=key.pk,
            slug="live",
            content_hash=live.version.content_hash,
            category="error",
            text="The dose looks wrong.",
        ),
        "delivery": WebhookDelivery.objects.filter(endpoint=endpoint).first(),
        "pharmacist": pharmacist,
        "holder": factories.sign_off_reviewer(role=pharmacist, username="authority-holder"),
        "policy": factories.sign_off_policy(name="Medicines", required=[pharmacist], topic="x"),
    }


def draft() -> Article:
    return Article.objects.get(slug="draft")


def etag(article: Article) -> str:
    return article_etag(article=article, sections=section_list(article=article))


def attribution() -> Attribution:
    today = timezone.localdate()
    return Attribution("Dr Forged", "", ReviewKind.FULL, timezone.now(), today, today)


def snapshot() -> dict:
    """Everything a refused call must leave as it was."""
    return {
        "articles": list(Article.objects.values_list("slug", "title", "topics")),
        "sections": list(Section.objects.values_list("article__slug", "anchor", "body")),
        "references": list(Reference.objects.values_list("article__slug", "key", "title")),
        "versions": Version.objects.count(),
        "reviews": list(Review.objects.values_list("pk", "state")),
        "comments": list(Comment.objects.values_list("body", "resolved")),
        "publications": list(Publication.objects.values_list("slug", "version", "status")),
        "sites": list(ConsumerSite.objects.values_list("name", "active")),
        "keys": list(ConsumerApiKey.objects.values_list("name", "revoked")),
        "endpoints": list(WebhookEndpoint.objects.values_list("name", "active", "secret")),
        "deliveries": list(WebhookDelivery.objects.values_list("pk", "status", "attempts")),
        "profiles": list(ClinicianProfile.objects.values_list("user_id", "active", "credentials")),
        "memberships": list(Group.objects.values_list("name", "user")),
        "role_changes": RoleChange.objects.count(),
        "sign_off_roles": list(SignOffRole.objects.values_list("code", "name", "active")),
        "sign_off_policies": list(
            SignOffPolicy.objects.values_list("name", "topic", "active", "required_roles")
        ),
        "holders": list(SignOffRoleHolder.objects.values_list("user", "role", "active")),
        "assignments": list(SignOffRequest.objects.values_list("pk", "assignee", "due_on")),
        "feedback": list(Feedback.objects.values_list("pk", "status", "resolution_note")),
        "dossier_exports": DossierExport.objects.count(),
    }


Call = Callable[[dict, User], object]

# (service, who may call it, the call)
SERVICES: list[tuple[str, set[str], Call]] = [
    (
        "article_create",
        {"editor"},
        lambda w, u: article_services.article_create(
            author=u, slug="forged", fields={"title": "Forged"}
        ),
    ),
    (
        "article_update",
        {"editor"},
        lambda w, u: article_services.article_update(
            article=draft(), user=u, if_match=etag(draft()), fields={"title": "Forged"}
        ),
    ),
    (
        "article_put",
        {"editor"},
        lambda w, u: article_services.article_put(
            slug=draft().slug,
            user=u,
            if_match=etag(draft()),
            fields={"title": "Forged"},
            sections=[],
        ),
    ),
    (
        "article_revert",
        {"editor"},
        lambda w, u: article_services.article_revert(
            article=w["pending"].article,
            version=w["pending"].version,
            user=u,
            if_match=etag(w["pending"].article),
        ),
    ),
    (
        "section_create",
        {"editor"},
        lambda w, u: article_services.section_create(
            article=draft(), user=u, if_match=etag(draft()), anchor="forged", heading="Forged"
        ),
    ),
    (
        "section_update",
        {"editor"},
        lambda w, u: article_services.section_update(
            article=draft(),
            anchor="part-0",
            user=u,
            if_match=etag(draft()),
            changes={"body": "Forged."},
        ),
    ),
    (
        "section_delete",
        {"editor"},
        lambda w, u: article_services.section_delete(
            article=draft(), anchor="part-0", user=u, if_match=etag(draft())
        ),
    ),
    (
        "reference_create",
        {"editor"},
        lambda w, u: article_services.reference_create(
            article=draft(),
            user=u,
            if_match=etag(draft()),
            values={"key": "forged", "kind": "book", "title": "Forged"},
        ),
    ),
    (
        "reference_update",
        {"editor"},
        lambda w, u: article_services.reference_update(
            article=draft(), key="src", user=u, if_match=etag(draft()), changes={"title": "F"}
        ),
    ),
    (
        "reference_delete",
        {"editor"},
        lambda w, u: article_services.reference_delete(
            article=draft(), key="src", user=u, if_match=etag(draft())
        ),
    ),
    (
        "section_reorder",
        {"editor"},
        lambda w, u: article_services.section_reorder(
            article=draft(), user=u, if_match=etag(draft()), anchors=["part-1", "part-0"]
        ),
    ),
    (
        "version_submit",
        {"editor"},
        lambda w, u: article_services.version_submit(article=draft(), user=u),
    ),
    (
        "publish",
        {"clinician"},
        lambda w, u: article_services.publish(
            version=w["pending"].version, attribution=attribution(), actor=u
        ),
    ),
    (
        "publication_retract",
        {"publishing_admin", "clinician"},
        lambda w, u: article_services.publication_retract(
            article=Article.objects.get(slug="live"), user=u, reason="Forged."
        ),
    ),
    (
        "consumer_site_create",
        {"publishing_admin"},
        lambda w, u: article_services.consumer_site_create(
            user=u, name="Forged", contact_email="f@example.org"
        ),
    ),
    (
        "consumer_site_update",
        {"publishing_admin"},
        lambda w, u: article_services.consumer_site_update(
            user=u, site=w["site"], changes={"active": False}
        ),
    ),
    (
        "consumer_key_issue",
        {"publishing_admin"},
        lambda w, u: article_services.consumer_key_issue(site=w["site"], name="f", issued_by=u),
    ),
    (
        "consumer_key_revoke",
        {"publishing_admin"},
        lambda w, u: article_services.consumer_key_revoke(key=w["key"], revoked_by=u),
    ),
    (
        "webhook_endpoint_create",
        {"publishing_admin"},
        lambda w, u: article_services.webhook_endpoint_create(
            user=u, name="Forged", url="https://forged.example.org/"
        ),
    ),
    (
        "webhook_endpoint_update",
        {"publishing_admin"},
        lambda w, u: article_services.webhook_endpoint_update(
            user=u, endpoint=w["endpoint"], changes={"active": False}, rotate_secret=True
        ),
    ),
    (
        "webhook_delivery_replay",
        {"publishing_admin"},
        lambda w, u: article_services.webhook_delivery_replay(delivery=w["delivery"], user=u),
    ),
    (
        "review_submit",
        {"editor"},
        lambda w, u: review_services.review_submit(article=draft(), user=u),
    ),
    (
        "review_approve",
        {"clinician"},
        lambda w, u: review_services.review_approve(
            review=w["pending"],
            reviewer=u,
            content_hash=w["pending"].version.content_hash,
            kind=ReviewKind.FULL,
        ),
    ),
    (
        "signoff_record",
        {"clinician"},
        lambda w, u: review_services.signoff_record(
            review=w["pending"],
            signer=u,
            role_code="clinical",
            content_hash=w["pending"].version.content_hash,
            kind=ReviewKind.FULL,
        ),
    ),
    (
        "review_request_changes",
        {"clinician"},
        lambda w, u: review_services.review_request_changes(
            review=w["pending"], reviewer=u, comments=[{"body": "Forged."}]
        ),
    ),
    (
        "review_reject",
        {"clinician"},
        lambda w, u: review_services.review_reject(review=w["pending"], reviewer=u, note="No."),
    ),
    (
        "review_withdraw",
        {"editor"},
        lambda w, u: review_services.review_withdraw(review=w["pending"], user=u),
    ),
    (
        "comment_add",
        {"editor", "clinician", "sign_off_reviewer"},
        lambda w, u: review_services.comment_add(review=w["pending"], author=u, body="Forged."),
    ),
    (
        "comment_resolve",
        {"editor", "clinician", "sign_off_reviewer"},
        lambda w, u: review_services.comment_resolve(comment=w["comment"], user=u),
    ),
    (
        "clinician_grant",
        {"superuser"},
        lambda w, u: review_services.clinician_grant(user=w["candidate"], granted_by=u, **PROFILE),
    ),
    (
        "clinician_revoke",
        {"superuser"},
        lambda w, u: review_services.clinician_revoke(
            user=w["approver"], revoked_by=u, reason="Forged."
        ),
    ),
    (
        "clinician_profile_update",
        {"superuser"},
        lambda w, u: review_services.clinician_profile_update(
            profile=w["approver"].clinician_profile,
            changed_by=u,
            changes={"credentials": "Forged"},
        ),
    ),
    (
        "staff_roles_set",
        {"publishing_admin", "superuser"},
        lambda w, u: review_services.staff_roles_set(
            user=w["candidate"], roles=["editors"], changed_by=u
        ),
    ),
    (
        "signoff_role_create",
        {"publishing_admin", "superuser"},
        lambda w, u: review_services.signoff_role_create(
            actor=u, code="forged", name="Forged", meaning="Forged."
        ),
    ),
    (
        "signoff_role_update",
        {"publishing_admin", "superuser"},
        lambda w, u: review_services.signoff_role_update(
            role=w["pharmacist"], actor=u, changes={"active": False}
        ),
    ),
    (
        "signoff_policy_create",
        {"publishing_admin", "superuser"},
        lambda w, u: review_services.signoff_policy_create(
            actor=u, name="Forged", required_roles=[w["pharmacist"]]
        ),
    ),
    (
        "signoff_policy_update",
        {"publishing_admin", "superuser"},
        lambda w, u: review_services.signoff_policy_update(
            policy=w["policy"], actor=u, changes={"active": False}
        ),
    ),
    (
        "signoff_role_grant",
        {"superuser"},
        lambda w, u: review_services.signoff_role_grant(
            user=w["candidate"], role=w["pharmacist"], granted_by=u, published_name="Forged"
        ),
    ),
    (
        "signoff_role_revoke",
        {"publishing_admin", "superuser"},
        lambda w, u: review_services.signoff_role_revoke(
            user=w["holder"], role=w["pharmacist"], revoked_by=u, reason="Forged."
        ),
    ),
    (
        "sign_off_request_assign",
        {"editor", "clinician", "publishing_admin"},
        lambda w, u: review_services.sign_off_request_assign(
            review=w["pending"],
            role_code="clinical",
            assignee=w["approver"],
            due_on=None,
            assigned_by=u,
        ),
    ),
    (
        "feedback_triage",
        {"editor", "clinician"},
        lambda w, u: governance_services.feedback_triage(
            feedback=w["feedback"], user=u, status="triaged", note="Forged."
        ),
    ),
    (
        "dossier_export",
        {"clinician", "publishing_admin"},
        lambda w, u: governance_services.dossier_export(user=u, version=w["pending"].version),
    ),
    (
        "dossier_sample_draw",
        {"clinician", "publishing_admin"},
        lambda w, u: governance_services.dossier_sample_draw(
            user=u, date_from=timezone.localdate(), date_to=timezone.localdate(), size=1
        ),
    ),
]

REFUSALS = [
    pytest.param(name, role, call, id=f"{name}-{role}")
    for name, allowed, call in SERVICES
    for role in ROLES
    if role not in allowed
]


@pytest.mark.parametrize(("name", "role", "call"), REFUSALS)
def test_every_service_refuses_a_role_it_does_not_serve(world, name, role, call):
    before = snapshot()
    with pytest.raises(NotAllowed):
        call(world, world["users"][role])
    assert snapshot() == before, name


def test_every_write_service_is_in_the_table():
    """A new service must say here who may call it."""
    from articles.services import __all__ as article_writes
    from governance.services import __all__ as governance_writes
    from reviews.services import __all__ as review_writes

    not_writes = {"SITE_FIELDS", "GRANTABLE_ROLES", "PROFILE_FIELDS"}
    # Called by the system (the review-due job) or inside other services, not by a person.
    system = {"event_emit", "publications_mark_overdue", "ensure_can_decide"}
    # A withdrawal at its time (scheduling's job), authorised when it was set.
    system |= {"publication_withdraw_due"}
    # A consuming site's key sends feedback; a full approval acknowledges it (a review hook).
    system |= {"feedback_receive", "feedback_acknowledge"}
    not_writes |= {"TRIAGE_ROLES", "EXPORT_ROLES", "TRIAGE_MOVES"}
    # Reads of who may sign what, used by the services, the API and the admin.
    checks = {
        "ensure_can_sign",
        "signer_for",
        "sign_off_requirements",
        "article_sign_off_requirements",
        "evidence_required",
    }
    exported = set(article_writes) | set(review_writes) | set(governance_writes)
    services = {name for name, _, _ in SERVICES}
    assert exported - not_writes - system - checks - services == set()
