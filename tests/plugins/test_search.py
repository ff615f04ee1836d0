"""The search plugin, end to end on real databases: SQLite FTS5 (``app``, ``demo_app``) and
PostgreSQL (``pg_app``, a real server started for the run).

Behaviour tests run on both backends through the ``search_app`` fixture; the demo-content
tests check the page a reader sees on the real blog.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import html5lib
import pytest
from pressmark.content.models import DRAFT, PUBLISHED, TRASHED, Post, utcnow
from pressmark.content.store import PostData, delete_post, save_post
from pressmark.extensions import db
from pressmark.plugins.search.query import MAX_QUERY_CHARS, MAX_TERMS, parse
from sqlalchemy import text, update

from tests.conftest import make_test_app

# Inputs that have broken search boxes somewhere: operators alone, unbalanced syntax,
# FTS5 and tsquery syntax, control characters, odd Unicode, very long input.
MALFORMED = [
    '"', '""', '"unclosed phrase', "AND", "OR", "NOT", "-", "--", "*", "**", "-*", "+",
    "NEAR(", "NEAR(a b", "a NEAR/2 b", "(", ")", "(kv", "kv)", "{title}:", "title:kv",
    "kv:*", "!", "&", "|", "a & | b", "!!kv", "<->", "'", "''", "\\", "a\\\"b",
    "^kv", "kv^", "OR kv OR", "- kv", "kv -", "-kv", "NOT kv", "*kv", "k*v*",
    "\x00", "kv\x00cache", "\x1b[31mred", "\u200b", "\u202e\u202d", "🔥", "日本語の検索",
    "naïve café", "Ωmega", "ﬁ ligature", "²", "\ud7ff", "a" * 5000, "kv " * 400,
    "%", "%25", "&amp;", "<script>alert(1)</script>", "' OR 1=1 --", "; DROP TABLE posts",
    # Prefix searches reach PostgreSQL's to_tsquery, which reads syntax: odd letters too.
    "²*", "ǅ*", "٣*", "हिन्दी*", "x̄*", "𝔘nicode*", "ⅷ*", "ß*", "ﾊﾟ*", "a·b*", "k_v*",
    "kv-cache*", "it's*", "a:b*", "x&y*", "the*", "a*", "日本*",
]

# The PostgreSQL fixtures (pg_app, postgres_url...): a real server for the run.
pytest_plugins = ["tests.postgres"]


# --- helpers --------------------------------------------------------------------------------


def publish(title: str, body: str = "", summary: str = "", **fields) -> Post:
    data = PostData(title=title, body=body, summary=summary, status=PUBLISHED, **fields)
    data.published_at = fields.get("published_at") or utcnow() - timedelta(days=1)
    return save_post(data)


def search(client, q: str, **args):
    return client.get("/search", query_string={"q": q, **args})


def parse_html(response) -> None:
    """Fail on any HTML5 parse error (the page must be well-formed HTML5)."""
    html5lib.HTMLParser(strict=True).parse(response.get_data(as_text=True))


def result_titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    titles = re.findall(r'<h2 class="post-item-title"><a href="[^"]*">(.*?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", title) for title in titles]


def result_count(response) -> int:
    match = re.search(r'<p class="count"[^>]*>(\d+) posts? match', response.get_data(as_text=True))
    return int(match.group(1)) if match else 0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def search_app(request):
    """An empty site on each backend: SQLite (FTS5) and PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("app")
    return request.getfixturevalue("pg_app")


# --- the query parser ---------------------------------------------------------------------------


def test_parser_reads_words_phrases_prefixes_exclusions_and_or():
    query = parse('kv "continuous batching" quant* -istio vllm OR sglang NOT docker')
    groups = [[(t.text, t.phrase, t.prefix) for t in group] for group in query.groups]
    assert groups == [
        [("kv", False, False)],
        [("continuous batching", True, False)],
        [("quant", False, True)],
        [("vllm", False, False), ("sglang", False, False)],
    ]
    assert [t.text for t in query.excluded] == ["istio", "docker"]


def test_parser_drops_operators_alone_and_explains_what_it_changed():
    for raw in ("", "AND", "-", "*", '"', "NOT", "OR", "( ) !"):
        assert parse(raw).is_empty, raw
    only_excluded = parse("-istio")
    assert only_excluded.is_empty and "add a word" in only_excluded.notes[0]
    long = parse("a" * 5000)
    assert len(long.text) == MAX_QUERY_CHARS and "first 200 characters" in long.notes[0]
    many = parse(" ".join(f"w{i}" for i in range(MAX_TERMS + 5)))
    assert len(many.groups) == MAX_TERMS and many.notes
    assert parse("kv\x00cache\x1b").text == "kv cache"


# --- behaviour on both backends -------------------------------------------------------------


def test_a_title_match_ranks_first(search_app):
    with search_app.app_context():
        publish("Zephyr scheduling for GPU fleets", body="How we place jobs.")
        # Newer and with many more mentions, but only in its body.
        publish("Notes on fleets", body="zephyr " * 40 + "is everywhere here.",
                published_at=utcnow() - timedelta(hours=1))
    response = search(search_app.test_client(), "zephyr")
    assert response.status_code == 200
    assert result_titles(response) == ["Zephyr scheduling for GPU fleets", "Notes on fleets"]
    assert "2 posts match" in response.get_data(as_text=True)


def test_snippets_highlight_terms_and_escape_html_from_posts(search_app):
    with search_app.app_context():
        publish(
            "Quokka <b>bold</b> claims",
            summary="A summary & more",
            body='Call `<script>alert("quokka")</script>` to see the quokka.\n\n'
            "<img src=x onerror=alert(1)> after the quokka image.",
        )
    response = search(search_app.test_client(), "quokka")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<mark>quokka</mark>" in html
    assert "&lt;script&gt;alert(" in html  # the code sample, shown as text
    assert "<script>alert" not in html and "onerror" not in html
    assert "<mark>Quokka</mark> &lt;b&gt;bold&lt;/b&gt; claims" in html
    assert "<b>bold</b>" not in html
    parse_html(response)


def test_only_visible_posts_appear(search_app):
    client = search_app.test_client()
    with search_app.app_context():
        publish("Visible wombat")
        save_post(PostData(title="Draft wombat", status=DRAFT))
        scheduled = publish("Scheduled wombat", published_at=utcnow() + timedelta(days=3))
        trashed = publish("Trashed wombat")
        save_post(PostData(title="Trashed wombat", status=TRASHED), trashed)
        delete_post(publish("Deleted wombat"))
        scheduled_id = scheduled.id
    assert result_titles(search(client, "wombat")) == ["Visible wombat"]
    # Time passes: the scheduled post turns up without being saved again.
    with search_app.app_context():
        db.session.execute(
            update(Post).where(Post.id == scheduled_id)
            .values(published_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    assert sorted(result_titles(search(client, "wombat"))) == [
        "Scheduled wombat", "Visible wombat"
    ]


def test_an_edit_is_searchable_right_after_save_and_a_delete_disappears(search_app):
    client = search_app.test_client()
    with search_app.app_context():
        post_id = publish("Pipeline notes", body="About the aardvark.").id
    assert result_titles(search(client, "aardvark")) == ["Pipeline notes"]
    with search_app.app_context():
        post = db.session.get(Post, post_id)
        save_post(PostData(title="Pipeline notes", slug=post.slug, body="About the okapi.",
                           status=PUBLISHED, published_at=post.published_at), post)
    assert result_titles(search(client, "okapi")) == ["Pipeline notes"]
    assert result_titles(search(client, "aardvark")) == []
    with search_app.app_context():
        delete_post(db.session.get(Post, post_id))
    response = search(client, "okapi")
    assert result_titles(response) == []
    assert "No posts match “okapi”" in response.get_data(as_text=True)


def test_phrases_prefixes_exclusions_and_or(search_app):
    client = search_app.test_client()
    with search_app.app_context():
        publish("Continuous batching", body="Batching requests continuously keeps GPUs busy.")
        publish("Batching that is continuous", body="A continuous stream, not batching.")
        publish("Quantized kernels", body="INT4 quantization on Istio-free hosts.")
        publish("Service mesh", body="Istio sidecars and quantization budgets.")
    assert result_titles(search(client, '"continuous batching"')) == ["Continuous batching"]
    assert sorted(result_titles(search(client, "quantiz*"))) == [
        "Quantized kernels", "Service mesh"
    ]
    assert result_titles(search(client, "quantization -sidecars")) == ["Quantized kernels"]
    assert sorted(result_titles(search(client, "sidecars OR kernels"))) == [
        "Quantized kernels", "Service mesh"
    ]


def test_malformed_queries_give_a_friendly_page(search_app):
    client = search_app.test_client()
    with search_app.app_context():
        publish("KV cache sizing", body="The kv cache grows with every token. Naïve café.")
    for q in MALFORMED:
        response = search(client, q)
        assert response.status_code == 200, repr(q)
        html = response.get_data(as_text=True)
        assert 'name="q"' in html, repr(q)
        assert "\x00" not in html and "\x1b" not in html
        assert ("posts match" in html or "post match" in html or "No posts match" in html
                or "How to search" in html), repr(q)
    assert result_titles(search(client, "naïve café")) == ["KV cache sizing"]


def test_startup_rebuilds_an_index_that_is_out_of_step(search_app, tmp_path):
    table = "search_index" if search_app.config["SQLALCHEMY_DATABASE_URI"].startswith(
        "sqlite") else "search_documents"
    with search_app.app_context():
        publish("Capybara herding")
        db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
    assert result_titles(search(search_app.test_client(), "capybara")) == []
    # A new process of the site starts: the index is brought back in step.
    (tmp_path / "other").mkdir()
    other = make_test_app(tmp_path / "other",
                          SQLALCHEMY_DATABASE_URI=search_app.config["SQLALCHEMY_DATABASE_URI"])
    assert result_titles(search(other.test_client(), "capybara")) == ["Capybara herding"]
    with other.app_context():
        db.engine.dispose()


def test_a_missing_index_is_a_polite_page_and_a_recorded_failure(app):
    from pressmark.plugin_system.manager import recent_failures

    with app.app_context():
        publish("Ibis migration")
        db.session.execute(text("DROP TABLE search_index"))
        db.session.commit()
    response = search(app.test_client(), "ibis")
    assert response.status_code == 200
    assert "that search could not be run" in response.get_data(as_text=True)
    failure = recent_failures(app)[0]
    assert failure["plugin"] == "search" and "search_index" in failure["error"]
    # The rebuild command brings it back.
    assert app.test_cli_runner().invoke(args=["search", "rebuild"]).exit_code == 0
    assert result_titles(search(app.test_client(), "ibis")) == ["Ibis migration"]


def test_a_read_only_database_does_not_stop_the_site(demo_app, tmp_path, caplog):
    with demo_app.app_context():
        db.session.execute(text("DELETE FROM search_index WHERE rowid IN "
                                "(SELECT id FROM posts WHERE slug = 'kv-caching')"))
        db.session.commit()
        path = db.engine.url.database
        db.engine.dispose()
    (tmp_path / "ro").mkdir()
    read_only = make_test_app(tmp_path / "ro",
                              SQLALCHEMY_DATABASE_URI=f"sqlite:///file:{path}?mode=ro&uri=true")
    assert "could not prepare the index" in caplog.text
    client = read_only.test_client()
    assert client.get("/").status_code == 200
    titles = result_titles(search(client, "pagedattention"))
    assert titles and titles[0].startswith("PagedAttention")
    with read_only.app_context():
        db.engine.dispose()


def test_rebuild_command(search_app):
    with search_app.app_context():
        publish("Narwhal notes")
        publish("Other narwhal notes")
    result = search_app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 posts" in result.output
    assert len(result_titles(search(search_app.test_client(), "narwhal"))) == 2


def test_sqlite_search_ignores_accents(app):
    with app.app_context():
        publish("Café notes", body="A naïve approach.")
    assert result_titles(search(app.test_client(), "cafe naive")) == ["Café notes"]


# --- the page on the demo blog (SQLite) ---------------------------------------------------------


def test_header_search_box_is_on_the_home_page(demo_client):
    response = demo_client.get("/")
    html = response.get_data(as_text=True)
    form = re.search(r'<form class="site-search" role="search".*?</form>', html, re.S)
    assert form, "no search form in the header"
    assert 'action="/search"' in form.group(0) and 'method="get"' in form.group(0)
    assert re.search(r'<label[^>]*for="site-search-q"', form.group(0))
    assert re.search(r'<input[^>]*type="search"[^>]*id="site-search-q"[^>]*name="q"',
                     form.group(0))
    css = re.search(r'href="(/-/static/search/search\.css\?v=\w+)"', html)
    assert css
    with demo_client.get(css.group(1)) as stylesheet:
        assert stylesheet.status_code == 200 and "text/css" in stylesheet.content_type
        assert "var(--accent)" in stylesheet.get_data(as_text=True)


def test_demo_search_finds_the_post_about_the_words(demo_client):
    response = search(demo_client, "speculative decoding")
    assert response.status_code == 200
    parse_html(response)
    titles = result_titles(response)
    assert titles[0].startswith("Speculative Decoding")
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="search-snippet">.*<mark>', html)
    assert '<a href="/posts/speculative-decoding">' in html
    assert '<time datetime="' in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_demo_search_is_paginated(demo_client):
    first = search(demo_client, "kv cache")
    total = result_count(first)
    assert total > 10
    assert len(result_titles(first)) == 10
    assert 'href="/search?q=kv+cache&amp;page=2"' in first.get_data(as_text=True)
    second = search(demo_client, "kv cache", page=2)
    assert second.status_code == 200
    assert len(result_titles(second)) == total - 10
    assert not set(result_titles(first)) & set(result_titles(second))
    for bad in ("0", "-1", "abc", "1.5", "99"):
        assert search(demo_client, "kv cache", page=bad).status_code == 404, bad


def test_empty_query_shows_the_box_and_hints(demo_client):
    for response in (demo_client.get("/search"), search(demo_client, "   ")):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "How to search" in html and 'id="search-page-q"' in html
        assert "site-search-q" not in html  # no second box in the header here
        parse_html(response)


def test_no_results_is_a_helpful_page(demo_client):
    response = search(demo_client, "xylophonist")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No posts match “xylophonist”" in html
    assert "Check the spelling" in html and 'href="/archive"' in html
    parse_html(response)


def test_scheduled_and_draft_demo_content_stay_hidden(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context():
        publish("Tomorrow’s pangolin", published_at=utcnow() + timedelta(days=1))
        save_post(PostData(title="Pangolin draft", body="pangolin", status=DRAFT))
    assert "No posts match" in search(client, "pangolin").get_data(as_text=True)


@pytest.mark.postgres
def test_injection_through_search_tags_and_page_numbers_is_only_text_on_postgresql(pg_app):
    """The attacks of tests/test_attacks.py (run there on SQLite through the real server),
    against PostgreSQL's full-text search (``to_tsquery``) and its listings."""
    from tests.test_attacks import INJECTIONS, SECRET

    client = pg_app.test_client()
    with pg_app.app_context():
        publish("Public post", body="About the kv cache.", tags=["kv-cache"])
        save_post(PostData(title=f"Draft {SECRET}", body=f"Draft body {SECRET}", status=DRAFT))
    for term in INJECTIONS:
        quoted = quote(term, safe="")
        for path in (f"/search?q={quoted}", f"/tags/{quoted}", f"/posts?page={quoted}",
                     f"/search?q=kv&page={quoted}"):
            answer = client.get(path)
            assert answer.status_code in (200, 301, 308, 400, 404), (path, answer.status_code)
            html = answer.get_data(as_text=True)
            assert f"Draft body {SECRET}" not in html and "scrypt:" not in html, path
    with pg_app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM posts")) == 2
        assert db.session.scalar(text("SELECT count(*) FROM users")) is not None
    assert result_titles(search(client, "kv")) == ["Public post"]
