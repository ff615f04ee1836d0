"""A technical post as readers get it, in a real Chromium: math as MathML, a responsive
figure and a cover with the right srcset candidate, no layout shift, no CSP violation,
nothing from other hosts until a video is played; social-card meta on every page type; a
theme's templates."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pressmark.content.models import PUBLISHED
from pressmark.content.postdata import PostData
from pressmark.content.store import save_post
from pressmark.content.uploads.receive import store_upload
from pressmark.extensions import db

from tests.browser.test_accessibility import RUN_AXE, WCAG_TAGS, axe_source  # noqa: F401
from tests.conftest import free_port, make_test_app, serve_in_thread

FIXTURES = Path(__file__).resolve().parents[1] / "fixture_plugins"

BODY = r"""The cache holds a key and a value per layer and KV head:

$$
\text{bytes per token} = 2 \times n_{\text{layers}} \times n_{\text{kv}} \times d \times b
$$

With acceptance rate $a$ and $k$ drafts, a target step yields
\(\frac{1 - a^{k+1}}{1 - a}\) tokens on average. It costs $20 per hour.

Some text to push the figure below the fold.

""" + "\n\n".join(f"Paragraph {i} about serving large models." for i in range(30)) + r"""

![Throughput against batch size](FIGURE_URL "Figure 1: throughput flattens past batch 64")

{{< youtube dQw4w9WgXcQ title="Serving at scale" >}}
"""

# Records every layout shift from the start of the page (buffered), for CLS.
CLS = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


@dataclass
class Site:
    app: object
    url: str

    def __call__(self, path: str) -> str:
        return self.url + path


def photo(width: int, height: int, colour: tuple[int, int, int]) -> io.BytesIO:
    image = Image.new("RGB", (width, height), colour)
    image.paste((250, 250, 250), (0, 0, width // 3, height // 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    out.seek(0)
    return out


@pytest.fixture
def site(tmp_path, demo_database):
    """The demo site plus a published post with math, a figure, a cover and a video."""
    database = tmp_path / "live.sqlite"
    shutil.copy(demo_database, database)
    app = make_test_app(
        tmp_path, database=database, TRUSTED_HOSTS=["127.0.0.1"],
        VIDEO_POSTER_URLS={"youtube": f"http://127.0.0.1:{free_port()}/unreachable/{{id}}.jpg"},
    )
    with app.app_context():
        figure = store_upload(photo(2000, 1000, (40, 90, 160)))
        cover = store_upload(photo(1600, 900, (160, 60, 40)))
        save_post(PostData(
            title="Sizing the KV cache", slug="sizing", summary="Math, a figure and a cover.",
            topic="llm-internals", tags=["kv-cache"], status=PUBLISHED,
            body=BODY.replace("FIGURE_URL", figure.url), cover_image=cover.url,
            cover_alt="A red rack of servers",
        ))
    with serve_in_thread(app) as url:
        yield Site(app, url)
    with app.app_context():
        db.engine.dispose()


def watch(page, origin: str) -> dict[str, list[str]]:
    """Collects CSP violations from the console and requests to other hosts."""
    seen: dict[str, list[str]] = {"csp": [], "foreign": [], "errors": []}
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("console", lambda m: seen["csp"].append(m.text)
            if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: seen["foreign"].append(r.url)
            if urlsplit(r.url).scheme != "data" and urlsplit(r.url).netloc != origin else None)
    return seen


@pytest.mark.parametrize(
    ("viewport", "scale", "figure_width", "cover_width"),
    [((1280, 900), 1, 800, 800), ((1280, 900), 2, 1600, 1600), ((390, 800), 1, 480, 480)],
    ids=["desktop", "desktop-2x", "phone"],
)
def test_math_figure_and_cover_render_without_shift_or_csp_violation(
    site, browser, viewport, scale, figure_width, cover_width
):
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=scale
    )
    page = context.new_page()
    seen = watch(page, urlsplit(site.url).netloc)
    try:
        page.goto(site("/posts/sizing"))
        # MathML, drawn by the browser: two formulas with real boxes, prices left as text.
        assert page.locator("math").count() == 4
        box = page.locator('math[display="block"]').bounding_box()
        assert box and box["width"] > 100 and box["height"] > 10
        assert page.evaluate("document.querySelector('mfrac') instanceof MathMLElement")
        assert "It costs $20 per hour." in page.locator(".post-body").inner_text()
        # The cover is eager; srcset picks the candidate for this width and density.
        cover = page.locator(".post-cover img")
        cover_src = cover.evaluate("img => img.currentSrc")
        assert cover_src.endswith(f"-{cover_width}w.avif"), cover_src
        # The figure loads lazily when scrolled to, then picks its candidate too.
        figure = page.locator(".post-body figure:not(.video-embed) img")
        figure.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=figure.element_handle())
        figure_src = figure.evaluate("img => img.currentSrc")
        assert figure_src.endswith(f"-{figure_width}w.avif"), figure_src
        assert page.locator(".post-body figure:not(.video-embed) figcaption").inner_text() == (
            "Figure 1: throughput flattens past batch 64"
        )
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(300)
        assert page.evaluate(CLS) == 0
        assert seen["csp"] == [] and seen["foreign"] == [] and seen["errors"] == []
    finally:
        context.close()


def test_video_loads_nothing_from_elsewhere_until_played_then_the_nocookie_player(site, page):
    seen = watch(page, urlsplit(site.url).netloc)
    played: list[str] = []

    def fake_player(route):
        played.append(route.request.url)
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><title>player</title><p>player</p>")

    page.route("https://www.youtube-nocookie.com/**", fake_player)
    page.goto(site("/posts/sizing"))
    card = page.locator(".video-embed .video-link")
    card.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert seen["foreign"] == [] and played == []
    assert card.get_attribute("href") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    card.click()
    frame = page.locator(".video-embed iframe.video-frame")
    frame.wait_for()
    assert frame.get_attribute("src") == (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
    )
    page.wait_for_timeout(500)
    assert played == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"]
    assert seen["csp"] == []
    assert all(urlsplit(u).netloc == "www.youtube-nocookie.com" for u in seen["foreign"])


def test_the_authored_post_passes_axe_in_both_themes(site, browser, axe_source):  # noqa: F811
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280,
                                                                      "height": 900})
        page = context.new_page()
        try:
            page.goto(site("/posts/sizing"))
            page.evaluate(axe_source)
            violations = page.evaluate(RUN_AXE, WCAG_TAGS)
            assert violations == [], (scheme, violations)
        finally:
            context.close()


SOCIAL_PAGES = {
    "home": "/",
    "post": "/posts/sizing",
    "topic": "/topics/llm-internals",
    "tag": "/tags/kv-cache",
    "posts": "/posts",
    "archive": "/archive",
}


def test_social_cards_on_every_page_type(site, page):
    for kind, path in SOCIAL_PAGES.items():
        page.goto(site(path))
        meta = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            'meta[property^="og:"], meta[name^="twitter:"]')].map(m =>
            [m.getAttribute("property") || m.getAttribute("name"), m.content]))""")
        canonical = page.locator('link[rel="canonical"]').get_attribute("href")
        assert canonical == "http://localhost" + path, kind
        assert meta["og:url"] == canonical and meta["twitter:card"] == "summary_large_image"
        assert meta["og:title"] and meta["og:description"] and meta["og:image:alt"], kind
        kinds = page.evaluate("""() => [...document.querySelectorAll(
            'script[type="application/ld+json"]')].map(s => JSON.parse(s.textContent)["@type"])""")
        assert "BreadcrumbList" in kinds, kind
        assert ("BlogPosting" in kinds) == (kind == "post"), kind
        # The card itself: 1200x630, from this site.
        image = meta["og:image"].replace("http://localhost", site.url)
        size = page.evaluate("""src => new Promise((ok, fail) => { const i = new Image();
            i.onload = () => ok([i.naturalWidth, i.naturalHeight]); i.onerror = fail;
            i.src = src; })""", image)
        assert size == [1200, 630], (kind, image)
    assert page.evaluate("document.querySelector('meta[property=\"og:image\"]').content") \
        .startswith("http://localhost/-/card.png")


def test_a_theme_changes_the_header_and_the_archive_page(tmp_path, demo_database, page):
    database = tmp_path / "themed.sqlite"
    shutil.copy(demo_database, database)
    plugins = tmp_path / "instance" / "plugins"
    plugins.mkdir(parents=True)
    shutil.copy(FIXTURES / "theme_probe.py", plugins / "theme_probe.py")
    shutil.copytree(FIXTURES / "theme_probe_templates", plugins / "theme_probe_templates")
    app = make_test_app(tmp_path, database=database, TRUSTED_HOSTS=["127.0.0.1"])
    with serve_in_thread(app) as url:
        page.goto(url + "/")
        assert page.locator(".site-header .themed-mark").inner_text() == "(probe theme)"
        assert page.locator('nav[aria-label="Main"]').is_visible()
        page.goto(url + "/archive")
        assert page.locator("h1").inner_text() == "The themed archive"
        assert page.locator(".site-header .themed-mark").is_visible()
        page.goto(url + "/posts/kv-caching")
        assert page.locator(".post-body").is_visible()
    with app.app_context():
        db.engine.dispose()
