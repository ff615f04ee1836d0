"""Template precedence: the site's instance/templates, then a theme, then the core."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pressmark.extensions import db

from tests.plugin_system.test_manager import FIXTURES, build_app


@pytest.fixture
def demo_copy(tmp_path, demo_database) -> Path:
    database = tmp_path / "demo.sqlite"
    shutil.copy(demo_database, database)
    return database


def theme_app(tmp_path, demo_copy, site_templates: dict[str, str] | None = None):
    plugins = tmp_path / "instance" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    shutil.copytree(FIXTURES / "theme_probe_templates", plugins / "theme_probe_templates")
    for name, text in (site_templates or {}).items():
        path = tmp_path / "instance" / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return build_app(tmp_path, "theme_probe", database=demo_copy)


def test_hook_register_theme_templates(tmp_path, demo_copy):
    app = theme_app(tmp_path, demo_copy)
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    # The theme's base.html extends the core one and changes only the header's brand...
    assert '<a class="brand themed-brand" href="/">' in home
    assert '<span class="themed-mark">(probe theme)</span>' in home
    assert '<nav aria-label="Main">' in home and 'class="site-footer"' in home
    # ...and its archive.html replaces the core page (and inherits the themed header).
    archive = client.get("/archive").get_data(as_text=True)
    assert "<h1>The themed archive</h1>" in archive and "themed-mark" in archive
    assert 'class="archive-list' not in archive
    # Pages the theme does not change are the core's.
    post = client.get("/posts/kv-caching").get_data(as_text=True)
    assert 'class="post-body"' in post and "themed-mark" in post
    with app.app_context():
        db.engine.dispose()


def test_the_site_overrides_the_theme_and_the_core(tmp_path, demo_copy):
    app = theme_app(tmp_path, demo_copy, {
        "archive.html": '{% extends "base.html" %}{% block content %}'
                        "<h1>The site's own archive</h1>{% endblock %}",
        "partials/post_meta.html": '<p class="site-meta">{{ post.title }}</p>',
    })
    client = app.test_client()
    archive = client.get("/archive").get_data(as_text=True)
    assert "<h1>The site's own archive</h1>" in archive
    assert "themed archive" not in archive and "themed-mark" in archive
    post = client.get("/posts/kv-caching").get_data(as_text=True)
    assert '<p class="site-meta">' in post and 'class="post-body"' in post
    with app.app_context():
        db.engine.dispose()


def test_without_a_theme_the_site_can_still_override_core(tmp_path, demo_copy):
    folder = tmp_path / "instance" / "templates"
    folder.mkdir(parents=True)
    (folder / "base.html").write_text(
        '{% extends "core/base.html" %}{% block footer %}<footer class="site-footer">'
        "<p>Our own footer</p></footer>{% endblock %}",
        encoding="utf-8",
    )
    app = build_app(tmp_path, database=demo_copy)
    home = app.test_client().get("/").get_data(as_text=True)
    assert "<p>Our own footer</p>" in home and "Powered by pressmark" not in home
    with app.app_context():
        db.engine.dispose()
