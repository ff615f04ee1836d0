"""Eleventy: any folder, YAML/JSON/JS front matter, folder data, permalinks, collections."""

from datetime import datetime

from tests.migrate.conftest import aliases

SITE = {
    "eleventy.config.js": 'export default function (c) { return { dir: { input: "src" } }; }\n',
    "src/posts/posts.json": '{"tags": ["posts"], "layout": "post.njk"}',
    "src/posts/2023-04-05-first-note.md": """---
title: First note
description: About notes.
tags: [notes, eleventy]
---
{% youtube "abc123" %}

- a
  - b
""",
    "src/posts/json.md": '---json\n{"title": "JSON matter", "date": "2022-02-02", '
                         '"tags": "solo"}\n---\nBody.\n',
    "src/posts/js.md": '---js\n{\n  title: "JS matter",\n  date: "2022-03-03",\n'
                       '  tags: ["x"],\n}\n---\nBody.\n',
    "src/posts/custom.md": "---\ntitle: Moved\ndate: 2021-01-01\npermalink: /elsewhere/\n---\nx\n",
    "src/posts/private.md": "---\ntitle: Unpublished\ndate: 2021-01-01\npermalink: false\n---\n",
    "src/posts/index.md": "---\ntitle: Posts index\ndate: 2021-01-02\n---\nList.\n",
    "src/README.md": "# Readme\n",
    "_site/posts/first-note/index.html": "<p>built</p>",
}


def test_eleventy_site_every_field_old_url_and_report(app, run_import):
    report, posts = run_import(SITE)
    assert report.source_format == "eleventy"
    first = posts["first-note"]
    assert first.title == "First note" and first.summary == "About notes."
    assert first.published_at == datetime(2023, 4, 5)
    assert [t.name for t in first.tags] == ["notes", "eleventy"]  # "posts" is a collection
    assert aliases(first) == ["/posts/2023-04-05-first-note/"]  # Eleventy keeps the date
    assert "[Video on YouTube](https://www.youtube.com/watch?v=abc123)" in first.body
    assert "<li>a<ul>\n<li>b</li>" in first.body_html
    line = report.line_for("src/posts/2023-04-05-first-note.md")
    assert line.detail == "/posts/first-note (old URLs: /posts/2023-04-05-first-note/)"
    json_post = posts["json"]
    assert json_post.title == "JSON matter" and [t.name for t in json_post.tags] == ["solo"]
    assert aliases(json_post) == ["/posts/json/"]
    assert posts["js"].title == "JS matter" and [t.name for t in posts["js"].tags] == ["x"]
    assert aliases(posts["custom"]) == ["/elsewhere/"]
    assert posts["private"].status == "draft" and aliases(posts["private"]) == []
    assert aliases(posts["posts"]) == ["/posts/"]  # index.md: its folder names it
    assert report.line_for("src/README.md").outcome == "skipped"
    assert len(report.lines) == 7 and not report.failed


def test_eleventy_javascript_data_files_give_defaults(run_import):
    site = {
        "eleventy.config.js": "module.exports = function () {};\n",
        "blog/blog.11tydata.js": '"use strict";\n// defaults for the blog\n'
                                 'module.exports = {\n  tags: ["posts", "travel"],\n'
                                 '  layout: "post.njk",\n};\n',
        "blog/one.md": "---\ntitle: One\ndate: 2021-01-01\n---\nx\n",
        "blog/two.md": "---\ntitle: Two\ndate: 2021-01-02\n---\nx\n",
        "blog/two.11tydata.mjs": 'export default {\n  tags: ["posts", "food"],\n};\n',
        "code/code.11tydata.js": "module.exports = () => ({ tags: ['posts'] });\n",
        "code/three.md": "---\ntitle: Three\ndate: 2021-01-03\ntags: [posts]\n---\nx\n",
        "about.md": "---\ntitle: About\n---\nWho.\n",
    }
    report, posts = run_import(site)
    assert not report.failed
    assert [t.name for t in posts["one"].tags] == ["travel"]  # "posts" is the collection
    # The template's own data file adds its tags, as Eleventy's deep data merge does.
    assert [t.name for t in posts["two"].tags] == ["travel", "food"]
    assert not posts["one"].is_page and not posts["two"].is_page
    assert posts["about"].is_page  # not in the posts collection the data files build
    notes = report.line_for("code/three.md").notes
    assert any(n.startswith("data file code/code.11tydata.js not read: exports code")
               for n in notes)
    assert not posts["three"].is_page  # its own front matter puts it in the collection
