"""Writing as a blog's authors do, in a real Chromium: a post in a series with two authors
published from the editor and read back; the editor's shortcuts, focus mode, word count
and scrolling preview; and the contributor's refusals."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from pressmark.content.models import Post
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import PASSWORD, add_page_series_and_authors

TIMEOUT = 10_000
MOD = "Control"  # Chromium on Linux: the shortcuts use Ctrl


@pytest.fixture
def site(live_server):
    """The demo site with a page, the two-part series "Serving LLMs", and the accounts
    ada (owner, Ada Lovelace) and bo (contributor, Bo Builder)."""
    add_page_series_and_authors(live_server.app)
    return live_server


def sign_in(page, url: str, username: str) -> None:
    page.goto(url + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/editor/$"))
    page.wait_for_load_state("load")  # the editor's deferred script has run


def collect_console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    return messages


def test_a_post_in_a_series_with_two_authors_is_published_and_read(site, browser, page):
    console = collect_console(page)
    sign_in(page, site.url, "ada")
    page.goto(site.url + "/editor/new")
    expect(page.locator("#ed-authors")).to_have_value("ada")  # the writer, to start with
    page.fill("#ed-title", "Paged attention")
    page.fill("#ed-body", "## Blocks\n\nThe KV cache in fixed-size blocks.\n\n## Tables\n\n"
                          "A block table maps tokens to blocks.")
    page.fill("#ed-authors", "ada, bo")
    page.fill("#ed-series", "Serving LLMs")
    page.fill("#ed-summary", "Part three: the KV cache in blocks.")
    page.locator("[data-publish-button]").click()
    expect(page.locator(".flash")).to_contain_text("Published", timeout=TIMEOUT)

    reader_context = browser.new_context(viewport={"width": 1280, "height": 900})
    reader = reader_context.new_page()
    reader_console = collect_console(reader)
    try:
        reader.goto(site.url + "/posts/paged-attention")
        expect(reader.locator(".byline")).to_have_text("By Ada Lovelace and Bo Builder")
        box = reader.locator(".series-box")
        expect(box.locator(".series-part")).to_contain_text(
            "Part 3 of 3 in the series Serving LLMs")
        box.locator("summary").click()  # the contents list opens
        expect(box.locator("ol li")).to_have_count(3)
        expect(box.locator("[aria-current=page]")).to_have_text("Paged attention")
        expect(box.locator("a[rel=next]")).to_have_count(0)
        ld = json.loads(reader.locator("script[type='application/ld+json']").first.text_content())
        assert [a["name"] for a in ld["author"]] == ["Ada Lovelace", "Bo Builder"]

        # Previous part, then the byline's author page, each a link a reader follows.
        box.locator("a[rel=prev]").click()
        expect(reader.locator(".series-part")).to_contain_text("Part 2 of 3")
        reader.locator(".byline a", has_text="Bo Builder").click()
        expect(reader.locator("h1")).to_have_text("Bo Builder")
        expect(reader.locator(".post-list")).to_contain_text("Paged attention")
        reader.goto(site.url + "/series/serving-llms")
        titles = reader.locator(".series-list .post-item-title").all_text_contents()
        assert titles[-1] == "Paged attention" and len(titles) == 3
        feed = reader.request.get(site.url + "/series/serving-llms/feed.json").json()
        item = next(i for i in feed["items"] if i["title"] == "Paged attention")
        assert [a["name"] for a in item["authors"]] == ["Ada Lovelace", "Bo Builder"]
    finally:
        reader_context.close()
    for messages in (console, reader_console):
        assert not [m for m in messages if m.startswith("error")], messages
    assert not page.js_errors


def test_shortcuts_save_preview_and_publish_and_are_named_on_the_buttons(site, page):
    sign_in(page, site.url, "ada")
    page.goto(site.url + "/editor/new")
    assert "Ctrl+S" in page.locator("[data-shortcut=save]").get_attribute("title")
    assert "Alt+Shift+P" in page.locator("[data-shortcut=preview]").get_attribute("title")
    assert "Ctrl+Shift+Enter" in page.locator("[data-shortcut=publish]").get_attribute("title")
    page.fill("#ed-title", "Shortcut post")
    page.fill("#ed-body", "Written with the keyboard.")
    page.keyboard.press(f"{MOD}+s")
    expect(page.locator(".flash")).to_have_text("Draft saved.", timeout=TIMEOUT)
    post_url = page.url
    assert re.search(r"/editor/\d+$", post_url)

    page.fill("#ed-body", "Written with the keyboard, then previewed.")
    page.locator("#ed-body").press("Alt+Shift+P")
    expect(page.locator(".editor-flashes")).to_contain_text("Nothing is saved yet", timeout=TIMEOUT)
    expect(page.locator("#ed-body")).to_have_value("Written with the keyboard, then previewed.")

    page.locator("#ed-body").press(f"{MOD}+Shift+Enter")
    expect(page.locator(".flash")).to_contain_text("Published", timeout=TIMEOUT)
    with site.app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "shortcut-post"))
        assert post.status == "published"
        assert post.body == "Written with the keyboard, then previewed."
    assert not page.js_errors


def test_title_and_body_fill_the_first_screen_and_the_preview_follows(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    try:
        sign_in(page, site.url, "ada")
        with site.app.app_context():
            post_id = db.session.scalar(select(Post.id).where(Post.slug == "kv-caching"))
        page.goto(site.url + f"/editor/{post_id}")
        title = page.locator("#ed-title").bounding_box()
        body = page.locator("#ed-body").bounding_box()
        assert title["y"] < 400 and body["y"] < 500  # not below slug, summary, topic...
        assert body["y"] + body["height"] <= 1400 and body["height"] > 700
        settings = page.locator(".settings-panel").bounding_box()
        assert settings["x"] > body["x"] + body["width"]  # beside, not above
        preview = page.locator("#preview").bounding_box()
        assert abs(preview["y"] - body["y"]) < 60 and preview["x"] > body["x"]

        # The word count follows the text (the preview's count, the readers' rule).
        page.fill("#ed-body", "one two three four five")
        expect(page.locator("#writing-count")).to_have_text("5 words · about 1 min read",
                                                             timeout=TIMEOUT)
        page.fill("#ed-body", "\n\n".join(f"Paragraph {n} " + "word " * 40 for n in range(80)))
        expect(page.locator("#preview")).to_contain_text("Paragraph 79", timeout=TIMEOUT)
        page.locator("#ed-body").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        page.wait_for_function(
            "() => { const p = document.getElementById('preview');"
            " return p.scrollTop > 0.9 * (p.scrollHeight - p.clientHeight); }",
            timeout=TIMEOUT,
        )
    finally:
        context.close()


def test_focus_mode_leaves_only_the_text_with_and_without_scripts(site, browser):
    for javascript in (True, False):
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      java_script_enabled=javascript)
        page = context.new_page()
        try:
            sign_in(page, site.url, "ada")
            page.goto(site.url + "/editor/new")
            hidden = [".site-header", ".settings-panel", ".preview-pane", ".editor-bar"]
            for selector in hidden:
                expect(page.locator(selector)).to_be_visible()
            if javascript:
                page.locator("#ed-body").press("Alt+Shift+F")
            else:
                page.locator("label[for=focus-mode]").click()
            for selector in hidden:
                expect(page.locator(selector)).to_be_hidden()
            for selector in ("#ed-title", "#ed-body", "[data-shortcut=save]"):
                expect(page.locator(selector)).to_be_visible()
            if javascript:
                page.keyboard.press("Escape")
            else:
                page.locator("label[for=focus-mode]").click()
            expect(page.locator(".settings-panel")).to_be_visible()
        finally:
            context.close()


def test_a_contributor_drafts_but_is_refused_publishing_pages_and_live_posts(site, page):
    sign_in(page, site.url, "bo")
    expect(page.get_by_role("link", name="New page")).to_have_count(0)
    page.goto(site.url + "/editor/new")
    expect(page.locator("[data-shortcut=publish]")).to_have_count(0)
    page.fill("#ed-title", "Bo's draft")
    page.fill("#ed-body", "Draft words.")
    page.locator("#ed-body").press(f"{MOD}+Shift+Enter")  # no publish button: nothing
    page.wait_for_timeout(300)
    assert page.url.endswith("/editor/new")
    page.locator("#ed-body").press(f"{MOD}+s")
    expect(page.locator(".flash")).to_have_text("Draft saved.", timeout=TIMEOUT)

    for path in ("/editor/pages/new", "/editor/navigation/"):
        page.goto(site.url + path)
        expect(page.locator("h1")).to_have_text("Not allowed")
    with site.app.app_context():
        live = db.session.scalar(select(Post.id).where(Post.slug == "kv-caching"))
    response = page.goto(site.url + f"/editor/{live}")  # Bo is an author, but it is live
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("only an owner or an editor")
    assert not page.js_errors


def test_the_dashboard_rows_draw_their_borders_at_one_height(site, page):
    """The Actions cell used to be a flex box itself, so its border sat higher than the
    rest of its row's."""
    sign_in(page, site.url, "ada")
    rows = page.locator(".post-table tbody tr")
    assert rows.count() > 10
    bottoms = rows.evaluate_all("""rows => rows.slice(0, 10).map(row =>
        [...row.cells].map(cell => Math.round(cell.getBoundingClientRect().bottom)))""")
    for cells in bottoms:
        assert len(set(cells)) == 1, cells
