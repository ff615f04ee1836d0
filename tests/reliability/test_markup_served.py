"""Defects 3 and 4 of the hardening review, through the real server: a post saved in the
editor of ``pressmark serve`` is read back from its public page."""

import re

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
