"""Pages (About, Uses) and posts are told apart the way each generator tells them apart."""

from tests.migrate.conftest import aliases, redirects

DATED = "---\ntitle: {title}\ndate: 2021-01-01\n{extra}---\n{title} text.\n"


def kinds(posts) -> dict[str, bool]:
    return {slug: post.is_page for slug, post in posts.items()}


def test_hugo_pages_are_outside_the_main_section_or_say_so(app, run_import):
    site = {
        "hugo.toml": 'baseURL = "https://x/"\n',
        "content/_index.md": "---\ntitle: Home\n---\n",
        "content/about.md": "---\ntitle: About\n---\nWho.\n",
        "content/uses/index.md": "---\ntitle: Uses\n---\nTools.\n",
        "content/posts/a.md": DATED.format(title="A", extra=""),
        "content/posts/b.md": DATED.format(title="B", extra=""),
        "content/posts/legal.md": DATED.format(title="Legal", extra="type: page\n"),
        "content/projects/tool.md": DATED.format(title="Tool", extra=""),
        "content/projects/news.md": DATED.format(title="News", extra="type: posts\n"),
        "content/posts/hidden.md": DATED.format(title="Hidden",
                                                extra="_build:\n  list: never\n"),
    }
    report, posts = run_import(site)
    assert kinds(posts) == {"about": True, "uses": True, "a": False, "b": False,
                            "legal": True, "tool": True, "news": False, "hidden": True}
    # A page keeps its old URL too, and answers at /<slug>.
    assert aliases(posts["about"]) == ["/about/"] and aliases(posts["tool"]) == ["/projects/tool/"]
    assert redirects(app, "/projects/tool/") == "/tool"
    assert app.test_client().get("/about").status_code == 200
    line = report.line_for("content/projects/tool.md")
    assert line.detail == "/tool (old URLs: /projects/tool/)"
    assert "its section 'projects' is not one of the main sections (posts)" in " ".join(line.notes)
    assert "outside every section" in " ".join(report.line_for("content/about.md").notes)


def test_hugo_main_sections_come_from_the_configuration(run_import):
    site = {
        "hugo.toml": 'baseURL = "https://x/"\n[params]\nmainSections = ["notes", "posts"]\n',
        "content/notes/n.md": DATED.format(title="N", extra=""),
        "content/posts/p.md": DATED.format(title="P", extra=""),
        "content/docs/d1.md": DATED.format(title="D1", extra=""),
        "content/docs/d2.md": DATED.format(title="D2", extra=""),
    }
    _, posts = run_import(site)
    assert kinds(posts) == {"n": False, "p": False, "d1": True, "d2": True}


def test_hugo_configuration_folder_gives_the_main_sections(run_import):
    site = {
        "config/_default/hugo.toml": 'baseURL = "https://x/"\n',
        "config/_default/params.toml": 'mainSections = ["notes"]\n',
        "content/notes/n.md": DATED.format(title="N", extra=""),
        "content/posts/p1.md": DATED.format(title="P1", extra=""),
        "content/posts/p2.md": DATED.format(title="P2", extra=""),
    }
    report, posts = run_import(site)
    assert report.source_format == "hugo"
    assert kinds(posts) == {"n": False, "p1": True, "p2": True}


def test_zola_posts_are_in_sections_sorted_by_date(run_import):
    site = {
        "config.toml": 'base_url = "https://z/"\n',
        "content/_index.md": '+++\ntitle = "Home"\n+++\n',
        "content/about.md": '+++\ntitle = "About"\n+++\nWho.\n',
        "content/blog/_index.md": '+++\nsort_by = "date"\n+++\n',
        "content/blog/2020-01-02-hi.md": '+++\ntitle = "Hi"\n+++\nHi.\n',
        "content/blog/bundle/index.md": '+++\ntitle = "Bundle"\ndate = 2020-02-02\n+++\nB.\n',
        "content/docs/_index.md": '+++\nsort_by = "weight"\n+++\n',
        "content/docs/install.md": '+++\ntitle = "Install"\nweight = 1\n+++\nI.\n',
        "content/misc/orphan.md": '+++\ntitle = "Orphan"\n+++\nO.\n',
    }
    report, posts = run_import(site)
    assert kinds(posts) == {"about": True, "hi": False, "bundle": False, "install": True,
                            "orphan": True}
    assert aliases(posts["install"]) == ["/docs/install/"]
    notes = " ".join(report.line_for("content/docs/install.md").notes)
    assert "section 'content/docs' sorts its pages by 'weight', not by date" in notes
    assert "orphan page" in " ".join(report.line_for("content/misc/orphan.md").notes)
    assert "root section" in " ".join(report.line_for("content/about.md").notes)


def test_zola_without_a_date_sorted_section_keeps_folders_as_posts(run_import):
    site = {
        "config.toml": 'base_url = "https://z/"\n',
        "content/about.md": '+++\ntitle = "About"\n+++\nWho.\n',
        "content/blog/hi.md": '+++\ntitle = "Hi"\ndate = 2020-01-02\n+++\nHi.\n',
    }
    _, posts = run_import(site)
    assert kinds(posts) == {"about": True, "hi": False}


def test_eleventy_posts_are_the_posts_collection(run_import):
    site = {
        "eleventy.config.js": "module.exports = function () {};\n",
        "blog/blog.11tydata.json": '{"tags": ["posts"]}',
        "blog/one.md": DATED.format(title="One", extra="tags: [travel]\n"),
        "notes/two.md": DATED.format(title="Two", extra="tags: [post, misc]\n"),
        "about.md": "---\ntitle: About\nlayout: layouts/page.njk\n---\nWho.\n",
        "projects/three.md": DATED.format(title="Three", extra="tags: [work]\n"),
        "contact.md": "---\ntitle: Contact\n---\nMail.\n",
        "blog/unlisted.md": DATED.format(title="Unlisted",
                                         extra="eleventyExcludeFromCollections: true\n"),
    }
    report, posts = run_import(site)
    assert kinds(posts) == {"one": False, "two": False, "about": True, "three": True,
                            "contact": True, "unlisted": True}
    assert [t.name for t in posts["one"].tags] == ["travel"]
    assert aliases(posts["three"]) == ["/projects/three/"]
    assert "its layout is 'layouts/page.njk'" in " ".join(report.line_for("about.md").notes)
    assert "not in the posts collection" in " ".join(
        report.line_for("projects/three.md").notes)


def test_eleventy_without_a_posts_collection_keeps_folders_as_posts(run_import):
    site = {
        "eleventy.config.js": "module.exports = function () {};\n",
        "about.md": "---\ntitle: About\n---\nWho.\n",
        "writing/one.md": DATED.format(title="One", extra=""),
    }
    _, posts = run_import(site)
    assert kinds(posts) == {"about": True, "one": False}
