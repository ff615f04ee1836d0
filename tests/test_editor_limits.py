"""The editor through the real server: absurd ids and bodies are 404/400, never 500; one size
limit (``MAX_POST_BYTES``) for every way a post arrives; a post deleted while it is being
edited answers 410 and keeps the author's text.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.proxied_server import LiveServer, prepare_site

LIMIT = 64 * 1024
HUGE = "99999999999999999999"
TOO_LARGE = re.compile(r"a post can be at most 64 KiB \(MAX_POST_BYTES\)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor-limits")
    database = prepare_site(folder)
    with LiveServer(folder, database, MAX_POST_BYTES=LIMIT, SESSION_COOKIE_SECURE=False,
                    REMEMBER_COOKIE_SECURE=False) as live:
        yield live


@pytest.fixture(scope="module")
def author(server):
    client = server.client()
    assert client.login().status == 303
    return client


def create_post(author, title: str, body: str = "Some text.") -> int:
    token = author.get("/editor/new").csrf_token()
    answer = author.post_multipart("/editor/new", {
        "csrf_token": token, "title": title, "body": body, "action": "save",
    })
    assert answer.status == 303, answer.text[:1000]
    return int(re.search(r"/editor/(\d+)", answer.headers["Location"]).group(1))


def form_state(author, post_id: int) -> tuple[str, str]:
    page = author.get(f"/editor/{post_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return token, re.search(r'name="version" value="(\d+)"', page).group(1)


# --- defect 6: 404/400, never 500 ----------------------------------------------------------


@pytest.mark.parametrize("path", [
    f"/editor/{HUGE}", f"/editor/{HUGE}/revisions", f"/editor/{HUGE}/delete",
    f"/editor/{HUGE}/revisions/compare",
    f"/uploads/{HUGE}.png", f"/posts/{HUGE}", f"/posts?page={HUGE}",
])
def test_huge_ids_in_paths_are_not_found(author, path):
    assert author.get(path).status == 404


def test_huge_ids_in_posted_paths_are_not_found(author):
    post_id = create_post(author, "Huge ids")
    token, version = form_state(author, post_id)
    for path in (f"/editor/{HUGE}/delete", f"/editor/{HUGE}/untrash", f"/editor/{HUGE}/autosave",
                 f"/editor/{post_id}/revisions/{HUGE}/restore"):
        answer = author.post(path, data={"csrf_token": token, "version": version})
        assert answer.status == 404, (path, answer.status)


def test_huge_revision_ids_in_query_strings_are_ignored_or_refused(author):
    post_id = create_post(author, "Huge revision ids")
    assert author.get(f"/editor/{post_id}?revision={HUGE}").status == 200
    answer = author.get(f"/editor/{post_id}/revisions/compare?from={HUGE}&to={HUGE}")
    assert answer.status == 400
    assert "Choose two revisions" in answer.text


@pytest.mark.parametrize("payload", [["body"], "text", 42, None])
def test_preview_and_autosave_refuse_json_that_is_not_an_object(author, payload):
    post_id = create_post(author, f"JSON bodies {type(payload).__name__}")
    token, _ = form_state(author, post_id)
    for path in ("/editor/preview", f"/editor/{post_id}/autosave"):
        answer = author.post_json(path, payload, token)
        assert answer.status == 400, (path, answer.status, answer.text[:300])
        assert "JSON object" in answer.json()["error"]


# --- defect 7: one size limit -------------------------------------------------------------


def at_limit() -> str:
    """A body of exactly LIMIT bytes in UTF-8, with non-ASCII letters and newlines."""
    line = "é" * 30 + "\n"  # 61 bytes
    body = line * (LIMIT // len(line.encode()))
    return body + "x" * (LIMIT - len(body.encode()))


def test_a_post_at_the_limit_is_accepted_every_way(author, server, tmp_path):
    body = at_limit()
    assert len(body.encode()) == LIMIT
    post_id = create_post(author, "At the limit, multipart", body)
    token = author.get("/editor/new").csrf_token()
    answer = author.post("/editor/new", data={
        "csrf_token": token, "title": "At the limit, urlencoded", "body": body, "action": "save",
    })
    assert answer.status == 303, answer.text[:500]
    token, version = form_state(author, post_id)
    saved = author.post_json(f"/editor/{post_id}/autosave",
                             {"title": "x", "body": body + "", "version": version}, token)
    assert saved.status == 200
    assert author.post_json("/editor/preview", {"body": body}, token).status == 200
    folder = tmp_path / "import"
    folder.mkdir()
    front = '---\ntitle: "Imported at the limit"\ndate: 2020-01-01\n---\n'
    (folder / "big.md").write_text(front + body, encoding="utf-8")
    result = import_into(server, folder)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_post_over_the_limit_is_refused_the_same_way_everywhere(author, server, tmp_path):
    body = at_limit() + "y"
    token = author.get("/editor/new").csrf_token()
    fields = {"csrf_token": token, "title": "Over the limit", "body": body, "action": "save"}
    for answer in (author.post_multipart("/editor/new", fields),
                   author.post("/editor/new", data=fields)):
        assert answer.status == 400
        assert TOO_LARGE.search(answer.text)
        assert "é" * 30 + "\n" + "é" * 30 in answer.text  # the text is kept in the form
    post_id = create_post(author, "Autosaved over the limit")
    token, version = form_state(author, post_id)
    autosaved = author.post_json(f"/editor/{post_id}/autosave",
                                 {"title": "x", "body": body, "version": version}, token)
    assert autosaved.status == 413 and TOO_LARGE.search(autosaved.json()["error"])
    previewed = author.post_json("/editor/preview", {"body": body}, token)
    assert previewed.status == 413 and TOO_LARGE.search(previewed.json()["error"])
    folder = tmp_path / "import"
    folder.mkdir()
    front = '---\ntitle: "Too big to import"\ndate: 2020-01-01\n---\n'
    (folder / "huge.md").write_text(front + body, encoding="utf-8")
    result = import_into(server, folder)
    assert result.returncode == 1
    assert TOO_LARGE.search(result.stdout + result.stderr)


def test_a_request_far_over_the_limit_gets_a_413_that_names_the_limit(author):
    token = author.get("/editor/new").csrf_token()
    body = "z" * 10 * 1024 * 1024  # over MAX_CONTENT_LENGTH (8 MiB)
    answer = author.post("/editor/new", data={
        "csrf_token": token, "title": "Far too big", "body": body,
    })
    assert answer.status == 413
    assert "a post can be at most 64 KiB" in answer.text


def import_into(server: LiveServer, folder) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pressmark.cli", "import", str(folder)],
        env=server.env, capture_output=True, text=True, timeout=120,
    )


# --- defect 8: deleted while being edited --------------------------------------------------


def delete_forever(author, post_id: int) -> None:
    token, version = form_state(author, post_id)
    trashed = author.post_multipart(f"/editor/{post_id}", {
        "csrf_token": token, "version": version, "title": "Doomed", "body": "x",
        "action": "trash",
    })
    assert trashed.status == 303
    assert author.post(f"/editor/{post_id}/delete", data={"csrf_token": token}).status == 303
    assert author.get(f"/editor/{post_id}").status == 404


def test_saving_a_post_deleted_meanwhile_keeps_the_text_and_offers_a_new_post(author):
    post_id = create_post(author, "Doomed")
    token, version = form_state(author, post_id)
    delete_forever(author, post_id)
    words = "My careful paragraph that must survive."
    answer = author.post_multipart(f"/editor/{post_id}", {
        "csrf_token": token, "version": version, "title": "Doomed but kept", "body": words,
        "action": "save",
    })
    assert answer.status == 410
    assert "deleted forever while you were editing" in answer.text
    assert words in answer.text and 'value="Doomed but kept"' in answer.text
    assert 'action="/editor/new"' in answer.text
    # One click on Save keeps it as a new post.
    again = author.post_multipart("/editor/new", {
        "csrf_token": token, "title": "Doomed but kept", "body": words, "action": "save",
    })
    assert again.status == 303
    assert words in author.get(again.headers["Location"]).text


def test_autosaving_a_post_deleted_meanwhile_answers_json(author):
    post_id = create_post(author, "Doomed autosave")
    token, version = form_state(author, post_id)
    delete_forever(author, post_id)
    answer = author.post_json(f"/editor/{post_id}/autosave",
                              {"title": "t", "body": "kept", "version": version}, token)
    assert answer.status == 410
    data = answer.json()
    assert data["gone"] is True and data["saved"] is False
    assert data["new_post_url"] == "/editor/new"
    assert "press Save to keep it as a new post" in data["error"]
