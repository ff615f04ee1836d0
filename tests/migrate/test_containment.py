"""What an import source may not make the importer read or publish (issue 14, items 5, 8).

Each test builds a real folder with real symbolic links, or a real hostile YAML file, and
runs the import as a user would: a file or image outside the source folder is never
published, and the report says what was refused."""

import os
import time

from pressmark.content.models import Post
from pressmark.extensions import db
from sqlalchemy import select

from tests.migrate.conftest import PNG, write

KEY = "---\ntitle: Private key\ndate: 2020-01-01\n---\n-----BEGIN PRIVATE KEY-----\nAAAA\n"


def _hugo_with_links(tmp_path):
    """A Hugo site whose post, bundle cover and bundle image link outside it."""
    outside = write(tmp_path / "outside", {"key.md": KEY, "secret.png": PNG})
    site = write(tmp_path / "site", {
        "hugo.toml": 'baseURL = "https://example.org/"\n',
        "content/posts/real.md": "---\ntitle: Real\ndate: 2020-01-02\n---\nHello.\n",
        "content/posts/trip/index.md": "---\ntitle: Trip\ndate: 2020-01-03\n---\n"
                                       "![A view](view.png)\n",
    })
    os.symlink(outside / "key.md", site / "content/posts/stolen.md")
    os.symlink(outside / "secret.png", site / "content/posts/trip/cover.png")
    os.symlink(outside / "secret.png", site / "content/posts/trip/view.png")
    return site


def test_a_post_linked_from_outside_the_source_is_refused(run_import, tmp_path):
    report, posts = run_import(_hugo_with_links(tmp_path), "hugo")
    assert "private-key" not in posts and "stolen" not in posts
    assert all("PRIVATE KEY" not in post.body for post in posts.values())
    line = report.line_for("content/posts/stolen.md")
    assert line.outcome == "failed"
    assert line.detail == "refused: a link to a file outside the source folder"
    assert posts["real"].status == "published"


def test_bundle_images_linked_from_outside_are_neither_cover_nor_upload(run_import, tmp_path):
    _, posts = run_import(_hugo_with_links(tmp_path), "hugo")
    trip = posts["trip"]
    assert trip.cover_image == ""
    assert "/uploads/" not in trip.body and "](view.png)" in trip.body


def test_a_data_file_linked_from_outside_gives_no_values(run_import, tmp_path):
    outside = write(tmp_path / "outside", {"leak.json": '{"tags": ["leaked-secret"]}'})
    site = write(tmp_path / "site", {
        ".eleventy.js": "module.exports = {};\n",
        "posts/one.md": "---\ntitle: One\ndate: 2020-01-02\ntags: [post]\n---\nHi.\n",
    })
    os.symlink(outside / "leak.json", site / "posts/posts.json")
    report, posts = run_import(site, "eleventy")
    assert posts["one"].tags == []
    assert any("refused: a link to a file outside the source folder" in note
               for note in report.line_for("posts/one.md").notes)


def test_an_eleventy_input_outside_the_source_is_a_clear_error(app, tmp_path):
    write(tmp_path / "outside", {"post.md": "---\ntitle: Out\n---\nx\n"})
    site = write(tmp_path / "site", {
        ".eleventy.js": 'module.exports = () => ({ dir: { input: "../outside" } });\n'})
    result = app.test_cli_runner().invoke(args=["import", str(site)])
    assert result.exit_code == 2
    assert "sets the input folder to '../outside', outside" in result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    with app.app_context():
        assert db.session.scalars(select(Post)).all() == []


def test_a_yaml_alias_bomb_is_refused_quickly(run_import):
    bomb = "---\ntitle: Boom\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [{', '.join(['*' + previous] * 10)}]\n"
    bomb += "---\nBody.\n"
    started = time.monotonic()
    report, posts = run_import({"bomb.md": bomb, "fine.md": "---\ntitle: Fine\n"
                                "date: 2020-01-01\n---\nOk.\n"}, "markdown")
    assert time.monotonic() - started < 10
    assert posts.keys() == {"fine"}
    line = report.line_for("bomb.md")
    assert line.outcome == "failed" and "more than 100,000 values" in line.detail


def test_a_recursive_yaml_alias_is_refused(run_import):
    report, posts = run_import({"loop.md": "---\ntitle: Loop\nx: &x [*x]\n---\nB.\n"},
                               "markdown")
    assert posts == {}
    assert "refers to itself" in report.line_for("loop.md").detail


def test_a_source_path_with_dots_and_a_tilde_imports(app, tmp_path, monkeypatch):
    write(tmp_path / "home" / "blog", {"hello.md": "---\ntitle: Hello\ndate: 2020-01-01\n"
                                                   "---\nHi.\n"})
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    runner = app.test_cli_runner()
    for source in ("../home/blog", "~/blog"):
        result = runner.invoke(args=["import", source, "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "imported hello.md -> /posts/hello" in result.output
