"""Ghost: the JSON export with posts, pages, tags, authors and statuses."""

import json
from datetime import datetime

from pressmark.content.models import User
from pressmark.extensions import db

from tests.migrate.conftest import PNG, aliases, write

EXPORT = {"db": [{"meta": {"exported_on": 1700000000000, "version": "5.70.0"}, "data": {
    "posts": [
        {"id": "p1", "title": "Ghost story", "slug": "ghost-story", "type": "post",
         "status": "published", "featured": 1, "visibility": "public",
         "html": "<p>Boo <em>quietly</em>.</p><figure class=\"kg-card kg-image-card\">"
                 "<img src=\"/content/images/a.png\" alt=\"a\"><figcaption>Cap</figcaption>"
                 "</figure>",
         "custom_excerpt": "A short one.", "feature_image": "/content/images/cover.png",
         "created_at": "2020-01-01T09:00:00.000Z", "updated_at": "2020-02-01T10:00:00.000Z",
         "published_at": "2020-01-02T11:00:00.000Z", "author_id": "u1"},
        {"id": "p2", "title": "Unfinished", "slug": "unfinished", "type": "post",
         "status": "draft", "html": "<p>Later.</p>", "published_at": None,
         "created_at": "2021-01-01T00:00:00.000Z", "updated_at": "2021-01-01T00:00:00.000Z"},
        {"id": "p3", "title": "About", "slug": "about", "page": 1, "status": "published",
         "html": "<p>Us.</p>", "published_at": "2019-05-05T00:00:00.000Z"},
        {"id": "p4", "title": "Members", "slug": "members", "type": "post",
         "status": "published", "visibility": "paid", "html": "<p>Paid.</p>",
         "published_at": "2022-01-01T00:00:00.000Z"},
    ],
    "tags": [{"id": "t1", "name": "Ghosts", "slug": "ghosts"},
             {"id": "t2", "name": "#internal", "slug": "hash-internal", "visibility": "internal"},
             {"id": "t3", "name": "Ünïcode", "slug": "unicode"}],
    "posts_tags": [{"post_id": "p1", "tag_id": "t3", "sort_order": 1},
                   {"post_id": "p1", "tag_id": "t1", "sort_order": 0},
                   {"post_id": "p1", "tag_id": "t2", "sort_order": 2}],
    "users": [{"id": "u1", "name": "Grace Hopper", "slug": "grace"}],
    "posts_authors": [{"post_id": "p1", "author_id": "u1", "sort_order": 0}],
}}]}


def test_ghost_export_every_field_old_url_and_report(app, run_import, tmp_path):
    path = write(tmp_path / "g", {"ghost.json": json.dumps(EXPORT)}) / "ghost.json"
    with app.app_context():
        db.session.add(User(username="grace", display_name="Grace Hopper", password_hash="x"))
        db.session.commit()
    report, posts = run_import(path)
    assert report.source_format == "ghost"
    story = posts["ghost-story"]
    assert story.title == "Ghost story" and story.status == "published" and story.featured
    assert story.published_at == datetime(2020, 1, 2, 11)
    assert story.created_at == datetime(2020, 1, 1, 9)
    assert story.updated_at == datetime(2020, 2, 1, 10)
    assert story.summary == "A short one."
    assert [t.name for t in story.tags] == ["Ghosts", "Ünïcode"]
    assert [u.username for u in story.authors] == ["grace"]
    assert aliases(story) == ["/ghost-story/"]
    assert "<figcaption>Cap</figcaption>" in story.body  # a card is kept as HTML
    line = report.line_for("ghost.json#ghost-story")
    assert line.detail == "/posts/ghost-story (old URLs: /ghost-story/)"
    assert any("internal tag" in n for n in line.notes)
    assert ("feature image '/content/images/cover.png' not found beside the export (copy "
            "Ghost's content/images folder there): no cover" in line.notes)
    assert posts["unfinished"].status == "draft" and aliases(posts["unfinished"]) == []
    assert posts["about"].is_page and aliases(posts["about"]) == ["/about/"]
    assert posts["members"].status == "draft"
    assert len(report.lines) == 4 and not report.failed


def test_ghost_dated_permalinks(run_import, tmp_path):
    path = write(tmp_path / "g", {"ghost.json": json.dumps(EXPORT)}) / "ghost.json"
    _, posts = run_import(path, permalink="/:year/:month/:day/:slug/")
    assert aliases(posts["ghost-story"]) == ["/2020/01/02/ghost-story/"]


def test_ghost_feature_image_becomes_the_cover(run_import, tmp_path):
    export = {"db": [{"meta": {"version": "5.0.0"}, "data": {
        "posts": [{"id": "1", "title": "Pictured", "slug": "pictured", "status": "published",
                   "html": "<p>x</p>", "published_at": "2020-01-02T11:00:00.000Z",
                   "feature_image": "__GHOST_URL__/content/images/2020/01/cover.png"}],
        "posts_meta": [{"post_id": "1", "feature_image_alt": "A lighthouse"}]}}]}
    path = write(tmp_path / "g", {"ghost.json": json.dumps(export),
                                  "content/images/2020/01/cover.png": PNG}) / "ghost.json"
    report, posts = run_import(path)
    assert not report.failed
    assert posts["pictured"].cover_image.startswith("/uploads/")
    assert posts["pictured"].cover_alt == "A lighthouse"
