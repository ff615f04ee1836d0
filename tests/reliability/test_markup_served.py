"""Defects 3 and 4 of the hardening review, through the real server: a post saved in the
editor of ``pressmark serve`` is read back from its public page."""

import html
import re

import feedparser
import pytest

from tests.live_server import LiveSite, WebClient


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = LiveSite(tmp_path_factory.mktemp("markup-served"), threads=2).set_up().start()
    yield site
    site.stop()


def public_page(client: WebClient, post_id: int) -> str:
    slug = re.search(r'href="(/posts/[^"]+)"', client.get(f"/editor/{post_id}").text).group(1)
    answer = client.get(slug)
    assert answer.status == 200
    return answer.text


def test_a_stray_style_tag_no_longer_swallows_the_post(site):
    client = WebClient(site)
    client.login()
    body = (
        "Put CSS in a <style> element, and a form in a <textarea>.\n\n"
        "<xmp>\n\n## Still here\n\nEvery **word** after the tags is kept.\n"
    )
    html = public_page(client, client.create_post("Stray tags", body))
    assert "Put CSS in a &lt;style&gt; element" in html
    assert "&lt;textarea&gt;" in html and "&lt;xmp&gt;" in html
    assert "Every <strong>word</strong> after the tags is kept." in html
    assert re.search(r"<h2 id=\"[^\"]*still-here\"", html)


def test_embeds_past_the_tenth_render_their_own_calculator(site):
    client = WebClient(site)
    client.login()
    names = ["kv-cache", "token-cost"]
    body = "\n\n".join(f"{{{{< calc {names[n % 2]} >}}}}" for n in range(12)) + "\n"
    html = public_page(client, client.create_post("Twelve calculators", body))
    forms = re.findall(r'<form[^>]*action="/-/calculators/([\w-]+)"', html)
    assert forms == [names[n % 2] for n in range(12)]
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids on the page"
    assert "tpembed" not in html


def test_rss_titles_reach_feed_readers_as_text(site):
    client = WebClient(site)
    client.login()
    title = "Why <b>bold</b> & <script>alert(1)</script> matter"
    client.create_post(title, "Body text.")
    feed = feedparser.parse(client.get("/feed.xml").text)
    entry = next(e for e in feed.entries if "bold" in e.title)
    assert entry.title_detail.type == "text/html"
    assert html.unescape(entry.title) == title  # shown as typed, not as bold text or script
    atom = feedparser.parse(client.get("/feed.atom").text)
    assert any(e.title == title for e in atom.entries)


def test_ids_in_a_post_cannot_take_over_the_page_ids(site):
    client = WebClient(site)
    client.login()
    body = (
        "## Main\n\n## Theme toggle\n\n## Post title\n\n"
        "See [above](#main).[^1]\n\n[^1]: A note.\n"
    )
    page = public_page(client, client.create_post("Clobbering", body))
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert {"main", "theme-toggle", "post-title"} <= set(ids)
    assert {"s-main", "s-theme-toggle", "s-post-title", "s-fn:1"} <= set(ids)
    for target in re.findall(r'href="#([^"]+)"', page):
        assert target in ids, f"#{target} leads nowhere"
