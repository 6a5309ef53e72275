"""A Content-Security-Policy on the admin and the API docs, which still work under it."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

pytestmark = pytest.mark.django_db

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
PAGES = ["/admin/login/", "/api/docs/", "/api/redoc/"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)


def directives(response) -> dict[str, set[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: set(values)
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("url", PAGES)
def test_pages_carry_a_policy_that_runs_only_this_servers_scripts(url):
    response = Client().get(url)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == {"'none'"}
    assert policy["script-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["base-uri"] == {"'none'"}
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), "an inline script would not run"
    assert "https://" not in html, "nothing is loaded from elsewhere"


def test_the_swagger_ui_start_up_script_is_served_from_this_server():
    html = Client().get("/api/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any(src.startswith("/api/docs/?") for src in scripts), scripts
    start_up = Client().get(next(src for src in scripts if src.startswith("/api/docs/?")))
    assert start_up.status_code == 200
    assert "SwaggerUIBundle" in start_up.content.decode()


@pytest.fixture
def browser_page(monkeypatch):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.policy_violations = []
            page.on(
                "console",
                lambda message: (
                    page.policy_violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            yield page
        finally:
            browser.close()
            connections.close_all()


def screenshot_path(name: str) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
    return folder / f"ldncontent-{name}.png"


@pytest.mark.django_db(transaction=True)
def test_the_docs_and_the_admin_render_under_the_policy(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary", state="attached")
    assert page.locator(".opblock").count() > 20, "Swagger UI lists the operations"
    page.screenshot(path=str(screenshot_path("swagger")), full_page=False)

    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("text=Get an approved article", state="attached")
    page.screenshot(path=str(screenshot_path("redoc")), full_page=False)

    page.goto(f"{live_server.url}/admin/login/")
    page.wait_for_selector("#id_username")
    page.screenshot(path=str(screenshot_path("admin-login")), full_page=False)

    # ReDoc's "API docs by Redocly" badge fetches its logo from the vendor's CDN: blocked, as
    # wanted (nothing is loaded from elsewhere); the page doesn't need it.
    violations = [text for text in page.policy_violations if "cdn.redoc.ly" not in text]
    assert violations == []
