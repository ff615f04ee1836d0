"""Pelican: Key: value metadata, category folders, Status, pages, settings-driven URLs."""

from datetime import datetime

from tests.migrate.conftest import aliases

SITE = {
    "pelicanconf.py": "SITENAME = 'Old'\nPATH = 'content'\nDEFAULT_LANG = 'en'\n",
    "content/python/my-first.md": """Title: My super title
Date: 2010-12-03 10:20
Modified: 2010-12-05 19:30
Tags: thats, awesome
Slug: my-super-post
Authors: Alexis Metaireau, Conan Doyle
Summary: Short version for index and feeds
Lang: en

This is the content of my super blog post.
""",
    "content/python/hidden.md": "Title: Hidden one\nDate: 2011-01-01\nStatus: hidden\n\nx\n",
    "content/python/draft.md": "Title: Drafted\nDate: 2011-01-02\nStatus: Draft\n\ny\n",
    "content/no-category.md": "Title: Top level\nDate: 2012-03-04 05:06\nCategory: Misc\n\nz\n",
    "content/translated.md": "Title: Un titre\nDate: 2012-03-05\nLang: fr\n\nz\n",
    "content/pages/about.md": "Title: About me\n\nHello.\n",
    "content/notes.rst": "Title\n=====\n",
}


def test_pelican_site_every_field_old_url_and_report(app, run_import):
    report, posts = run_import(SITE)
    assert report.source_format == "pelican"
    post = posts["my-super-post"]
    assert post.title == "My super title"
    assert post.published_at == datetime(2010, 12, 3, 10, 20)
    assert post.updated_at == datetime(2010, 12, 5, 19, 30)
    assert post.summary == "Short version for index and feeds"
    assert post.topic.name == "python" and [t.name for t in post.tags] == ["thats", "awesome"]
    assert aliases(post) == ["/my-super-post.html"]
    line = report.line_for("content/python/my-first.md")
    assert str(line) == "imported content/python/my-first.md -> /posts/my-super-post " \
        "(old URLs: /my-super-post.html)"
    hidden = posts["hidden"]
    assert hidden.status == "draft"
    assert any("hidden" in n for n in report.line_for("content/python/hidden.md").notes)
    assert posts["draft"].status == "draft"
    top = posts["no-category"]  # Pelican's slug is the title's: that is the old URL
    assert top.topic.name == "Misc" and aliases(top) == ["/top-level.html"]
    assert aliases(posts["translated"]) == ["/un-titre-fr.html"]
    assert posts["translated"].language == "fr"
    about = posts["about"]
    assert about.is_page and aliases(about) == ["/pages/about-me.html"]
    assert report.line_for("content/notes.rst").outcome == "skipped"
    assert len(report.lines) == 7 and not report.failed
