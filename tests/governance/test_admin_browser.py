"""Reader feedback from a consuming site's key to the review page, in a real headless Chromium."""

import os
import shutil

import httpx
import pytest
from django.db import connections

from governance.models import Feedback
from tests import factories
from tests.governance.conftest import report

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

SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between browser steps
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()
            connections.close_all()  # or the test database can't be dropped (PostgreSQL)


def test_a_readers_error_report_reaches_the_review_page(
    page,
    live_server,
    published,
    pending,
    consumer_key,
):
    _, raw_key = consumer_key
    sent = httpx.post(
        f"{live_server.url}/api/v1/published/articles/stopping-ldn/feedback/",
        json=report(published, text=f"The dose is wrong. {SCRIPT}"),
        headers={"Authorization": f"Api-Key {raw_key}"},
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    feedback = Feedback.objects.get()
    clinician = factories.clinician_with_profile(username="reviewer")
    clinician.is_staff = True
    clinician.save()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "reviewer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#ldn-review-counts")
    page.goto(f"{live_server.url}/admin/reviews/review/{pending.pk}/change/")

    row = page.locator(f'#ldn-open-errors [data-feedback-id="{feedback.pk}"]')
    row.wait_for()
    assert row.locator(".ldn-feedback-text").inner_text() == f"The dose is wrong. {SCRIPT}"
    assert "part-1" in row.inner_text()
    assert page.title() != "pwned" and not dialogs
    assert page.locator("#ldn-approve-form").count() == 1

    page.click('#ldn-approve-form button[name="approve"]')
    page.wait_for_selector("ul.messagelist li.success")
    assert feedback.acknowledgements.get().review_id == pending.pk
    assert "Report" in page.inner_text("#ldn-acknowledged")
