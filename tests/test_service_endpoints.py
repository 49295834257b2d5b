"""The API's surface: health, OpenAPI document, interactive docs, unknown routes."""

from __future__ import annotations

import pytest

from tests.support.clients import get
from tests.support.people import World


def test_healthz_reports_the_database(world: World) -> None:
    response = world.anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


@pytest.mark.storage_agnostic
def test_the_openapi_document_lists_the_api(world: World) -> None:
    document = world.anonymous.get("/api/v1/openapi.json").json()

    paths = document["paths"]
    assert "/api/v1/projects" in paths
    assert "/api/v1/projects/{project_id}/tracking-entities/{entity_id}" in paths
    assert "/api/v1/tokens" in paths
    assert "/healthz" not in paths
    assert "HTTPBearer" in document["components"]["securitySchemes"]


@pytest.mark.storage_agnostic
def test_the_interactive_docs_page_is_served_from_this_server(world: World) -> None:
    response = world.anonymous.get("/api/docs")

    assert response.status_code == 200
    assert 'data-openapi-url="/api/v1/openapi.json"' in response.text
    assert "http" not in response.text.lower()  # every address on the page is our own
    assert "<script>" not in response.text  # no inline script: the CSP would refuse it
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_the_docs_assets_come_from_the_installed_package_gzipped_and_cached(
    world: World,
) -> None:
    bundle = world.anonymous.get("/api/docs/swagger-ui-bundle.js")
    again = world.anonymous.get(
        "/api/docs/swagger-ui-bundle.js", headers={"If-None-Match": bundle.headers["etag"]}
    )
    initialiser = world.anonymous.get("/api/docs/docs.js")
    unknown = world.anonymous.get("/api/docs/..%2Fapp.py")

    assert bundle.status_code == 200
    assert bundle.headers["content-encoding"] == "gzip"
    assert "SwaggerUIBundle" in bundle.text
    assert again.status_code == 304
    assert "data-openapi-url" in initialiser.text
    assert (
        world.anonymous.get("/api/docs/swagger-ui.css")
        .headers["content-type"]
        .startswith("text/css")
    )
    assert world.anonymous.get("/api/docs/favicon-32x32.png").content.startswith(b"\x89PNG")
    assert unknown.status_code == 404


@pytest.mark.storage_agnostic
def test_an_unknown_api_path_is_a_json_404(world: World) -> None:
    response = world.owner.client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.storage_agnostic
def test_a_wrong_method_is_a_json_405(world: World) -> None:
    response = world.owner.client.put(f"/api/v1/projects/{world.project_id}", json={})
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.storage_agnostic
def test_a_non_numeric_id_names_the_path_parameter(world: World) -> None:
    response = world.owner.client.get("/api/v1/projects/abc")
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "project_id"


@pytest.mark.storage_agnostic
def test_the_home_page_points_api_clients_at_the_docs(server_url: str) -> None:
    for accept in (None, "application/json", "*/*"):
        headers = {"Accept": accept} if accept else {}
        response = get(server_url + "/", headers=headers)
        assert response.status_code == 200, accept
        assert response.json()["api_docs"] == "/api/docs"
        assert "Accept" in response.headers["vary"]


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.storage_agnostic
def test_a_browser_opening_the_home_page_is_sent_to_sign_in(server_url: str) -> None:
    response = get(server_url + "/", headers={"Accept": BROWSER_ACCEPT})

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    assert "Cookie" in response.headers["vary"]
