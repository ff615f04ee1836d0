"""Import and export of Markdown files with front matter."""

from pathlib import Path

from pressmark.content.models import Alias, Post, Topic
from pressmark.extensions import db
from pressmark.migrate.api import export_directory, import_directory, load_demo_content
from sqlalchemy import func, select

GOOD = """---
title: "Hello: a post"
slug: hello
date: 2019-05-04T10:30:00Z
summary: "A summary."
topic: go
tags: [go, concurrency]
featured: true
aliases: ["/2019/05/hello.html"]
---
## Heading

Body text with `code`.
"""


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_import_reports_each_bad_file_and_imports_the_rest(app, tmp_path):
    folder = tmp_path / "content"
    write(folder, "good.md", GOOD)
    write(folder, "no-front-matter.md", "# Just text\n")
    write(folder, "bad-yaml.md", "---\ntitle: [unclosed\n---\nbody\n")
    write(folder, "no-title.md", "---\ndate: 2020-01-01\n---\nbody\n")
    write(folder, "bad-date.md", '---\ntitle: "x"\ndate: "someday"\n---\nbody\n')
    write(folder, "impossible.md", '---\ntitle: "x"\ndate: 2019-02-30\n---\nbody\n')
    write(folder, "2019-02-30-name-date.md", '---\ntitle: "x"\n---\nbody\n')
    write(folder, "bad-slug.md", '---\ntitle: "x"\nslug: "Not A Slug"\ndate: 2020-01-01\n---\n')
    write(folder, "dup-slug.md", GOOD.replace('title: "Hello: a post"', 'title: "Other"'))
    write(folder, "escape.md", '---\ntitle: "x"\ndate: 2020-01-01\naliases: ["/a/%2e%2e/b"]\n---\n')
    (folder / "latin1.md").write_bytes("---\ntitle: café\n---\n".encode("latin-1"))
    with app.app_context():
        report = import_directory(folder)
        errors = dict(report.errors)
        assert set(errors) == {"bad-yaml.md", "bad-date.md", "impossible.md",
                               "2019-02-30-name-date.md", "escape.md", "latin1.md"}
        assert "invalid YAML" in errors["bad-yaml.md"]
        assert "not a date" in errors["bad-date.md"]
        assert "not a date" in errors["impossible.md"]
        assert "does not exist" in errors["2019-02-30-name-date.md"]
        assert "leaves the site" in errors["escape.md"]
        assert "UTF-8" in errors["latin1.md"]
        # No front matter, no title, an odd slug: imported, each change noted.
        assert report.line_for("no-title.md").notes[0].startswith("no title: “No title”")
        assert db.session.scalar(select(Post.title).where(Post.slug == "no-front-matter")) == (
            "No front matter")
        assert db.session.scalar(select(Post.id).where(Post.slug == "not-a-slug"))
        # Both "hello"s: the second is renamed, and the report says so.
        assert db.session.scalar(select(Post.title).where(Post.slug == "hello-2"))
        assert "was taken" in " ".join(report.line_for("good.md").notes)
        assert len(report.lines) == 11
        assert db.session.scalar(select(func.count(Post.id))) == len(report.imported) == 5


def test_imported_post_has_every_field(app, tmp_path):
    write(tmp_path / "c", "hello.md", GOOD)
    with app.app_context():
        import_directory(tmp_path / "c")
        post = db.session.scalar(select(Post))
        assert post.title == "Hello: a post"
        assert post.published_at.isoformat() == "2019-05-04T10:30:00"
        assert [t.name for t in post.tags] == ["go", "concurrency"]
        assert post.topic.slug == "go" and post.featured and post.status == "published"
        assert [a.path for a in post.aliases] == ["/2019/05/hello.html"]
        assert '<h2 id="s-heading">' in post.body_html
    client = app.test_client()
    assert client.get("/2019/05/hello.html").headers["Location"] == "/posts/hello"


def test_draft_flag_imports_a_draft(app, tmp_path):
    write(tmp_path / "c", "d.md", '---\ntitle: "Draft"\ndraft: true\n---\nbody\n')
    with app.app_context():
        import_directory(tmp_path / "c")
        assert db.session.scalar(select(Post.status)) == "draft"


def test_export_then_import_round_trips_every_field(demo_app, tmp_path):
    fields = (
        "title", "slug", "summary", "body", "featured", "status", "published_at", "updated_at",
    )

    def snapshot():
        posts = db.session.scalars(select(Post).order_by(Post.slug)).all()
        return [
            (
                *(getattr(p, f) for f in fields),
                p.topic.slug if p.topic else None,
                [t.name for t in p.tags],
                sorted(a.path for a in p.aliases),
            )
            for p in posts
        ], [
            (t.slug, t.name, t.description, t.position)
            for t in db.session.scalars(select(Topic).order_by(Topic.slug))
        ]

    with demo_app.app_context():
        before = snapshot()
        assert export_directory(tmp_path / "export") == 63
    from tests.conftest import make_test_app

    fresh = make_test_app(tmp_path, database=tmp_path / "b.sqlite")
    with fresh.app_context():
        db.create_all()
        report = import_directory(tmp_path / "export")
        assert not report.errors and len(report.imported) == 63
        after = snapshot()
        for old, new in zip(before[0], after[0], strict=True):
            assert old == new
        assert after[1] == before[1]


def test_importing_twice_skips_existing_posts(app):
    with app.app_context():
        first = load_demo_content()
        second = load_demo_content()
        assert len(first.imported) == 63 and not first.errors
        assert second.imported == [] and len(second.skipped) == 63
        assert db.session.scalar(select(func.count(Alias.id))) == 43


def test_a_file_without_a_slug_is_skipped_the_second_time(app, tmp_path):
    write(tmp_path / "c", "no-slug.md", '---\ntitle: "No Slug Here"\ndate: 2020-01-01\n---\nx\n')
    with app.app_context():
        assert import_directory(tmp_path / "c").imported == ["no-slug.md"]
        again = import_directory(tmp_path / "c")
        assert again.skipped == ["no-slug.md"] and not again.errors


def test_a_bad_topics_file_is_reported_and_posts_still_import(app, tmp_path):
    write(tmp_path / "c", "_topics.yaml", "- name: No slug\n")
    write(tmp_path / "c", "ok.md", '---\ntitle: "Fine"\ndate: 2020-01-01\n---\nx\n')
    with app.app_context():
        report = import_directory(tmp_path / "c")
        assert report.imported == ["ok.md"]
        assert report.errors[0][0] == "_topics.yaml" and "slug" in report.errors[0][1]
        assert report.failed
