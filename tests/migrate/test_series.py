"""A series keeps the order its source gave its parts."""

from pressmark.content.postdata import PostData
from pressmark.content.store import save_post
from pressmark.extensions import db

from tests.migrate.conftest import write


def parts(posts, title: str) -> list[tuple[int, str]]:
    return sorted((p.series_position, p.slug) for p in posts.values()
                  if p.series and p.series.title == title)


def test_hugo_weights_order_the_series_not_the_dates(app, run_import):
    part = "---\ntitle: {t}\ndate: 2021-01-0{d}\nseries: [Rust from scratch]\n{w}---\nx\n"
    report, posts = run_import({
        "hugo.toml": 'baseURL = "https://x/"\n',
        "content/posts/setup.md": part.format(t="Setup", d=3, w="weight: 10\n"),
        "content/posts/types.md": part.format(t="Types", d=1, w="weight: 20\n"),
        "content/posts/traits.md": part.format(t="Traits", d=2, w="weight: 30\n"),
        "content/posts/extra.md": part.format(t="Extra", d=4, w=""),
    })
    # Weights 10/20/30 become parts 1/2/3; a part with no weight comes after them.
    assert parts(posts, "Rust from scratch") == [(1, "setup"), (2, "types"), (3, "traits"),
                                                 (4, "extra")]
    assert ("part 2 of the series, in the source's order (weight)"
            in report.line_for("content/posts/types.md").notes)
    page = app.test_client().get("/series/rust-from-scratch").get_data(as_text=True)
    assert page.index("Setup") < page.index("Types") < page.index("Traits") < page.index("Extra")


def test_jekyll_and_pelican_series_index(run_import, tmp_path):
    _, posts = run_import({
        "_config.yml": "title: x\n",
        "_posts/2020-01-01-b.md": "---\ntitle: B\nseries: Go\nseries_index: 2\n---\nx\n",
        "_posts/2020-02-01-a.md": "---\ntitle: A\nseries: Go\nseries_index: 1\n---\nx\n",
        "_posts/2020-03-01-c.md": "---\ntitle: C\nseries: Go\nseries_order: 3\n---\nx\n",
    })
    assert parts(posts, "Go") == [(1, "a"), (2, "b"), (3, "c")]


def test_pelican_series_index(run_import):
    page = "Title: {t}\nDate: 2020-0{d}-01\nSeries: Py\nSeries_index: {i}\n\nx\n"
    _, posts = run_import({
        "pelicanconf.py": "SITENAME = 'x'\n",
        "content/one.md": page.format(t="One", d=2, i=2),
        "content/two.md": page.format(t="Two", d=1, i=1),
    })
    assert parts(posts, "Py") == [(1, "two"), (2, "one")]


def test_a_series_already_here_continues_and_a_rerun_keeps_the_numbers(app, tmp_path):
    from pressmark.content.models import Post
    from pressmark.migrate import import_source
    from sqlalchemy import select

    site = write(tmp_path / "s", {
        "a.md": "---\ntitle: A\ndate: 2020-01-01\nseries: Notes\nweight: 2\n---\nx\n",
        "b.md": "---\ntitle: B\ndate: 2020-01-02\nseries: Notes\nweight: 1\n---\nx\n",
    })
    with app.app_context():
        save_post(PostData(title="Zero", slug="zero", body="x", status="published",
                           series="Notes"))
        import_source(site, "markdown", fetch=False)
        again = import_source(site, "markdown", on_conflict="update", fetch=False)
        assert {line.outcome for line in again.lines} == {"skipped"}
        found = {p.slug: p.series_position for p in db.session.scalars(select(Post))}
    assert found == {"zero": 1, "b": 2, "a": 3}
