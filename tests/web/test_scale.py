"""A site of a few thousand posts: the archive is paged and complete, the home page's
archive section is bounded, and every listing reads an index and a bounded number of rows.

One generated site (``pressmark demo generate``'s generator) serves every test here: a
third of its posts are in the archive topic, some have an author, four form a series.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from pressmark.content import generation
from pressmark.content.generated import generate_posts
from pressmark.content.models import Post, Series, User, post_authors
from pressmark.content.postdata import get_or_create_topic
from pressmark.extensions import db
from sqlalchemy import event, update

from tests.conftest import make_test_app

POSTS = 3000
ARCHIVE_ITEM_RE = re.compile(r'<li class="archive-item"><a href="/posts/([^"]+)">')
NEXT_RE = re.compile(r'rel="next" href="([^"]+)"')
PAGE_LIMIT = 100 * 1024  # "pages well under 100 KiB"


@pytest.fixture(scope="module")
def large_database(tmp_path_factory):
    folder = tmp_path_factory.mktemp("large")
    app = make_test_app(folder)
    with app.app_context():
        db.create_all()
        generate_posts(POSTS, rendered=3)
        archive = get_or_create_topic("archive")
        db.session.flush()
        db.session.execute(update(Post).where(Post.id % 3 == 0).values(topic_id=archive.id))
        author = User(username="ada", display_name="Ada Lovelace", slug="ada-lovelace",
                      password_hash="-", bio="Writes.")
        series = Series(slug="serving", title="Serving")
        db.session.add_all([author, series])
        db.session.flush()
        db.session.execute(post_authors.insert(), [
            {"post_id": n, "user_id": author.id, "position": 0} for n in range(1, POSTS, 7)
        ])
        db.session.execute(update(Post).where(Post.id <= 4).values(
            series_id=series.id, series_position=Post.id))
        generation.bump(db.session)
        db.session.commit()
        db.engine.dispose()
    return folder


@pytest.fixture(scope="module")
def large_app(large_database):
    # A second app, as a server started on the site would be (the search index catches up).
    # No page cache: every request renders (totals are still remembered per content change).
    app = make_test_app(large_database, database=large_database / "test.sqlite",
                        CACHE_MAX_BYTES=0)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def large_client(large_app):
    return large_app.test_client()


def visible_posts_by_year(app) -> dict[int, list[str]]:
    with app.app_context():
        posts = db.session.scalars(Post.visible()).all()
        by_year: dict[int, list[str]] = {}
        for post in posts:
            by_year.setdefault(post.published_at.year, []).append(post.slug)
    return by_year


def get_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert len(response.data) < PAGE_LIMIT, (url, len(response.data))
    return response.get_data(as_text=True)


# --- the archive -------------------------------------------------------------------------------


def test_archive_is_paged_with_a_year_index(large_client, large_app):
    by_year = visible_posts_by_year(large_app)
    assert len(by_year) >= 2  # posts 7 hours apart: a few thousand span years
    html = get_page(large_client, "/archive")
    assert f"{POSTS:,} posts, newest first." in html
    titles = ARCHIVE_ITEM_RE.findall(html)
    assert len(titles) == large_app.config["ARCHIVE_PER_PAGE"]
    newest_year = max(by_year)
    assert titles == by_year[newest_year][: len(titles)]
    index = re.search(r'<nav class="archive-years".*?</nav>', html, re.S).group(0)
    listed = re.findall(r'<a href="/archive/(\d{4})">\d{4}</a> <span class="count">([\d,]+)</span>',
                        index)
    assert [(int(y), int(n.replace(",", ""))) for y, n in listed] == [
        (year, len(slugs)) for year, slugs in sorted(by_year.items(), reverse=True)
    ]
    # Every year keeps its anchor on /archive (old links to /archive#year-2019 still land).
    for year in by_year:
        assert html.count(f'id="year-{year}"') == 1
    assert '<link rel="canonical" href="http://localhost/archive">' in html
    assert 'rel="next" href="/archive/page/2/"' in html


def test_every_post_is_on_exactly_one_page_of_its_year(large_client, large_app):
    by_year = visible_posts_by_year(large_app)
    for year, slugs in by_year.items():
        url, seen, pages = f"/archive/{year}", [], 0
        while url:
            html = get_page(large_client, url)
            pages += 1
            assert f"{len(slugs):,} post" in html
            seen += ARCHIVE_ITEM_RE.findall(html)
            url = (m := NEXT_RE.search(html)) and m.group(1).replace("&amp;", "&")
        assert seen == slugs, year  # all of them, newest first, none twice
        assert pages == -(-len(slugs) // large_app.config["ARCHIVE_PER_PAGE"])


def test_archive_pages_past_the_end_and_years_without_posts_are_404(large_client, large_app):
    years = visible_posts_by_year(large_app)
    last_page = -(-POSTS // large_app.config["ARCHIVE_PER_PAGE"])
    assert large_client.get(f"/archive/page/{last_page}/").status_code == 200
    for url in (f"/archive/page/{last_page + 1}/", "/archive?page=0", "/archive/1999",
                f"/archive/{max(years) + 1}", f"/archive/{min(years)}/page/99/"):
        assert large_client.get(url).status_code == 404, url


def test_year_pages_link_their_neighbours_and_months(large_client, large_app):
    years = sorted(visible_posts_by_year(large_app), reverse=True)
    html = get_page(large_client, f"/archive/{years[1]}")
    assert f'href="/archive/{years[0]}">← {years[0]}</a>' in html
    if len(years) > 2:
        assert f'href="/archive/{years[2]}">{years[2]} →</a>' in html
    months = re.findall(r'<h2 id="month-(\d+)">', html)
    assert months and months == sorted(months, key=int, reverse=True)


def test_home_archive_section_is_bounded_and_counts_them_all(large_client, large_app):
    html = get_page(large_client, "/")
    section = re.search(r'<section aria-labelledby="archive-heading".*?</section>', html, re.S)
    listed = ARCHIVE_ITEM_RE.findall(section.group(0))
    assert len(listed) == large_app.config["HOME_ARCHIVE_LIMIT"]
    with large_app.app_context():
        in_archive = db.session.scalars(
            Post.visible().where(Post.topic.has(slug="archive")).with_only_columns(Post.slug)
        ).all()
    assert listed == in_archive[: len(listed)]
    assert f">{len(in_archive)} posts</a>" in section.group(0)


# --- query plans -----------------------------------------------------------------------------

# Tables that grow with the content; a query on any other table reads a handful of rows.
GROWING = {"posts", "post_tags", "post_authors", "aliases", "revisions", "tags", "images",
           "search_index"}
# Lookups by a unique key or by one post's id: bounded whatever the site's size. A series'
# parts are a table of contents, listed whole: bounded by the series, not by the site.
KEY_LOOKUP = re.compile(
    r"\((?:rowid=\?|slug=\?|name=\?|path=\?|post_id=\?(?: AND tag_id=\?)?"
    r"|series_id=\? AND status=\? AND is_page=\? AND published_at<\?)\)$"
)
LISTINGS = [
    "/", "/posts", "/posts/page/3/", "/posts/{post}", "/topics/inference",
    "/topics/inference/page/2/", "/tags/llm", "/tags/llm/page/2/", "/series/serving",
    "/authors/ada-lovelace", "/archive", "/archive/page/2/", "/archive/{year}",
    "/archive/{year}/page/2/", "/feed.xml", "/feed.atom", "/feed.json",
    "/topics/inference/feed.atom", "/tags/llm/feed.json", "/series/serving/feed.xml",
    "/authors/ada-lovelace/feed.atom", "/search?q=batching", "/search?q=batching&page=2",
    # The Content API: every query its endpoints run.
    "/api/v1/posts", "/api/v1/posts?cursor={cursor}", "/api/v1/posts?formats=html,markdown",
    "/api/v1/posts?topic=inference", "/api/v1/posts?tag=llm&cursor={cursor}",
    "/api/v1/posts?author=ada-lovelace", "/api/v1/posts?series=serving",
    "/api/v1/posts?updated_since=2020-01-01", "/api/v1/posts?published_after=2020-01-01",
    "/api/v1/posts?published_before=2030-01-01", "/api/v1/posts/{post}",
    "/api/v1/tags", "/api/v1/tags/llm", "/api/v1/authors", "/api/v1/authors/ada-lovelace",
    "/api/v1/series", "/api/v1/series/serving", "/api/v1/search?q=batching",
]


def table_of(detail: str, aliases: dict[str, str]) -> str | None:
    match = re.match(r"(?:SCAN|SEARCH) (\w+)", detail)
    return match and aliases.get(match.group(1), match.group(1))


def unbounded_reads(sql: str, plan: list[str]) -> list[str]:
    """What in ``plan`` reads a number of rows that grows with the site: a scan of a growing
    table, or a range of its index with no LIMIT to stop it (or a sort of all of it).

    A full-text search starts from the index's matches (ranking needs all of them): it is
    bounded by what matches, and reads each matching post by its id.
    """
    aliases = {alias: table for table, alias in re.findall(r"\b(\w+) AS (\w+)\b", sql)
               if table in GROWING}
    growing = [d for d in plan if table_of(d, aliases) in GROWING]
    problems = [d for d in growing if d.startswith("SCAN")
                and not re.search(r"VIRTUAL TABLE INDEX \d+:=?M", d)]  # FTS5 MATCH
    ranges = [d for d in growing if d.startswith("SEARCH") and not KEY_LOOKUP.search(d)]
    limited = re.search(r"\bLIMIT\b", sql)
    if ranges and not limited:
        problems += [f"no LIMIT: {d}" for d in ranges]
    if ranges and any(d == "USE TEMP B-TREE FOR ORDER BY" for d in plan):
        problems.append("sorts every matching row before the LIMIT")
    return problems


@pytest.mark.parametrize("url", LISTINGS)
def test_every_listing_query_reads_an_index_and_a_bounded_number_of_rows(
    large_app, large_client, url
):
    """Each listing rendered a second time (the state of a running site: totals are counted
    once per content change) runs only queries whose SQLite plan searches an index, either
    by a unique key or by a range that a LIMIT stops."""
    with large_app.app_context():
        first = db.session.scalar(Post.visible().with_only_columns(Post.slug).limit(1))
        engine = db.engine
    years = visible_posts_by_year(large_app)
    cursor = ""
    if "{cursor}" in url:  # where the API's first page of posts ends
        next_url = large_client.get("/api/v1/posts").json["links"]["next"]
        cursor = next_url.rsplit("cursor=", 1)[1]
    url = url.format(post=first, year=sorted(years)[1], cursor=cursor)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    assert large_client.get(url).status_code == 200
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert large_client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    assert any(" posts" in s for s, _ in selects), "no post was read: nothing was measured"
    problems = Counter()
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for sql, parameters in selects:
            plan = [row[-1] for row in cursor.execute("EXPLAIN QUERY PLAN " + sql, parameters)]
            for problem in unbounded_reads(sql, plan):
                problems[f"{problem}\n    in {' '.join(sql.split())[:300]}"] += 1
    assert not problems, "\n".join(problems)
