"""``--permalink`` gains ``:id``, ``:title`` (the generator's title slug) and ``:filename``,
for old sites whose rule pressmark cannot read."""

from tests.migrate.conftest import aliases
from tests.migrate.test_old_urls import SITES


def test_title_and_filename_tokens(run_import):
    report, posts = run_import({
        "notes/2020-05-06-first.md": "---\ntitle: Über Caching, Part 1\n"
                                     "date: 2020-05-06\n---\nx\n",
    }, "markdown", permalink="/:year/:title/:filename.html")
    assert not report.failed
    assert aliases(posts["first"]) == ["/2020/uber-caching-part-1/first.html"]


def test_the_id_token_for_an_export(run_import):
    report, posts = run_import(SITES / "wordpress-plain" / "export.xml", "wordpress",
                               permalink="/archives/:id/")
    assert "/archives/42/" in aliases(posts["moving-house"])
    assert "/?p=42" in aliases(posts["moving-house"])  # WordPress answered it anyway


def test_the_id_token_in_a_folder_of_files_is_named_in_the_report(run_import):
    report, posts = run_import({"a.md": "---\ntitle: A\ndate: 2020-01-01\n---\nx\n"},
                               "markdown", permalink="/p/:id/")
    assert aliases(posts["a"]) == []
    assert "old URL not worked out: --permalink '/p/:id/' needs a value this file lacks " \
           "(a date, or :id, which only exports have)" in report.line_for("a.md").notes


def test_a_rule_that_cannot_be_read_is_reported_with_the_fallback(run_import):
    report, posts = run_import({
        "pelicanconf.py": 'PREFIX = "blog"\nARTICLE_URL = PREFIX + "/{slug}/"\n',
        "content/hello.md": "Title: Hello\nDate: 2020-01-01\n\nHi.\n",
    }, "pelican", permalink="/blog/:title/")
    line = report.line_for("pelicanconf.py")
    assert line.outcome == "skipped"
    assert line.detail == ("ARTICLE_URL is computed by code, which pressmark does not run: "
                           "--permalink is used for old URLs")
    assert aliases(posts["hello"]) == ["/blog/hello/"]


def test_a_broken_jekyll_config_is_reported(run_import):
    report, posts = run_import({
        "_config.yml": "permalink: [unclosed\n",
        "_posts/2020-01-01-hello.md": "---\ntitle: Hello\n---\nHi.\n",
    }, "jekyll")
    line = report.line_for("_config.yml")
    assert line.detail.startswith("cannot be read (")
    assert line.detail.endswith("give --permalink if the old site used another rule")
    assert "hello" in posts
