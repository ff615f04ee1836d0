"""A plugin that raises, hangs past the time limit, or returns garbage in each hook: the page
is still served, and the failure is logged and shown to the author.

(A plugin that raises in every hook: tests/plugin_system/test_manager.py, ``broken``.)
"""

from __future__ import annotations

import shutil
import time

import pytest
from pressmark.content.models import Post
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.plugin_system import hookspecs
from pressmark.plugin_system.manager import (
    DEADLINE_HOOKS,
    EVENT_HOOKS,
    calling_rule,
    recent_failures,
)
from pressmark.state import app_state

from tests.conftest import AuthActions
from tests.live_server import LiveSite, WebClient
from tests.plugin_system.test_manager import FIXTURES, build_app, get_page, parse

PAGES = ("/", "/posts/kv-caching", "/archive", "/posts", "/tags/networking",
         "/topics/llm-internals", "/search?q=cache")
PAGE_HOOKS = {"render_slot", "extra_head", "extra_css_urls", "extra_js_urls",
              "extra_template_vars"}


@pytest.fixture
def demo_copy(tmp_path, demo_database):
    database = tmp_path / "demo.sqlite"
    shutil.copy(demo_database, database)
    return database


def failures_of(app, plugin):
    return [f for f in recent_failures(app, limit=100_000) if f["plugin"] == plugin]


def save(app, body: str) -> str:
    with app.app_context():
        post = save_post(PostData(title="Faults", body=body, status="draft"))
        return db.session.get(Post, post.id).body_html


def test_garbage_from_every_hook_is_left_out_and_recorded(tmp_path, demo_copy):
    app = build_app(tmp_path, "everything", "garbage", database=demo_copy)
    for path in PAGES:
        html = get_page(app, path)
        parse(html)
        assert 'data-slot="footer" data-var="vars-for-' in html  # the good plugin still works
        assert "<p>bytes</p>" not in html and "not-a-list" not in html and "3.14" not in html
    body_html = save(app, "{{< junk >}} and {{< fine >}} and a word to detonate.\n")
    assert "<b>ok</b>" in body_html and 'class="embed-error"' in body_html
    assert "detonate" in body_html  # rendered without the exploding extension
    failures = failures_of(app, "garbage")
    hooks = {f["hook"] for f in failures}
    assert hooks >= PAGE_HOOKS | {"register_markdown_extensions", "register_embeds",
                                  "register_calculators"}
    assert any("render_slot returned a bytes" in f["error"] for f in failures)
    assert any("exploded" in f["error"] for f in failures)
    assert not {f["hook"] for f in failures} & EVENT_HOOKS  # an event's value is ignored
    # The author sees it.
    client = app.test_client()
    AuthActions(app, client).login()
    report = client.get("/editor/plugins").get_data(as_text=True)
    assert "garbage" in report and "extra_template_vars returned a list" in report


def test_a_hanging_plugin_costs_one_time_limit_and_is_then_skipped(tmp_path, demo_copy):
    app = build_app(tmp_path, "everything", "hanging", database=demo_copy,
                    PLUGIN_HOOK_TIMEOUT=0.3)
    hanging = app_state(app).plugins["hanging"].module
    try:
        started = time.monotonic()
        html = get_page(app, "/posts/kv-caching?first")
        first = time.monotonic() - started
        parse(html)
        assert 'data-slot="footer"' in html
        # Each hanging hook was waited for once, 0.3 s, not for the 30 s it hangs...
        assert first < hanging.HANG_SECONDS / 2
        # ...and the calls still running are not waited for again: the next page refuses
        # them at once. (Counted, not timed, so a busy machine cannot fail the test.)
        already = len(failures_of(app, "hanging"))
        get_page(app, "/archive")  # another page: not from the page cache
        refused = failures_of(app, "hanging")[: len(failures_of(app, "hanging")) - already]
        assert refused and all("still running from an earlier call" in f["error"]
                               for f in refused if f["hook"] in PAGE_HOOKS)
        body_html = save(app, "{{< slow >}}\n\nThe rest.\n")
        assert 'class="embed-error"' in body_html and "The rest." in body_html
        failures = failures_of(app, "hanging")
        assert {f["hook"] for f in failures} >= PAGE_HOOKS | {"register_embeds"}
        assert all(f["error"].startswith("PluginTimeoutError") for f in failures)
        assert any("PLUGIN_HOOK_TIMEOUT (0.3 s)" in f["error"] for f in failures)
    finally:
        hanging.RELEASE.set()


def test_every_isolated_hook_but_events_has_the_time_limit(tmp_path):
    registries = {"register_embeds", "register_markdown_extensions"}
    assert DEADLINE_HOOKS.issuperset(PAGE_HOOKS | registries)
    assert not DEADLINE_HOOKS & EVENT_HOOKS
    # The calculators plugin's own registry is marked isolated, so it has the limit too.
    app = build_app(tmp_path)
    assert calling_rule(app, "register_calculators") == hookspecs.ISOLATED


def test_a_hanging_plugin_on_the_real_server(tmp_path):
    site = LiveSite(tmp_path, threads=2, env={"PRESSMARK_PLUGIN_HOOK_TIMEOUT": "0.5"})
    site.set_up()
    (site.instance / "plugins").mkdir()
    shutil.copy(FIXTURES / "hanging.py", site.instance / "plugins" / "hanging.py")
    site.start()
    try:
        client = WebClient(site)
        started = time.monotonic()
        assert client.get("/").status == 200
        assert client.get("/posts").status == 200
        assert time.monotonic() - started < 10
        client.login()
        report = client.get("/editor/plugins").text
        assert "hanging" in report and "did not return within PLUGIN_HOOK_TIMEOUT" in report
    finally:
        site.stop()
