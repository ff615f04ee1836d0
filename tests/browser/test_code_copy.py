"""Code blocks on public posts get a Copy button from a script file: it copies the code,
says "Copied" to the eye and to screen readers, works from the keyboard, keeps to the
strict Content-Security-Policy, and is not there at all without script."""

from __future__ import annotations

from playwright.sync_api import expect
from pressmark.content.store import PostData, save_post

BODY = """Two blocks.

```python
def kv_bytes(layers, tokens):
    return 2 * layers * tokens
```

Then a shell one.

```
pip install pressmark
```
"""
FIRST = "def kv_bytes(layers, tokens):\n    return 2 * layers * tokens"


def publish(app) -> str:
    with app.app_context():
        save_post(PostData(title="Copy me", body=BODY, status="published"))
    return "/posts/copy-me"


def test_a_code_block_is_copied_by_mouse_and_keyboard(live_server, browser):
    path = publish(live_server.app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    try:
        page.goto(live_server.url + path)
        expect(page.get_by_role("button", name="Copy code")).to_have_count(2)
        buttons = page.locator(".code-copy")
        status = page.get_by_role("status")
        buttons.first.click()
        expect(status).to_have_text("Copied")
        expect(buttons.first).to_have_accessible_name("Copied code")
        assert page.evaluate("navigator.clipboard.readText()") == FIRST

        # From the keyboard: Tab reaches the second button, Enter copies its block.
        page.evaluate("document.querySelectorAll('.code-copy')[0].focus()")
        page.keyboard.press("Tab")
        second = page.locator(".code-copy").nth(1)
        expect(second).to_be_focused()
        page.keyboard.press("Enter")
        expect(second).to_have_accessible_name("Copied code")
        assert page.evaluate("navigator.clipboard.readText()") == "pip install pressmark"
        expect(status).to_have_text("Copied")
        # The label comes back, ready for the next copy.
        expect(second).to_have_accessible_name("Copy code", timeout=5000)
        # The button sits in the block's corner and the code itself is unchanged.
        code = page.locator(".post-body pre").first
        assert code.inner_text().rstrip("\n") == FIRST
        box, corner = code.bounding_box(), buttons.first.bounding_box()
        right = box["x"] + box["width"]
        assert right - 40 < corner["x"] + corner["width"] <= right
        assert box["y"] <= corner["y"] < box["y"] + 20
        assert not [m for m in console if "Content Security Policy" in m], console
    finally:
        context.close()


def test_no_button_without_script_and_no_script_without_code(live_server, browser):
    path = publish(live_server.app)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        expect(page.locator(".post-body pre")).to_have_count(2)
        expect(page.get_by_role("button", name="Copy code")).to_have_count(0)
    finally:
        context.close()
    with live_server.app.app_context():
        save_post(PostData(title="Prose only", body="No code here.", status="published"))
    html = browser.new_page().request.get(live_server.url + "/posts/prose-only").text()
    assert "code-copy.js" not in html
