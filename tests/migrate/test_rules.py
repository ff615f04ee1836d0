"""What every import does: detection, dry runs, conflicts, aliases, converters, the CLI."""

import pytest
from pressmark import hookimpl
from pressmark.content.models import Post
from pressmark.extensions import db
from pressmark.migrate import SourceError, detect_format, import_source
from pressmark.migrate.toolkit.permalinks import AliasError, normalise_alias
from pressmark.state import app_state
from sqlalchemy import func, select

from tests.migrate.conftest import aliases, write

POST = "---\ntitle: Same\ndate: 2020-01-01\n---\n{body}\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"hugo.toml": 'baseURL = "https://x/"\n'}, "hugo"),
        ({"config.toml": 'base_url = "https://x/"\n'}, "zola"),
        ({"_config.yml": "title: x\n"}, "jekyll"),
        ({"pelicanconf.py": "SITENAME = 'x'\n"}, "pelican"),
        ({"eleventy.config.js": "export default function () {}\n"}, "eleventy"),
        ({"a.md": "# x\n"}, "markdown"),
    ],
)
def test_the_format_is_detected_from_the_folder(tmp_path, files, expected):
    assert detect_format(write(tmp_path, files)) == expected


def test_a_file_that_is_no_export_is_refused_clearly(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("{}")
    with pytest.raises(SourceError, match="neither a WordPress export"):
        detect_format(path)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("https://old.example.org/2019/02/x.html", "/2019/02/x.html"),
        ("2019/x/", "/2019/x/"),
        ("/caf%C3%A9/", "/café/"),
        ("/double//slash", "/double/slash"),
        ("//old.example.org/x/", "/x/"),
    ],
)
def test_aliases_are_normalised(raw, path):
    assert normalise_alias(raw) == path


@pytest.mark.parametrize("raw", ["/a/../etc", "/a/%2e%2e/b", "/a/%252e%252e/b", "..\\x",
                                 "javascript:alert(1)"])
def test_aliases_that_leave_the_site_are_refused(raw):
    with pytest.raises(AliasError):
        normalise_alias(raw)


def test_dry_run_reports_everything_and_writes_nothing(app, run_import):
    report, posts = run_import({"a.md": POST.format(body="a"), "b.md": "---\ntitle: [x\n---\n"},
                               dry_run=True)
    assert posts == {}
    assert [(line.name, line.outcome) for line in report.lines] == [
        ("a.md", "imported"), ("b.md", "failed")]
    assert report.totals().startswith("Dry run, nothing written: 2 files seen")


@pytest.mark.parametrize(
    ("policy", "outcome", "slugs"),
    [("rename", "imported", {"same", "same-2"}), ("skip", "skipped", {"same"}),
     ("update", "updated", {"same"})],
)
def test_a_taken_slug_follows_the_conflict_policy(app, tmp_path, policy, outcome, slugs):
    first = write(tmp_path / "one", {"same.md": POST.format(body="first")})
    second = write(tmp_path / "two", {"same.md": POST.replace("Same", "Other").format(
        body="second")})
    with app.app_context():
        import_source(first)
        report = import_source(second, on_conflict=policy)
        assert report.lines[0].outcome == outcome
        assert set(db.session.scalars(select(Post.slug))) == slugs
        bodies = set(db.session.scalars(select(Post.body)))
        assert bodies == {"first\n", "second\n"} if policy == "rename" else bodies
        if policy == "update":
            assert bodies == {"second\n"}


def test_importing_the_same_files_twice_changes_nothing(app, tmp_path):
    site = write(tmp_path / "s", {"same.md": POST.format(body="x")})
    with app.app_context():
        import_source(site)
        again = import_source(site)
        assert again.lines[0].outcome == "skipped" and "already imported" in again.lines[0].detail
        assert db.session.scalar(select(func.count(Post.id))) == 1


def test_the_cli_reports_every_file_and_fails_when_one_failed(app, tmp_path):
    site = write(tmp_path / "s", {"ok.md": POST.format(body="x"), "bad.md": "+++\ntitle = \n+++\n"})
    result = app.test_cli_runner().invoke(args=["import", str(site), "--from", "markdown"])
    assert result.exit_code == 1
    assert "imported ok.md -> /posts/ok" in result.output
    assert "failed   bad.md: invalid TOML" in result.output
    assert "2 files seen: 1 imported, 0 updated, 0 skipped, 1 failed." in result.output


def test_each_file_is_reported_as_it_is_imported(app, tmp_path):
    files = {f"{n}.md": POST.format(body=str(n)) for n in range(1, 4)}
    site = write(tmp_path / "s", files)
    seen: list[tuple[str, int]] = []

    def on_line(line):  # the posts in the database when the line arrives
        seen.append((line.name, db.session.scalar(select(func.count(Post.id)))))

    with app.app_context():
        report = import_source(site, "markdown", on_line=on_line)
    assert [name for name, _ in seen] == [line.name for line in report.lines]
    assert [count for _, count in seen] == [1, 2, 3]  # one line per post, right after it
    output = app.test_cli_runner().invoke(
        args=["import", str(site), "--from", "markdown", "--on-conflict", "skip"]).output
    lines = output.splitlines()
    summary = next(i for i, text in enumerate(lines) if text.startswith("3 files seen"))
    assert sum("skipped  " in text for text in lines[:summary]) == 3


def test_a_permalink_pattern_gives_each_post_its_old_url(run_import):
    report, posts = run_import({"2019-02-03-hello.md": "---\ntitle: Hi\n---\nx\n"},
                               permalink="/:year/:month/:day/:slug/")
    assert aliases(posts["hello"]) == ["/2019/02/03/hello/"]


class ShoutConverter:
    @hookimpl
    def register_import_converters(self, app):
        def shout(params, inner=None, source="", **_):
            return f"**{(inner or params.get('0', '')).upper()}** ({source})"

        return {"shout": shout, "youtube": lambda **_: "my video"}


def test_hook_register_import_converters(app, run_import):
    app_state(app).pm.register(ShoutConverter(), name="shout-converter")
    report, posts = run_import({
        "hugo.toml": 'baseURL = "https://x/"\n',
        "content/a.md": "---\ntitle: A\ndate: 2020-01-01\n---\n"
                        "{{< shout >}}hey{{< /shout >}} {{< youtube abc >}}\n",
    })
    assert posts["a"].body == "**HEY** (hugo) my video\n"
    assert report.line_for("content/a.md").notes == []


def test_the_post_size_limit_is_the_editors(app, run_import):
    """Up to MAX_POST_BYTES a post imports (and the editor saves it, see test_editor);
    beyond, the file fails with the limit named, and nothing is written."""
    limit = app.config["MAX_POST_BYTES"]
    head = "---\ntitle: Big\ndate: 2020-01-01\n---\n"
    report, posts = run_import({"big.md": head + "x" * (limit - 1) + "\n",
                                "huge.md": head.replace("Big", "Huge") + "x" * limit + "\n"})
    assert len(posts["big"].body.encode()) == limit and "huge" not in posts
    assert report.line_for("huge.md").outcome == "failed"
    assert "MAX_POST_BYTES" in report.line_for("huge.md").detail


def test_a_body_keeps_its_leading_blank_lines_through_export_and_import(app, tmp_path):
    from pressmark.migrate.export import export_directory

    site = write(tmp_path / "s", {"a.md": "---\ntitle: A\ndate: 2020-01-01\n---\n\n\nText.\n"})
    with app.app_context():
        import_source(site)
        export_directory(tmp_path / "out")
        assert (tmp_path / "out" / "a.md").read_text().endswith("---\n\n\nText.\n")
        db.session.execute(Post.__table__.delete())
        db.session.commit()
        import_source(tmp_path / "out")
        assert db.session.scalar(select(Post.body)) == "\n\nText.\n"


@pytest.mark.parametrize(
    ("name", "slug", "lang"),
    [("post.fr.md", "post", "fr"), ("post.pt_BR.md", "post", "pt-BR"),
     ("why-node.js.md", "why-node-js", ""), ("2019-02-03-hello.md", "hello", "")],
)
def test_a_language_suffix_is_a_language(name, slug, lang):
    from pathlib import Path

    from pressmark.migrate.toolkit.entry import parse_file_name

    parsed = parse_file_name(Path(name))
    assert (parsed.slug, parsed.lang) == (slug, lang)


def test_code_blocks_stay_code(run_import):
    body = ("```go\n{{ .Title }} {% include x %}\n```\n\n"
            "```\n{% raw %}{{ page.title }}{% endraw %}\n```\n\n{{ page.title }}\n")
    report, posts = run_import({"_config.yml": "title: x\n",
                                "_posts/2020-01-01-code.md": "---\ntitle: C\n---\n" + body})
    converted = posts["code"].body
    assert converted.startswith(
        "```go\n{{ .Title }} {% include x %}\n```\n\n```\n{{ page.title }}\n```")
    assert converted.rstrip().endswith("-->")  # the tag outside code is kept for the author
