"""Imported pages follow the editor's rules, and an update import run twice changes nothing."""

import pytest
from pressmark.content.models import Post, Revision, User
from pressmark.content.postdata import PostData
from pressmark.content.store import save_post
from pressmark.extensions import db
from pressmark.migrate import import_source
from pressmark.migrate.export import export_directory
from sqlalchemy import func, select

from tests.conftest import make_test_app
from tests.migrate.conftest import PNG, aliases

PAGE = "---\ntitle: {title}\nslug: {slug}\npage: true\n{extra}---\nText of {title}.\n"


def test_a_page_on_a_reserved_address_is_renamed_like_a_taken_slug(app, run_import):
    report, posts = run_import({
        "feed.md": PAGE.format(title="My feeds", slug="feed", extra="aliases: [/feed/old/]\n"),
        "editor.md": PAGE.format(title="Editors", slug="editor", extra="series: Notes\n"),
        "about.md": PAGE.format(title="About", slug="about", extra="aliases: [/about/]\n"),
    }, "markdown")
    assert set(posts) == {"feed-2", "editor-2", "about"}
    assert all(post.is_page for post in posts.values())
    line = report.line_for("feed.md")
    assert line.outcome == "imported" and line.detail.startswith("/feed-2 ")
    assert any("“/feed” is reserved for the site's own pages" in n and "'feed-2'" in n
               for n in line.notes)
    assert aliases(posts["feed-2"]) == ["/feed/old/"]
    # A page is in no series: the editor refuses one, the import says it left it out.
    assert posts["editor-2"].series is None
    assert any("a page is not part of a series" in n for n in report.line_for("editor.md").notes)
    client = app.test_client()
    assert client.get("/feed-2").status_code == 200
    assert b"Text of My feeds" not in client.get("/feed").data  # the site's feed stays
    assert client.get("/about/").headers["Location"].endswith("/about")


def test_a_page_on_a_reserved_address_is_skipped_when_asked(run_import):
    report, posts = run_import({"search.md": PAGE.format(title="S", slug="search", extra="")},
                               "markdown", on_conflict="skip")
    assert posts == {}
    line = report.line_for("search.md")
    assert line.outcome == "skipped" and "“/search” is reserved" in line.detail


def test_a_dry_run_checks_pages_as_the_real_run_does(run_import):
    report, posts = run_import({"tags.md": PAGE.format(title="T", slug="tags", extra="")},
                               "markdown", dry_run=True)
    assert posts == {}
    assert report.line_for("tags.md").detail == "/tags-2"


def _site_with_history(app, tmp_path):
    """A post saved three times, exported with its history."""
    with app.app_context():
        db.session.add(User(username="ada", display_name="Ada", password_hash="x"))
        db.session.commit()
        ada = db.session.scalar(select(User))
        post = None
        for body in ("one", "two", "three"):
            data = PostData(title="Kept", slug="kept", body=body, status="published",
                            authors=["ada"])
            post = save_post(data, post, user=ada)
        export_directory(tmp_path / "export", with_history=True)
    return tmp_path / "export"


def _other_site(tmp_path):
    """A second site to import into, with the same author account."""
    (tmp_path / "other").mkdir()
    other = make_test_app(tmp_path / "other")
    with other.app_context():
        db.create_all()
        db.session.add(User(username="ada", display_name="Ada", password_hash="x"))
        db.session.commit()
    return other


@pytest.mark.parametrize("runs", [2, 3])
def test_an_update_import_with_history_run_again_adds_no_revision(app, tmp_path, runs):
    folder = _site_with_history(app, tmp_path)
    other = _other_site(tmp_path)
    with other.app_context():
        first = import_source(folder, "markdown", on_conflict="update")
        assert first.line_for("kept.md").outcome == "imported"
        count = db.session.scalar(select(func.count(Revision.id)))
        assert count == 4  # the three saves, and the import
        for _ in range(runs - 1):
            again = import_source(folder, "markdown", on_conflict="update")
            line = again.line_for("kept.md")
            assert line.outcome == "skipped" and "unchanged" in line.detail
        assert db.session.scalar(select(func.count(Revision.id))) == count
        post = db.session.scalar(select(Post))
        assert [r.body for r in post.revisions] == ["one", "two", "three", "three"]


def test_an_update_import_of_a_changed_file_adds_only_the_new_revisions(app, tmp_path):
    folder = _site_with_history(app, tmp_path)
    other = _other_site(tmp_path)
    with other.app_context():
        first = import_source(folder, "markdown", on_conflict="update")
        assert first.line_for("kept.md").outcome == "imported"
    with app.app_context():  # the old site goes on: one more save, exported again
        post = db.session.scalar(select(Post))
        save_post(PostData(title="Kept", slug="kept", body="four", status="published",
                           authors=["ada"]), post)
        export_directory(folder, with_history=True)
    with other.app_context():
        report = import_source(folder, "markdown", on_conflict="update")
        assert report.line_for("kept.md").outcome == "updated"
        post = db.session.scalar(select(Post))
        assert post.body == "four"
        # The old revisions once, the new save, and one import revision per run that wrote.
        assert [r.body for r in post.revisions] == ["one", "two", "three", "three", "four",
                                                    "four"]


def test_an_update_import_of_a_site_with_images_and_covers_run_again_changes_nothing(
        app, run_import):
    site = {
        "hugo.toml": 'baseURL = "https://x/"\n',
        "content/posts/trip/index.md": "---\ntitle: Trip\ndate: 2021-01-01\n"
                                       "cover:\n  image: cover.png\n  alt: A road\n---\n"
                                       "![A hill](hill.png)\n",
        "content/posts/trip/cover.png": PNG,
        "content/posts/trip/hill.png": PNG,
    }
    first, posts = run_import(site)
    assert first.line_for("content/posts/trip/index.md").outcome == "imported"
    assert posts["trip"].cover_alt == "A road" and "](/uploads/" in posts["trip"].body
    dry, _ = run_import(site, on_conflict="update", dry_run=True)
    assert ("its images are compared only when they are stored: the real run may find this "
            "post unchanged" in dry.line_for("content/posts/trip/index.md").notes)
    again, posts = run_import(site, on_conflict="update")
    line = again.line_for("content/posts/trip/index.md")
    assert line.outcome == "skipped" and "unchanged" in line.detail
    with app.app_context():
        assert db.session.scalar(select(func.count(Revision.id))) == 1
