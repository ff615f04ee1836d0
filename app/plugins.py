"""Building the plugin manager: one per app, stored on the app, never global.

Plugins come from three places, in this order:

1. the built-ins in ``DEFAULT_PLUGINS`` (ordinary modules in ``plugins/``);
2. installed packages that declare an entry point in the group ``tokenpress``;
3. one-off modules in the instance's plugins directory (``instance/plugins/*.py``).

Any of them is disabled by listing its name in ``DISABLED_PLUGINS``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask, current_app, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from app import hookspecs

log = logging.getLogger(__name__)

DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("feeds", "plugins.feeds"),
    ("sitemap", "plugins.sitemap"),
    ("archive-focus", "plugins.archive_focus"),
    ("calculators", "plugins.calculators"),
    ("search", "plugins.search"),
)
ENTRYPOINT_GROUP = hookspecs.PROJECT_NAME
FAILURE_LOG = "plugin-failures.jsonl"
FAILURES_KEPT = 50


@dataclass
class PluginInfo:
    """What ``tokenpress plugins`` and ``/-/plugins.json`` report about one plugin."""

    name: str
    source: str  # "built-in", "package" or "directory"
    version: str | None
    enabled: bool
    module: Any = None
    hooks: list[str] = field(default_factory=list)
    root: Path | None = None  # folder that may hold templates/ and static/

    def as_dict(self) -> dict[str, Any]:
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


def _package_root(module: Any) -> Path | None:
    """The folder of a package plugin (where templates/ and static/ live), else None."""
    if getattr(module, "__path__", None):
        return Path(next(iter(module.__path__)))
    return None


def _load_directory_module(path: Path) -> Any:
    name = f"tokenpress_instance_plugins.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _candidates(app: Flask) -> Iterator[tuple[str, str, str | None, Any]]:
    """Yield (name, source, version, loader) for every plugin the app could load."""
    from app import __version__

    for name, dotted in DEFAULT_PLUGINS:
        yield name, "built-in", __version__, lambda dotted=dotted: importlib.import_module(dotted)
    if app.config.get("LOAD_ENTRYPOINT_PLUGINS", True):
        for ep in metadata.entry_points(group=ENTRYPOINT_GROUP):
            version = ep.dist.version if ep.dist else None
            yield ep.name, "package", version, ep.load
    plugins_dir = Path(app.config.get("PLUGINS_DIR") or "")
    if plugins_dir.is_dir():
        for path in sorted(plugins_dir.glob("*.py")):
            if not path.name.startswith("_"):
                yield path.stem, "directory", None, lambda p=path: _load_directory_module(p)


def build_plugin_manager(app: Flask) -> pluggy.PluginManager:
    """Create the app's manager, register every enabled plugin and check their hooks.

    A misspelt hook implementation fails here, loudly (``check_pending``).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    disabled = set(app.config.get("DISABLED_PLUGINS") or ())
    infos: dict[str, PluginInfo] = {}
    for name, source, version, load in _candidates(app):
        if name in infos:
            raise RuntimeError(f"Two plugins are named {name!r}; plugin names must be unique.")
        if name in disabled:
            pm.set_blocked(name)
            infos[name] = PluginInfo(name, source, version, enabled=False)
            continue
        module = load()
        pm.register(module, name=name)
        infos[name] = PluginInfo(name, source, version, True, module, root=_package_root(module))
    pm.check_pending()
    for info in infos.values():
        if info.enabled:
            info.hooks = sorted(h.name for h in pm.get_hookcallers(info.module) or ())
    app.extensions["tokenpress_plugins"] = infos
    return pm


def init_app(app: Flask) -> None:
    """Attach the manager, plugin templates and plugin static files to ``app``."""
    app.pm = build_plugin_manager(app)
    infos = plugin_infos(app)
    template_dirs = [str(i.templates_dir) for i in infos if i.enabled and i.templates_dir]
    if template_dirs:
        app.jinja_loader = ChoiceLoader(
            [app.jinja_loader, *(FileSystemLoader(d) for d in template_dirs)]
        )

    @app.route("/-/static/<plugin>/<path:filename>", endpoint="plugin_static")
    def plugin_static(plugin: str, filename: str):
        info = current_app.extensions["tokenpress_plugins"].get(plugin)
        if info is None or not info.enabled or info.static_dir is None:
            from flask import abort

            abort(404)
        return send_from_directory(info.static_dir, filename, max_age=31536000)


def plugin_infos(app: Flask) -> list[PluginInfo]:
    return list(app.extensions["tokenpress_plugins"].values())


# --- calling hooks safely ---------------------------------------------------------------------


def record_failure(app: Flask, plugin_name: str, hook_name: str, exc: BaseException) -> None:
    """Log a plugin failure with its traceback and append it to the instance failure log."""
    tb = "".join(traceback.format_exception(exc))
    log.error("plugin %r failed in hook %r:\n%s", plugin_name, hook_name, tb)
    from app.models import utcnow

    entry = {
        "at": utcnow().isoformat(timespec="seconds") + "Z",
        "plugin": plugin_name,
        "hook": hook_name,
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": tb,
    }
    path = Path(app.instance_path) / FAILURE_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
    except OSError:  # a read-only instance must not turn a plugin failure into a 500
        log.exception("could not write %s", path)


def recent_failures(app: Flask, limit: int = FAILURES_KEPT) -> list[dict[str, Any]]:
    """The most recent plugin failures, newest first."""
    path = Path(app.instance_path) / FAILURE_LOG
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    entries = []
    for line in reversed(lines):
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


def call_isolated(hook_name: str, app: Flask | None = None, **kwargs: Any) -> list[Any]:
    """Call an optional hook implementation by implementation, in pluggy's order.

    Results that are ``None`` are dropped. An implementation that raises is recorded with
    its plugin's name and left out; the others still run. Event hooks get a database
    savepoint each, so a failing one leaves no half-done writes behind.
    """
    app = app or current_app._get_current_object()
    caller = getattr(app.pm.hook, hook_name)
    results = []
    # pluggy runs implementations last-registered first; get_hookimpls() lists them in
    # the opposite order.
    for impl in reversed(caller.get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        try:
            if hook_name.startswith("post_"):
                from app.extensions import db

                with db.session.begin_nested():
                    result = impl.function(**args)
            else:
                result = impl.function(**args)
        except Exception as exc:  # noqa: BLE001 - isolation is the point
            record_failure(app, impl.plugin_name, hook_name, exc)
            continue
        if result is not None:
            results.append(result)
    return results


def render_fragments(hook_name: str, **kwargs: Any) -> Markup:
    """Join the HTML fragments an isolated hook returned."""
    return Markup("\n".join(str(r) for r in call_isolated(hook_name, **kwargs) if r))


