"""A clinician's whole review in a real headless Chromium, against a live server.

Runs when Chromium is installed (CI installs it); skipped with the reason otherwise.
"""

import os
import shutil

import httpx
import pytest
from django.db import connections

from articles import services as article_services
from articles.models import ConsumerSite, Publication
from articles.selectors import article_etag, section_list
from reviews import services
from reviews.models import EvidenceCheck
from tests import factories

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
PASSWORD = "a-long-test-password"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, the ORM keeps this test's connections apart from
            # the ones pytest-django closes; close them here, or the test database can't be
            # dropped at the end of the run (PostgreSQL: "being accessed by other users").
            connections.close_all()


def new_page(browser):
    """A page in a browser context of its own (its own cookies: one person logged in)."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def page(browser):
    return new_page(browser)


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#ldn-review-counts")


def test_a_clinician_reviews_and_approves_in_the_browser(
    page, live_server, make_article, editor_user
):
    first_reviewer = factories.clinician_with_profile(username="first-reviewer")
    article = make_article(slug="stopping-ldn", sections=3)
    first = services.review_submit(article=article, user=editor_user)
    services.review_approve(
        review=first, reviewer=first_reviewer, content_hash=first.version.content_hash, kind="full"
    )
    article_services.section_update(
        article=article,
        anchor="part-1",
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": "Body of part 1, now with the dose range."},
    )
    pending = services.review_submit(article=article, user=editor_user, note="Dose range")
    clinician = factories.clinician_with_profile(username="amina")
    clinician.is_staff = True
    clinician.save()
    site = ConsumerSite.objects.create(name="Forum", contact_email="web@example.org")
    _, key = article_services.consumer_key_issue(
        site=site, name="browser-test", issued_by=factories.key_issuer()
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "amina")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#ldn-review-counts")
    assert page.inner_text('[data-count="pending"]') == "1"

    page.click("text=Pending reviews")
    page.wait_for_selector("#result_list")
    page.click(f'#result_list a[href*="/reviews/review/{pending.pk}/change/"]')

    changed = page.locator('[data-anchor="part-1"][data-status="changed"]')
    changed.wait_for()
    assert changed.locator("ins.ldn-ins").inner_text() == "1, now with the dose range."
    assert changed.locator("del.ldn-del").inner_text() == "1."
    unchanged = page.locator('[data-anchor="part-0"][data-status="unchanged"] summary')
    assert "approved by Dr First-Reviewer" in unchanged.inner_text()
    assert "Body of part 1, now with the dose range." in page.inner_text("#ldn-preview")
    page.screenshot(path=str(live_server_screenshot()), full_page=True)

    page.check('#ldn-approve-form input[name="kind"][value="change"]')
    page.click('#ldn-approve-form button[name="approve"]')
    page.wait_for_selector("ul.messagelist li.success")
    assert "Approved and published." in page.inner_text("ul.messagelist")
    assert page.inner_text("#ldn-state") == "Approved"

    served = httpx.get(
        f"{live_server.url}/api/v1/published/articles/stopping-ldn/",
        headers={"Authorization": f"Api-Key {key}"},
        timeout=10,
    )
    assert served.status_code == 200
    body = served.json()
    assert body["version"] == 2
    assert body["medical_review"]["reviewer_name"] == "Dr Amina"
    assert body["medical_review"]["review_kind"] == "change"
    assert body["sections"][1]["markdown"] == "Body of part 1, now with the dose range."


def test_an_editor_sees_no_decision_buttons_in_the_browser(
    page, live_server, make_article, editor_user
):
    review = services.review_submit(article=make_article(slug="draft"), user=editor_user)
    editor_user.is_staff = True
    editor_user.save()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", editor_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#ldn-review-counts")
    page.goto(f"{live_server.url}/admin/reviews/review/{review.pk}/change/")
    page.wait_for_selector("#ldn-why-not")
    assert page.locator("#ldn-approve-form").count() == 0
    assert "Only an active clinician" in page.inner_text("#ldn-why-not")


def test_a_two_role_sign_off_in_the_browser_publishes_only_after_both(
    browser, live_server, make_article, editor_user
):
    """A medicines policy requires a pharmacist: the clinician's signature alone changes
    nothing served; the pharmacist's, with the checklist ticked, publishes the version."""
    check = "Doses checked against the BNF"
    pharmacist_role = factories.sign_off_role(
        "pharmacist",
        name="Pharmacist",
        meaning="I confirm the medicines information is accurate.",
        checklist=[check],
    )
    factories.sign_off_policy(name="Medicines", required=[pharmacist_role], topic="medicines")
    clinician = factories.clinician_with_profile(username="amina", is_staff=True)
    pharmacist = factories.sign_off_reviewer(role=pharmacist_role, username="sam-patel")
    pharmacist.is_staff = True
    pharmacist.save(update_fields=["is_staff"])
    article = make_article(slug="ldn-doses", topics=["ldn", "medicines"])
    first = services.review_submit(article=article, user=editor_user)
    for signer, role, fields in [
        (clinician, "clinical", {"kind": "full"}),
        (pharmacist, "pharmacist", {"checklist": [check]}),
    ]:
        services.signoff_record(
            review=first,
            signer=signer,
            role_code=role,
            content_hash=first.version.content_hash,
            **fields,
        )
    article_services.section_update(
        article=article,
        anchor="part-1",
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": "Take 4.5 mg at night."},
    )
    pending = services.review_submit(article=article, user=editor_user, note="Dose")
    site = ConsumerSite.objects.create(name="Forum", contact_email="web@example.org")
    _, key = article_services.consumer_key_issue(
        site=site, name="browser-test", issued_by=factories.key_issuer()
    )

    def served() -> dict:
        response = httpx.get(
            f"{live_server.url}/api/v1/published/articles/ldn-doses/",
            headers={"Authorization": f"Api-Key {key}"},
            timeout=10,
        )
        assert response.status_code == 200
        return response.json()

    review_page = f"{live_server.url}/admin/reviews/review/{pending.pk}/change/"
    doctor = new_page(browser)
    log_in(doctor, live_server, "amina")
    doctor.goto(review_page)
    doctor.wait_for_selector('#ldn-sign-offs tr[data-role="pharmacist"][data-state="awaiting"]')
    assert doctor.locator("#ldn-sign-pharmacist").count() == 0
    assert "Take 4.5 mg at night." in doctor.inner_text("#ldn-preview")
    doctor.click('#ldn-approve-form button[name="approve"]')
    doctor.wait_for_selector("ul.messagelist li.success")
    assert "still to sign pharmacist" in doctor.inner_text("ul.messagelist")
    assert doctor.inner_text("#ldn-state") == "Awaiting review"
    assert served()["version"] == 1, "one signature of two publishes nothing"

    sam = new_page(browser)
    log_in(sam, live_server, "sam-patel")
    sam.goto(review_page)
    form = sam.locator("#ldn-sign-pharmacist")
    form.wait_for()
    assert "I confirm the medicines information is accurate." in form.inner_text()
    assert "Dr Amina" in sam.inner_text('#ldn-sign-offs tr[data-role="clinical"]')
    assert "Take 4.5 mg at night." in sam.inner_text("#ldn-preview")
    form.locator('button[name="sign"]').click()
    # The checklist box is required: the browser does not send the form unticked.
    assert sam.locator("ul.messagelist").count() == 0
    assert served()["version"] == 1
    form.locator(f'input[name="checklist"][value="{check}"]').check()
    form.locator('button[name="sign"]').click()
    sam.wait_for_selector("ul.messagelist li.success")
    assert "Approved and published." in sam.inner_text("ul.messagelist")
    assert sam.inner_text("#ldn-state") == "Approved"
    assert check in sam.inner_text('#ldn-sign-offs tr[data-role="pharmacist"]')

    body = served()
    assert body["version"] == 2
    assert body["sections"][1]["markdown"] == "Take 4.5 mg at night."
    assert [(item["role"], item["name"]) for item in body["medical_review"]["sign_offs"]] == [
        ("clinical", "Dr Amina"),
        ("pharmacist", "Sam Patel"),
    ]


def test_a_clinician_checks_the_evidence_and_approves_in_the_browser(
    browser, live_server, make_article, editor_user
):
    article = make_article(sections=2)
    article_services.reference_create(
        article=article,
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        values={"key": "nice-ng193", "kind": "guideline", "title": "Chronic pain in over 16s"},
    )
    article_services.section_update(
        article=article,
        anchor="part-0",
        user=editor_user,
        if_match=article_etag(article=article, sections=section_list(article=article)),
        changes={"body": "Guidance [^nice-ng193]."},
    )
    review = services.review_submit(article=article, user=editor_user)
    factories.clinician_with_profile(username="amina", is_staff=True)
    page = new_page(browser)
    log_in(page, live_server, "amina")
    page.goto(f"{live_server.url}/admin/reviews/review/{review.pk}/change/")
    assert "Chronic pain in over 16s" in page.inner_text("#ldn-references")
    # The preview shows the citation as a numbered link to the reference.
    assert page.locator('#ldn-preview sup a[href="#ref-1"]').inner_text() == "1"

    page.click('#ldn-approve-form button[name="approve"]')  # no check: refused
    page.wait_for_selector("ul.messagelist li.error")
    assert "missing nice-ng193" in page.inner_text("ul.messagelist")
    assert not Publication.objects.exists()

    page.select_option('select[name="evidence-nice-ng193-verdict"]', "replaced")
    page.fill('input[name="evidence-nice-ng193-note"]', "NG193 updated in 2025; advice stands.")
    page.click('#ldn-approve-form button[name="approve"]')
    page.wait_for_selector("ul.messagelist li.success")
    assert "Approved and published." in page.inner_text("ul.messagelist")
    assert "Replaced by newer evidence" in page.inner_text("#ldn-references")
    check = EvidenceCheck.objects.get()
    assert (check.reference_key, check.verdict) == ("nice-ng193", "replaced")
    payload = Publication.objects.get().payload
    assert b'"citation"' in bytes(payload)


def live_server_screenshot():
    from pathlib import Path

    folder = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "ldncontent-review-page.png"
