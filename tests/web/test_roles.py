"""The three roles, refused through the editor's own routes and forms.

owner: everything, accounts and plugins included; editor: publishes and changes any post
or page; contributor: writes drafts of their own and cannot publish. Each refusal is a 403
that says why, and changes nothing.
"""

from __future__ import annotations

import pytest
from pressmark.content.models import CONTRIBUTOR, DRAFT, EDITOR, OWNER, PUBLISHED, Post, User
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import PASSWORD, password_hash
from tests.web.test_editor import Author, csrf_token, read_form


def make_user(app, username: str, role: str, display_name: str = "") -> None:
    with app.app_context():
        db.session.add(User(username=username, role=role, display_name=display_name or
                            username.title(), password_hash=password_hash(PASSWORD)))
        db.session.commit()


def as_role(app, role: str) -> Author:
    make_user(app, role, role)
    return Author(app, app.test_client(), username=role)


def a_post(app, title: str, status: str = DRAFT, authors=("owner",), **fields) -> int:
    with app.app_context():
        return save_post(
            PostData(title=title, body="Words.", status=status, authors=list(authors), **fields)
        ).id


def stored(app, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get(Post, post_id)
        _ = post.authors
        db.session.expunge(post)
        return post


@pytest.fixture
def site(app):
    make_user(app, "owner", OWNER, "Olga Owner")
    return app


# --- contributor ------------------------------------------------------------------------------


def test_a_contributor_writes_drafts_but_cannot_publish(site):
    writer = as_role(site, CONTRIBUTOR)
    form = read_form(writer.page("/editor/new"))
    assert form["authors"] == "contributor"  # a new post starts with its writer as author
    assert 'value="publish"' not in writer.page("/editor/new")
    saved = writer.submit("/editor/new", title="My draft", body="First words.")
    assert saved.status_code == 303
    post_id = int(saved.headers["Location"].rsplit("/", 1)[1])

    refused = writer.submit(f"/editor/{post_id}", "publish", body="Changed words.")
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "cannot publish" in html
    assert "Changed words." in html  # the text is still in the form
    post = stored(site, post_id)
    assert (post.status, post.body) == (DRAFT, "First words.")

    # A publish date in the form does not publish either: only the buttons change status.
    writer.submit(f"/editor/{post_id}", published_at="2020-01-01T09:00")
    assert stored(site, post_id).status == DRAFT


def test_a_contributor_cannot_touch_others_posts_live_posts_or_pages(site):
    writer = as_role(site, CONTRIBUTOR)
    others = a_post(site, "Someone else's draft")
    own_live = a_post(site, "Published with me", status=PUBLISHED,
                      authors=("owner", "contributor"))
    page = a_post(site, "About", status=PUBLISHED, is_page=True, authors=())
    for post_id in (others, own_live, page):
        response = writer.client.get(f"/editor/{post_id}")
        assert response.status_code == 403, post_id
        assert "Not allowed" in response.get_data(as_text=True)
    assert "only an owner or an editor" in writer.client.get(f"/editor/{own_live}").get_data(True)

    token = csrf_token(writer.page("/editor/"))
    for path in (f"/editor/{others}", f"/editor/{own_live}"):
        # Naming themselves among the authors does not let them in either.
        response = writer.client.post(path, data={
            "csrf_token": token, "title": "Hijacked", "body": "x", "version": "1",
            "authors": "owner, contributor", "action": "save",
        })
        assert response.status_code == 403
    autosave = writer.client.post(f"/editor/{others}/autosave", json={"body": "x"},
                                  headers={"X-CSRFToken": token})
    assert autosave.status_code == 403 and "error" in autosave.get_json()
    assert stored(site, others).title == "Someone else's draft"
    assert stored(site, own_live).status == PUBLISHED

    assert writer.client.get("/editor/pages/new").status_code == 403
    assert writer.client.get("/editor/navigation/").status_code == 403
    assert writer.client.get("/editor/plugins").status_code == 403
    dashboard = writer.page("/editor/")
    assert "Someone else&#39;s draft" not in dashboard and "Someone else's draft" not in dashboard
    assert "New page" not in dashboard and "Plugins and failures" not in dashboard


def test_a_contributor_stays_among_the_authors(site):
    writer = as_role(site, CONTRIBUTOR)
    refused = writer.submit("/editor/new", title="Ghost-written", authors="owner")
    assert refused.status_code == 403
    assert "Keep yourself among the authors" in refused.get_data(as_text=True)
    with site.app_context():
        assert db.session.scalar(select(Post).where(Post.title == "Ghost-written")) is None


def test_a_contributor_cannot_delete_forever(site):
    writer = as_role(site, CONTRIBUTOR)
    post_id = a_post(site, "Mine", authors=("contributor",))
    writer.submit(f"/editor/{post_id}", "trash")
    assert stored(site, post_id).status == "trashed"
    assert writer.client.get(f"/editor/{post_id}/delete").status_code == 403
    token = csrf_token(writer.page("/editor/"))
    assert writer.client.post(f"/editor/{post_id}/delete",
                              data={"csrf_token": token}).status_code == 403
    assert stored(site, post_id) is not None


# --- editor and owner -------------------------------------------------------------------------


def test_an_editor_publishes_anything_but_sees_no_plugins(site):
    editor = as_role(site, EDITOR)
    post_id = a_post(site, "The owner's draft")
    assert editor.submit(f"/editor/{post_id}", "publish").status_code == 303
    assert stored(site, post_id).status == PUBLISHED
    assert editor.client.get("/editor/pages/new").status_code == 200
    assert editor.client.get("/editor/navigation/").status_code == 200
    refused = editor.client.get("/editor/plugins")
    assert refused.status_code == 403
    assert "Only the site&#39;s owners" in refused.get_data(as_text=True)
    assert "Plugins and failures" not in editor.page("/editor/")


def test_an_owner_reaches_the_plugins(site):
    owner = Author(site, site.test_client(), username="owner")
    assert owner.client.get("/editor/plugins").status_code == 200
    assert "Plugins and failures" in owner.page("/editor/")


# --- accounts on the command line ---------------------------------------------------------------


def test_author_create_takes_a_role_and_set_changes_it(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["author", "create", "cora", "--display-name", "Cora Contrib", "--role",
              "contributor", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["author", "create", "x", "--role", "admin", "--password-stdin"],
                        input=PASSWORD + "\n")
    assert bad.exit_code != 0 and "admin" in bad.output
    with app.app_context():
        cora = db.session.scalar(select(User).where(User.username == "cora"))
        assert (cora.role, cora.slug) == (CONTRIBUTOR, "cora-contrib")
    changed = runner.invoke(args=["author", "set", "cora", "--role", "editor",
                                  "--display-name", "Cora C", "--bio", "Writes about GPUs."])
    assert changed.exit_code == 0, changed.output
    with app.app_context():
        cora = db.session.scalar(select(User).where(User.username == "cora"))
        # The author page keeps its address when the name changes.
        assert (cora.role, cora.display_name, cora.slug, cora.bio) == (
            EDITOR, "Cora C", "cora-contrib", "Writes about GPUs.")
    assert "editor" in runner.invoke(args=["author", "list"]).output


def test_the_last_owner_cannot_be_demoted(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["author", "create", "olga", "--password-stdin"], input=PASSWORD + "\n")
    result = runner.invoke(args=["author", "set", "olga", "--role", "editor"])
    assert result.exit_code != 0
    assert "only owner" in result.output
