"""Accessibility and weight of the public pages, in a real Chromium.

axe-core checks every page at WCAG 2.2 AA in the light and dark themes, whether the theme
comes from the system or from the reader's choice. Each page, with everything it loads,
must stay well under 100 KiB and load nothing from another host. The code colours that
``pressmark.content.pygments_css`` generates are checked for contrast in both themes as well.

axe-core comes from npm; CI prepares it with
``npm install --no-save --prefix .ci/node axe-core``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pressmark.content import pygments_css
from pressmark.content.models import Post
from pressmark.content.reach_models import MENTION_APPROVED, Webmention
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import PASSWORD, add_page_series_and_authors

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = [
    "/",
    "/posts/kv-caching",  # code, a table, footnotes and a table of contents
    "/-/calculators/roofline",  # a calculator's own page, with its chart
    "/topics/llm-internals",
    "/tags/kv-cache",
    "/posts",
    "/posts/page/2/",
    "/archive",
    "/archive/2019",
    "/no/such/page",
    # The page types beyond posts (the live_server below adds them to the demo content).
    "/about",
    "/series/serving-llms",
    "/authors/ada-lovelace",
    "/api/v1/docs",  # the API's description, as a page
]
# The author's pages, signed in (the redesigned post form in a series, a page's form,
# the navigation, the dashboard).
EDITOR_PAGES = ["/editor/", "/editor/new", "/editor/pages/new", "/editor/navigation/",
                "/editor/accounts/", "/editor/accounts/me", "/editor/series/",
                "/editor/newsletter/", "/editor/webmentions/", "/editor/tokens/"]
# theme name -> (the system's colour scheme, the reader's stored choice or None)
THEMES = {
    "light": ("light", None),
    "dark": ("dark", None),
    "dark-chosen-on-light-system": ("light", "dark"),
    "light-chosen-on-dark-system": ("dark", "light"),
}
SYSTEM_THEMES = ["light", "dark"]
BODY_BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(15, 18, 22)"}
BUDGET = 100 * 1024
WELL_UNDER = 0.75  # "well under" the budget: leave room for plugins and longer posts

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary)}));
}"""
# Everything the page loaded: the document and each resource (sizes are fetched afresh,
# since resources the browser had cached report no size).
LOADED = """() => [...performance.getEntriesByType("navigation"),
                 ...performance.getEntriesByType("resource")].map(e => e.name)"""


@pytest.fixture
def live_server(live_server):
    """The demo site with a page, a series and two authors; mail set up (so the subscribe
    forms show) and an approved reply from another site under a post."""
    add_page_series_and_authors(live_server.app)
    live_server.app.config.update(SMTP_HOST="127.0.0.1", SMTP_FROM="blog@example.com")
    with live_server.app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        db.session.add(Webmention(
            source="https://them.example/reply", target="x", post_id=post.id,
            status=MENTION_APPROVED, kind="reply", author_name="Tess Tee",
            author_url="https://them.example/", excerpt="A reply from another site."))
        db.session.commit()
    return live_server


def sign_in(page, url: str) -> None:
    page.goto(url + "/auth/login")
    page.fill("#username", "ada")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url + "/editor/")


def axe_failures(page, axe_source: str, label: str) -> list[str]:
    page.evaluate(axe_source)  # through DevTools: the page's CSP does not apply
    return [
        f"{label} [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in page.evaluate(RUN_AXE, WCAG_TAGS)
    ]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is missing at {AXE.relative_to(ROOT)}; "
            "run: npm install --no-save --prefix .ci/node axe-core"
        )
    return AXE.read_text(encoding="utf-8")


def themed_page(browser, theme: str):
    """A new context and page whose system scheme and stored choice match ``theme``."""
    system, chosen = THEMES[theme]
    context = browser.new_context(color_scheme=system, viewport={"width": 1280, "height": 900})
    if chosen:
        # Runs before theme.js on every page, as if the reader had used the toggle.
        context.add_init_script(f"localStorage.setItem('pressmark-theme', '{chosen}')")
    return context, context.new_page()


@pytest.mark.parametrize("theme", SYSTEM_THEMES)
def test_pages_have_no_wcag_violations(live_server, browser, axe_source, theme):
    context, page = themed_page(browser, theme)
    expected = theme.split("-")[0]
    failures = []
    try:
        for path in PAGES:
            page.goto(live_server.url + path)
            # The theme really applied, so the contrast axe checks is this theme's.
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == BODY_BACKGROUND[expected], (path, background)
            page.evaluate(axe_source)  # through DevTools: the page's CSP does not apply
            for violation in page.evaluate(RUN_AXE, WCAG_TAGS):
                failures.append(
                    f"{path} [{violation['impact']}] {violation['id']}: {violation['help']}\n    "
                    + "\n    ".join(violation["nodes"])
                )
    finally:
        context.close()
    assert not failures, f"{theme} theme:\n" + "\n".join(failures)


# Posts whose calculators and charts axe checks on their own (their code blocks are the
# core's: a wide <pre> there is reported as a scrollable region without keyboard access).
CHART_PAGES = ["/posts/batch-inference", "/posts/tensor-parallelism", "/posts/chunked-prefill"]
RUN_AXE_ON = RUN_AXE.replace(
    "axe.run(document,", "axe.run({include: [['form.calc'], ['figure.chart']]},"
)


@pytest.mark.parametrize("theme", SYSTEM_THEMES)
def test_calculators_and_charts_have_no_wcag_violations(live_server, browser, axe_source, theme):
    context, page = themed_page(browser, theme)
    failures = []
    try:
        for path in CHART_PAGES:
            page.goto(live_server.url + path)
            assert page.locator("figure.chart").count() >= 1, path
            page.locator("figure.chart details").first.evaluate("d => { d.open = true; }")
            page.evaluate(axe_source)
            for violation in page.evaluate(RUN_AXE_ON, WCAG_TAGS):
                failures.append(f"{path} {violation['id']}: " + "; ".join(violation["nodes"]))
    finally:
        context.close()
    assert not failures, f"{theme} theme:\n" + "\n".join(failures)


@pytest.mark.parametrize("theme", SYSTEM_THEMES)
def test_editor_pages_have_no_wcag_violations(live_server, browser, axe_source, theme):
    with live_server.app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.slug == "kv-caching"))
    context, page = themed_page(browser, theme)
    failures = []
    try:
        sign_in(page, live_server.url)
        for path in [*EDITOR_PAGES, f"/editor/{post_id}"]:
            page.goto(live_server.url + path)
            failures += axe_failures(page, axe_source, path)
        page.locator("label[for=focus-mode]").click()  # focus mode: only the text is left
        assert page.locator(".settings-panel").is_hidden()
        failures += axe_failures(page, axe_source, "focus mode")
    finally:
        context.close()
    assert not failures, f"{theme} theme:\n" + "\n".join(failures)


# Every element's colours, so a theme the reader picks can be compared with the system's.
PAINT = """() => [...document.querySelectorAll("body *")].map(e => {
  const s = getComputedStyle(e);
  return [e.tagName, s.color, s.backgroundColor, s.borderTopColor].join(" ");
})"""


@pytest.mark.parametrize("theme", [t for t in THEMES if t not in SYSTEM_THEMES])
def test_a_chosen_theme_paints_exactly_like_the_system_theme(live_server, browser, theme):
    # The axe runs above cover the system themes; site.css and pygments.css repeat each
    # palette for a reader's choice (data-theme), and the copies must not drift apart.
    same = theme.split("-")[0]
    paints = {}
    for name in (theme, same):
        context, page = themed_page(browser, name)
        try:
            paints[name] = []
            for path in ("/", "/posts/kv-caching"):
                page.goto(live_server.url + path)
                paints[name].append(page.evaluate(PAINT))
        finally:
            context.close()
    assert paints[theme] == paints[same]


def test_pages_are_light_and_load_nothing_from_other_hosts(live_server, page):
    origin = urlsplit(live_server.url).netloc
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in PAGES:
        requested.clear()
        page.goto(live_server.url + path)  # waits for the load event: deferred scripts ran
        foreign = [u for u in requested if urlsplit(u).scheme != "data"
                   and urlsplit(u).netloc != origin]
        assert not foreign, (path, foreign)
        loaded = {url: len(page.request.get(url).body()) for url in page.evaluate(LOADED)}
        kinds = {urlsplit(url).path.rpartition(".")[2] for url in loaded}
        assert {"css", "js"} <= kinds, (path, loaded)  # the measure saw the assets
        total = sum(loaded.values())
        assert total < WELL_UNDER * BUDGET, (path, total, loaded)


# --- code colours, from the generated stylesheet ------------------------------------------------


def relative_luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def site_variable(name: str, theme: str) -> str:
    """A custom property's light or dark value in site.css (``--x: light-dark(L, D)``)."""
    css = (ROOT / "app" / "static" / "site.css").read_text(encoding="utf-8")
    pair = rf"{name}:\s*light-dark\((#[0-9a-fA-F]+),\s*(#[0-9a-fA-F]+)\)"
    light, dark = re.search(pair, css).groups()
    return light if theme == "light" else dark


def colours(css: str, prefix: str) -> dict[str, str]:
    """token selector -> colour, for the rules of ``css`` that start with ``prefix``."""
    found = {}
    for selector, body in re.findall(r"^\s*([^{}@/]+?)\s*\{([^}]*)\}", css, re.MULTILINE):
        if selector.startswith(prefix + " ") or selector == prefix:
            match = re.search(r"(?:^|;)\s*color:\s*([^;]+?)\s*(?:;|$)", body)
            if match:
                found[selector[len(prefix) :].strip()] = match[1]
    return found


def test_generated_code_colours_are_up_to_date():
    assert pygments_css.OUTPUT.read_text(encoding="utf-8") == pygments_css.build(), (
        "app/static/pygments.css is stale: run python -m pressmark.content.pygments_css"
    )


def test_code_colours_meet_aa_contrast_in_both_themes():
    css = pygments_css.OUTPUT.read_text(encoding="utf-8")
    light_bg = site_variable("--code-bg", "light")
    dark_bg = site_variable("--code-bg", "dark")
    light = colours(css, ".highlight")
    assert len(light) > 20
    for prefix in pygments_css.DARK_SELECTORS:
        dark = colours(css, prefix)
        base = dark.get("", site_variable("--text", ':root[data-theme="dark"]'))
        # Every light colour is overridden in dark mode, so none leaks onto the dark code.
        assert set(light) <= set(dark), set(light) - set(dark)
        for token, colour in dark.items():
            effective = base if colour in ("unset", "inherit") else colour
            assert contrast(effective, dark_bg) >= 4.5, (prefix, token, colour)
    for token, colour in light.items():
        assert contrast(colour, light_bg) >= 4.5, (token, colour)


def test_light_code_colours_never_leak_into_dark_mode():
    # Pygments' "inkpot" has no rule for literals, which "xcode" colours dark blue.
    css = pygments_css.build(light_style="xcode", dark_style="inkpot")
    light = colours(css, ".highlight")
    assert light[".l"] == "#1C01CE"
    for prefix in pygments_css.DARK_SELECTORS:
        assert colours(css, prefix)[".l"] == "unset"
