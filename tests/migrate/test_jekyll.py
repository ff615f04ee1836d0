"""Jekyll: dated file names, .markdown, _drafts, published: false, permalinks, Liquid."""

from datetime import datetime

from tests.migrate.conftest import aliases, redirects

SITE = {
    "_config.yml": "title: Old blog\n",
    "_posts/2019-02-03-migrate-from-jekyll.markdown": """---
layout: post
title: "Migrate to Hugo from Jekyll"
date: 2019-02-03 10:20:00 +0100
categories: [Tutorials, Static Sites]
tags: ruby jekyll
author: Ada
excerpt: "Moving house."
redirect_from:
  - /old-address/
---
{% highlight ruby %}
puts "{{ not liquid }}"
{% endhighlight %}

{% raw %}{{ page.title }} stays{% endraw %}

![Logo]({{ "/assets/logo.png" | relative_url }})
Back to [the other post]({% post_url 2018-01-01-hello-world %}).

{% include newsletter.html %}
""",
    "_posts/2018-01-01-hello-world.md": "---\ntitle: Hello\n---\nFirst.\n",
    "_posts/2020-05-05-hidden.md": "---\ntitle: Not yet\npublished: false\n---\nSecret.\n",
    "_posts/2020-06-06-custom.md": "---\ntitle: Custom\npermalink: /custom/:title/\n---\nx\n",
    "_drafts/a-draft.md": "---\ntitle: Drafty\n---\nWork in progress.\n",
    "about.md": "---\ntitle: About\n---\nMe.\n",
}


def test_jekyll_site_every_field_old_url_and_report(app, run_import):
    report, posts = run_import(SITE)
    assert report.source_format == "jekyll"
    post = posts["migrate-from-jekyll"]  # the file's slug, not the title's
    assert post.title == "Migrate to Hugo from Jekyll"
    assert post.published_at == datetime(2019, 2, 3, 9, 20)
    assert post.summary == "Moving house." and post.status == "published"
    assert post.topic.name == "Tutorials"
    assert [t.name for t in post.tags] == ["ruby", "jekyll", "Static Sites"]
    assert aliases(post) == [
        "/old-address/", "/tutorials/static sites/2019/02/03/migrate-from-jekyll.html"]
    assert '```ruby\nputs "{{ not liquid }}"\n```' in post.body
    assert "{{ page.title }} stays" in post.body
    assert "![Logo](/assets/logo.png)" in post.body
    assert "[the other post](/posts/hello-world)" in post.body
    assert "<!-- pressmark import: this Liquid tag was not converted" in post.body
    line = report.line_for("_posts/2019-02-03-migrate-from-jekyll.markdown")
    assert line.outcome == "imported" and line.detail.startswith("/posts/migrate-from-jekyll")
    assert any("author 'Ada' had no account here: made an author profile" in n for n in line.notes)
    assert [u.display_name for u in post.authors] == ["Ada"]  # the byline is kept
    assert redirects(app, "/tutorials/static%20sites/2019/02/03/migrate-from-jekyll.html") == (
        "/posts/migrate-from-jekyll")

    hello = posts["hello-world"]  # no date in front matter: the file name's
    assert hello.published_at == datetime(2018, 1, 1) and hello.title == "Hello"
    assert aliases(hello) == ["/2018/01/01/hello-world.html"]
    assert posts["hidden"].status == "draft"  # published: false never goes public
    assert aliases(posts["custom"]) == ["/custom/custom/"]
    draft = posts["a-draft"]
    assert draft.status == "draft" and aliases(draft) == []
    about = posts["about"]  # a page of the site, at its old address too
    assert about.is_page and about.body == "Me.\n" and aliases(about) == ["/about.html"]
    assert "outside _posts and _drafts" in " ".join(report.line_for("about.md").notes)
    assert len(report.lines) == 6 and not report.failed


def test_jekyll_pages_keep_their_addresses_and_what_jekyll_does_not_publish_is_skipped(
        app, run_import):
    report, posts = run_import({
        "_config.yml": "permalink: pretty\n",
        "_posts/2021-07-08-a-b.md": "---\ntitle: T\n---\nx\n",
        "about.md": "---\ntitle: About me\n---\nMe.\n",
        "docs/index.md": "---\ntitle: Docs\n---\nRead me.\n",
        "docs/setup.markdown": "---\ntitle: Setup\n---\nSteps.\n",
        "talks.md": "---\ntitle: Talks\npermalink: /speaking/\n---\nTalks.\n",
        "index.md": "---\nlayout: home\n---\n",
        "404.md": "---\npermalink: /404.html\n---\nLost.\n",
        "notes.md": "Just a file, no front matter.\n",
        "_layouts/page.md": "---\n---\n{{ content }}\n",
        "_projects/tool.md": "---\ntitle: Tool\n---\nA collection item.\n",
    })
    pages = {slug: aliases(post) for slug, post in posts.items() if post.is_page}
    assert pages == {"about": ["/about/"], "docs": ["/docs/"], "setup": ["/docs/setup/"],
                     "talks": ["/speaking/"]}
    assert redirects(app, "/speaking/") == "/talks"
    assert app.test_client().get("/docs").status_code == 200
    for name, reason in [("index.md", "home page"), ("404.md", "not-found page"),
                         ("notes.md", "no front matter"), ("_layouts/page.md", "in _layouts/"),
                         ("_projects/tool.md", "in _projects/")]:
        line = report.line_for(name)
        assert line.outcome == "skipped" and reason in line.detail, (name, line.detail)
    assert not report.failed


def test_jekyll_pretty_permalink_style(run_import):
    _, posts = run_import({"_config.yml": "permalink: pretty\n",
                           "_posts/2021-07-08-a-b.md": "---\ntitle: T\n---\nx\n"})
    assert aliases(posts["a-b"]) == ["/2021/07/08/a-b/"]


def test_jekyll_titles_in_urls_keep_the_file_names_case(run_import):
    _, posts = run_import({"_config.yml": "title: x\n",
                           "_posts/2021-07-08-Hello-World.md": "---\ntitle: T\n---\nx\n"})
    assert aliases(posts["hello-world"]) == ["/2021/07/08/Hello-World.html"]
