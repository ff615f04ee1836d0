"""The author's editor through the test client, as a browser without JavaScript uses it.

Forms are read from the rendered pages (CSRF token and version included) and posted back,
so every success path uses the real token; the refusals leave it out or post stale forms.
``Author`` signs in by putting the user into the session the way Flask-Login does.
"""

from __future__ import annotations

import re
from datetime import timedelta

import html5lib
import pytest
from pressmark import hookimpl
from pressmark.content.models import DRAFT, PUBLISHED, TRASHED, Post, Revision, Topic, User, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.plugin_system.manager import recent_failures
from pressmark.state import app_state
from pressmark.web.cache import forget_pages
from sqlalchemy import func, select, text

from tests.conftest import PASSWORD, AuthActions, password_hash


def create_author(app, username: str = "author", display_name: str = "Ada Author") -> int:
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == username)) is None:
            db.session.add(
                User(username=username, display_name=display_name,
                     password_hash=password_hash(PASSWORD))
            )
            db.session.commit()
        return db.session.scalar(select(User.id).where(User.username == username))


def sign_in(app, client, username: str = "author") -> int:
    """Sign ``client`` in as ``username`` through the real form; returns the user's id."""
    user_id = create_author(app, username)
    assert AuthActions(app, client, username=username).login().status_code == 303
    return user_id


def parse(html: str):
    """Parse strictly: a parse error (invalid HTML) fails the test."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def read_form(html: str, form_id: str = "post-form") -> dict[str, str]:
    """The fields a browser would submit from the form, with their current values."""
    form = parse(html).find(f".//form[@id='{form_id}']")
    assert form is not None, f"no form #{form_id} on the page"
    data: dict[str, str] = {}
    for element in form.iter():
        name = element.get("name")
        if not name:
            continue
        if element.tag == "input":
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file", "reset", "image"):
                continue
            if kind in ("checkbox", "radio") and element.get("checked") is None:
                continue
            data[name] = element.get("value", "on")
        elif element.tag == "textarea":
            data[name] = element.text or ""
        elif element.tag == "select":
            options = element.findall(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            data[name] = chosen[0].get("value", "") if chosen else ""
    return data


def csrf_token(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token meta tag"
    return match.group(1)


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', html)


class Author:
    """A signed-in author driving the editor's forms."""

    def __init__(self, app, client, username: str = "author"):
        self.app = app
        self.client = client
        self.user_id = sign_in(app, client, username)

    def page(self, path: str, status: int = 200) -> str:
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code)
        return response.get_data(as_text=True)

    def form(self, path: str) -> dict[str, str]:
        return read_form(self.page(path))

    def submit(self, path: str, action: str = "save", form: dict | None = None, **changes):
        data = dict(form if form is not None else self.form(path))
        data.update({k: v for k, v in changes.items() if v is not None})
        for key in [k for k, v in changes.items() if v is None]:
            data.pop(key, None)
        data["action"] = action
        return self.client.post(path, data=data)

    def create(self, action: str = "save", **fields) -> int:
        response = self.submit("/editor/new", action, **fields)
        assert response.status_code == 303, response.get_data(as_text=True)
        return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    def token(self) -> str:
        return csrf_token(self.page("/editor/"))

    def post(self, post_id: int) -> Post:
        with self.app.app_context():
            post = db.session.get(Post, post_id)
            if post is not None:
                _ = post.tags, post.topic  # load before the context ends
                db.session.expunge(post)
            return post

    def revisions(self, post_id: int) -> list[Revision]:
        with self.app.app_context():
            items = db.session.scalars(
                select(Revision).where(Revision.post_id == post_id).order_by(Revision.id)
            ).all()
            db.session.expunge_all()
            return items


def start_writing(app, client) -> Author:
    """A signed-in author on a site with one topic, "notes"."""
    with app.app_context():
        db.session.add(Topic(slug="notes", name="Notes", position=0))
        db.session.commit()
    return Author(app, client)


@pytest.fixture
def author(app, client):
    return start_writing(app, client)


@pytest.fixture
def reader(app):
    """An anonymous visitor, with cookies of its own."""
    return app.test_client()


# --- access -----------------------------------------------------------------------------------

EDITOR_GETS = [
    "/editor/",
    "/editor/new",
    "/editor/{id}",
    "/editor/{id}/revisions",
    "/editor/{id}/revisions/compare",
    "/editor/{id}/delete",
]
EDITOR_POSTS = [
    "/editor/new",
    "/editor/{id}",
    "/editor/preview",
    "/editor/{id}/autosave",
    "/editor/{id}/autosave/{rev}/dismiss",
    "/editor/{id}/untrash",
    "/editor/{id}/delete",
    "/editor/{id}/revisions/{rev}/restore",
    "/editor/uploads",
]


def test_anonymous_visitors_cannot_use_any_editor_url(app, reader):
    with app.app_context():
        post = save_post(PostData(title="Secret draft", body="Unpublished words."))
        post_id, rev_id = post.id, post.revisions[0].id
    for template in EDITOR_GETS:
        path = template.format(id=post_id, rev=rev_id)
        response = reader.get(path)
        assert response.status_code in (302, 401), path
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/auth/login"), path
        assert "Unpublished words" not in response.get_data(as_text=True)
    # With a valid CSRF token of its own (from the sign-in form), a visitor passes the CSRF
    # check and meets the sign-in requirement itself.
    sign_in_form = reader.get("/auth/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', sign_in_form)
    assert match, "the sign-in form has no CSRF token"
    for template in EDITOR_POSTS:
        path = template.format(id=post_id, rev=rev_id)
        data = {"csrf_token": match.group(1), "title": "Hacked", "body": "x",
                "action": "publish", "version": "1"}
        response = reader.post(path, data=data)
        assert response.status_code in (302, 401), path
        script = reader.post(path, data=data, headers={"Accept": "application/json"})
        assert script.status_code == 401 and "signed out" in script.json["error"], path
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.title, post.status, post.version) == ("Secret draft", DRAFT, 1)
        assert db.session.scalar(select(func.count(Post.id))) == 1
        assert db.session.scalar(select(func.count(Revision.id))) == 1


def test_signed_in_author_reaches_the_dashboard_and_pages_are_not_cached(author):
    response = author.client.get("/editor/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    html = response.get_data(as_text=True)
    assert 'href="/editor/new"' in html and "New post" in html
    assert '<meta name="csrf-token"' in html


# --- dashboard --------------------------------------------------------------------------------


def test_dashboard_groups_posts_newest_first_and_filters_without_js(author):
    now = utcnow()
    with author.app.app_context():
        save_post(PostData(title="Old draft", body="a"))
        save_post(PostData(title="New draft", body="a"))
        save_post(PostData(title="Later schedule", body="a", status=PUBLISHED,
                           published_at=now + timedelta(days=2), tags=["gpu"]))
        save_post(PostData(title="Sooner schedule", body="a", status=PUBLISHED,
                           published_at=now + timedelta(days=1)))
        save_post(PostData(title="Old live", body="a", status=PUBLISHED,
                           published_at=now - timedelta(days=2)))
        save_post(PostData(title="New live", body="a", status=PUBLISHED,
                           published_at=now - timedelta(days=1), tags=["gpu"]))
        save_post(PostData(title="Binned", body="a", status=TRASHED))
    html = author.page("/editor/")
    doc = parse(html)
    groups = {}
    for section in doc.iter("section"):
        heading = section.find("h2")
        if heading is not None and section.get("data-filter-group") is not None:
            name = heading.text.strip()
            groups[name] = [a.text for a in section.iter("a") if a.get("class") == "post-link"]
    assert groups == {
        "Drafts": ["New draft", "Old draft"],
        "Scheduled": ["Later schedule", "Sooner schedule"],
        "Published": ["New live", "Old live"],
        "Trash": ["Binned"],
        "Pages": [],
    }
    filtered = author.page("/editor/?q=GPU")
    assert "Later schedule" in filtered and "New live" in filtered
    assert "Old live" not in filtered and "Binned" not in filtered
    assert "2 posts match “GPU”." in filtered
    # LIKE wildcards are taken literally.
    assert "Old draft" not in author.page("/editor/?q=%25")


# --- writing, publishing, scheduling ----------------------------------------------------------


def test_new_post_form_is_valid_and_saving_a_draft_keeps_a_revision(author, reader):
    html = author.page("/editor/new")
    parse(html)
    form = read_form(html)
    assert form["csrf_token"] and "version" not in form
    post_id = author.create(title="Hello KV cache", body="First words.", tags="GPU, kv cache",
                            topic="notes")
    post = author.post(post_id)
    assert (post.status, post.slug, post.version) == (DRAFT, "hello-kv-cache", 1)
    assert [t.name for t in post.tags] == ["GPU", "kv cache"]
    assert [t.slug for t in post.tags] == ["gpu", "kv-cache"]
    assert post.topic.slug == "notes"
    [revision] = author.revisions(post_id)
    assert (revision.kind, revision.body) == ("save", "First words.")
    assert revision.user_id == author.user_id
    assert "Draft saved." in flashes(author.page(f"/editor/{post_id}"))
    assert reader.get("/posts/hello-kv-cache").status_code == 404


def test_publishing_shows_the_post_to_readers(author, reader):
    post_id = author.create(title="Live now", body="Readers see this.")
    response = author.submit(f"/editor/{post_id}", "publish")
    assert response.status_code == 303
    post = author.post(post_id)
    assert post.status == PUBLISHED and post.published_at <= utcnow()
    assert "Readers see this." in reader.get("/posts/live-now").get_data(as_text=True)
    assert "Live now" in reader.get("/").get_data(as_text=True)
    assert "Published: readers can see the post now." in flashes(author.page(f"/editor/{post_id}"))


def test_a_new_post_can_be_published_directly(author, reader):
    post_id = author.create("publish", title="Straight out", body="Hi.")
    assert author.post(post_id).status == PUBLISHED
    assert reader.get("/posts/straight-out").status_code == 200


def test_a_future_date_schedules_the_post_until_its_time_comes(author, reader):
    when = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    post_id = author.create("publish", title="Tomorrow", body="Coming soon.",
                            published_at=when.strftime("%Y-%m-%dT%H:%M"))
    post = author.post(post_id)
    assert post.status == PUBLISHED and post.published_at == when and post.is_scheduled
    [message] = flashes(author.page(f"/editor/{post_id}"))
    assert message == f"Scheduled: the post will appear by itself on {when:%Y-%m-%d %H:%M} UTC."
    assert reader.get("/posts/tomorrow").status_code == 404
    assert "Tomorrow" not in reader.get("/").get_data(as_text=True)
    assert "Tomorrow" in author.page("/editor/").split("Scheduled")[1].split("Published")[0]
    # Time passes: the clock reaches the publication time. (Cached pages expire then too:
    # their lifetime never outlasts the next scheduled post, see app/cache.py.)
    with author.app.app_context():
        db.session.get(Post, post_id).published_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    forget_pages(author.app)
    assert reader.get("/posts/tomorrow").status_code == 200
    assert "Tomorrow" in reader.get("/").get_data(as_text=True)


def test_unpublishing_hides_the_post_again(author, reader):
    post_id = author.create("publish", title="Second thoughts", body="Hmm.")
    assert reader.get("/posts/second-thoughts").status_code == 200
    assert author.submit(f"/editor/{post_id}", "unpublish").status_code == 303
    assert author.post(post_id).status == DRAFT
    assert reader.get("/posts/second-thoughts").status_code == 404


def test_renaming_a_published_slug_keeps_the_old_url_as_a_301(author, reader):
    post_id = author.create("publish", title="Paged attention", body="Pages.")
    response = author.submit(f"/editor/{post_id}", "save", slug="pagedattention-explained")
    assert response.status_code == 303
    old = reader.get("/posts/paged-attention")
    assert old.status_code == 301
    assert old.headers["Location"].endswith("/posts/pagedattention-explained")
    assert reader.get(old.headers["Location"]).status_code == 200


def test_saving_a_published_post_unchanged_keeps_its_date(author):
    post_id = author.create("publish", title="Stable", body="x")
    before = author.post(post_id).published_at
    author.submit(f"/editor/{post_id}", "save", body="y")
    assert author.post(post_id).published_at == before


# --- refusals ---------------------------------------------------------------------------------


def test_a_save_without_the_csrf_token_is_refused_and_changes_nothing(author):
    post_id = author.create(title="Guarded", body="Original.")
    form = author.form(f"/editor/{post_id}")
    del form["csrf_token"]
    for action in ("save", "publish", "trash"):
        response = author.submit(f"/editor/{post_id}", action, form=form, body="Forged.")
        assert response.status_code == 400
    response = author.client.post("/editor/new", data={"title": "Forged", "action": "save"})
    assert response.status_code == 400
    post = author.post(post_id)
    assert (post.body, post.status, post.version) == ("Original.", DRAFT, 1)
    assert len(author.revisions(post_id)) == 1
    with author.app.app_context():
        assert db.session.scalar(select(func.count(Post.id))) == 1


def test_other_posts_without_csrf_change_nothing(author):
    post_id = author.create(title="Guarded", body="Original.", slug="guarded")
    author.submit(f"/editor/{post_id}", "trash")
    rev_id = author.revisions(post_id)[0].id
    for path in (f"/editor/{post_id}/untrash", f"/editor/{post_id}/delete",
                 f"/editor/{post_id}/revisions/{rev_id}/restore"):
        assert author.client.post(path, data={"version": "2"}).status_code == 400, path
    response = author.client.post(f"/editor/{post_id}/autosave", json={"body": "x"})
    assert response.status_code == 400
    post = author.post(post_id)
    assert (post.status, post.version) == (TRASHED, 2)
    assert len(author.revisions(post_id)) == 2


def test_duplicate_and_malformed_slugs_get_clear_messages(author):
    author.create(title="Taken", body="x", slug="taken")
    response = author.submit("/editor/new", title="Another", slug="taken", body="Mine.")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The slug “taken” is already used by “Taken”." in html
    assert read_form(html)["body"] == "Mine."  # the text typed is still there
    assert 'aria-invalid="true"' in html
    response = author.submit("/editor/new", title="Bad", slug="Not a Slug!", body="x")
    assert response.status_code == 400
    assert "lowercase letters, digits and single hyphens" in response.get_data(as_text=True)
    with author.app.app_context():
        assert db.session.scalar(select(func.count(Post.id))) == 1


def test_missing_title_bad_date_and_unknown_topic_are_explained(author):
    post_id = author.create(title="Fine", body="x")
    response = author.submit(f"/editor/{post_id}", "save", title="  ", body="kept")
    assert response.status_code == 400
    assert "A title is required." in response.get_data(as_text=True)
    response = author.submit(f"/editor/{post_id}", "publish", published_at="next tuesday")
    assert response.status_code == 400
    assert "YYYY-MM-DD HH:MM (UTC)" in response.get_data(as_text=True)
    response = author.submit(f"/editor/{post_id}", "save", topic="no-such-topic")
    assert response.status_code == 400
    assert "Choose a topic from the list." in response.get_data(as_text=True)
    post = author.post(post_id)
    assert (post.title, post.version, post.status) == ("Fine", 1, DRAFT)


def test_a_stale_save_is_refused_with_both_versions_and_nothing_overwritten(app, author):
    post_id = author.create(title="Shared", body="Line one.\nLine two.\n")
    mine = author.form(f"/editor/{post_id}")  # loaded at version 1
    # Someone else saves meanwhile.
    other = Author(app, app.test_client(), username="coauthor")
    assert other.submit(f"/editor/{post_id}", body="Line one.\nTheir line.\n").status_code == 303
    response = author.submit(f"/editor/{post_id}", form=mine, body="Line one.\nMy line.\n")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    parse(html)
    assert "Someone saved this post after you opened it" in html
    assert "Nothing was overwritten." in html
    assert "<del>Their line.</del>" in html and "<ins>My line.</ins>" in html
    assert "Removed" in html and "Added" in html
    form = read_form(html)
    assert form["body"] == "Line one.\nMy line.\n"  # the author's text is kept
    assert form["version"] == "2"  # saving again is now a deliberate choice
    post = author.post(post_id)
    assert post.body == "Line one.\nTheir line.\n" and post.version == 2
    # After merging, saving again works.
    merged = "Line one.\nTheir line.\nMy line.\n"
    assert author.submit(f"/editor/{post_id}", form=form, body=merged).status_code == 303
    assert author.post(post_id).body == merged


def test_a_form_without_its_version_is_refused(author):
    post_id = author.create(title="Versioned", body="x")
    form = author.form(f"/editor/{post_id}")
    del form["version"]
    response = author.submit(f"/editor/{post_id}", form=form, body="y")
    assert response.status_code == 400
    assert "lost track of the version" in response.get_data(as_text=True)
    assert author.post(post_id).body == "x"


# --- preview ----------------------------------------------------------------------------------

CALC = "{{< calc kv-cache model=llama-3-8b >}}\n"
RICH_BODY = (
    "## One\n\n## Two\n\n## Three\n\n"
    "```python\nprint('hi')\n```\n\n"
    "{{< calc kv-cache model=llama-3-8b >}}\n"
)


def test_live_preview_renders_with_the_publishing_pipeline(author):
    token = author.token()
    response = author.client.post("/editor/preview", data={"body": RICH_BODY},
                                  headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'class="highlight"' in html and "print" in html  # Pygments highlighting
    assert 'class="toc' in html  # three headings: a table of contents
    assert '<form class="calc"' in html and "KV-cache size" in html  # the calculators plugin
    assert "{{<" not in html


def test_preview_shows_math_and_names_a_formula_that_does_not_parse(author):
    body = "Bytes: $2 \\times L$. Broken: $\\frac{1}{$.\n"
    response = author.client.post("/editor/preview", data={"body": body},
                                  headers={"X-CSRFToken": author.token()})
    html = response.get_data(as_text=True)
    assert "<math" in html and "<mo>×</mo>" in html
    assert 'class="preview-problems" role="alert"' in html
    assert "Formula $\\frac{1}{$ was not rendered" in html
    assert "brace or environment is not closed" in html
    assert '<code class="math-error"' in html


def test_preview_refuses_scripts_in_the_body(author):
    response = author.client.post(
        "/editor/preview", data={"body": "<script>alert(1)</script><img src=x onerror=alert(1)>"},
        headers={"X-CSRFToken": author.token()},
    )
    assert "<script" not in response.get_data(as_text=True)
    assert "onerror" not in response.get_data(as_text=True)


def test_preview_button_without_js_fills_the_preview_and_saves_nothing(author):
    post_id = author.create(title="Draft", body="Old text.")
    response = author.submit(f"/editor/{post_id}", "preview", body="**New** text.")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = html.split('id="preview"')[1]
    assert "<strong>New</strong> text." in preview
    assert read_form(html)["body"] == "**New** text."
    assert "Nothing is saved yet." in html
    post = author.post(post_id)
    assert (post.body, post.version) == ("Old text.", 1)


# --- trash and delete -------------------------------------------------------------------------


def test_trash_restore_and_delete_forever(author, reader):
    post_id = author.create("publish", title="Binnable", body="x")
    assert author.submit(f"/editor/{post_id}", "trash").status_code == 303
    assert author.post(post_id).status == TRASHED
    assert reader.get("/posts/binnable").status_code == 404
    html = author.page(f"/editor/{post_id}")
    assert "This post is in the trash" in html
    token = csrf_token(html)
    # Restoring brings back the status it had.
    response = author.client.post(f"/editor/{post_id}/untrash", data={"csrf_token": token})
    assert response.status_code == 303
    assert author.post(post_id).status == PUBLISHED
    assert reader.get("/posts/binnable").status_code == 200
    # Deleting forever needs the trash first, then a confirmation.
    response = author.client.post(f"/editor/{post_id}/delete", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Only a post in the trash can be deleted forever." in response.get_data(as_text=True)
    author.submit(f"/editor/{post_id}", "trash")
    confirm = author.page(f"/editor/{post_id}/delete")
    assert "Delete “Binnable” forever?" in confirm and "cannot be undone" in confirm
    assert author.post(post_id) is not None  # viewing the confirmation deletes nothing
    response = author.client.post(f"/editor/{post_id}/delete",
                                  data={"csrf_token": csrf_token(confirm)})
    assert response.status_code == 303
    assert author.post(post_id) is None
    assert author.revisions(post_id) == []
    assign = flashes(author.page("/editor/"))
    assert "“Binnable” was deleted forever." in assign


def test_restore_from_the_dashboard_returns_there(author):
    post_id = author.create(title="Draft to bin", body="x")
    author.submit(f"/editor/{post_id}", "trash")
    html = author.page("/editor/")
    response = author.client.post(f"/editor/{post_id}/untrash",
                                  data={"csrf_token": csrf_token(html), "next": "dashboard"})
    assert response.headers["Location"] == "/editor/"
    assert author.post(post_id).status == DRAFT


def test_unknown_posts_are_404(author):
    assert author.client.get("/editor/999").status_code == 404
    assert author.client.get("/editor/999/revisions").status_code == 404


# --- autosave ---------------------------------------------------------------------------------


def autosave(author, post_id, **fields):
    form = author.form(f"/editor/{post_id}")
    form.update(fields)
    form.pop("csrf_token")
    return author.client.post(f"/editor/{post_id}/autosave", json=form,
                              headers={"X-CSRFToken": author.token(),
                                       "Accept": "application/json"})


def test_autosave_keeps_a_revision_and_changes_nothing_else(author, reader):
    post_id = author.create("publish", title="Live", body="Published words.")
    response = autosave(author, post_id, body="Published words. And a half-typed")
    assert response.status_code == 200
    assert response.json["saved"] is True and response.json["stale"] is False
    post = author.post(post_id)
    assert (post.body, post.version) == ("Published words.", 1)
    assert "half-typed" not in reader.get("/posts/live").get_data(as_text=True)
    kinds = [(r.kind, r.version) for r in author.revisions(post_id)]
    assert kinds == [("save", 1), ("autosave", 1)]
    # Further autosaves of the same session update that one revision.
    autosave(author, post_id, body="Published words. And a half-typed sentence.")
    revisions = author.revisions(post_id)
    assert len(revisions) == 2
    assert revisions[-1].body == "Published words. And a half-typed sentence."
    # Text identical to the post is not kept again.
    same = autosave(author, post_id, body="Published words.")
    assert same.json["saved"] is False


def test_autosave_keeps_even_invalid_input(author):
    post_id = author.create(title="Loose", body="x")
    response = autosave(author, post_id, title="", slug="Not A Slug", published_at="soon",
                        body="Whatever I typed")
    assert response.json["saved"] is True
    assert author.revisions(post_id)[-1].body == "Whatever I typed"
    assert author.post(post_id).title == "Loose"


def test_the_edit_page_offers_a_newer_autosave_until_saved_or_discarded(author):
    post_id = author.create(title="Crashy", body="Saved text.")
    autosave(author, post_id, body="Saved text. Unsaved tail.")
    html = author.page(f"/editor/{post_id}")
    assert "Newer unsaved text was autosaved" in html
    revision_id = author.revisions(post_id)[-1].id
    # Restore loads it into the form; nothing is saved yet.
    restored = author.page(f"/editor/{post_id}?revision={revision_id}")
    assert read_form(restored)["body"] == "Saved text. Unsaved tail."
    assert read_form(restored)["version"] == "1"
    assert author.post(post_id).body == "Saved text."
    # Discard hides the notice; the revision stays.
    response = author.client.post(f"/editor/{post_id}/autosave/{revision_id}/dismiss",
                                  data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303
    assert "Newer unsaved text was autosaved" not in author.page(f"/editor/{post_id}")
    assert len(author.revisions(post_id)) == 2
    # A later save makes the autosave old news.
    autosave(author, post_id, body="Another tail.")
    assert "Newer unsaved text was autosaved" in author.page(f"/editor/{post_id}")
    author.submit(f"/editor/{post_id}", body="Saved again.")
    assert "Newer unsaved text was autosaved" not in author.page(f"/editor/{post_id}")


def test_autosave_reports_a_stale_form_and_accepts_beacon_form_data(app, author):
    post_id = author.create(title="Beacon", body="x")
    html = author.page(f"/editor/{post_id}")
    Author(app, app.test_client(), "coauthor").submit(f"/editor/{post_id}", body="theirs")
    # navigator.sendBeacon sends form data with the token as a field.
    response = author.client.post(f"/editor/{post_id}/autosave", data={
        "csrf_token": csrf_token(html), "version": "1", "title": "Beacon", "body": "mine",
    })
    assert response.status_code == 200
    assert response.json["stale"] is True and response.json["saved"] is True
    assert author.post(post_id).body == "theirs"
    assert author.revisions(post_id)[-1].body == "mine"


def test_autosave_rejects_a_body_that_is_not_an_object(author):
    post_id = author.create(title="Json", body="x")
    response = author.client.post(f"/editor/{post_id}/autosave", json=["x"],
                                  headers={"X-CSRFToken": author.token()})
    assert response.status_code == 400
    assert "JSON object" in response.json["error"]


# --- transactions -----------------------------------------------------------------------------


def test_a_database_error_half_way_leaves_everything_as_it_was(author):
    post_id = author.create(title="Atomic", body="Before.")
    with author.app.app_context():
        # The post's UPDATE succeeds, then storing its revision fails: a real database error.
        db.session.execute(text(
            "CREATE TRIGGER no_revisions BEFORE INSERT ON revisions "
            "BEGIN SELECT RAISE(ABORT, 'revisions are frozen'); END"
        ))
        db.session.commit()
    response = author.submit(f"/editor/{post_id}", "publish", title="Changed", body="After.")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "nothing was changed" in html
    assert read_form(html)["body"] == "After."  # the author's text survives the failure
    post = author.post(post_id)
    assert (post.title, post.body, post.status, post.version) == ("Atomic", "Before.", DRAFT, 1)
    assert len(author.revisions(post_id)) == 1


class FailingPlugin:
    @hookimpl
    def post_updated(self, post):
        db.session.add(Topic(slug="half-done", name="Half done"))
        raise RuntimeError("plugin exploded")


def test_a_failing_plugin_event_does_not_stop_the_save(author):
    app_state(author.app).pm.register(FailingPlugin(), name="failing-test-plugin")
    post_id = author.create(title="Resilient", body="Saved anyway.")
    post = author.post(post_id)
    assert post.body == "Saved anyway." and len(author.revisions(post_id)) == 1
    failures = recent_failures(author.app)
    assert failures[0]["plugin"] == "failing-test-plugin"
    assert failures[0]["hook"] == "post_updated"
    with author.app.app_context():  # the plugin's own write was rolled back to its savepoint
        assert db.session.scalar(select(Topic).where(Topic.slug == "half-done")) is None


# --- requests too large -----------------------------------------------------------------------


def test_a_request_over_the_size_limit_gets_a_clear_413(author):
    html = author.page("/editor/new")
    big = b"x" * (author.app.config["MAX_CONTENT_LENGTH"] + 10)
    response = author.client.post("/editor/new", data={"csrf_token": csrf_token(html),
                                                       "title": "Big", "body": big.decode()})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    with author.app.app_context():
        assert db.session.scalar(select(func.count(Post.id))) == 0


def test_a_post_of_max_post_bytes_saves_in_the_editor_and_a_larger_one_is_refused(author):
    """The importer and the editor share MAX_POST_BYTES: a long imported post stays editable."""
    limit = author.app.config["MAX_POST_BYTES"]
    assert limit >= 2 * 1024 * 1024
    body = ("Ünïcode text. " * (limit // 16))[: limit // 2] + "\n"
    body += "x" * (limit - len(body.encode()))

    def send(path, **fields):  # multipart, as the editor's form is
        from werkzeug.test import encode_multipart

        boundary, data = encode_multipart(author.form(path) | fields | {"action": "save"})
        return author.client.post(
            path, data=data, content_type=f"multipart/form-data; boundary={boundary}"
        )

    response = send("/editor/new", title="Long", body=body)
    assert response.status_code == 303, response.status_code
    post_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert author.post(post_id).body == body
    response = send(f"/editor/{post_id}", body=body + "y")
    assert response.status_code == 400, response.status_code
    html = response.get_data(as_text=True)
    assert "MAX_POST_BYTES" in html
    assert author.post(post_id).body == body


# --- valid HTML ------------------------------------------------------------------------------

# Every browser the editor targets has datetime-local; the checker still warns about it.
ACCEPTED_WARNING = "The “datetime-local” input type is not supported in all browsers."


def test_every_editor_page_is_valid_html5(app, author, tmp_path):
    """All editor pages, in every state, through the Nu Html Checker (one JVM run)."""
    from tests.test_html_validity import run_checker

    body = "## A\n\n## B\n\n## C\n\n```python\nx = 1\n```\n\n" + CALC
    post_id = author.create("publish", title="Valid", body=body, tags="a, b")
    stale = author.form(f"/editor/{post_id}")
    Author(app, app.test_client(), "coauthor").submit(f"/editor/{post_id}", body="theirs")
    pages = {
        "dashboard": author.page("/editor/"),
        "filtered": author.page("/editor/?q=nothing-matches"),
        "new": author.page("/editor/new"),
        "edit": author.page(f"/editor/{post_id}"),
        "conflict": author.submit(f"/editor/{post_id}", form=stale, body="mine").get_data(True),
        "errors": author.submit(f"/editor/{post_id}", title="", slug="Bad Slug",
                                published_at="x").get_data(True),
        "preview": author.submit(f"/editor/{post_id}", "preview",
                                 body="| a | b |\n|---|---|\n| 1 | 2 |").get_data(True),
        "revisions": author.page(f"/editor/{post_id}/revisions"),
        "compare": author.page(f"/editor/{post_id}/revisions/compare"),
        "new-page": author.page("/editor/pages/new"),
        "navigation": author.page("/editor/navigation/"),
        "navigation-errors": author.client.post("/editor/navigation/", data={
            "csrf_token": author.token(), "rows": "1", "item-0-target": "link",
            "item-0-url": "nowhere", "item-0-label": "Bad"}).get_data(True),
    }
    autosave(author, post_id, body="autosaved text")
    pages["autosave-notice"] = author.page(f"/editor/{post_id}")
    author.submit(f"/editor/{post_id}", "trash")
    pages["trashed"] = author.page(f"/editor/{post_id}")
    pages["delete"] = author.page(f"/editor/{post_id}/delete")
    draft_id = author.create(title="Draft", body="x")
    pages["delete-refused"] = author.client.get(f"/editor/{draft_id}/delete").get_data(True)
    files = []
    for name, html in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(html, encoding="utf-8")
    problems = [
        f"{m.get('url', '').rpartition('/')[2]}: {m['message']} | {m.get('extract', '').strip()}"
        for m in run_checker(files)
        if not m["message"].startswith(ACCEPTED_WARNING)
    ]
    assert not problems, "\n".join(problems)


def test_editor_links_to_the_plugin_failures_page(app, client):
    sign_in(app, client)
    html = client.get("/editor/").get_data(as_text=True)
    assert 'href="/editor/plugins"' in html
    assert client.get("/editor/plugins").status_code == 200
