"""The Admin API and its personal access tokens: made, shown once, scoped and revoked in
the editor; writes through the editor's pipeline (roles, revisions, sanitising, the
version check), image uploads, and throttled bad tokens."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage
from pressmark.content.models import Post, Revision, User
from pressmark.content.tokens import AccessToken, digest
from pressmark.extensions import db
from sqlalchemy import func, select

from tests.conftest import AuthActions

APP_CONFIG = {"LOGIN_MAX_FAILURES": 3, "LOGIN_FAILURE_DELAY": 0}
SECRET_RE = re.compile(r'id="token-value" class="token-value" value="([^"]+)"')


def make_token(auth: AuthActions, name: str, *scopes: str) -> str:
    token = auth.csrf_token("/editor/tokens/")
    answer = auth.client.post("/editor/tokens/", data={"csrf_token": token, "name": name,
                                                       "scopes": list(scopes)})
    assert answer.status_code == 201, answer.data[:500]
    return SECRET_RE.search(answer.get_data(as_text=True)).group(1)


@pytest.fixture
def author(app, client):
    auth = AuthActions(app, client)
    auth.login()
    return auth


def call(client, method: str, path: str, secret: str | None, **kwargs):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.open(path, method=method, headers=headers, **kwargs)


def test_a_token_is_shown_once_stored_hashed_and_listed(app, client, author):
    secret = make_token(author, "CI publisher", "write:posts", "read:drafts")
    assert secret.startswith("pmk_") and len(secret) > 40
    page = client.get("/editor/tokens/").get_data(as_text=True)
    assert secret not in page and "CI publisher" in page and secret[:8] + "…" in page
    assert "never" in page
    with app.app_context():
        stored = db.session.scalar(select(AccessToken))
        assert stored.token_hash == digest(secret) and secret not in stored.token_hash
        assert stored.scope_list == ["read:drafts", "write:posts"]
    used = call(client, "POST", "/api/v1/admin/posts", secret, json={"title": "T"})
    assert used.status_code == 201
    assert "never" not in client.get("/editor/tokens/").get_data(as_text=True)


def test_a_token_needs_a_name_and_a_scope(client, author):
    token = author.csrf_token("/editor/tokens/")
    answer = client.post("/editor/tokens/", data={"csrf_token": token, "name": "x"})
    assert answer.status_code == 400 and "Choose at least one" in answer.get_data(as_text=True)
    answer = client.post("/editor/tokens/", data={"csrf_token": token, "name": " ",
                                                  "scopes": ["write:posts"]})
    assert answer.status_code == 400
    assert client.post("/editor/tokens/", data={"name": "x", "scopes": ["write:posts"]}
                       ).status_code == 400  # no CSRF token


def test_posts_are_created_updated_and_published_through_the_pipeline(app, client, author):
    secret = make_token(author, "script", "write:posts")
    created = call(client, "POST", "/api/v1/admin/posts", secret, json={
        "title": "From my editor", "body": "Hello <script>alert(1)</script> **world**",
        "tags": ["api", "C++"], "topic": "notes"})
    assert created.status_code == 201, created.json
    post = created.json["data"]
    assert post["status"] == "draft" and post["version"] == 1
    assert client.get(f"/api/v1/posts/{post['slug']}").status_code == 404  # a draft
    stale = call(client, "PATCH", f"/api/v1/admin/posts/{post['id']}", secret,
                 json={"version": 1, "summary": "First"})
    assert stale.status_code == 200 and stale.json["data"]["version"] == 2
    conflict = call(client, "PATCH", f"/api/v1/admin/posts/{post['id']}", secret,
                    json={"version": 1, "summary": "Overwrites?"})
    assert conflict.status_code == 409
    assert conflict.headers["Content-Type"] == "application/problem+json"
    assert conflict.json["current_version"] == 2
    no_version = call(client, "PATCH", f"/api/v1/admin/posts/{post['id']}", secret,
                      json={"summary": "x"})
    assert no_version.status_code == 400 and no_version.json["parameter"] == "version"
    published = call(client, "POST", f"/api/v1/admin/posts/{post['id']}/publish", secret,
                     json={"version": 2})
    assert published.status_code == 200 and published.json["data"]["status"] == "published"
    public = client.get("/api/v1/posts/from-my-editor").json["data"]
    assert "<script>" not in public["body"]["html"] and "<strong>world</strong>" in \
        public["body"]["html"]
    assert public["summary"] == "First" and [t["name"] for t in public["tags"]] == ["api", "C++"]
    with app.app_context():
        saved = db.session.scalar(select(Post).where(Post.slug == "from-my-editor"))
        kinds = db.session.scalars(select(Revision.kind).where(Revision.post_id == saved.id))
        assert list(kinds) == ["save", "save", "save"]
        assert [a.username for a in saved.authors] == ["author"]


def test_bad_fields_are_refused_and_nothing_is_saved(app, client, author):
    secret = make_token(author, "script", "write:posts")
    for body, parameter in (({"title": ""}, "title"), ({"title": "x", "body": 3}, "body"),
                            ({"title": "x", "date": "not a date"}, None)):
        answer = call(client, "POST", "/api/v1/admin/posts", secret, json=body)
        assert answer.status_code == 400, (body, answer.json)
        if parameter:
            assert answer.json["parameter"] == parameter
    assert call(client, "POST", "/api/v1/admin/posts", secret, data="nope").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Post.id))) == 0


def test_scopes_roles_and_revocation_limit_a_token(app, client, author):
    reader = make_token(author, "reader", "read:drafts")
    assert call(client, "POST", "/api/v1/admin/posts", reader,
                json={"title": "x"}).status_code == 403
    writer = make_token(author, "writer", "write:posts")
    post = call(client, "POST", "/api/v1/admin/posts", writer, json={"title": "Mine"}).json
    found = call(client, "GET", "/api/v1/admin/posts?slug=mine", reader)
    assert found.status_code == 200 and found.json["data"]["body"] == ""
    assert call(client, "GET", f"/api/v1/admin/posts/{post['data']['id']}", reader
                ).status_code == 200
    assert call(client, "POST", "/api/v1/admin/uploads", writer).status_code == 403
    # A contributor's token cannot publish, whatever its scopes.
    author.create_user("casey", "another long passphrase")
    with app.app_context():
        db.session.execute(
            User.__table__.update().where(User.username == "casey").values(role="contributor"))
        db.session.commit()
    casey = AuthActions(app, app.test_client(), "casey", "another long passphrase")
    casey.login()
    theirs = make_token(casey, "casey's", "write:posts")
    refused = call(client, "POST", "/api/v1/admin/posts", theirs,
                   json={"title": "Live now", "status": "published"})
    assert refused.status_code == 403 and "cannot publish" in refused.json["detail"]
    # Revoked in the editor: refused from then on.
    with app.app_context():
        token_id = db.session.scalar(select(AccessToken.id).where(AccessToken.name == "writer"))
    csrf = author.csrf_token("/editor/tokens/")
    assert client.post(f"/editor/tokens/{token_id}/revoke", data={"csrf_token": csrf}
                       ).status_code == 303
    gone = call(client, "POST", "/api/v1/admin/posts", writer, json={"title": "x"})
    assert gone.status_code == 401 and gone.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_tokens_are_throttled_per_address(app, client, author):
    good = make_token(author, "good", "write:posts")
    assert call(client, "POST", "/api/v1/admin/posts", None, json={}).status_code == 401
    for guess in ("pmk_a", "pmk_b", "pmk_c"):
        assert call(client, "GET", "/api/v1/admin/posts/1", guess).status_code == 401
    locked = call(client, "POST", "/api/v1/admin/posts", good, json={"title": "x"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 360), (30, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def test_images_are_uploaded_with_the_editors_checks(app, client, author):
    secret = make_token(author, "uploader", "write:uploads")
    answer = call(client, "POST", "/api/v1/admin/uploads", secret,
                  data={"file": (io.BytesIO(png_bytes()), "cover.png")})
    assert answer.status_code == 201, answer.json
    url = answer.json["data"]["url"]
    assert re.fullmatch(r"/uploads/[0-9a-f]{64}\.png", url)
    assert answer.json["data"]["width"] == 640
    served = client.get(url)
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    served.close()
    bad = call(client, "POST", "/api/v1/admin/uploads", secret,
               data={"file": (io.BytesIO(b"<svg onload=alert(1)>"), "x.svg")})
    assert bad.status_code == 400 and bad.json["parameter"] == "file"
