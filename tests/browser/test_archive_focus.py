"""The archive hover-focus view in a real Chromium: hover, keyboard focus, reduced motion
and touch, on the home page ("From the Archive"), on /archive and on a year's page."""

from __future__ import annotations

import pytest

PAGES = ["/", "/archive", "/archive/2026"]
ITEMS = ".archive-item"
DIMMED = "parseFloat(s.opacity) <= 0.6 && s.filter !== 'none'"  # the item has receded
IN_FOCUS = "s.opacity === '1' && s.filter === 'none'"


def style(locator) -> dict:
    """The computed opacity, filter and longest transition (seconds) of an element."""
    return locator.evaluate(
        """e => { const s = getComputedStyle(e);
                  const times = s.transitionDuration.split(",").map(parseFloat);
                  return {opacity: parseFloat(s.opacity), filter: s.filter,
                          transition: Math.max(...times)}; }"""
    )


def wait_until(page, locator, condition: str) -> None:
    """Wait (at most 5 s, for a busy CI machine) for ``condition`` on the computed style ``s``."""
    page.wait_for_function(
        f"e => {{ const s = getComputedStyle(e); return {condition}; }}",
        arg=locator.element_handle(),
        timeout=5000,
    )


def assert_in_focus(page, locator) -> None:
    """The item is (or, once its transition ends, is) drawn at full opacity, unblurred."""
    wait_until(page, locator, IN_FOCUS)


def assert_still_in_accessibility_tree(page, item) -> None:
    # Role queries skip aria-hidden and invisible elements, so the link must still be found.
    title = item.locator(".archive-title").inner_text()
    link = page.get_by_role("link", name=title, exact=False)
    assert link.count() >= 1
    assert item.evaluate("e => e.closest('[aria-hidden=true], [inert]') === null")


@pytest.mark.parametrize("path", PAGES)
def test_hover_brings_one_item_into_focus_and_the_others_recede(live_server, page, path):
    page.goto(live_server.url + path)
    items = page.locator(ITEMS)
    hovered, other, last = items.nth(3), items.nth(0), items.last
    assert_in_focus(page, other)  # at rest the list is plain
    assert style(other)["transition"] > 0  # dimming is eased

    hovered.hover()
    wait_until(page, other, DIMMED)
    wait_until(page, last, DIMMED)  # on /archive, other years' lists recede too
    assert "blur" in style(other)["filter"]
    assert_in_focus(page, hovered)
    assert_still_in_accessibility_tree(page, other)

    page.mouse.move(5, 5)  # leave the list: everything comes back
    wait_until(page, other, IN_FOCUS)


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_focus_brings_the_focused_item_forward(live_server, page, path):
    page.goto(live_server.url + path)
    page.mouse.move(5, 5)
    # Start from the last link before the archive, then move on with the keyboard.
    page.locator("[data-archive-list]").first.locator("xpath=preceding::a[1]").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.archive-list')"):
            break
    else:
        pytest.fail("Tab never reached an archive link")
    focused = page.locator(f"{ITEMS}:focus-within")
    assert focused.count() == 1
    other = page.locator(f"{ITEMS}:not(:focus-within)").first
    wait_until(page, other, DIMMED)
    assert_in_focus(page, focused)
    # The focus ring shows on the focused link.
    outline = focused.locator("a").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"

    page.keyboard.press("Enter")  # keyboard activation is never intercepted
    page.wait_for_url("**/posts/**")


@pytest.mark.parametrize("path", PAGES)
def test_reduced_motion_turns_off_transitions_and_blur(live_server, page, path):
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server.url + path)
    items = page.locator(ITEMS)
    hovered, other = items.nth(1), items.nth(2)
    assert style(other)["transition"] == 0

    hovered.hover()
    # No transition: the change is immediate, not eased, and nothing blurs.
    current = style(other)
    assert current["opacity"] <= 0.6
    assert current["filter"] == "none"
    assert_in_focus(page, hovered)


@pytest.fixture
def touch_page(browser):
    context = browser.new_context(
        has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_first_tap_focuses_an_item_second_tap_follows_the_link(live_server, touch_page, path):
    page = touch_page
    page.goto(live_server.url + path)
    assert page.locator("[data-archive-list].is-focus-enhanced").count() >= 1
    items = page.locator(ITEMS)
    first, second = items.nth(2), items.nth(4)
    href = first.locator("a").get_attribute("href")
    page.evaluate("window.stillHere = true")  # a navigation would drop it

    first.locator("a").tap()
    wait_until(page, second, DIMMED)
    assert_in_focus(page, first)
    assert "is-focused" in first.get_attribute("class")
    outline = first.locator("a").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"
    assert page.evaluate("window.stillHere === true")  # the first tap did not navigate

    # Tapping another item moves the focus there instead of navigating.
    second.locator("a").tap()
    wait_until(page, first, DIMMED)
    assert_in_focus(page, second)
    assert page.evaluate("window.stillHere === true")

    # Tapping elsewhere lets go; then two taps on one item open it.
    page.locator("h1").tap()
    wait_until(page, first, "s.opacity === '1'")
    first.locator("a").tap()
    first.locator("a").tap()
    page.wait_for_url(live_server.url + href)
    assert not page.js_errors


def test_mouse_click_follows_the_link_at_once(live_server, page):
    page.goto(live_server.url + "/archive")
    link = page.locator(f"{ITEMS} a").nth(5)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(live_server.url + href)


def test_without_javascript_the_list_is_plain_and_works(live_server, browser):
    # Without JavaScript no polling wait can run in the page, so reduced motion (no
    # transition) lets each computed style be read at once.
    context = browser.new_context(java_script_enabled=False, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert page.locator(".is-focus-enhanced").count() == 0
        items = page.locator(ITEMS)
        assert items.count() == 43
        assert style(items.nth(0))["opacity"] == 1
        items.nth(1).hover()  # hover needs no script
        assert style(items.nth(0))["opacity"] <= 0.6
        assert style(items.nth(1))["opacity"] == 1
        href = items.nth(0).locator("a").get_attribute("href")
        items.nth(0).locator("a").click()
        page.wait_for_url(live_server.url + href)
    finally:
        context.close()
