"""A clinician's whole review in a real headless Chromium, against a live server.

Runs when Chromium is installed (CI installs it); skipped with the reason otherwise.
"""

import os
import shutil

import httpx
import pytest
from django.db import connections

from articles import services as article_services
from articles.models import ConsumerSite
from articles.selectors import article_etag, section_list
from reviews import services
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
def page(monkeypatch):
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
            context = browser.new_context()
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()
            # While Playwright's loop runs, the ORM keeps this test's connections apart from
            # the ones pytest-django closes; close them here, or the test database can't be
            # dropped at the end of the run (PostgreSQL: "being accessed by other users").
            connections.close_all()


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


def live_server_screenshot():
    from pathlib import Path

    folder = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "ldncontent-review-page.png"
