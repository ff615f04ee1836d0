"""Reader-facing pages, against the demo content and the seed home page."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pressmark.content.models import Alias, Post, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from sqlalchemy import select

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_b1782b73c0fc639b.txt"
DEMO = Path(__file__).resolve().parents[2] / "app" / "content" / "demo_content"


def page_text(html: str) -> str:
    """Visible text of a page, whitespace collapsed (as a reader would copy it)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def seed_fragments() -> list[str]:
    """Every title, summary, description and count on the seed home page."""
    if SEED.exists():
        raw = SEED.read_text(encoding="utf-8")
    else:  # the repo's copy, for clones without shared/
        raw = (Path(__file__).parents[1] / "data" / "seed_home.txt").read_text(encoding="utf-8")
    fragments = []
    for line in raw.splitlines():
        line = line.strip()
        if line.startswith("17 more posts"):
            fragments.append("17 more posts")
            line = line[len("17 more posts") :]
        if line.startswith("43 posts"):
            fragments += ["43 posts"]
            line = line[len("43 posts") :]
        if line.startswith("- 2026 "):
            # "- 2026 tag Title: Subtitle Summary" -> year, tag word, and the rest in order
            year, tag, rest = line[2:].split(" ", 2)
            fragments.append(f"{year} {tag} {rest}")
        elif line.startswith("Engineering Tokens"):
            fragments.append("Engineering")
            fragments.append("at Cloud Scale")
        elif line:
            fragments.append(line)
    return fragments


def test_home_page_has_every_title_summary_and_count_of_the_seed(demo_client):
    text = page_text(demo_client.get("/").get_data(as_text=True))
    missing = [f for f in seed_fragments() if f not in text]
    assert not missing, missing


def test_home_lists_the_three_featured_posts_and_all_archive_titles(demo_client, demo_app):
    html = demo_client.get("/").get_data(as_text=True)
    recent = re.search(r'id="recent-heading".*?</section>', html, re.S).group(0)
    assert [t for t in re.findall(r"<h3><a [^>]*>([^<]+)</a>", recent)] == [
        "Prefill-Decode Disaggregation: Two Worker Pools, One Token Stream",
        "Chunked Prefill: How to Stop One Long Prompt from Freezing Everyone Else",
        "Continuous Batching: The GPU Schedule That Never Stands Still",
    ]
    with demo_app.app_context():
        archive = db.session.scalars(
            select(Post).where(Post.topic.has(slug="archive"))
        ).all()
    assert len(archive) == 43
    for post in archive:
        assert f'href="/posts/{post.slug}"' in html


def test_hero_heading_reads_correctly_without_javascript(demo_client):
    html = demo_client.get("/").get_data(as_text=True)
    heading = page_text(re.search(r"<h1.*?</h1>", html, re.S).group(0))
    assert "Engineering Tokens, Models and AI Apps at Cloud Scale" in heading
    assert '<html lang="en" class="no-js">' in html


def test_topic_cards_link_to_topic_pages_that_list_their_posts(demo_client):
    html = demo_client.get("/").get_data(as_text=True)
    slugs = re.findall(r'<h3><a href="/topics/([a-z-]+)">', html)
    assert slugs == [
        "inference-engines", "llm-internals", "gpu-systems", "tokenomics",
        "agentic-systems", "archive",
    ]
    page = demo_client.get("/topics/llm-internals")
    assert page.status_code == 200
    assert "KV Caching: The Memory That Makes Token Generation Possible" in page.get_data(True)


def test_post_page_has_metadata_toc_code_and_navigation(demo_client):
    response = demo_client.get("/posts/kv-caching")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    title = "KV Caching: The Memory That Makes Token Generation Possible"
    assert f'<h1 id="post-title">{title}</h1>' in html
    assert '<link rel="canonical" href="http://localhost/posts/kv-caching">' in html
    assert '<meta property="og:title" content="KV Caching' in html
    assert '"@type": "BlogPosting"' in html
    assert 'class="toc"' in html
    assert '<div class="highlight">' in html
    assert "min read" in html and "10 March 2026" in html
    assert 'href="/tags/kv-cache"' in html and 'href="/topics/llm-internals"' in html
    # previous: the newest older post; next: the oldest newer post
    assert 'rel="prev" href="/posts/opentelemetry-tracing-go-services"' in html
    assert 'rel="next" href="/posts/speculative-decoding"' in html


def test_posts_list_is_paginated_with_canonical_urls(demo_client):
    first = demo_client.get("/posts").get_data(as_text=True)
    assert "Page 1 of 7" in first
    assert '<link rel="canonical" href="http://localhost/posts">' in first
    assert 'rel="next" href="/posts/page/2/"' in first
    moved = demo_client.get("/posts?page=2")  # the old query form has one address now
    assert (moved.status_code, moved.headers["Location"]) == (301, "/posts/page/2/")
    # A ?page on a page's path form is not another address of it (nor of another page).
    added = demo_client.get("/posts/page/2/?page=7&ref=x")
    assert (added.status_code, added.headers["Location"]) == (301, "/posts/page/2/?ref=x")
    second = demo_client.get("/posts/page/2/").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/posts/page/2/">' in second
    assert 'rel="prev" href="/posts"' in second


@pytest.mark.parametrize(
    "url",
    [
        "/posts?page=0", "/posts?page=-1", "/posts?page=abc", "/posts/page/99/",
        "/posts?page=1.5", "/posts?page=²", "/posts?page=99999999999999999999999",
        "/posts?page=" + "9" * 5000, "/posts/no-such-post", "/topics/no-such-topic",
        "/tags/no-such-tag", "/topics/archive/page/9/", "/nothing/here",
    ],
)
def test_bad_urls_give_a_real_404_page(demo_client, url):
    response = demo_client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_archive_is_grouped_by_year(demo_client):
    html = demo_client.get("/archive").get_data(as_text=True)
    years = re.findall(r'<h2 id="year-(\d{4})">', html)
    assert years == ["2026", "2022", "2021", "2020", "2019", "2018", "2017", "2016", "2015", "2014"]
    assert "63 posts" in html


def test_every_legacy_archive_url_redirects_permanently_keeping_the_query(demo_client):
    aliases = [
        (m.group(1), path.stem.removeprefix("archive-"))
        for path in DEMO.glob("archive-*.md")
        for m in [re.search(r'aliases: \["([^"]+)"\]', path.read_text())]
    ]
    assert len(aliases) == 43
    for old, _slug in aliases:
        response = demo_client.get(old + "?utm_source=feed")
        assert response.status_code == 301, old
        target = response.headers["Location"]
        assert target.startswith("/posts/") and target.endswith("?utm_source=feed")
        assert demo_client.get(target).status_code == 200


def test_tag_page_lists_tagged_posts(demo_client):
    html = demo_client.get("/tags/kv-cache").get_data(as_text=True)
    assert "KV Caching: The Memory" in html and "PagedAttention" in html
    assert '<link rel="canonical" href="http://localhost/tags/kv-cache">' in html


def test_tags_named_alike_have_their_own_pages_under_their_display_names(app, client):
    with app.app_context():
        for title, tag in (("Templates", "C++"), ("LINQ", "C#"), ("Pointers", "C"),
                           ("Snakes", "パイソン")):
            save_post(PostData(title=title, body="x", tags=[tag], status="published",
                               published_at=utcnow() - timedelta(days=1)))
    for path, title, heading in (("/tags/c-plus-plus", "Templates", "Tagged “C++”"),
                                 ("/tags/c-sharp", "LINQ", "Tagged “C#”"),
                                 ("/tags/c", "Pointers", "Tagged “C”"),
                                 ("/tags/haison", "Snakes", "Tagged “パイソン”")):
        text = page_text(client.get(path).get_data(as_text=True))
        assert title in text and heading in text
        assert {"Templates", "LINQ", "Pointers", "Snakes"} - {title} & set(text.split()) == set()
    post = client.get("/posts/templates").get_data(as_text=True)
    assert '<a href="/tags/c-plus-plus">#C++</a>' in post


def test_drafts_and_scheduled_posts_are_hidden_until_their_time(app, client):
    with app.app_context():
        save_post(PostData(title="Draft one", body="x"))
        later_id = save_post(
            PostData(title="Later", body="x", status="published",
                     published_at=utcnow() + timedelta(hours=1))
        ).id
    assert client.get("/posts/draft-one").status_code == 404
    assert client.get("/posts/later").status_code == 404
    assert "Later" not in client.get("/posts").get_data(as_text=True)
    with app.app_context():
        post = db.session.get(Post, later_id)
        post.published_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    from pressmark.web.cache import forget_pages

    forget_pages(app)  # as if the clock had passed the publication time
    assert client.get("/posts/later").status_code == 200


def test_pages_answer_conditional_requests_with_304(demo_client):
    first = demo_client.get("/posts/kv-caching")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"]
    again = demo_client.get("/posts/kv-caching", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_page_cache_is_cleared_when_content_changes(app, client):
    with app.app_context():
        post = save_post(PostData(title="First title", body="x", status="published"))
        post_id = post.id
    assert "First title" in client.get("/posts").get_data(as_text=True)
    with app.app_context():
        post = db.session.get(Post, post_id)
        data = PostData(title="Second title", slug=post.slug, body="x", status="published")
        save_post(data, post)
    assert "Second title" in client.get("/posts").get_data(as_text=True)


def test_renamed_slug_keeps_the_old_url_working(app, client):
    with app.app_context():
        post = save_post(PostData(title="Old name", body="x", status="published"))
        save_post(PostData(title="Old name", slug="new-name", body="x", status="published"), post)
        assert db.session.scalar(select(Alias.path)) == "/posts/old-name"
    response = client.get("/posts/old-name")
    assert response.status_code == 301 and response.headers["Location"] == "/posts/new-name"


def test_favicon_and_health(client):
    assert client.get("/favicon.ico").headers["Location"].startswith("/static/favicon.svg?v=")
    with client.get("/static/favicon.svg") as icon:
        assert icon.mimetype == "image/svg+xml"
    assert client.get("/-/health").get_json() == {"status": "ok"}


def test_old_url_of_a_scheduled_post_does_not_reveal_its_new_slug(app, client):
    with app.app_context():
        post = save_post(PostData(title="Old name", body="x", status="published"))
        save_post(
            PostData(title="Embargoed", slug="secret-launch", body="x", status="published",
                     published_at=utcnow() + timedelta(days=30)),
            post,
        )
    assert client.get("/posts/old-name").status_code == 404


def test_previous_and_next_do_not_skip_posts_published_at_the_same_moment(app, client):
    moment = utcnow() - timedelta(days=1)
    with app.app_context():
        for title in ("One", "Two", "Three"):
            save_post(PostData(title=title, body="x", status="published", published_at=moment))
    html = client.get("/posts/two").get_data(as_text=True)
    assert 'rel="prev" href="/posts/one"' in html and 'rel="next" href="/posts/three"' in html
