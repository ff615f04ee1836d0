"""Hugo: TOML/YAML/JSON front matter, sections, page bundles, translations, shortcodes."""

from datetime import datetime

from tests.migrate.conftest import PNG, aliases, redirects

SITE = {
    "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "Old"\n'
                 '[params]\nmainSections = ["posts", "post"]\n',
    "content/posts/_index.md": "---\ntitle: Posts\n---\n",
    "content/posts/first.md": """+++
title = "First post"
date = 2021-03-04T05:06:07+02:00
lastmod = 2021-04-01T00:00:00Z
draft = false
tags = ["C++", "C#", "パイソン"]
categories = ["Systems Notes", "Languages"]
series = ["Deep dives"]
summary = "The first."
aliases = ["/old/first.html", "https://example.org/2021/first/"]
weight = 3
+++
Intro.

{{< highlight go "linenos=table" >}}
func main() { fmt.Println("<b>hi</b>") }
{{< /highlight >}}

{{< figure src="/img/a.png" alt="A chart" caption="Latency" >}}

{{< youtube dQw4w9WgXcQ >}}

{{< gist spf13 7896402 >}}

{{< tweet user="SanDiegoZoo" id="1453110110599868418" >}}

{{< unknownthing a=1 >}}

- one
  - nested
""",
    "content/posts/first.fr.md": "---\ntitle: Premier\ndate: 2021-03-05\n---\nBonjour.\n",
    "content/posts/bundle/index.md":
        "---\ntitle: Bundle\ndate: 2022-01-02\n---\n![A cat](cat.png)\n",
    "content/posts/bundle/cat.png": PNG,
    "content/post/json-post.md": '{\n  "title": "JSON post",\n  "date": "2020-01-01",\n'
                                 '  "draft": "false",\n  "featured": "pic01.jpg"\n}\nBody.\n',
    "content/post/draft.md": "---\ntitle: Later\ndraft: true\n---\nSoon.\n",
    "content/post/dir.md/keep.txt": "a folder named like a post",
}


def test_hugo_site_every_field_old_url_and_report(app, run_import):
    report, posts = run_import(SITE)
    assert report.source_format == "hugo"
    first = posts["first"]
    assert first.title == "First post"
    assert first.published_at == datetime(2021, 3, 4, 3, 6, 7)  # +02:00 as UTC
    assert first.updated_at == datetime(2021, 4, 1)
    assert first.status == "published" and first.summary == "The first."
    assert first.topic.slug == "systems-notes" and first.topic.name == "Systems Notes"
    assert [(t.name, t.slug) for t in first.tags] == [
        ("C++", "c-plus-plus"), ("C#", "c-sharp"), ("パイソン", "haison"),
        ("Languages", "languages")]
    assert first.series.title == "Deep dives"
    assert aliases(first) == ["/2021/first/", "/old/first.html", "/posts/first/"]
    body = first.body
    assert '```go\nfunc main() { fmt.Println("<b>hi</b>") }\n```' in body
    assert "![A chart](/img/a.png)\n\n*Latency*" in body
    assert "[Video on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in body
    assert "(https://gist.github.com/spf13/7896402)" in body
    assert "(https://x.com/SanDiegoZoo/status/1453110110599868418)" in body
    assert "<!-- pressmark import:" in body and "{{</* unknownthing a=1 */>}}" in body
    # Readers see the code as code, not the unknown shortcode, and the list nests.
    assert "&lt;b&gt;hi&lt;/b&gt;" in first.body_html and "unknownthing" not in first.body_html
    assert "<li>one<ul>\n<li>nested</li>" in first.body_html
    line = report.line_for("content/posts/first.md")
    assert str(line) == (
        "imported content/posts/first.md -> /posts/first "
        "(old URLs: /old/first.html, /2021/first/, /posts/first/)")
    assert any("unknownthing" in n for n in line.notes)
    # In a series, weight orders the parts (see test_series.py) rather than being dropped.
    assert "part 1 of the series, in the source's order (weight)" in line.notes
    assert redirects(app, "/posts/first/") == "/posts/first"  # Hugo's old address
    assert redirects(app, "/old/first.html") == "/posts/first"

    french = posts["first-fr"]
    assert french.language == "fr" and aliases(french) == ["/fr/posts/first/"]
    assert 'lang="fr"' in app.test_client().get("/posts/first-fr").get_data(as_text=True)

    bundle = posts["bundle"]
    assert aliases(bundle) == ["/posts/bundle/"]
    assert bundle.body.startswith("![A cat](/uploads/") and bundle.body.rstrip().endswith(".png)")
    with app.test_client().get(bundle.body.split("(")[1].split(")")[0]) as image:
        assert image.status_code == 200 and image.mimetype == "image/png"

    json_post = posts["json-post"]
    assert json_post.status == "published" and not json_post.featured
    assert aliases(json_post) == ["/post/json-post/"]
    assert "pic01.jpg" in " ".join(report.line_for("content/post/json-post.md").notes)
    assert posts["draft"].status == "draft" and posts["draft"].published_at is None

    assert "section" in report.line_for("content/posts/_index.md").detail
    assert report.line_for("content/post/dir.md").outcome == "failed"
    assert len(report.lines) == 7 and len(report.imported) == 5
    assert report.failed


def test_hugo_permalinks_setting_gives_the_old_urls(run_import):
    site = {
        "config.toml":
            'baseURL = "https://x.org/"\n[permalinks]\nposts = "/:year/:month/:title/"\n',
        "content/posts/my-file.md": "---\ntitle: Hello World\ndate: 2019-06-01\n---\nx\n",
    }
    report, posts = run_import(site)
    assert aliases(posts["my-file"]) == ["/2019/06/hello-world/"]


def test_hugo_urls_are_lowercase(run_import):
    _, posts = run_import({"hugo.toml": 'baseURL = "https://x/"\n',
                           "content/Blog/My Post.md": "---\ntitle: T\ndate: 2020-01-01\n---\nx\n"})
    assert aliases(posts["my-post"]) == ["/blog/my-post/"]


def test_hugo_permalink_tokens_follow_hugo(run_import):
    site = {
        "hugo.toml": 'baseURL = "https://x/"\n[permalinks]\nposts = "/:slug/"\n'
                     'notes = "/n/:slugorfilename/"\n',
        "content/posts/file-a.md": "---\ntitle: Title A\ndate: 2020-01-01\n---\nx\n",
        "content/posts/file-b.md": "---\ntitle: B\nslug: own-b\ndate: 2020-01-01\n---\nx\n",
        "content/notes/file-c.md": "---\ntitle: C\ndate: 2020-01-01\n---\nx\n",
    }
    _, posts = run_import(site)
    assert aliases(posts["file-a"]) == ["/title-a/"]  # no slug: the title's
    assert aliases(posts["own-b"]) == ["/own-b/"]
    assert aliases(posts["file-c"]) == ["/n/file-c/"]
