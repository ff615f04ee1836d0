"""``pressmark publish`` against a real server: Markdown files with front matter become
posts through the Admin API; running it again changes nothing; a changed file updates its
post; a refused file is named and the others still go."""

from __future__ import annotations

import json
import re

import pytest

from tests.servers import Browser, Server, create_author, pressmark, site_env

SECRET_RE = re.compile(r'id="token-value" class="token-value" value="([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("publish") / "instance"
    env = site_env(instance)
    server = Server(env, "--no-demo")
    create_author(env)
    author = Browser(server)
    assert author.login().status == 303
    page = author.send("POST", "/editor/tokens/", {
        "csrf_token": author.token("/editor/tokens/"), "name": "CI", "scopes": "write:posts"})
    assert page.status == 201
    server.token = SECRET_RE.search(page.text).group(1)
    server.env = env
    yield server
    server.stop()


def run_publish(site, *files, token=None):
    env = {**site.env, "PRESSMARK_API_TOKEN": token or site.token}
    return pressmark(env, "publish", *map(str, files), "--site",
                     f"http://127.0.0.1:{site.port}")


def api(site, path: str) -> dict:
    return json.loads(site.get(path).body)


def test_files_become_posts_and_a_rerun_changes_nothing(site, tmp_path):
    first = tmp_path / "kv-cache-notes.md"
    first.write_text("---\ntitle: KV cache notes\ndate: 2025-03-01T09:00:00Z\n"
                     "tags: [inference, memory]\nsummary: What fits.\n---\n\n"
                     "The cache grows with **context**.\n", encoding="utf-8")
    second = tmp_path / "draft-idea.md"
    second.write_text("---\ntitle: An idea\ndraft: true\n---\nNot yet.\n", encoding="utf-8")
    result = run_publish(site, first, second)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"created: {first}", f"created: {second}"]
    post = api(site, "/api/v1/posts/kv-cache-notes")["data"]
    assert post["published_at"] == "2025-03-01T09:00:00Z" and post["summary"] == "What fits."
    assert [t["slug"] for t in post["tags"]] == ["inference", "memory"]
    assert post["body"]["html"] == "<p>The cache grows with <strong>context</strong>.</p>"
    assert site.get("/api/v1/posts/draft-idea").status == 404
    again = run_publish(site, first, second)
    assert again.stdout.splitlines() == [f"unchanged: {first}", f"unchanged: {second}"]
    assert api(site, "/api/v1/posts/kv-cache-notes")["data"]["updated_at"] == post["updated_at"]
    first.write_text(first.read_text(encoding="utf-8").replace("context", "the context"),
                     encoding="utf-8")
    changed = run_publish(site, first)
    assert changed.stdout.splitlines() == [f"updated: {first}"]
    body = api(site, "/api/v1/posts/kv-cache-notes")["data"]["body"]["html"]
    assert "the context" in body


def test_refusals_are_named_and_the_other_files_still_go(site, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\nx\n", encoding="utf-8")
    good = tmp_path / "fine-post.md"
    good.write_text("# Just text\n\nNo front matter at all.\n", encoding="utf-8")
    result = run_publish(site, bad, good)
    assert result.returncode == 1
    assert f"refused: {bad}" in result.stderr and f"created: {good}" in result.stdout
    assert api(site, "/api/v1/posts/fine-post")["data"]["title"] == "Fine post"


def test_a_missing_or_wrong_token_is_a_clear_error(site, tmp_path):
    post = tmp_path / "p.md"
    post.write_text("x\n", encoding="utf-8")
    env = {k: v for k, v in site.env.items() if k != "PRESSMARK_API_TOKEN"}
    result = pressmark(env, "publish", str(post), "--site", f"http://127.0.0.1:{site.port}")
    assert result.returncode == 2 and "PRESSMARK_API_TOKEN" in result.stderr
    wrong = run_publish(site, post, token="pmk_wrong")
    assert wrong.returncode == 1 and "unknown or was revoked" in wrong.stderr
