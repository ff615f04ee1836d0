"""The plugin manager and every hook, exercised through real fixture plugins.

Fixture plugins live in ``tests/fixture_plugins/`` and are copied into a temporary
``instance/plugins/`` folder, so they are loaded exactly as a site's directory plugins are.
Each ``test_hook_<name>`` test exercises one hook (``tests/test_hookspecs.py`` checks that
every hook has one).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path

import html5lib
import pluggy
import pytest
from pressmark.content.models import PUBLISHED, Post, Tag
from pressmark.content.store import PostData, delete_post, save_post
from pressmark.extensions import db
from pressmark.plugin_system import hookspecs
from pressmark.plugin_system.manager import (
    DEFAULT_PLUGINS,
    EVENT_HOOKS,
    FAILURE_LOG,
    FAILURES_KEPT,
    ISOLATED_HOOKS,
    PluginError,
    call_isolated,
    call_isolated_by_plugin,
    calling_rule,
    plugin_asset_url,
    recent_failures,
    record_failure,
)
from pressmark.state import app_state
from sqlalchemy import select

from tests.conftest import AuthActions, make_test_app

FIXTURES = Path(__file__).parents[1] / "fixture_plugins"
POST_SLUG = "kv-caching"


def build_app(tmp_path, *plugins: str, database: Path | None = None, **config):
    """An app with the named fixture plugins in its ``instance/plugins/`` folder.

    A plugin may be given as ``"file:name"`` to install fixture ``file.py`` as ``name.py``.
    """
    plugins_dir = tmp_path / "instance" / "plugins"
    plugins_dir.mkdir(parents=True, exist_ok=True)
    for plugin in plugins:
        source, _, target = plugin.partition(":")
        shutil.copy(FIXTURES / f"{source}.py", plugins_dir / f"{target or source}.py")
    app = make_test_app(tmp_path, database=database, **config)
    if database is None:
        with app.app_context():
            db.create_all()
    return app


@pytest.fixture
def demo_copy(tmp_path, demo_database) -> Path:
    database = tmp_path / "demo.sqlite"
    shutil.copy(demo_database, database)
    return database


@pytest.fixture
def everything_app(tmp_path, demo_copy):
    """The demo site with the well-behaved ``everything`` plugin."""
    app = build_app(tmp_path, "everything", database=demo_copy)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def broken_app(tmp_path, demo_copy):
    """The demo site with ``everything`` and a plugin that raises in every optional hook."""
    app = build_app(tmp_path, "everything", "broken", database=demo_copy)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def empty_app(tmp_path):
    """An empty site with the ``everything`` plugin, for content events."""
    app = build_app(tmp_path, "everything")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def plugin_log(caplog):
    """``caplog`` with the ``pressmark.plugin_system.manager`` logger enabled.

    Alembic's ``fileConfig`` in migrations/env.py disables every logger that exists when
    migrations run (``pressmark serve``, tests/test_migrations.py), so this test would
    depend on test order. Re-enabled here so it tests what record_failure logs; the fix
    belongs in env.py (``disable_existing_loggers=False``).
    """
    logger = logging.getLogger("pressmark.plugin_system.manager")
    disabled, logger.disabled = logger.disabled, False
    yield caplog
    logger.disabled = disabled


def get_page(app, path: str) -> str:
    response = app.test_client().get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def parse(html: str):
    """Parse strictly as HTML5 (a parse error fails the test) into an ElementTree."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def slot_names_in(html: str) -> list[str]:
    return re.findall(r'class="everything-slot" data-slot="([a-z_]+)"', html)


def documented_slots() -> set[str]:
    """The slot names the ``render_slot`` hookspec lists (between "Slots:" and the end of
    that sentence)."""
    doc = hookspecs.render_slot.__doc__
    listing = doc[doc.index("Slots:") : doc.index("Fragments")]
    return set(re.findall(r"``(\w+)``", listing))


def failures_of(app, plugin: str) -> list[dict]:
    return [f for f in recent_failures(app) if f["plugin"] == plugin]


# --- start-up and wiring hooks ----------------------------------------------------------------


def test_hook_startup(everything_app, tmp_path_factory):
    assert everything_app.extensions["everything"]["started"] is True
    # Raising in startup stops the app from starting.
    with pytest.raises(
        PluginError, match="'startup_fails' .*failed in startup: ValueError: STARTUP_FAILS_SETT"
    ) as raised:
        build_app(tmp_path_factory.mktemp("startup"), "startup_fails")
    assert isinstance(raised.value.__cause__, ValueError)


def test_hook_register_blueprints(everything_app):
    response = everything_app.test_client().get("/-/everything")
    assert response.status_code == 200
    assert response.get_json() == {"hello": "from everything"}


def test_hook_register_commands(everything_app):
    result = everything_app.test_cli_runner().invoke(args=["everything-hello"])
    assert result.exit_code == 0, result.output
    # The command ran inside an application context: it read the app's config.
    assert result.output.strip() == "hello from Engineering Tokens"


def test_hook_register_markdown_extensions(everything_app):
    with everything_app.app_context():
        post = save_post(
            PostData(title="Inserted", body="Now with ++more++ words.", status=PUBLISHED)
        )
        assert "<ins>more</ins>" in post.body_html
    assert "Now with <ins>more</ins> words." in get_page(everything_app, "/posts/inserted")


def test_hook_register_embeds(everything_app):
    body = 'Hi: {{< greet name="Ada & <Bob" >}}\n\n{{< greet >}}\n\n`{{< greet >}}` stays code.'
    with everything_app.app_context():
        save_post(PostData(title="Greetings", body=body, status=PUBLISHED))
    html = get_page(everything_app, "/posts/greetings")
    # The handler got the parameters and escaped what it echoed.
    assert '<span class="greeting">Hello, Ada &amp; &lt;Bob!</span>' in html
    assert '<span class="greeting">Hello, world!</span>' in html
    assert "<code>{{&lt; greet &gt;}}</code>" in html


def test_hook_addhooks(everything_app):
    # ``everything`` adds a hook of its own, marked isolated, and implements it.
    assert calling_rule(everything_app, "everything_shout") == hookspecs.ISOLATED
    with everything_app.app_context():
        assert call_isolated("everything_shout", text="hi") == ["HI"]
    # The core's rules come from the marks as well.
    assert calling_rule(everything_app, "post_updated") == hookspecs.EVENT
    assert calling_rule(everything_app, "startup") == hookspecs.DIRECT


def test_a_wrapper_on_a_hook_a_plugin_added_is_refused(tmp_path):
    (tmp_path / "instance" / "plugins").mkdir(parents=True)
    (tmp_path / "instance" / "plugins" / "wraps_shout.py").write_text(
        "from pressmark.api import hookimpl\n\n\n"
        "@hookimpl(wrapper=True, optionalhook=True)\n"
        "def everything_shout(text):\n"
        "    return (yield)\n",
        encoding="utf-8",
    )
    with pytest.raises(PluginError, match="wraps 'everything_shout'"):
        build_app(tmp_path, "everything")


def test_hook_register_calculators(everything_app):
    from tests.fixture_plugins import calculator_probe

    app_state(everything_app).pm.register(calculator_probe, name="calculator-probe")
    found = app_state(everything_app).pm.hook.register_calculators(app=everything_app)
    assert [calculator_probe.MARKER] in found
    impls = app_state(everything_app).pm.hook.register_calculators.get_hookimpls()
    assert "calculator-probe" in [impl.plugin_name for impl in impls]


# --- page hooks ---------------------------------------------------------------------------------


def test_hook_extra_css_urls(everything_app):
    head = parse(get_page(everything_app, "/")).find("head")
    # Core asset URLs carry a content fingerprint (?v=...); compare their paths.
    hrefs = [
        link.get("href").split("?")[0]
        for link in head.iter("link")
        if link.get("rel") == "stylesheet"
    ]
    assert "/-/static/everything/everything.css" in hrefs
    # After the core's stylesheets, so a plugin can override them.
    assert hrefs.index("/-/static/everything/everything.css") > hrefs.index("/static/site.css")


def test_hook_extra_js_urls(everything_app):
    head = parse(get_page(everything_app, "/archive")).find("head")
    scripts = {s.get("src"): s for s in head.iter("script") if s.get("src")}
    assert "/-/static/everything/everything.js" in scripts
    assert scripts["/-/static/everything/everything.js"].get("defer") is not None


def test_hook_extra_head(everything_app):
    # The hook receives the page's template context: on a post page, the post.
    head = parse(get_page(everything_app, f"/posts/{POST_SLUG}")).find("head")
    metas = {m.get("name"): m.get("content") for m in head.iter("meta")}
    assert metas["everything"] == POST_SLUG
    head = parse(get_page(everything_app, "/archive")).find("head")
    assert {m.get("name"): m.get("content") for m in head.iter("meta")}["everything"] == "/archive"


def test_hook_render_slot(everything_app):
    listed = documented_slots()
    assert {"header", "footer", "post_after_body"} <= listed
    with everything_app.app_context():
        topic = db.session.scalar(select(Post).where(Post.slug == POST_SLUG)).topic.slug
    pages = ["/", f"/posts/{POST_SLUG}", "/posts", "/archive", f"/topics/{topic}",
             "/tags/kv-cache"]
    found: set[str] = set()
    for path in pages:
        names = slot_names_in(get_page(everything_app, path))
        assert names.count("header") == 1 and names.count("footer") == 1, path
        found.update(names)
    # The editor's slots, on the editor's pages (signed in).
    author = everything_app.test_client()
    AuthActions(everything_app, author).login()
    editor = author.get("/editor/new").get_data(as_text=True)
    assert {"editor_menu", "editor_publish"} <= set(slot_names_in(editor))
    found.update(slot_names_in(editor))
    # Every documented slot is rendered somewhere, and no page has an undocumented one.
    assert found == listed
    # Slots sit where the hookspec says they do.
    tree = parse(get_page(everything_app, f"/posts/{POST_SLUG}"))
    header = tree.find(".//header[@class='site-header']")
    assert header.find(".//span[@data-slot='header']") is not None
    assert tree.find(".//footer[@class='site-footer']//span[@data-slot='footer']") is not None
    article = tree.find(".//article")
    assert [s.get("data-slot") for s in article.iter("span") if s.get("data-slot")] == [
        "post_before_body", "post_after_body"
    ]


def test_hook_extra_template_vars(everything_app):
    # The variables reach the template context the slots render in.
    assert 'data-var="vars-for-home.html"' in get_page(everything_app, "/")
    assert 'data-var="vars-for-post.html"' in get_page(everything_app, f"/posts/{POST_SLUG}")
    assert 'data-var="vars-for-404.html"' in everything_app.test_client().get(
        "/no-such-page"
    ).get_data(as_text=True)


# --- content events -------------------------------------------------------------------------


def events(app) -> list[tuple]:
    return app.extensions["everything"]["events"]


def test_hook_post_updated(empty_app):
    with empty_app.app_context():
        post = save_post(PostData(title="A draft", body="Words."))
        assert events(empty_app) == [("post_updated", "a-draft", "draft", True)]
        save_post(PostData(title="A draft", body="More words."), post)
        save_post(PostData(title="A draft", body="More words.", status="trashed"), post)
    assert [e[2] for e in events(empty_app)] == ["draft", "draft", "trashed"]
    assert {e[0] for e in events(empty_app)} == {"post_updated"}


def test_hook_post_published(empty_app):
    with empty_app.app_context():
        post = save_post(PostData(title="News", body="Draft."))
        events(empty_app).clear()
        save_post(PostData(title="News", body="Out now.", status=PUBLISHED), post)
        # post_updated first, then post_published, both inside the save.
        assert events(empty_app) == [
            ("post_updated", "news", PUBLISHED, True),
            ("post_published", "news", PUBLISHED, True),
        ]
        events(empty_app).clear()
        save_post(PostData(title="News", body="Fixed a typo.", status=PUBLISHED), post)
        # Editing a published post is not publishing it again.
        assert [e[0] for e in events(empty_app)] == ["post_updated"]


def test_hook_post_deleted(empty_app):
    with empty_app.app_context():
        post = save_post(PostData(title="Gone soon", body="Bye.", status=PUBLISHED))
        post_id = post.id
        events(empty_app).clear()
        delete_post(post)
        # Called before the row is removed: the plugin could still read it.
        assert events(empty_app) == [("post_deleted", "gone-soon", PUBLISHED, True)]
        assert db.session.get(Post, post_id) is None


# --- isolation: a broken plugin never takes the site down ----------------------------------------


def test_failing_page_hooks_are_left_out_and_pages_still_served(broken_app):
    for path in ("/", f"/posts/{POST_SLUG}", "/archive", "/posts"):
        html = get_page(broken_app, path)
        parse(html)  # still a valid page
        # The well-behaved plugin's contributions are all there ...
        assert 'data-slot="footer" data-var="vars-for-' in html
        assert "/-/static/everything/everything.css" in html
        # ... and nothing of the broken one's (its hooks only raise).
        assert "broken plugin fails" not in html
    failures = failures_of(broken_app, "broken")
    assert {f["hook"] for f in failures} >= {
        "render_slot", "extra_head", "extra_css_urls", "extra_js_urls", "extra_template_vars"
    }
    for failure in failures:
        assert failure["error"].startswith("BrokenPluginError: broken plugin fails in")
        assert "broken.py" in failure["traceback"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", failure["at"])
    assert not failures_of(broken_app, "everything")


def test_failure_on_an_error_page_has_the_plugins_traceback_only(broken_app):
    assert broken_app.test_client().get("/no-such-page").status_code == 404
    failure = failures_of(broken_app, "broken")[0]
    assert "broken.py" in failure["traceback"]
    # The 404 being handled is the request's business, not the plugin's.
    assert "NotFound" not in failure["traceback"]


def test_failure_is_logged_with_plugin_name(broken_app, plugin_log):
    get_page(broken_app, "/archive")
    messages = [
        r.getMessage() for r in plugin_log.records if r.name == "pressmark.plugin_system.manager"
    ]
    assert any(
        "plugin 'broken' failed in hook 'extra_head'" in m and "Traceback" in m for m in messages
    )


def test_failing_embed_renders_a_notice_and_is_recorded_under_its_plugin(broken_app):
    with broken_app.app_context():
        post = save_post(
            PostData(title="Boom", body="{{< boom >}}\n\n{{< greet >}}", status=PUBLISHED)
        )
        assert post.id is not None
    html = get_page(broken_app, "/posts/boom")
    assert "The “boom” embed failed to render." in html
    assert "Hello, world!" in html
    embeds = [f for f in recent_failures(broken_app) if f["hook"] == "register_embeds"]
    assert [f["plugin"] for f in embeds] == ["broken"]
    assert "the boom embed" in embeds[0]["error"]


def test_failing_events_roll_back_their_writes_and_the_save_succeeds(broken_app):
    with broken_app.app_context():
        post = save_post(PostData(title="Sturdy", body="Saved anyway.", status=PUBLISHED))
        assert db.session.scalar(select(Tag).where(Tag.name == "written-by-broken-plugin")) is None
        assert db.session.scalar(select(Post).where(Post.slug == "sturdy")) is not None
        delete_post(post)
        assert db.session.scalar(select(Post).where(Post.slug == "sturdy")) is None
    # The well-behaved plugin saw every event despite the broken one.
    assert [e[0] for e in broken_app.extensions["everything"]["events"]] == [
        "post_updated", "post_published", "post_deleted"
    ]
    hooks = [f["hook"] for f in failures_of(broken_app, "broken")]
    assert hooks == ["post_deleted", "post_published", "post_updated"]  # newest first


def test_unwritable_failure_log_does_not_break_the_page(broken_app):
    # A directory where the log file should be: every write fails with an OSError.
    (Path(broken_app.instance_path) / FAILURE_LOG).mkdir()
    html = get_page(broken_app, "/")
    assert 'data-slot="footer"' in html
    assert recent_failures(broken_app) == []


def test_failure_log_is_trimmed_and_read_newest_first(app):
    with app.app_context():
        for number in range(400):
            try:
                raise RuntimeError(f"failure {number} " + "x" * 1000)
            except RuntimeError as exc:
                record_failure(app, "noisy", "render_slot", exc)
    path = Path(app.instance_path) / FAILURE_LOG
    assert path.stat().st_size < 400 * 1000
    failures = recent_failures(app)
    assert len(failures) == FAILURES_KEPT
    assert failures[0]["error"].startswith("RuntimeError: failure 399 ")
    path.write_text(path.read_text() + "not json\n")
    assert recent_failures(app, limit=2)[0]["error"].startswith("RuntimeError: failure 399 ")


# --- start-up checks: loud ------------------------------------------------------------------------


def test_misspelt_hook_stops_the_app_with_a_suggestion(tmp_path):
    with pytest.raises(PluginError) as info:
        build_app(tmp_path, "misspelt")
    message = str(info.value)
    assert "Plugin 'misspelt' (directory:" in message
    assert "'rendr_slot', which is not a hook. Did you mean 'render_slot'?" in message
    assert "DISABLED_PLUGINS = ['misspelt']" in message


def test_unknown_hook_argument_stops_the_app(tmp_path):
    with pytest.raises(PluginError, match=r"(?s)Plugin 'bad_arguments' .*\{'req'\}"):
        build_app(tmp_path, "bad_arguments")


def test_wrapper_on_isolated_hook_stops_the_app(tmp_path):
    with pytest.raises(PluginError, match=r"'wrapper' .*wraps 'render_slot'"):
        build_app(tmp_path, "wrapper")


def test_plugin_that_fails_to_import_stops_the_app_unless_disabled(tmp_path):
    with pytest.raises(PluginError, match=r"'import_error' .*failed to import: ImportError"):
        build_app(tmp_path, "import_error")
    # Disabling it by name rescues the site: a disabled plugin is never imported.
    app = build_app(tmp_path, DISABLED_PLUGINS=["import_error"])
    info = app_state(app).plugins["import_error"]
    assert (info.source, info.enabled) == ("directory", False)
    assert get_page(app, "/")


def test_two_plugins_with_one_name_stop_the_app(tmp_path):
    with pytest.raises(PluginError, match=r"'feeds' .*same name as the built-in plugin"):
        build_app(tmp_path, "named_like_builtin:feeds")


# --- disabling ----------------------------------------------------------------------------------


def test_disabling_built_in_plugins_by_name(tmp_path, demo_copy):
    names = [name for name, _ in DEFAULT_PLUGINS]
    enabled = build_app(tmp_path / "on", database=demo_copy)
    disabled = build_app(tmp_path / "off", database=demo_copy, DISABLED_PLUGINS=names)
    for name in names:
        assert app_state(disabled).pm.is_blocked(name)
        assert app_state(disabled).pm.get_plugin(name) is None
        assert not app_state(disabled).plugins[name].enabled
    # A built-in's static files are served while it is enabled, and gone (404) when not;
    # no page links them any more.
    pages = [get_page(disabled, path) for path in ("/", "/archive", f"/posts/{POST_SLUG}")]
    for info in app_state(enabled).plugins.values():
        if info.source != "built-in" or not info.static_dir:
            continue
        url = info.as_dict()["static"] + next(info.static_dir.iterdir()).name
        with enabled.test_client().get(url) as response:  # closes the served file
            assert response.status_code == 200
        assert disabled.test_client().get(url).status_code == 404
        assert not any(info.as_dict()["static"] in page for page in pages)


def test_disabling_a_directory_plugin_from_the_environment(tmp_path, demo_copy, monkeypatch):
    monkeypatch.setenv("PRESSMARK_DISABLED_PLUGINS", '["everything"]')
    app = build_app(tmp_path, "everything", database=demo_copy)
    assert "everything-slot" not in get_page(app, "/")
    assert app.test_client().get("/-/everything").status_code == 404
    app.config["PLUGIN_LIST_PUBLIC"] = True
    listed = {p["name"]: p for p in app.test_client().get("/-/plugins.json").get_json()}
    assert listed["everything"]["enabled"] is False


def test_disabled_plugins_as_a_comma_separated_string(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESSMARK_DISABLED_PLUGINS", "everything, broken")
    app = build_app(tmp_path, "everything", "broken")
    infos = app_state(app).plugins
    assert not infos["everything"].enabled and not infos["broken"].enabled
    assert infos["feeds"].enabled


def test_unknown_disabled_name_is_logged(tmp_path, plugin_log):
    build_app(tmp_path, DISABLED_PLUGINS=["serch"])
    assert "DISABLED_PLUGINS names no known plugin: serch" in plugin_log.text


def test_plugin_list_reports_versions_sources_and_hooks(everything_app):
    infos = app_state(everything_app).plugins
    assert list(infos)[: len(DEFAULT_PLUGINS)] == [name for name, _ in DEFAULT_PLUGINS]
    info = infos["everything"]
    assert (info.source, info.version, info.enabled) == ("directory", "1.2.3", True)
    pm = app_state(everything_app).pm
    specs = {n for n in dir(hookspecs) if pm.parse_hookspec_opts(hookspecs, n)}
    # Every core hook but the importer's (tested with its own fixtures), and its own hook.
    assert set(info.hooks) == specs - {"register_import_converters"} | {"everything_shout"}
    assert json.loads(json.dumps(info.as_dict()))["hooks"] == info.hooks


# --- helpers for plugins ------------------------------------------------------------------------


def test_isolated_hooks_are_every_hook_but_the_start_up_ones():
    # What docs/plugins.md promises: only start-up and wiring hooks may stop the site.
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    specs = {n for n in dir(hookspecs) if pm.parse_hookspec_opts(hookspecs, n)}
    start_up = {
        "startup", "addhooks", "register_settings", "register_blueprints", "register_commands",
        "register_theme_templates", "register_workers",
    }
    assert specs - start_up == ISOLATED_HOOKS
    assert {n for n in specs if n.startswith("post_")} == EVENT_HOOKS


def test_call_isolated_by_plugin_names_each_result_in_hook_order(everything_app):
    with everything_app.app_context():
        pairs = call_isolated_by_plugin("register_embeds", app=everything_app)
        assert [result for _, result in pairs] == call_isolated("register_embeds")
    # The directory plugin was registered after the built-ins, so pluggy calls it first.
    assert [name for name, _ in pairs] == ["everything", "video", "calculators"]


def test_plugin_asset_url_carries_a_hash_of_the_file(app):
    css = Path(__file__).parents[2] / "plugins" / "search" / "static" / "search.css"
    version = hashlib.sha256(css.read_bytes()).hexdigest()[:10]
    with app.test_request_context():
        assert plugin_asset_url("search", "search.css") == (
            f"/-/static/search/search.css?v={version}"
        )
        with pytest.raises(LookupError):
            plugin_asset_url("no-such-plugin", "x.css")


def test_plugin_asset_url_refuses_a_disabled_plugin(tmp_path):
    app = build_app(tmp_path, DISABLED_PLUGINS=["search"])
    with app.test_request_context(), pytest.raises(LookupError):
        plugin_asset_url("search", "search.css")
