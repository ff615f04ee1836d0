"""Building the plugin manager: one per app, stored on the app, never global.

Plugins come from three places, in this order:

1. the built-ins in ``DEFAULT_PLUGINS`` (ordinary modules in ``plugins/``);
2. installed packages that declare an entry point in the group ``pressmark``;
3. one-off modules in the instance's plugins directory (``instance/plugins/*.py``).

Any of them is disabled by listing its name in ``DISABLED_PLUGINS``: a disabled plugin is
never imported, so disabling also rescues a site from a plugin that fails to import.

Start-up problems are loud (``PluginError``): a plugin that cannot be imported, a hook
implementation with a misspelt name or arguments the spec does not have, two plugins with
one name. Failures while serving are quiet for readers and visible to the author: optional
hooks run through ``call_isolated``, which records each failure with its plugin's name in
``instance/plugin-failures.jsonl`` (see ``recent_failures``).
"""

from __future__ import annotations

import contextvars
import difflib
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask, Response, abort, current_app, send_from_directory, url_for
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from markupsafe import Markup
from pressmark.plugin_system import hookspecs, settings
from pressmark.state import app_state

log = logging.getLogger(__name__)

DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("feeds", "pressmark.plugins.feeds"),
    ("sitemap", "pressmark.plugins.sitemap"),
    ("archive-focus", "pressmark.plugins.archive_focus"),
    ("calculators", "pressmark.plugins.calculators"),
    ("search", "pressmark.plugins.search"),
    ("video", "pressmark.plugins.video"),
    ("newsletter", "pressmark.plugins.newsletter"),
    ("webmentions", "pressmark.plugins.webmentions"),
)
ENTRYPOINT_GROUP = hookspecs.PROJECT_NAME
DIRECTORY_MODULE_PREFIX = "pressmark_instance_plugins"
FAILURE_LOG = "plugin-failures.jsonl"
FAILURES_KEPT = 50
# The failure log is trimmed back to FAILURES_KEPT entries once it grows past this, so a
# plugin failing on every request cannot fill the disk.
FAILURE_LOG_MAX_BYTES = 256 * 1024

# The core's hooks by calling rule, derived from the marks on their specs (hooks plugins
# add are looked up in the app's manager: ``calling_rule``).
EVENT_HOOKS = hookspecs.EVENT_HOOKS
ISOLATED_HOOKS = hookspecs.ISOLATED_HOOKS


# Isolated hooks (not events) may be given no more than ``PLUGIN_HOOK_TIMEOUT`` seconds:
# those called while a page is rendered, and the registries (called on first use, often
# inside a reader's or the author's request). Events are not among them: they run inside
# the save's database transaction, which belongs to the calling thread.
DEADLINE_HOOKS = ISOLATED_HOOKS - EVENT_HOOKS
# How many implementations may be running past their deadline at once, across the app,
# before further calls are left out without waiting (a hung thread cannot be stopped).
MAX_OVERDUE_CALLS = 8


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _is_fragment(value: Any) -> bool:
    return isinstance(value, str)


def _is_str_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)


def _is_embed_mapping(value: Any) -> bool:
    return _is_str_mapping(value) and all(callable(v) for v in value.values())


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


# What each isolated hook must return (besides None): a result that is not is garbage,
# recorded as the plugin's failure and left out. Items of the registries' lists are
# checked where they are used (markup.py, the importer); plugins check their own hooks' results.
RESULT_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "extra_css_urls": (_is_str_list, "a list of URL strings"),
    "extra_js_urls": (_is_str_list, "a list of URL strings"),
    "extra_head": (_is_fragment, "an HTML string"),
    "render_slot": (_is_fragment, "an HTML string"),
    "extra_template_vars": (_is_str_mapping, "a dict of variables"),
    "register_embeds": (_is_embed_mapping, "a mapping of names to handlers"),
    "register_markdown_extensions": (_is_list, "a list of Markdown extensions"),
    "register_import_converters": (_is_embed_mapping, "a mapping of names to converters"),
}


class PluginTimeoutError(TimeoutError):
    """A plugin's hook implementation did not return within ``PLUGIN_HOOK_TIMEOUT``."""


class PluginError(RuntimeError):
    """A plugin cannot be loaded; raised by ``create_app`` so the site does not start.

    Its message is one paragraph naming the plugin and saying how to disable it.
    """

    plugin_name: str = ""


@dataclass
class PluginInfo:
    """What ``pressmark plugins`` and ``/-/plugins.json`` report about one plugin."""

    name: str
    source: str  # "built-in", "package" or "directory"
    version: str | None
    enabled: bool
    module: Any = None
    hooks: list[str] = field(default_factory=list)
    root: Path | None = None  # folder that may hold templates/ and static/
    origin: str = ""  # where it came from, for error messages (a module, package or file)

    def as_dict(self) -> dict[str, Any]:
        """The public description: no file-system paths, nothing secret."""
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "enabled": self.enabled,
            "hooks": self.hooks,
            "static": f"/-/static/{self.name}/" if self.static_dir else None,
        }

    @property
    def static_dir(self) -> Path | None:
        path = self.root / "static" if self.root else None
        return path if path and path.is_dir() else None

    @property
    def templates_dir(self) -> Path | None:
        path = self.root / "templates" if self.root else None
        return path if path and path.is_dir() else None


@dataclass
class _Candidate:
    name: str
    source: str
    version: str | None
    origin: str
    load: Callable[[], Any]


def _package_root(module: Any) -> Path | None:
    """The folder of a package plugin (where templates/ and static/ live), else None."""
    if getattr(module, "__path__", None):
        return Path(next(iter(module.__path__)))
    return None


def _load_directory_module(path: Path) -> Any:
    # Not put in sys.modules: each app loads its own copy, so two apps in one process
    # (tests, several sites) never share a directory plugin's module state.
    name = f"{DIRECTORY_MODULE_PREFIX}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _candidates(app: Flask) -> Iterator[_Candidate]:
    """Every plugin the app could load, in registration order."""
    from pressmark import __version__

    for name, dotted in DEFAULT_PLUGINS:
        yield _Candidate(
            name, "built-in", __version__, dotted, lambda d=dotted: importlib.import_module(d)
        )
    if app.config.get("LOAD_ENTRYPOINT_PLUGINS", True):
        for ep in metadata.entry_points(group=ENTRYPOINT_GROUP):
            dist = ep.dist.name if ep.dist else "?"
            version = ep.dist.version if ep.dist else None
            yield _Candidate(ep.name, "package", version, f"{dist} ({ep.value})", ep.load)
    plugins_dir = Path(app.config.get("PLUGINS_DIR") or "")
    if str(plugins_dir) not in ("", ".") and plugins_dir.is_dir():
        for path in sorted(plugins_dir.glob("*.py")):
            if not path.name.startswith("_"):
                yield _Candidate(
                    path.stem, "directory", None, str(path),
                    lambda p=path: _load_directory_module(p),
                )


def disabled_plugin_names(app: Flask) -> set[str]:
    """``DISABLED_PLUGINS`` as a set of names.

    Accepts a list (the normal form, also ``PRESSMARK_DISABLED_PLUGINS='["a", "b"]'``) or
    a comma-separated string (``PRESSMARK_DISABLED_PLUGINS=a,b``), so a plain name in the
    environment does not turn into a set of letters.
    """
    raw = app.config.get("DISABLED_PLUGINS") or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return {str(name).strip() for name in raw if str(name).strip()}


def _refuse(info: PluginInfo, problem: str) -> PluginError:
    """One paragraph: which plugin, where it came from, what went wrong, how to disable it."""
    problem = problem.strip()
    if not problem.endswith((".", "?", "!")):
        problem += "."
    error = PluginError(
        f"Plugin {info.name!r} ({info.source}: {info.origin}) {problem} "
        f"Fix the plugin, or disable it with DISABLED_PLUGINS = [{info.name!r}] in "
        f"instance/config.py (or PRESSMARK_DISABLED_PLUGINS='[\"{info.name}\"]')."
    )
    error.plugin_name = info.name
    return error


class PressmarkPluginManager(pluggy.PluginManager):
    """pluggy's manager, remembering the calling rule marked on every hook spec it is
    given, the core's and those plugins add (``addhooks``)."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.calling_rules: dict[str, str] = {}

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> Any:
        # pluggy's documented override point for how specs are picked up.
        opts = super().parse_hookspec_opts(module_or_class, name)
        if opts is not None:
            self.calling_rules[name] = hookspecs.calling_rule(getattr(module_or_class, name))
        return opts


def calling_rule(app: Flask, hook_name: str) -> str:
    """How ``hook_name`` is called in ``app``: ``hookspecs.DIRECT``, ``ISOLATED`` or
    ``EVENT``, as marked on its spec."""
    return app_pm(app).calling_rules.get(hook_name, hookspecs.DIRECT)


def app_pm(app: Flask) -> PressmarkPluginManager:
    """The app's plugin manager."""
    return app_state(app).pm


def _check_hooks(pm: PressmarkPluginManager, info: PluginInfo) -> None:
    """Refuse unknown hook names (with a suggestion) and wrappers on isolated hooks."""
    known = list(pm.calling_rules)
    for caller in pm.get_hookcallers(info.module) or ():
        impls = [i for i in caller.get_hookimpls() if i.plugin is info.module]
        if not caller.has_spec() and any(not i.optionalhook for i in impls):
            close = difflib.get_close_matches(caller.name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise _refuse(info, f"implements {caller.name!r}, which is not a hook.{hint}")
        rule = pm.calling_rules.get(caller.name, hookspecs.DIRECT)
        one_by_one = rule != hookspecs.DIRECT or caller.name in STARTUP_HOOKS
        if one_by_one and any(i.wrapper or i.hookwrapper for i in impls):
            raise _refuse(
                info, f"wraps {caller.name!r}; wrappers are not supported on isolated or "
                "start-up hooks."
            )


def build_plugin_manager(app: Flask) -> tuple[PressmarkPluginManager, dict[str, PluginInfo]]:
    """Create the app's manager, register every enabled plugin and check their hooks;
    return the manager and every plugin's ``PluginInfo`` by name, enabled or not.

    Raises ``PluginError`` naming the plugin when one cannot be imported or registered,
    implements a hook that does not exist (a misspelling, with a suggestion), or shares its
    name with another plugin. Names in ``DISABLED_PLUGINS`` are blocked and never imported.
    """
    pm = PressmarkPluginManager()
    pm.add_hookspecs(hookspecs)
    # Historic: each plugin's addhooks runs as it registers, before its other hooks.
    pm.hook.addhooks.call_historic(kwargs={"pluginmanager": pm})
    disabled = disabled_plugin_names(app)
    infos: dict[str, PluginInfo] = {}
    for cand in _candidates(app):
        info = PluginInfo(cand.name, cand.source, cand.version, False, origin=cand.origin)
        if cand.name in infos:
            other = infos[cand.name]
            raise _refuse(
                info, f"has the same name as the {other.source} plugin from {other.origin}; "
                "plugin names must be unique."
            )
        infos[cand.name] = info
        if cand.name in disabled:
            pm.set_blocked(cand.name)
            continue
        try:
            module = cand.load()
        except Exception as exc:
            raise _refuse(info, f"failed to import: {type(exc).__name__}: {exc}") from exc
        try:
            pm.register(module, name=cand.name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise _refuse(info, f"cannot be registered: {exc}") from exc
        info.enabled, info.module, info.root = True, module, _package_root(module)
        if info.source == "directory":
            info.version = getattr(module, "__version__", None)
        _check_hooks(pm, info)
        info.hooks = sorted(c.name for c in pm.get_hookcallers(module) or ())
    pm.check_pending()  # a safety net: _check_hooks has named the plugin already
    unknown = disabled - set(infos)
    if unknown:
        log.warning("DISABLED_PLUGINS names no known plugin: %s", ", ".join(sorted(unknown)))
    return pm, infos


def init_app(app: Flask) -> None:
    """Give ``app`` its plugin manager and the templates' loader (``template_loader``).

    ``create_app`` routes ``/-/static/<plugin>/<path>`` to ``plugin_static``."""
    state = app_state(app)
    settings.apply_defaults(app, settings.PLUGIN_SYSTEM_SETTINGS)
    state.pm, state.plugins = build_plugin_manager(app)
    state.settings = collect_settings(state.pm, state.plugins)
    settings.apply_defaults(app, [setting for _, setting in state.settings])
    app.jinja_loader = template_loader(app)


def collect_settings(
    pm: PressmarkPluginManager, infos: dict[str, PluginInfo]
) -> list[tuple[str, settings.Setting]]:
    """The settings catalogue: the plugin system's, then each plugin's
    (``register_settings``), in registration order.

    Raises ``PluginError`` naming the plugin whose hook raises, returns something other
    than settings, or declares a name that is already taken.
    """
    found: list[tuple[str, settings.Setting]] = [
        (settings.CORE, s) for s in settings.PLUGIN_SYSTEM_SETTINGS
    ]
    owners = {s.name: settings.CORE for s in settings.PLUGIN_SYSTEM_SETTINGS}
    for impl in pm.hook.register_settings.get_hookimpls():  # in registration order
        info = infos.get(impl.plugin_name) or PluginInfo(impl.plugin_name, "?", None, True)
        try:
            declared = impl.function()
        except Exception as exc:
            problem = f"failed in register_settings: {type(exc).__name__}: {exc}"
            raise _refuse(info, problem) from exc
        for item in declared or ():
            if not isinstance(item, settings.Setting):
                raise _refuse(info, f"register_settings returned {item!r}, not a Setting.")
            if item.name in owners:
                raise _refuse(
                    info, f"declares the setting {item.name}, which {owners[item.name]} "
                    "declares already; setting names must be unique."
                )
            owners[item.name] = impl.plugin_name
            found.append((impl.plugin_name, item))
    return found


STARTUP_HOOKS = ("startup", "register_blueprints", "register_commands")


def call_startup_hook(app: Flask, hook_name: str, /, **kwargs: Any) -> list[Any]:
    """Call one of ``STARTUP_HOOKS`` implementation by implementation, in pluggy's order,
    and return the results that are not ``None``.

    The first implementation that raises stops start-up: ``PluginError`` names its plugin
    and says how to disable it (the original exception is its ``__cause__``).
    """
    state_pm = app_pm(app)
    results = []
    for impl in reversed(getattr(state_pm.hook, hook_name).get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        try:
            result = impl.function(**args)
        except Exception as exc:
            info = app_state(app).plugins.get(impl.plugin_name) or PluginInfo(
                impl.plugin_name, "registered", None, True, origin=str(impl.plugin)
            )
            raise _refuse(info, f"failed in {hook_name}: {type(exc).__name__}: {exc}") from exc
        if result is not None:
            results.append(result)
    return results


def plugin_static(plugin: str, filename: str) -> Response:
    """A file from an enabled plugin's ``static/`` folder, cacheable for a year (its URL
    carries the content's hash: ``plugin_asset_url``)."""
    info = app_state(current_app).plugins.get(plugin)
    if info is None or not info.enabled or info.static_dir is None:
        abort(404)
    return send_from_directory(info.static_dir, filename, max_age=31536000)


def template_loader(app: Flask) -> ChoiceLoader:
    """Where templates are looked up, first match wins:

    1. the site's own ``instance/templates/``;
    2. the themes' folders (``register_theme_templates``; the last-registered theme first);
    3. the core templates (``app/templates/``);
    4. every enabled plugin's ``templates/`` folder (plugins add templates, only a theme
       replaces core ones).

    The core templates are also reachable as ``core/<name>``, so an override can extend the
    template it replaces.
    """
    core = app.jinja_loader
    themes = [
        FileSystemLoader(str(folder))
        for folders in app_state(app).pm.hook.register_theme_templates(app=app)
        for folder in folders or ()
    ]
    plugins = [
        FileSystemLoader(str(info.templates_dir))
        for info in plugin_infos(app)
        if info.enabled and info.templates_dir
    ]
    site = FileSystemLoader(os.path.join(app.instance_path, "templates"))
    return ChoiceLoader([site, *themes, core, PrefixLoader({"core": core}), *plugins])


def plugin_asset_url(plugin_name: str, filename: str) -> str:
    """The URL of ``filename`` in the ``static/`` folder of plugin ``plugin_name``, with
    ``v=`` a short hash of the file's content.

    Plugin static files are served with a one-year cache lifetime, so the URL must change
    when the file does. Each hash is computed once per app (a file changed while the site
    runs keeps its old URL until a restart). Needs an app context. Raises ``LookupError``
    when the app has no enabled plugin of that name with a ``static/`` folder, and
    ``OSError`` when the file cannot be read.
    """
    app = current_app._get_current_object()
    versions = app_state(app).asset_versions
    key = (plugin_name, filename)
    if key not in versions:
        info = app_state(app).plugins.get(plugin_name)
        static_dir = info.static_dir if info is not None and info.enabled else None
        if static_dir is None:
            raise LookupError(f"no enabled plugin {plugin_name!r} with a static/ folder")
        content = (static_dir / filename).read_bytes()
        versions[key] = hashlib.sha256(content).hexdigest()[:10]
    return url_for("plugin_static", plugin=plugin_name, filename=filename, v=versions[key])


def plugin_infos(app: Flask) -> list[PluginInfo]:
    """Every plugin the app knows, enabled or not, in registration order."""
    return list(app_state(app).plugins.values())


# --- failures -----------------------------------------------------------------------------


def plugin_name_for(app: Flask, name: str) -> str:
    """The plugin name for ``name``, which may already be one or may be a module name
    (``handler.__module__`` of an embed handler, possibly a submodule of the plugin)."""
    infos = app_state(app).plugins
    if name in infos:
        return name
    for info in infos.values():
        module_name = getattr(info.module, "__name__", None)
        if module_name and (name == module_name or name.startswith(module_name + ".")):
            return info.name
    return name


def record_failure(app: Flask, plugin_name: str, hook_name: str, exc: BaseException) -> None:
    """Log a plugin failure with its traceback and append it to the instance failure log.

    ``plugin_name`` may be a plugin's name or the module its failing code lives in. Never
    raises: a read-only instance must not turn a plugin failure into a 500.
    """
    plugin_name = plugin_name_for(app, plugin_name)
    tb = "".join(traceback.format_exception(exc))
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a plugin's exception may not even print
        message = "<unprintable>"
    log.error("plugin %r failed in hook %r:\n%s", plugin_name, hook_name, tb)
    from pressmark.content.models import isoformat_utc, utcnow

    entry = {
        "at": isoformat_utc(utcnow()),
        "plugin": plugin_name,
        "hook": hook_name,
        "error": f"{type(exc).__name__}: {message}",
        "traceback": tb,
    }
    path = Path(app.instance_path) / FAILURE_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        if path.stat().st_size > FAILURE_LOG_MAX_BYTES:
            _trim_failure_log(path)
    except OSError:
        log.exception("could not write %s", path)


def _trim_failure_log(path: Path) -> None:
    kept = path.read_text(encoding="utf-8").splitlines()[-FAILURES_KEPT:]
    tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader sees the old log or the new one


def recent_failures(app: Flask, limit: int = FAILURES_KEPT) -> list[dict[str, Any]]:
    """The most recent plugin failures, newest first.

    Each is a dict with ``at`` (ISO time, UTC), ``plugin``, ``hook``, ``error`` (one line)
    and ``traceback``. Unreadable lines are skipped.
    """
    path = Path(app.instance_path) / FAILURE_LOG
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    except OSError:
        return []
    entries = []
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


# --- calling hooks safely -------------------------------------------------------------------


def call_isolated(hook_name: str, app: Flask | None = None, **kwargs: Any) -> list[Any]:
    """Call an optional hook implementation by implementation, in pluggy's order.

    Results that are ``None`` are dropped. An implementation that raises is recorded with
    its plugin's name and left out; the others still run. Event hooks (marked ``@event``)
    get a database savepoint each, so a failing one leaves no half-done writes behind; the
    others (marked ``@isolated``) a time limit, ``PLUGIN_HOOK_TIMEOUT``. ``app``
    (default: the current app) is also passed to implementations that take an ``app``
    argument.
    """
    return [result for _, result in call_isolated_by_plugin(hook_name, app, **kwargs)]


def call_isolated_by_plugin(
    hook_name: str, app: Flask | None = None, **kwargs: Any
) -> list[tuple[str, Any]]:
    """``call_isolated``, each result paired with the name of the plugin that returned it
    (so a caller can report a bad result under that plugin's name)."""
    app = app or current_app._get_current_object()
    kwargs["app"] = app
    caller = getattr(app_pm(app).hook, hook_name)
    rule = calling_rule(app, hook_name)
    # Hooks also run while an error page is rendered; that request's exception is not the
    # plugin's business and would bury its traceback, so it is cut from the chain.
    handling = sys.exc_info()[1]
    results = []
    # pluggy runs implementations last-registered first (tryfirst/trylast respected);
    # get_hookimpls() lists them in the opposite order.
    for impl in reversed(caller.get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        try:
            if rule == hookspecs.EVENT:
                from pressmark.extensions import db

                with db.session.begin_nested():
                    result = impl.function(**args)
            elif rule == hookspecs.ISOLATED:
                result = call_with_deadline(app, impl.function, **args)
            else:
                result = impl.function(**args)
            if result is not None and hook_name in RESULT_CHECKS:
                check, expected = RESULT_CHECKS[hook_name]
                if not check(result):
                    raise TypeError(
                        f"{hook_name} returned {_describe(result)}; it must return {expected} "
                        "or None"
                    )
        except Exception as exc:  # noqa: BLE001 - isolation is the point
            if handling is not None:
                _cut_context(exc, handling)
            record_failure(app, impl.plugin_name, hook_name, exc)
            continue
        if result is not None:
            results.append((impl.plugin_name, result))
    return results


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - garbage may not even print
        text = "<unprintable>"
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"a {type(value).__name__} ({text})"


class _DaemonPool:
    """A few daemon threads running submitted calls, each answered through a ``Future``.

    Not ``ThreadPoolExecutor``: its threads are joined when the interpreter exits, so one
    plugin call that never returns would keep the server from shutting down.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.calls: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.threads = 0
        self.idle = 0

    def submit(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        self.calls.put((future, function, args, kwargs))
        with self.lock:
            if self.calls.qsize() > self.idle and self.threads < self.size:
                self.threads += 1
                name = f"pressmark-plugin-{self.threads}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            with self.lock:
                self.idle += 1
            future, function, args, kwargs = self.calls.get()
            with self.lock:
                self.idle -= 1
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(exc)


class _Deadlines:
    """Worker threads for plugin calls with a deadline, and the calls now overdue.

    One for the process, shared by its apps: the threads are a resource of the process,
    like waitress's, and holding no app state they need none of their own.
    """

    def __init__(self) -> None:
        self.pool = _DaemonPool(MAX_OVERDUE_CALLS + 8)
        self.lock = threading.Lock()
        self.overdue: set[Any] = set()  # functions still running past their deadline


_deadlines: _Deadlines | None = None
_deadlines_lock = threading.Lock()


def _forget_deadlines_after_fork() -> None:
    """A forked worker (``pressmark serve --workers``) inherits the pool but not its
    threads: it must build its own."""
    global _deadlines, _deadlines_lock
    _deadlines = None
    _deadlines_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_deadlines_after_fork)


def _get_deadlines() -> _Deadlines:
    global _deadlines
    with _deadlines_lock:
        if _deadlines is None:
            _deadlines = _Deadlines()
        return _deadlines


def call_with_deadline(app: Flask, function: Callable[..., Any], /, **kwargs: Any) -> Any:
    """``function(**kwargs)``, or ``PluginTimeoutError`` once ``PLUGIN_HOOK_TIMEOUT``
    seconds have passed (0 or less: no deadline, called in this thread).

    The call runs in a worker thread with a copy of this thread's context, so
    ``current_app`` and ``request`` work in it. A thread cannot be stopped: a call past its
    deadline runs on, and until it returns the same function is refused at once
    (``PluginTimeoutError``) rather than given another thread, so a hanging plugin holds at
    most one thread per implementation, and no more than ``MAX_OVERDUE_CALLS`` are held in
    the process.
    """
    timeout = float(app.config.get("PLUGIN_HOOK_TIMEOUT") or 0)
    if timeout <= 0:
        return function(**kwargs)
    deadlines = _get_deadlines()
    name = getattr(function, "__qualname__", repr(function))
    with deadlines.lock:
        if function in deadlines.overdue:
            raise PluginTimeoutError(f"{name} is still running from an earlier call")
        if len(deadlines.overdue) >= MAX_OVERDUE_CALLS:
            raise PluginTimeoutError("too many plugin calls are running past their deadline")
    context = contextvars.copy_context()
    future = deadlines.pool.submit(context.run, function, **kwargs)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        with deadlines.lock:
            deadlines.overdue.add(function)

        def finished(_future: Any) -> None:
            with deadlines.lock:
                deadlines.overdue.discard(function)

        future.add_done_callback(finished)
        raise PluginTimeoutError(
            f"{name} did not return within PLUGIN_HOOK_TIMEOUT ({timeout:g} s)"
        ) from None


def _cut_context(exc: BaseException, outer: BaseException) -> None:
    """Hide ``outer`` from ``exc``'s chain of implicit contexts."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__context__ is outer:
            current.__suppress_context__ = True
            return
        current = current.__cause__ or current.__context__


def render_fragments(hook_name: str, **kwargs: Any) -> Markup:
    """Join the HTML fragments an isolated hook returned."""
    return Markup("\n".join(str(r) for r in call_isolated(hook_name, **kwargs) if r))
