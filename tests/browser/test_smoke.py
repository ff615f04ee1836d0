"""The home page in a real browser: it renders, runs its script and breaks no CSP rule."""


def test_home_page_renders_with_scripts_and_no_errors(live_server, page):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Engineering")
    # theme.js ran: the toggle is shown and the no-js class is gone.
    assert page.locator("#theme-toggle").is_visible()
    assert "no-js" not in page.evaluate("document.documentElement.className")
    assert not page.js_errors
    assert not [m for m in messages if "Content Security Policy" in m]


def test_theme_toggle_switches_to_dark_and_persists(live_server, page):
    page.goto(live_server.url + "/")
    page.click("#theme-toggle")  # system -> light
    page.click("#theme-toggle")  # light -> dark
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 18, 22)"
