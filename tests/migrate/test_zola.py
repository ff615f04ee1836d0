"""Zola: +++ TOML, [taxonomies], dated file names, bundles, sections, translations."""

from datetime import datetime

from tests.migrate.conftest import PNG, aliases

SITE = {
    "config.toml": 'base_url = "https://zola.example"\ntitle = "Old"\n',
    "content/blog/_index.md": '+++\ntitle = "Blog"\nsort_by = "date"\n+++\n',
    "content/blog/2020-05-06_first-zola-post.md": """+++
title = "First Zola post"
description = "It begins."
updated = 2020-06-01
draft = false
aliases = ["/old/zola.html"]

[taxonomies]
tags = ["rust", "static"]
categories = ["Engineering"]

[extra]
cover = "x.png"
mood = "calm"
+++
{{ youtube(id="zola123") }}

{% quote(author="Someone") %}
Wise words.
{% end %}
""",
    "content/blog/bundle/index.md": '+++\ntitle = "Bundle"\ndate = 2021-01-01\n+++\n'
                                    "![pic](pic.png)\n",
    "content/blog/bundle/pic.png": PNG,
    "content/blog/custom-path.md": '+++\ntitle = "P"\ndate = 2021-02-02\npath = "x/y"\n+++\n',
    "content/blog/hello.fr.md": '+++\ntitle = "Bonjour"\ndate = 2021-03-03\n+++\nSalut.\n',
    "content/blog/not-yet.md": '+++\ntitle = "Draft"\ndraft = true\n+++\n',
}


def test_zola_site_every_field_old_url_and_report(app, run_import):
    report, posts = run_import(SITE)
    assert report.source_format == "zola"
    post = posts["first-zola-post"]
    assert post.title == "First Zola post" and post.summary == "It begins."
    assert post.published_at == datetime(2020, 5, 6) and post.updated_at == datetime(2020, 6, 1)
    assert post.topic.name == "Engineering"
    assert [t.name for t in post.tags] == ["rust", "static"]
    assert aliases(post) == ["/blog/first-zola-post/", "/old/zola.html"]
    assert "[Video on YouTube](https://www.youtube.com/watch?v=zola123)" in post.body
    assert "<!-- pressmark import: this Zola shortcode was not converted" in post.body
    assert "Wise words." in post.body  # the text inside an unconverted pair stays
    line = report.line_for("content/blog/2020-05-06_first-zola-post.md")
    assert any("not kept: extra.mood" in n for n in line.notes)  # [extra] named, not lost
    assert "featured image 'x.png' not found in the site's folder: no cover" in line.notes
    bundle = posts["bundle"]
    assert aliases(bundle) == ["/blog/bundle/"] and "/uploads/" in bundle.body
    assert aliases(posts["custom-path"]) == ["/x/y/"]
    french = posts["hello-fr"]
    assert french.language == "fr" and aliases(french) == ["/fr/blog/hello/"]
    assert posts["not-yet"].status == "draft"
    assert report.line_for("content/blog/_index.md").outcome == "skipped"
    assert len(report.lines) == 6 and not report.failed
