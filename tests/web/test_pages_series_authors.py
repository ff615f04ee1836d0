"""Standalone pages, the editable header navigation, series and authors, as readers and
the author see them (real SQLite, the real forms, real feed parsers)."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from pressmark.content.models import PUBLISHED, Post, Revision, Series, Topic, User
from pressmark.content.store import PostData, ValidationError, save_post
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import PASSWORD, make_test_app, password_hash
from tests.web.test_editor import Author, csrf_token, parse, read_form
from tests.web.test_roles import as_role


@pytest.fixture
def writer(app, client):
    with app.app_context():
        db.session.add(Topic(slug="notes", name="Notes", position=0))
        db.session.add(User(username="bo", display_name="Bo Builder", bio="Builds GPUs.",
                            password_hash=password_hash(PASSWORD)))
        db.session.commit()
    return Author(app, client)


@pytest.fixture
def reader(app):
    """An anonymous visitor, with cookies of its own."""
    return app.test_client()


def page_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def header_links(html: str) -> list[tuple[str, str]]:
    """The header's visible links (the Editor link is hidden until a script shows it)."""
    nav = parse(html).find(".//nav[@aria-label='Main']")
    return [(li.find("a").text, li.find("a").get("href")) for li in nav.iter("li")
            if li.get("hidden") is None]


# --- pages ------------------------------------------------------------------------------------


def test_a_page_is_written_in_the_editor_and_lives_at_its_own_address(app, writer, reader):
    form = read_form(writer.page("/editor/pages/new"))
    assert "topic" in form and form["topic"] == ""  # kept empty, not offered
    new = writer.page("/editor/pages/new")
    assert "Page settings" in new and 'type="hidden" name="series"' in new
    draft = page_id(writer.submit("/editor/pages/new", title="About", body="I write."))
    assert reader.get("/about").status_code == 404  # a draft page is not public
    writer.submit(f"/editor/{draft}", "publish", body="I write about **inference**.")
    html = reader.get("/about").get_data(as_text=True)
    assert "<strong>inference</strong>" in html
    assert "<time" not in html.split('id="main"')[1]  # no date on a page
    assert 'rel="author"' not in html
    # In no listing, no feed, no search; in the sitemap.
    for path in ("/", "/posts", "/archive", "/feed.xml", "/feed.json"):
        assert "/about" not in reader.get(path).get_data(as_text=True), path
    assert "/about</loc>" in reader.get("/sitemap.xml").get_data(as_text=True)
    # Revisions, like posts.
    writer.submit(f"/editor/{draft}", body="Changed.")
    with app.app_context():
        kinds = db.session.scalars(select(Revision.kind).where(Revision.post_id == draft)).all()
    assert kinds == ["save", "save", "save"]
    assert "/about" in writer.page("/editor/")  # listed under Pages


def test_renaming_a_published_page_keeps_its_old_address(writer, reader):
    about = page_id(writer.submit("/editor/pages/new", "publish", title="About", body="x"))
    writer.submit(f"/editor/{about}", slug="about-me")
    moved = reader.get("/about?x=1")
    assert moved.status_code == 301 and moved.headers["Location"] == "/about-me?x=1"


@pytest.mark.parametrize("slug", ["posts", "editor", "archive", "tags", "series", "authors",
                                  "feed", "sitemap", "robots", "search", "uploads"])
def test_no_page_can_take_a_site_address(writer, slug):
    refused = writer.submit("/editor/pages/new", "publish", title="Clash", slug=slug, body="x")
    assert refused.status_code == 400
    assert f"“/{slug}”" in refused.get_data(as_text=True)


def test_a_page_cannot_shadow_a_plugin_route_checked_at_save_time(tmp_path):
    """Not only the reserved names: whatever the running app routes is refused, so a
    plugin's page (here /talks, added after start-up) can never be shadowed."""
    app = make_test_app(tmp_path)
    app.add_url_rule("/talks", "talks", lambda: "talks")
    with app.app_context():
        db.create_all()
        with pytest.raises(ValidationError) as refused:
            save_post(PostData(title="Talks", slug="talks", is_page=True))
        assert "/talks" in refused.value.errors["slug"]
        # A post may still use the slug: its address is /posts/talks.
        assert save_post(PostData(title="Talks", slug="talks")).slug == "talks"


# --- navigation -------------------------------------------------------------------------------


def test_the_navigation_is_edited_in_order_and_shows_live_pages_only(app, writer, reader):
    assert header_links(reader.get("/").get_data(as_text=True)) == [
        ("Posts", "/posts"), ("Archive", "/archive")]
    about = page_id(writer.submit("/editor/pages/new", "publish", title="About", body="x"))
    uses = page_id(writer.submit("/editor/pages/new", title="Uses", body="x"))  # a draft
    form = read_form(writer.page("/editor/navigation/"), form_id="nav-form")
    with app.app_context():
        notes = db.session.scalar(select(Topic.id).where(Topic.slug == "notes"))
    form.update({
        # rows 0, 1: Posts, Archive (the defaults); 2..4: blank
        "item-1-remove": "1",
        "item-2-target": f"page:{about}", "item-2-position": "0",  # first
        "item-3-target": f"topic:{notes}", "item-3-label": "Field notes",
        "item-4-target": f"page:{uses}",
    })
    saved = writer.client.post("/editor/navigation/", data=form)
    assert saved.status_code == 303
    # The page cache was cleared: readers see the new header at once.
    assert header_links(reader.get("/").get_data(as_text=True)) == [
        ("About", "/about"), ("Posts", "/posts"), ("Field notes", "/topics/notes")]
    writer.submit(f"/editor/{uses}", "publish")
    assert ("Uses", "/uses") in header_links(reader.get("/posts").get_data(as_text=True))


def test_a_bad_navigation_link_is_refused_and_nothing_changes(writer, reader):
    form = read_form(writer.page("/editor/navigation/"), form_id="nav-form")
    form.update({"item-2-url": "javascript:alert(1)", "item-2-label": "Bad"})
    refused = writer.client.post("/editor/navigation/", data=form)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "is not an address" in html and 'value="javascript:alert(1)"' in html
    assert header_links(reader.get("/").get_data(as_text=True)) == [
        ("Posts", "/posts"), ("Archive", "/archive")]


def test_the_header_survives_a_database_that_is_not_set_up(tmp_path):
    app = make_test_app(tmp_path)  # no tables at all
    refused = app.test_client().post("/auth/login", data={"username": "a"})  # no CSRF token
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert header_links(html) == [("Posts", "/posts"), ("Archive", "/archive")]


# --- series ----------------------------------------------------------------------------------


def publish_series(writer, titles, series="Serving LLMs", **fields) -> list[int]:
    return [
        page_id(writer.submit("/editor/new", "publish", title=title, body=f"About {title}.",
                              series=series, **fields))
        for title in titles
    ]


def test_a_post_shows_its_part_contents_and_neighbours(writer, reader):
    ids = publish_series(writer, ["Batching", "KV cache", "Speculative decoding"])
    writer.submit(f"/editor/{ids[0]}", series_position="2")  # reorder: Batching second
    writer.submit(f"/editor/{ids[1]}", series_position="1")
    html = reader.get("/posts/batching").get_data(as_text=True)
    box = parse(html).find(".//aside[@class='series-box']")
    text = " ".join("".join(box.itertext()).split())
    assert "Part 2 of 3 in the series Serving LLMs" in text
    contents = [("".join(li.itertext()).strip()) for li in box.iter("li")]
    assert contents == ["KV cache", "Batching", "Speculative decoding"]
    assert box.find(".//span[@aria-current='page']").text == "Batching"
    links = {a.get("rel"): a.get("href") for a in box.iter("a") if a.get("rel")}
    assert links == {"prev": "/posts/kv-cache", "next": "/posts/speculative-decoding"}

    series_page = reader.get("/series/serving-llms").get_data(as_text=True)
    titles = [a.text for a in parse(series_page).iter("a") if (a.get("href") or "").startswith(
        "/posts/")]
    assert titles == ["KV cache", "Batching", "Speculative decoding"]


def test_a_draft_part_is_left_out_of_the_count(writer, reader):
    publish_series(writer, ["One", "Two"])
    writer.submit("/editor/new", title="Three", body="x", series="Serving LLMs")
    assert "Part 2 of 2" in reader.get("/posts/two").get_data(as_text=True)
    assert reader.get("/series/nothing-here").status_code == 404


def test_a_series_has_a_feed_that_parses(writer, reader):
    publish_series(writer, ["One", "Two"])
    writer.submit("/editor/new", "publish", title="Elsewhere", body="x")
    feed = feedparser.parse(reader.get("/series/serving-llms/feed.atom").data)
    assert not feed.bozo
    assert sorted(e.title for e in feed.entries) == ["One", "Two"]
    html = reader.get("/series/serving-llms").get_data(as_text=True)
    assert 'href="/series/serving-llms/feed.xml"' in html  # autodiscovery and footer
    sitemap = reader.get("/sitemap.xml").get_data(as_text=True)
    assert "/series/serving-llms</loc>" in sitemap and "/authors/ada-author</loc>" in sitemap
    assert reader.get("/series/none/feed.json").status_code == 404


def test_a_series_description_and_title_are_edited_and_its_address_stays(app, writer,
                                                                        reader):
    publish_series(writer, ["One", "Two"])
    writer.submit("/editor/new", "publish", title="Other", body="x", series="Other series")
    page = writer.page("/editor/series/")
    assert "(2 parts; " in page and "/series/serving-llms" in page
    with app.app_context():
        serving = db.session.scalar(select(Series).where(Series.slug == "serving-llms")).id
    token = writer.token()
    taken = writer.client.post(f"/editor/series/{serving}", data={
        "csrf_token": token, "title": "other SERIES", "description": "Kept?"})
    assert taken.status_code == 400
    html = taken.get_data(as_text=True)
    assert "Another series is called “other SERIES”" in html and "Kept?" in html
    saved = writer.client.post(f"/editor/series/{serving}", data={
        "csrf_token": token, "title": "Serving LLMs at scale",
        "description": "Five posts on batching, caches and schedulers."})
    assert saved.status_code == 303
    html = reader.get("/series/serving-llms").get_data(as_text=True)
    assert '<p class="lead">Five posts on batching, caches and schedulers.</p>' in html
    assert 'content="Five posts on batching, caches and schedulers."' in html  # previews
    assert "Serving LLMs at scale" in reader.get("/posts/one").get_data(as_text=True)
    assert as_role(app, "contributor").client.get("/editor/series/").status_code == 403


def test_a_page_cannot_join_a_series(writer):
    refused = writer.submit("/editor/pages/new", title="About", series="Serving LLMs")
    # The page form has no series field to fill; a hand-made request is still refused.
    assert refused.status_code == 400
    assert "A page cannot be part of a series" in refused.get_data(as_text=True)


# --- authors ---------------------------------------------------------------------------------


def test_two_authors_get_bylines_pages_feeds_and_json_ld(writer, reader):
    post_id = page_id(writer.submit("/editor/new", "publish", title="Joint work", body="x",
                                    authors="bo, author"))
    html = reader.get("/posts/joint-work").get_data(as_text=True)
    byline = parse(html).find(".//p[@class='byline']")
    assert " ".join("".join(byline.itertext()).split()) == "By Bo Builder and Ada Author"
    assert [a.get("href") for a in byline.iter("a")] == ["/authors/bo-builder",
                                                         "/authors/ada-author"]
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html,
                              re.S)[1])
    assert [(p["name"], p["url"]) for p in ld["author"]] == [
        ("Bo Builder", "http://localhost/authors/bo-builder"),
        ("Ada Author", "http://localhost/authors/ada-author"),
    ]
    author_page = reader.get("/authors/bo-builder").get_data(as_text=True)
    assert "Builds GPUs." in author_page and "/posts/joint-work" in author_page

    rss = feedparser.parse(reader.get("/feed.xml").data)
    assert [e.author for e in rss.entries] == ["Bo Builder, Ada Author"] or [
        [a.name for a in e.authors] for e in rss.entries] == [["Bo Builder", "Ada Author"]]
    atom = feedparser.parse(reader.get("/authors/bo-builder/feed.atom").data)
    assert not atom.bozo
    assert [a.name for a in atom.entries[0].authors] == ["Bo Builder", "Ada Author"]
    assert atom.entries[0].authors[0].href == "http://localhost/authors/bo-builder"
    item = json.loads(reader.get("/feed.json").data)["items"][0]
    assert [a["name"] for a in item["authors"]] == ["Bo Builder", "Ada Author"]
    del post_id


def test_an_author_with_nothing_published_has_no_page(writer, reader):
    writer.submit("/editor/new", title="Draft", body="x", authors="bo")
    assert reader.get("/authors/bo-builder").status_code == 404
    assert reader.get("/authors/bo-builder/feed.xml").status_code == 404


def test_an_unknown_author_is_refused_with_the_text_kept(writer):
    refused = writer.submit("/editor/new", title="Mine", body="Keep me.", authors="nobody")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "No author account is named “nobody”" in html and "Keep me." in html


def test_authors_and_series_are_kept_in_revisions_and_restored(app, writer):
    post_id = page_id(writer.submit("/editor/new", title="T", body="x", authors="author",
                                    series="First series"))
    writer.submit(f"/editor/{post_id}", authors="bo", series="")
    with app.app_context():
        first = db.session.scalars(select(Revision).where(Revision.post_id == post_id)
                                   .order_by(Revision.id)).first()
        assert (first.authors, first.series_title, first.series_position) == (
            "author", "First series", 1)
        first_id = first.id
    compare = writer.page(f"/editor/{post_id}/revisions/compare")
    assert "Authors" in compare and "Series" in compare
    token = csrf_token(writer.page(f"/editor/{post_id}/revisions"))
    restored = writer.client.post(f"/editor/{post_id}/revisions/{first_id}/restore", data={
        "csrf_token": token, "version": str(writer.post(post_id).version)})
    assert restored.status_code == 303
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert [a.username for a in post.authors] == ["author"]
        assert post.series.title == "First series" and post.status != PUBLISHED


def test_a_navigation_or_byline_change_reaches_every_process(tmp_path, app, writer):
    """The navigation and an author's name are outside posts, but readers see them: saving
    either moves the content generation on, so another process on the same database drops
    its cached pages too (within CACHE_CHECK_SECONDS)."""
    other = make_test_app(tmp_path, database=app.config["SQLALCHEMY_DATABASE_URI"].removeprefix(
        "sqlite:///"), CACHE_CHECK_SECONDS=0)
    elsewhere = other.test_client()
    page_id(writer.submit("/editor/new", "publish", title="Bylined", body="x",
                          authors="author"))
    assert ("Archive", "/archive") in header_links(elsewhere.get("/").get_data(as_text=True))
    assert "Ada Renamed" not in elsewhere.get("/posts/bylined").get_data(as_text=True)

    form = read_form(writer.page("/editor/navigation/"), form_id="nav-form")
    form["item-1-remove"] = "1"  # Archive
    assert writer.client.post("/editor/navigation/", data=form).status_code == 303
    assert ("Archive", "/archive") not in header_links(
        elsewhere.get("/").get_data(as_text=True))

    answer = writer.client.post("/editor/accounts/me", data={
        "csrf_token": writer.token(), "display_name": "Ada Renamed", "bio": ""})
    assert answer.status_code == 303
    assert "Ada Renamed" in elsewhere.get("/posts/bylined").get_data(as_text=True)
