"""Email notifications over real SMTP on 127.0.0.1: who gets what, nothing for a rolled-back
decision, nothing lost while the mail server is down, one digest a day, never queued twice,
and failed notifications retried by a publishing admin."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from articles.models import Publication, ReviewKind
from ldncontent.exceptions import NotAllowed
from notifications.exceptions import NotRetryable
from notifications.jobs import send_due
from notifications.models import EmailNotification, NotificationKind, NotificationStatus
from notifications.services import notification_enqueue, notification_retry
from reviews import jobs as review_jobs
from reviews import services as review_services
from reviews.models import SignOffRequest
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist_role(db):
    return factories.sign_off_role("pharmacist", name="Pharmacist", resign_on_change=False)


@pytest.fixture
def pharmacist(pharmacist_role):
    return factories.sign_off_reviewer(
        role=pharmacist_role, username="sam-patel", published_name="Sam Patel"
    )


@pytest.fixture
def medicines_review(make_article, editor_user, pharmacist_role):
    """Version 1 of an article that a clinician and a pharmacist must sign."""
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="medicines")
    article = make_article(slug="ldn-doses", title="Taking LDN", topics=["ldn", "medicines"])
    return review_services.review_submit(article=article, user=editor_user)


def sign(review, signer, role_code, **fields):
    if role_code == "clinical":
        fields.setdefault("kind", ReviewKind.FULL)
    return review_services.signoff_record(
        review=review,
        signer=signer,
        role_code=role_code,
        content_hash=review.version.content_hash,
        **fields,
    )


def review_url(review) -> str:
    return f"https://content.example.org/admin/reviews/review/{review.pk}/change/"


def text(message) -> str:
    """The message's plain-text body, with the line endings it had before SMTP."""
    return message.get_content().replace("\r\n", "\n")


def test_the_submitter_hears_of_each_sign_off_and_then_of_the_publication(
    smtp, medicines_review, pharmacist, doctor, editor_user
):
    sign(medicines_review, pharmacist, "pharmacist")
    assert send_due() == 1
    [signed] = smtp.to(editor_user.email)
    assert signed["Subject"] == "Signed off (pharmacist): Taking LDN v1"
    assert signed["From"] == "ldncontent <noreply@content.example.org>"
    assert signed.get_content_type() == "text/plain"
    body = text(signed)
    assert "Sam Patel signed the pharmacist sign-off of version 1 of “Taking LDN”." in body
    assert "Still to sign: Clinical reviewer" in body
    assert review_url(medicines_review) in body

    sign(medicines_review, doctor, "clinical")
    assert send_due() == 1
    signed_again, approved = smtp.to(editor_user.email)
    assert signed_again is signed
    assert approved["Subject"] == "Approved and published: Taking LDN v1"
    body = text(approved)
    assert "- Pharmacist: Sam Patel" in body and "- Clinical reviewer: Dr Doctor" in body
    assert "Next review due: " in body and review_url(medicines_review) in body
    key = f"decision:{medicines_review.pk}:approved"
    notification = EmailNotification.objects.get(dedup_key=key)
    assert approved["Message-ID"].strip() == notification.message_id
    assert notification.status == NotificationStatus.SENT and notification.sent_at is not None
    assert {message["To"] for message in smtp.messages} == {editor_user.email}


def test_the_assignee_hears_once_that_a_version_awaits_their_sign_off(
    smtp, medicines_review, pharmacist, publisher
):
    due = timezone.localdate() + timedelta(days=7)
    for due_on in (due, due + timedelta(days=1)):  # a new due date is not a new notice
        review_services.sign_off_request_assign(
            review=medicines_review,
            role_code="pharmacist",
            assignee=pharmacist,
            due_on=due_on,
            assigned_by=publisher,
        )
    assert send_due() == 1
    [message] = smtp.messages
    assert message["To"] == pharmacist.email
    assert message["Subject"] == "Awaiting your pharmacist sign-off: Taking LDN v1"
    body = text(message)
    assert "Version 1 of “Taking LDN” awaits your pharmacist sign-off." in body
    assert "Article: Taking LDN\nVersion: 1\nRole: Pharmacist\n" in body
    assert f"Due: {due.isoformat()}" in body
    assert f"Review it here: {review_url(medicines_review)}" in body
    notification = EmailNotification.objects.get()
    assert notification.kind == NotificationKind.AWAITING_SIGN_OFF
    assert notification.dedup_key == f"awaiting:{medicines_review.pk}:pharmacist:{pharmacist.pk}"


def test_an_assignment_refused_queues_nothing(medicines_review, pharmacist, editor_user):
    with pytest.raises(NotAllowed):
        review_services.sign_off_request_assign(
            review=medicines_review,
            role_code="pharmacist",
            assignee=pharmacist,
            due_on=None,
            assigned_by=pharmacist,
        )
    assert not EmailNotification.objects.exists()


def test_an_approval_scheduled_for_later_says_when_it_will_be_published(
    smtp, make_article, editor_user, doctor
):
    review = review_services.review_submit(article=make_article(), user=editor_user)
    publish_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    review_services.review_approve(
        review=review,
        reviewer=doctor,
        content_hash=review.version.content_hash,
        kind=ReviewKind.FULL,
        publish_at=publish_at,
    )
    assert send_due() == 1
    [message] = smtp.to(editor_user.email)
    assert message["Subject"] == "Approved, publication scheduled: Stopping low-dose naltrexone v1"
    when = publish_at.strftime("%Y-%m-%d %H:%M UTC")
    assert f"has every sign-off it needs and will be published at {when}." in text(message)


def test_changes_requested_carries_every_comment_and_a_rejection_its_note(
    smtp, make_article, editor_user, doctor
):
    first = review_services.review_submit(
        article=make_article(slug="first", title="First <b>article</b>"), user=editor_user
    )
    review_services.comment_add(review=first, author=doctor, body="A general remark.")
    review_services.review_request_changes(
        review=first,
        reviewer=doctor,
        note="Nearly there.",
        comments=[{"section_anchor": "part-1", "body": "The dose is <b>wrong</b>.\nCheck it."}],
    )
    second = review_services.review_submit(
        article=make_article(slug="second", title="Second"), user=editor_user
    )
    review_services.review_reject(review=second, reviewer=doctor, note="Out of scope for us.")
    assert send_due() == 2

    changes, rejected = smtp.to(editor_user.email)
    assert changes["Subject"] == "Changes requested: First <b>article</b> v1"
    body = text(changes)
    assert "doctor requested changes to version 1 of “First <b>article</b>”." in body
    assert "Note:\nNearly there." in body
    assert "- General (doctor):\n  A general remark." in body
    assert "- On section part-1 (doctor):\n  The dose is <b>wrong</b>.\n  Check it." in body
    assert changes.get_content_type() == "text/plain"
    assert rejected["Subject"] == "Rejected: Second v1"
    assert "Why:\nOut of scope for us." in text(rejected)
    assert review_url(second) in text(rejected)


def test_a_rolled_back_decision_sends_nothing(smtp, medicines_review, doctor):
    with pytest.raises(RuntimeError), transaction.atomic():
        review_services.review_reject(review=medicines_review, reviewer=doctor, note="No.")
        raise RuntimeError("the decision's transaction fails after the notice was queued")
    assert not EmailNotification.objects.exists()
    assert send_due() == 0
    assert smtp.messages == []


def test_the_same_notice_is_never_queued_twice(smtp, editor_user):
    def enqueue():
        with transaction.atomic():
            return notification_enqueue(
                kind=NotificationKind.DECISION,
                dedup_key="decision:1:approved",
                recipient=editor_user,
                subject="Approved",
                body="Published.",
            )

    first, second = enqueue(), enqueue()
    assert first.pk == second.pk and EmailNotification.objects.count() == 1
    assert send_due() == 1
    assert enqueue().status == NotificationStatus.SENT
    assert send_due() == 0
    assert len(smtp.messages) == 1


def test_a_subject_is_one_line_whatever_the_title(smtp, editor_user):
    with transaction.atomic():
        notification_enqueue(
            kind=NotificationKind.DECISION,
            dedup_key="decision:2:rejected",
            recipient=editor_user,
            subject="Rejected: Evil\r\nBcc: victim@example.net\r\n\r\nInjected body",
            body="Plain text.",
        )
    assert send_due() == 1
    [message] = smtp.messages
    assert message["Subject"] == "Rejected: Evil Bcc: victim@example.net Injected body"
    assert message["Bcc"] is None and text(message) == "Plain text.\n"


def test_a_recipient_without_an_address_gets_nothing(editor_user):
    editor_user.email = ""
    with transaction.atomic():
        assert (
            notification_enqueue(
                kind=NotificationKind.DECISION,
                dedup_key="decision:3:approved",
                recipient=editor_user,
                subject="Approved",
                body="Published.",
            )
            is None
        )
    assert not EmailNotification.objects.exists()


def test_a_mail_server_down_loses_nothing_and_the_message_goes_out_once_it_is_back(
    smtp, settings, medicines_review, doctor, editor_user
):
    review_services.review_reject(review=medicines_review, reviewer=doctor, note="No.")
    smtp.stop()
    # However long the server is down, its outage uses up none of the message's attempts.
    for _ in range(settings.NOTIFICATION_MAX_ATTEMPTS + 2):
        assert send_due() == 0
    notification = EmailNotification.objects.get()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 0
    assert notification.last_error == "mail server refused the connection"
    assert notification.lease_until is None

    smtp.start()
    assert send_due() == 1
    assert send_due() == 0
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1
    assert [message["Subject"] for message in smtp.messages] == ["Rejected: Taking LDN v1"]


def test_a_message_failing_every_attempt_fails_and_a_publishing_admin_retries_it(
    smtp, settings, medicines_review, doctor, editor_user, publisher
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    review_services.review_reject(review=medicines_review, reviewer=doctor, note="No.")
    smtp.data_reply = "451 4.3.0 Try again later"  # this message, not the server, fails
    send_due()
    send_due()
    notification = EmailNotification.objects.get()
    assert notification.status == NotificationStatus.FAILED and notification.attempts == 2
    assert notification.last_error == "message deferred"
    assert send_due() == 0, "a failed notification waits for a person"
    smtp.data_reply = None

    with pytest.raises(NotAllowed):
        notification_retry(notification=notification, user=editor_user)
    notification_retry(notification=notification, user=publisher)
    assert send_due() == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    with pytest.raises(NotRetryable):
        notification_retry(notification=notification, user=publisher)
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("role", ["editor", "clinician", "sign_off_reviewer", "superuser"])
def test_only_publishing_admins_retry_notifications(role, editor_user, pharmacist_role):
    users = {
        "editor": lambda: editor_user,
        "clinician": lambda: factories.clinician_with_profile(username="retry-clinician"),
        "sign_off_reviewer": lambda: factories.sign_off_reviewer(
            role=pharmacist_role, username="retry-pharmacist"
        ),
        "superuser": lambda: User.objects.create_superuser("retry-root", "r@example.org", "pw"),
    }
    with transaction.atomic():
        notification = notification_enqueue(
            kind=NotificationKind.DECISION,
            dedup_key="decision:5:rejected",
            recipient=editor_user,
            subject="Rejected",
            body="Rejected.",
        )
    EmailNotification.objects.filter(pk=notification.pk).update(status=NotificationStatus.FAILED)
    with pytest.raises(NotAllowed):
        notification_retry(notification=notification, user=users[role]())
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED


def test_a_lease_that_ran_out_is_taken_over(smtp, medicines_review, doctor):
    review_services.review_reject(review=medicines_review, reviewer=doctor, note="No.")
    notification = EmailNotification.objects.get()
    EmailNotification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING,
        attempts=1,
        lease_until=timezone.now() + timedelta(seconds=60),
    )
    assert send_due() == 0, "another worker holds it"
    EmailNotification.objects.filter(pk=notification.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert send_due() == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2


def test_the_overdue_digest_goes_out_once_a_day(
    smtp, medicines_review, pharmacist, doctor, publisher, make_article, editor_user
):
    today = timezone.localdate()
    SignOffRequest.objects.filter(review=medicines_review, role__code="pharmacist").update(
        assignee=pharmacist, due_on=today - timedelta(days=2)
    )
    live = review_services.review_submit(
        article=make_article(slug="stopping-ldn", title="Stopping LDN"), user=editor_user
    )
    sign(live, doctor, "clinical")
    Publication.objects.filter(slug="stopping-ldn").update(
        last_reviewed=today - timedelta(days=400), next_review_due=today - timedelta(days=1)
    )
    EmailNotification.objects.all().delete()  # the approval's notice is not the subject here

    review_jobs.overdue_digest()
    review_jobs.overdue_digest()
    assert set(EmailNotification.objects.values_list("dedup_key", flat=True)) == {
        f"digest:{today.isoformat()}:{pharmacist.pk}",
        f"digest:{today.isoformat()}:{publisher.pk}",
    }
    assert send_due() == 2
    [to_pharmacist] = smtp.to(pharmacist.email)
    body = text(to_pharmacist)
    due = (today - timedelta(days=2)).isoformat()
    assert f"- Taking LDN, version 1: Pharmacist, due {due}" in body
    assert review_url(medicines_review) in body
    assert "Stopping LDN" not in body, "articles overdue go to publishing admins"
    [to_publisher] = smtp.to(publisher.email)
    assert "- Stopping LDN (stopping-ldn): review was due" in text(to_publisher)
    assert "https://content.example.org/admin/reviews/reviewdueboard/" in text(to_publisher)
    assert to_publisher["Subject"] == f"Overdue: 1 item ({today.isoformat()})"

    review_jobs.overdue_digest()
    assert send_due() == 0
    assert len(smtp.messages) == 2


def test_signed_and_closed_reviews_are_not_in_the_digest(
    smtp, medicines_review, pharmacist, doctor
):
    SignOffRequest.objects.filter(review=medicines_review, role__code="pharmacist").update(
        assignee=pharmacist, due_on=timezone.localdate() - timedelta(days=1)
    )
    sign(medicines_review, pharmacist, "pharmacist")
    EmailNotification.objects.all().delete()
    review_jobs.overdue_digest()
    assert not EmailNotification.objects.exists()


def test_the_worker_runs_the_sender_and_the_digest(settings):
    assert ("notifications.jobs.send_due", settings.NOTIFICATION_SEND_INTERVAL_SECONDS) in (
        settings.WORKER_PERIODIC_JOBS
    )
    assert ("reviews.jobs.overdue_digest", settings.OVERDUE_DIGEST_CHECK_SECONDS) in (
        settings.WORKER_PERIODIC_JOBS
    )
