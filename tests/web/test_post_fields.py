"""A post's fields are declared once (``pressmark.content.postdata``) and everything the
editor does with them follows: the form, autosave, revisions and restore, front matter.

- The cover fields survive an autosave from a script that sends only the fields it knows
  (the editor's script did, and restoring such an autosave removed the cover).
- The editor is handed the list of its fields, and each has an input in the form.
- A field added in the declaration (with its two columns) round-trips through the form,
  an autosave, a revision and the front matter, with no other change: checked in a
  separate interpreter on a copy of the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pressmark.content.postdata import FORM_FIELDS, editor_field_names

from tests.web.test_editor import csrf_token, read_form, start_writing
from tests.web.test_images import gps_photo
from tests.web.test_uploads import upload

ROOT = Path(__file__).resolve().parents[2]
# What the editor's script sent in every autosave before it was handed the field list.
SCRIPT_FIELDS = ["title", "slug", "summary", "topic", "tags", "authors", "series",
                 "series_position", "published_at", "body"]


@pytest.fixture
def author(app, client):
    return start_writing(app, client)


def test_the_editor_is_handed_every_form_field_and_the_form_has_an_input_for_each(author):
    names = editor_field_names()
    assert names == [f.name for f in FORM_FIELDS]
    assert {"cover_image", "cover_alt", "featured", "body"} <= set(names)
    form = read_form(author.page("/editor/new"))
    assert set(names) - {"featured"} <= set(form)  # an unchecked checkbox is not sent


def test_an_autosave_without_the_cover_fields_keeps_the_cover_and_restoring_it_too(author):
    cover = upload(author, gps_photo(800, 500), filename="cover.jpg",
                   content_type="image/jpeg").json["url"]
    post_id = author.create(title="Covered", body="Words.", cover_image=cover,
                            cover_alt="A cover")
    html = author.page(f"/editor/{post_id}")
    payload = {name: read_form(html).get(name, "") for name in SCRIPT_FIELDS}
    payload |= {"body": "Words, and more.", "featured": False, "version": "1"}
    response = author.client.post(f"/editor/{post_id}/autosave", json=payload,
                                  headers={"X-CSRFToken": csrf_token(html)})
    assert response.status_code == 200 and response.json["saved"] is True
    revision = author.revisions(post_id)[-1]
    assert revision.kind == "autosave"
    assert (revision.cover_image, revision.cover_alt) == (cover, "A cover")
    restored = read_form(author.page(f"/editor/{post_id}?revision={revision.id}"))
    assert (restored["cover_image"], restored["cover_alt"]) == (cover, "A cover")
    assert restored["body"] == "Words, and more."
    # Restoring the autosave through the revisions page keeps the cover on the post.
    page = author.page(f"/editor/{post_id}/revisions")
    response = author.client.post(f"/editor/{post_id}/revisions/{revision.id}/restore",
                                  data={"csrf_token": csrf_token(page), "version": "1"})
    assert response.status_code == 303
    post = author.post(post_id)
    assert (post.body, post.cover_image, post.cover_alt) == (
        "Words, and more.", cover, "A cover")


def test_an_unchecked_checkbox_left_out_of_a_beacon_autosave_is_still_no(author):
    post_id = author.create(title="Flagged", body="x", featured="1")
    html = author.page(f"/editor/{post_id}")
    form = {name: read_form(html).get(name, "") for name in SCRIPT_FIELDS}
    form |= {"body": "y", "version": "1", "csrf_token": csrf_token(html)}
    response = author.client.post(f"/editor/{post_id}/autosave", data=form)
    assert response.status_code == 200 and response.json["saved"] is True
    assert author.revisions(post_id)[-1].featured is False


# --- a new field, declared in one place ---------------------------------------------------

NEW_FIELD = '    mood: str = _field(PostField("Mood", max_length=40), default="")\n'
NEW_COLUMN = "    mood: Mapped[str] = mapped_column(String(40), default=\"\")\n"

ROUND_TRIP = textwrap.dedent('''
    import re, sys
    from pressmark import create_app
    from pressmark.content.models import Post, Revision, Topic, User
    from pressmark.content.postdata import editor_field_names, to_front_matter
    from pressmark.extensions import db
    from werkzeug.security import generate_password_hash

    folder = sys.argv[1]
    app = create_app({
        "TESTING": True, "SECRET_KEY": "k", "INSTANCE_PATH": folder + "/instance",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/site.sqlite",
        "SITE_URL": "http://localhost", "LOAD_ENTRYPOINT_PLUGINS": False,
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        db.create_all()
        db.session.add(User(username="ann", display_name="Ann", role="owner",
                            password_hash=generate_password_hash("a long password here")))
        db.session.commit()
    assert "mood" in editor_field_names()
    client = app.test_client()
    token = lambda html: re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    login = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', login).group(1),
        "username": "ann", "password": "a long password here"})
    html = client.get("/editor/new").get_data(as_text=True)
    created = client.post("/editor/new", data={
        "csrf_token": token(html), "action": "save", "title": "Moody", "body": "Words.",
        "mood": "sunny", "authors": "ann"})
    assert created.status_code == 303, created.get_data(as_text=True)
    post_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    html = client.get(f"/editor/{post_id}").get_data(as_text=True)
    saved = client.post(f"/editor/{post_id}/autosave", json={
        "title": "Moody", "body": "Words, more.", "mood": "stormy", "version": "1"},
        headers={"X-CSRFToken": token(html)})
    assert saved.json["saved"] is True, saved.json
    with app.app_context():
        post = db.session.get(Post, post_id)
        revisions = db.session.query(Revision).filter_by(post_id=post_id).order_by(
            Revision.id).all()
        print("post", post.mood, to_front_matter(post)["mood"])
        print("revisions", [(r.kind, r.mood) for r in revisions])
        autosave_id = revisions[-1].id
    import pressmark
    print("package", pressmark.__file__)
''')


def test_a_field_added_in_one_place_round_trips_through_form_autosave_and_revision(tmp_path):
    package = tmp_path / "pkg" / "pressmark"
    shutil.copytree(ROOT / "app", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "plugins", package / "plugins",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "migrations", package / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # The declaration: one line in PostData, after the cover fields.
    postdata = package / "content" / "postdata.py"
    text = postdata.read_text(encoding="utf-8")
    anchor = next(line for line in text.splitlines(keepends=True)
                  if line.startswith("    cover_alt: str = _field("))
    postdata.write_text(text.replace(anchor, anchor + NEW_FIELD), encoding="utf-8")
    # Its storage: a column on Post and on Revision (and, in a real change, a migration).
    models = package / "content" / "models.py"
    text = models.read_text(encoding="utf-8")
    for model in ("Post", "Revision"):
        head = f"class {model}("
        start = text.index(head)
        anchor = text.index("    cover_alt", start)
        text = text[:anchor] + NEW_COLUMN + text[anchor:]
    models.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkg"), "PYTHONSAFEPATH": "1"}
    result = subprocess.run([sys.executable, "-c", ROUND_TRIP, str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "post sunny sunny" in lines
    assert "revisions [('save', 'sunny'), ('autosave', 'stormy')]" in lines
    assert f"package {package / '__init__.py'}" in lines
