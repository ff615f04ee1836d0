"""The editor's layout in a real Chromium: on a 1440×1000 screen the body and the preview
fill the window's height, side by side and aligned with the header; on a phone the action
bar is one row that never covers the caret."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from pressmark.content.models import Post
from pressmark.extensions import db
from sqlalchemy import select

from tests.browser.test_authoring import sign_in, site  # noqa: F401
from tests.browser.test_editor import TIMEOUT


def post_id(site) -> int:  # noqa: F811
    with site.app.app_context():
        return db.session.scalar(select(Post.id).where(Post.slug == "kv-caching"))


@pytest.fixture
def open_editor(site, browser):  # noqa: F811
    """Opens the kv-caching post in the editor in a window of the given size."""
    contexts = []

    def open_at(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        sign_in(page, site.url, "ada")
        page.goto(f"{site.url}/editor/{post_id(site)}")
        page.wait_for_load_state("load")
        return page

    yield open_at
    for context in contexts:
        context.close()


def test_body_and_preview_fill_the_window_height(open_editor):
    page = open_editor(1440, 1000)
    body = page.locator("#ed-body").bounding_box()
    preview = page.locator("#preview").bounding_box()
    bar = page.locator(".form-actions").bounding_box()
    # Side by side, the same top and height, more than half of the window (it was 430 px).
    assert preview["x"] > body["x"] + body["width"]
    assert abs(preview["y"] - body["y"]) < 1 and abs(preview["height"] - body["height"]) < 1
    assert body["height"] > 520, body
    # Down to the buttons, which end at the window's bottom: nothing left empty, no scrolling.
    assert 0 <= bar["y"] - (body["y"] + body["height"]) < 24
    assert 990 <= bar["y"] + bar["height"] <= 1000
    assert page.evaluate("document.documentElement.scrollHeight") <= 1000
    # The labels above the two boxes share a row, and the editor's edges are the header's.
    label = page.locator("label[for=ed-body]").bounding_box()
    heading = page.locator("#preview-title").bounding_box()
    assert label["y"] < heading["y"] < body["y"]
    brand = page.locator(".brand").bounding_box()
    title = page.locator("#ed-title").bounding_box()
    assert abs(brand["x"] - title["x"]) < 2
    settings = page.locator(".settings-panel").bounding_box()
    toggle = page.locator("#theme-toggle").bounding_box()
    assert abs((toggle["x"] + toggle["width"]) - (settings["x"] + settings["width"])) < 2
    # The long settings panel scrolls within the same height; its last field is reachable.
    assert settings["y"] + settings["height"] <= bar["y"] + 1
    page.locator("#ed-image_alt").focus()
    expect(page.locator("#ed-image_alt")).to_be_in_viewport()


# The caret's bottom edge in the window, for a body whose lines are too short to wrap: the
# lines before it times the line height, less what the textarea has scrolled.
CARET_BOTTOM = """el => {
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight);
  const lines = el.value.slice(0, el.selectionEnd).split("\\n").length;
  return el.getBoundingClientRect().top + parseFloat(style.borderTopWidth)
    + parseFloat(style.paddingTop) + lines * line - el.scrollTop;
}"""


def test_on_a_phone_the_action_bar_is_one_row_and_never_covers_the_caret(open_editor):
    page = open_editor(390, 844)
    bar = page.locator(".form-actions")
    buttons = bar.get_by_role("button")
    assert buttons.count() >= 2
    tops = {round(box["y"]) for box in buttons.evaluate_all(
        "els => els.map(el => el.getBoundingClientRect().toJSON())")}
    assert len(tops) == 1, tops
    assert bar.bounding_box()["height"] < 64

    body = page.locator("#ed-body")
    body.fill("\n".join(f"line {n}" for n in range(12)))
    # The body's top in the lower half of the window: its end is behind the bar.
    page.evaluate("""() => {
      const box = document.getElementById("ed-body").getBoundingClientRect();
      window.scrollBy(0, box.top - 480);
    }""")
    body.evaluate("el => { el.focus(); el.setSelectionRange(6, 6); }")  # after "line 0"
    for n in range(20):
        body.press("Enter")
        body.press_sequentially(f"new {n}")
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
        caret = body.evaluate(CARET_BOTTOM)
        bar_top = bar.bounding_box()["y"]
        assert caret <= bar_top, f"after line {n}: caret at {caret}, bar at {bar_top}"
    expect(body).to_have_value("line 0" + "".join(f"\nnew {n}" for n in range(20))
                               + "".join(f"\nline {n}" for n in range(1, 12)), timeout=TIMEOUT)
