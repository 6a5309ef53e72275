"""The review shows every change that reaches a served byte, not only section text."""

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.diffing import diff_snapshots
from articles.models import ARTICLE_CONTENT_FIELDS, Article, Audience, Section, Version
from articles.rendering import Attribution, payload_bytes, render_payload
from articles.snapshots import version_snapshot
from reviews.selectors import article_review_status

_text = st.text(alphabet="ab <>&*\n", max_size=12)
_anchor = st.sampled_from(["why", "how", "after"])


@st.composite
def snapshots(draw) -> dict:
    anchors = draw(st.lists(_anchor, unique=True, max_size=3))
    return {
        "title": draw(st.sampled_from(["Stopping LDN", "Stopping low-dose naltrexone"])),
        "summary": draw(_text),
        "topics": draw(st.lists(st.sampled_from(["ldn", "pain", "ms"]), unique=True, max_size=2)),
        "audience": draw(st.sampled_from(Audience.values)),
        "sections": [
            {
                "anchor": anchor,
                "heading": draw(st.sampled_from(["H", "Heading"])),
                "body": draw(_text),
            }
            for anchor in anchors
        ],
    }


pytestmark = pytest.mark.django_db

NEW_SUMMARY = "Stop taking all prescribed medication before starting LDN."


def _approve_first_version(editor_client, doctor_client, slug="stopping-ldn") -> None:
    review = editor_client.post(f"/api/v1/articles/{slug}/submit/", {}, format="json").json()
    approved = doctor_client.post(
        f"/api/v1/reviews/{review['id']}/approve/",
        {"content_hash": review["content_hash"], "kind": "full"},
        format="json",
    )
    assert approved.status_code == 200, approved.content


def _change_metadata_only(editor_client, slug="stopping-ldn") -> dict:
    etag = editor_client.get(f"/api/v1/articles/{slug}/")["ETag"]
    changed = editor_client.patch(
        f"/api/v1/articles/{slug}/",
        {"summary": NEW_SUMMARY, "topics": ["ldn", "medication"], "audience": "caregiver"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert changed.status_code == 200, changed.content
    submitted = editor_client.post(f"/api/v1/articles/{slug}/submit/", {}, format="json")
    assert submitted.status_code == 201, submitted.content
    return submitted.json()


def _fields_by_name(diff: dict) -> dict[str, dict]:
    return {item["field"]: item for item in diff["fields"]}


def test_the_version_diff_reports_summary_topics_and_audience_changes(
    editor_client, doctor_client, make_article
):
    make_article(slug="stopping-ldn", sections=2, summary="Taper slowly with your prescriber.")
    _approve_first_version(editor_client, doctor_client)
    _change_metadata_only(editor_client)

    diff = editor_client.get("/api/v1/articles/stopping-ldn/versions/2/diff/").json()

    assert diff["changed"] is True
    fields = _fields_by_name(diff)
    assert fields["summary"]["status"] == "changed"
    assert fields["summary"]["old"] == "Taper slowly with your prescriber."
    assert fields["summary"]["new"] == NEW_SUMMARY
    assert {"op": "insert", "text": NEW_SUMMARY} in fields["summary"]["diff"]
    assert fields["topics"]["status"] == "changed"
    assert fields["topics"]["new"] == ["ldn", "medication"]
    assert fields["audience"]["status"] == "changed"
    assert fields["audience"]["old"] == "patient"
    assert fields["title"]["status"] == "unchanged"
    assert {item["status"] for item in diff["sections"]} == {"unchanged"}


def test_the_review_detail_shows_the_summary_change_against_live(
    editor_client, doctor_client, make_article
):
    make_article(slug="stopping-ldn", sections=2)
    _approve_first_version(editor_client, doctor_client)
    review = _change_metadata_only(editor_client)

    detail = doctor_client.get(f"/api/v1/reviews/{review['id']}/").json()

    assert detail["diff_against_live"]["changed"] is True
    fields = _fields_by_name(detail["diff_against_live"])
    assert fields["summary"]["status"] == "changed"
    assert fields["summary"]["new"] == NEW_SUMMARY
    assert detail["summary"] == NEW_SUMMARY
    assert detail["topics"] == ["ldn", "medication"]
    assert detail["audience"] == "caregiver"


def test_review_status_reports_changed_fields_and_removed_sections(
    editor_client, doctor_client, make_article
):
    make_article(slug="stopping-ldn", sections=3)
    _approve_first_version(editor_client, doctor_client)
    etag = editor_client.get("/api/v1/articles/stopping-ldn/")["ETag"]
    deleted = editor_client.delete(
        "/api/v1/articles/stopping-ldn/sections/part-1/", HTTP_IF_MATCH=etag
    )
    assert deleted.status_code == 204, deleted.content
    etag = editor_client.get("/api/v1/articles/stopping-ldn/")["ETag"]
    editor_client.patch(
        "/api/v1/articles/stopping-ldn/",
        {"summary": NEW_SUMMARY},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    status = editor_client.get("/api/v1/articles/stopping-ldn/review-status/").json()

    assert status["status"] == "live_with_unreviewed_changes"
    assert {item["anchor"]: item["status"] for item in status["sections"]} == {
        "part-0": "same_as_live",
        "part-1": "removed",
        "part-2": "same_as_live",
    }
    assert {item["field"]: item["status"] for item in status["fields"]} == {
        "title": "same_as_live",
        "summary": "changed_since_approval",
        "topics": "same_as_live",
        "audience": "same_as_live",
    }


def test_the_admin_review_page_shows_field_changes_first_and_the_served_bytes(
    editor_client, doctor_client, doctor, make_article
):
    make_article(slug="stopping-ldn", sections=2, summary="Taper slowly with your prescriber.")
    _approve_first_version(editor_client, doctor_client)
    review = _change_metadata_only(editor_client)
    doctor.is_staff = True
    doctor.save()
    browser = Client()
    browser.force_login(doctor)

    html = browser.get(f"/admin/reviews/review/{review['id']}/change/").content.decode()

    fields = html.index('id="ldn-fields"')
    assert fields < html.index('data-anchor="part-0"'), "field changes come before sections"
    summary_row = html[html.index('data-field="summary"') : html.index('data-field="topics"')]
    assert 'data-status="changed"' in summary_row
    assert '<ins class="ldn-ins">' in summary_row
    assert escape(NEW_SUMMARY) in summary_row
    assert 'data-field="topics" data-status="changed"' in html
    assert 'data-field="audience" data-status="changed"' in html
    assert 'data-field="title" data-status="unchanged"' in html
    # The preview shows what will be served: summary, list entry and JSON-LD.
    preview = html[html.index('id="ldn-preview"') :]
    assert escape(NEW_SUMMARY) in preview[: preview.index('id="ldn-preview-list-entry"')]
    list_entry = preview[preview.index('id="ldn-preview-list-entry"') :]
    assert escape(f'"summary": "{NEW_SUMMARY}"') in list_entry
    json_ld = preview[preview.index('id="ldn-preview-json-ld"') :]
    assert escape(f'"description": "{NEW_SUMMARY}"') in json_ld


# --- every field that reaches a served byte, derived from the renderer -----------------------

ATTRIBUTION = Attribution(
    reviewer_name="Dr Amina Okafor",
    reviewer_credentials="MBBS",
    review_kind="full",
    approved_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
    last_reviewed=date(2026, 11, 1),
    next_review_due=date(2027, 11, 1),
)
# A version's number and hash name it: every diff shows them as `version` and `against`.
VERSION_IDENTITY = {"number", "content_hash"}


def _unsaved_version(snapshot: dict, number: int = 1) -> Version:
    return Version(number=number, content_hash=f"hash-{number}", **snapshot)


def _served(snapshot: dict) -> bytes:
    """The payload as served, with the version's identity fixed."""
    return payload_bytes(
        render_payload(version=_unsaved_version(snapshot), slug="ldn", attribution=ATTRIBUTION)
    )


def _base_snapshot() -> dict:
    return {
        "title": "Stopping LDN",
        "summary": "How to stop safely.",
        "topics": ["ldn"],
        "audience": Audience.PATIENT,
        "sections": [
            {"anchor": "why", "heading": "Why stop", "body": "Side effects."},
            {"anchor": "how", "heading": "How to stop", "body": "Ask your prescriber."},
        ],
    }


def _mutations(snapshot: dict):
    """(label, changed snapshot) for each Version field and each part of a section."""
    for model_field in Version._meta.concrete_fields:
        name = model_field.name
        if name not in snapshot:
            continue
        changed = copy.deepcopy(snapshot)
        if name == "sections":
            for key in snapshot["sections"][0]:
                variant = copy.deepcopy(snapshot)
                variant["sections"][0][key] = f"{variant['sections'][0][key]}-changed"
                yield f"sections[].{key}", variant
            variant = copy.deepcopy(snapshot)
            variant["sections"].reverse()
            yield "sections order", variant
            variant = copy.deepcopy(snapshot)
            variant["sections"].pop()
            yield "sections removed", variant
            variant = copy.deepcopy(snapshot)
            variant["sections"].append({"anchor": "new", "heading": "New", "body": ""})
            yield "sections added", variant
            continue
        if model_field.choices:
            changed[name] = next(v for v, _ in model_field.choices if v != snapshot[name])
        elif isinstance(snapshot[name], list):
            changed[name] = [*snapshot[name], "chronic-pain"]
        else:
            changed[name] = f"{snapshot[name]} Changed."
        yield name, changed


def test_every_version_field_that_reaches_a_served_byte_is_a_snapshot_field():
    """A field added to Version and rendered must also be frozen, hashed and diffed."""
    base = _base_snapshot()
    identity = {name: getattr(_unsaved_version(base), name) for name in VERSION_IDENTITY}
    for model_field in Version._meta.concrete_fields:
        if model_field.is_relation or model_field.name in base or model_field.primary_key:
            continue
        version = _unsaved_version(base)
        value = getattr(version, model_field.name)
        if model_field.name in VERSION_IDENTITY:
            continue
        setattr(version, model_field.name, _other_value(model_field, value))
        rendered = payload_bytes(
            render_payload(version=version, slug="ldn", attribution=ATTRIBUTION)
        )
        assert rendered == _served(base), (
            f"Version.{model_field.name} reaches the served payload but is not in the snapshot "
            f"that diffs and hashes cover ({sorted(base)}); identity: {identity}"
        )


def _other_value(model_field, value):
    if isinstance(value, str):
        return f"{value}x"
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(days=1)
    return value


def test_changing_any_single_served_field_makes_the_diff_report_a_change():
    base = _base_snapshot()
    for label, changed in _mutations(base):
        assert _served(changed) != _served(base), f"{label} does not reach served bytes?"
        diff = diff_snapshots(base, changed)
        assert diff.changed, f"a change of {label} reaches served bytes but the diff hides it"
        top_level = label.split("[")[0].split(" ")[0]
        if top_level != "sections":
            statuses = {item.field: item.status for item in diff.fields}
            assert statuses[top_level] == "changed", label


@given(old=snapshots(), new=snapshots())
@settings(max_examples=150, deadline=None)
def test_the_diff_reports_a_change_exactly_when_the_served_payload_differs(old, new):
    assert diff_snapshots(old, new).changed == (_served(old) != _served(new))
    assert not diff_snapshots(new, new).changed


def test_changing_any_single_served_field_of_the_working_copy_changes_the_review_status(
    editor_client, doctor_client, make_article
):
    article = make_article(slug="stopping-ldn", sections=2, summary="Taper slowly.")
    _approve_first_version(editor_client, doctor_client)
    live = version_snapshot(article.versions.get(number=1))
    for label, changed in _mutations(live):
        _set_working_copy(article, changed)
        status = article_review_status(article=article)
        assert status.status == "live_with_unreviewed_changes", label
        assert any(item.status != "same_as_live" for item in [*status.fields, *status.sections])
        _set_working_copy(article, live)
        assert article_review_status(article=article).status == "live", label


def _set_working_copy(article: Article, snapshot: dict) -> None:
    """Write a snapshot into the working copy directly (a test fixture, not an API path)."""
    for name in ARTICLE_CONTENT_FIELDS:
        setattr(article, name, snapshot[name])
    article.save()
    article.sections.all().delete()
    for position, item in enumerate(snapshot["sections"]):
        Section.objects.create(article=article, position=position, **item)
