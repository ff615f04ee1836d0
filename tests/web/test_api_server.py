"""The Content API through the real server (``pressmark serve``): the page cache's ETags,
304s and ``Cache-Control``, invalidation when content changes, CORS and preflights; the
OpenAPI description validated, and Schemathesis run against the live server."""

from __future__ import annotations

import json
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.servers import Browser, Server, create_author, site_env


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A demo site served as in production (not testing), with an author account."""
    instance = tmp_path_factory.mktemp("api-server") / "instance"
    env = site_env(instance)
    server = Server(env, "--threads", "4")
    create_author(env)
    yield server
    server.stop()


def test_api_answers_are_cached_with_validators_and_304s(site):
    first = site.get("/api/v1/posts?limit=5", Accept_Encoding="gzip")
    assert first.status == 200
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Content-Encoding"] == "gzip"
    again = site.get("/api/v1/posts?limit=5", Accept_Encoding="gzip",
                     If_None_Match=first.headers["ETag"])
    assert again.status == 304 and again.body == b""
    # A parameter the list does not read is answered from the same entry.
    other = site.get("/api/v1/posts?limit=5&cb=123", Accept_Encoding="gzip",
                     If_None_Match=first.headers["ETag"])
    assert other.status == 304
    assert "Cookie" not in (first.headers.get("Vary") or "")
    assert "Set-Cookie" not in first.headers


def test_any_origin_may_read_and_preflight(site):
    answer = site.get("/api/v1/tags", Origin="https://reader.example")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]
    cached = site.get("/api/v1/tags", Origin="https://other.example")
    assert cached.headers["Access-Control-Allow-Origin"] == "*"
    preflight = site.request("OPTIONS", "/api/v1/posts/kv-caching", {
        "Origin": "https://reader.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "POST" not in preflight.headers["Allow"]
    problem = site.get("/api/v1/posts?limit=0", Origin="https://reader.example")
    assert problem.status == 400 and problem.headers["Access-Control-Allow-Origin"] == "*"
    assert problem.headers["Content-Type"] == "application/problem+json"
    unknown = site.get("/api/v1/nothing/here")
    assert unknown.status == 404 and unknown.headers["Content-Type"] == "application/problem+json"


def test_a_published_post_shows_in_the_api_at_once(site):
    before = site.get("/api/v1/posts?limit=3&fields=slug")
    assert before.status == 200
    author = Browser(site)
    assert author.login().status == 303
    assert author.publish("Fresh from the editor", "New words.").status == 303
    deadline = time.monotonic() + 5
    while True:
        after = site.get("/api/v1/posts?limit=3&fields=slug", If_None_Match=before.headers["ETag"])
        if after.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert after.status == 200
    assert json.loads(after.body)["data"][0] == {"slug": "fresh-from-the-editor"}
    one = json.loads(site.get("/api/v1/posts/fresh-from-the-editor").body)["data"]
    assert one["body"]["html"] == "<p>New words.</p>"


def test_the_docs_page_describes_every_operation_without_scripts(site):
    page = site.get("/api/v1/docs")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    spec = json.loads(site.get("/api/v1/openapi.json").body)
    for path, item in spec["paths"].items():
        assert f"GET {path}" in page.text
        assert f'id="op-{item["get"]["operationId"]}"' in page.text
    assert "<script>" not in page.text and "onclick" not in page.text


# --- the OpenAPI description ------------------------------------------------------------------


def test_the_description_is_valid_openapi_3_1(site):
    spec = json.loads(site.get("/api/v1/openapi.json").body)
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"][0]["url"] == "http://localhost/api/v1"
    assert {"/posts", "/posts/{slug}", "/pages", "/pages/{slug}", "/topics", "/topics/{slug}",
            "/tags", "/tags/{slug}", "/authors", "/authors/{slug}", "/series",
            "/series/{slug}", "/search"} == set(spec["paths"])


def test_every_operation_answers_within_its_schema(site):
    """Schemathesis against the live server, every operation with generated inputs (valid
    and not): never a 5xx, and every answer's status, media type and body as described."""
    base = f"http://127.0.0.1:{site.port}/api/v1"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", headers={"Host": "localhost"})
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(base_url=base, checks=checks)

        run()
