"""The OpenAPI schema validates cleanly, documents every operation, and the docs load offline."""

import importlib
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from ldncontent.exceptions import DomainError

pytestmark = pytest.mark.django_db

ERRORS_BY_METHOD = {
    "get": {"401", "403", "404"},
    "post": {"400", "401", "403", "409"},
    "put": {"400", "401", "403", "404", "409", "412", "428"},
    "patch": {"400", "401", "403", "404", "409", "412", "428"},
    "delete": {"401", "403", "404", "412", "428"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ERRORS_BY_METHOD:
                yield path, method, operation


def test_every_operation_has_summary_description_tags_and_examples(schema):
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert operation.get("tags"), where
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert success, where
        for code in success:
            content = operation["responses"][code].get("content")
            if content:
                assert any("examples" in media for media in content.values()), where


def test_authoring_operations_document_their_error_responses(schema):
    for path, method, operation in operations(schema):
        if not path.startswith("/api/v1/articles/"):
            continue
        documented = set(operation["responses"])
        assert ERRORS_BY_METHOD[method] <= documented, f"{method.upper()} {path}: {documented}"
        for code in ERRORS_BY_METHOD[method]:
            media = operation["responses"][code]["content"]["application/json"]
            assert media["schema"]["$ref"].endswith("Error"), (path, method, code)


def test_writes_document_the_if_match_header(schema):
    for path, method, operation in operations(schema):
        if path.startswith("/api/v1/articles/{slug}") and method in {"put", "patch", "delete"}:
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert "If-Match" in names, f"{method.upper()} {path}"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_assets_from_this_server(url):
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_schema_endpoint_serves_the_schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/articles/{slug}/" in response.json()["paths"]


def test_healthz_checks_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_operation_documents_the_database_unavailable_and_server_error_answers(schema):
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        unavailable = operation["responses"]["503"]
        assert "Retry-After" in unavailable["headers"], where
        media = unavailable["content"]["application/json"]
        assert media["schema"]["$ref"].endswith("/DatabaseUnavailableError"), where
        assert media["examples"]["database_unavailable"]["value"]["retry_after"] == 5, where
        failed = operation["responses"]["500"]["content"]["application/json"]
        assert failed["schema"]["$ref"].endswith("/ServerError"), where


def test_creating_a_sign_off_role_documents_only_the_conflict_it_can_meet(schema):
    creating = schema["paths"]["/api/v1/sign-off-roles/"]["post"]["responses"]["409"]
    changing = schema["paths"]["/api/v1/sign-off-roles/{code}/"]["patch"]["responses"]["409"]

    def codes(response: dict) -> set[str]:
        examples = response["content"]["application/json"]["examples"].values()
        return {example["value"]["code"] for example in examples}

    assert codes(creating) == {"sign_off_role_taken"}
    assert codes(changing) == {"sign_off_role_taken", "clinical_role_fixed", "role_in_use"}


def test_the_readme_lists_every_error_code_a_rule_can_answer():
    for app in ("articles", "reviews", "scheduling", "governance", "notifications"):
        importlib.import_module(f"{app}.exceptions")

    def kinds(base: type) -> set[type]:
        return {kind for sub in base.__subclasses__() for kind in {sub, *kinds(sub)}}

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    codes = {kind.code for kind in kinds(DomainError)}
    assert sorted(code for code in codes if f"`{code}`" not in readme) == []
