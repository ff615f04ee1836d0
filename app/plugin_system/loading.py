"""Loading plugins: which exist, which are enabled, and the app's pluggy manager.

Plugins come from three places, in this order:

1. the built-ins in ``DEFAULT_PLUGINS`` (ordinary modules in ``plugins/``);
2. installed packages that declare an entry point in the group ``pressmark``;
3. one-off modules in the instance's plugins directory (``instance/plugins/*.py``).

Any of them is disabled by listing its name in ``DISABLED_PLUGINS``: a disabled plugin is
never imported, so disabling also rescues a site from a plugin that fails to import.

Start-up problems are loud (``PluginError``): a plugin that cannot be imported, a hook
implementation with a misspelt name or arguments the spec does not have, two plugins with
one name.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask
from pressmark.plugin_system import hookspecs
from pressmark.state import app_state

log = logging.getLogger("pressmark.plugin_system.manager")  # the logger docs/plugins.md names

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
# Hooks called once per implementation while the app is built (``calling.call_startup_hook``);
# like isolated hooks, they take no wrappers.
STARTUP_HOOKS = ("startup", "register_blueprints", "register_commands")


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


def refuse(info: PluginInfo, problem: str) -> PluginError:
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
            self.calling_rules[name] = hookspecs.marked_rule(getattr(module_or_class, name))
        return opts


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
            raise refuse(info, f"implements {caller.name!r}, which is not a hook.{hint}")
        rule = pm.calling_rules.get(caller.name, hookspecs.DIRECT)
        one_by_one = rule != hookspecs.DIRECT or caller.name in STARTUP_HOOKS
        if one_by_one and any(i.wrapper or i.hookwrapper for i in impls):
            raise refuse(
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
            raise refuse(
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
            raise refuse(info, f"failed to import: {type(exc).__name__}: {exc}") from exc
        try:
            pm.register(module, name=cand.name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise refuse(info, f"cannot be registered: {exc}") from exc
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


def plugin_infos(app: Flask) -> list[PluginInfo]:
    """Every plugin the app knows, enabled or not, in registration order."""
    return list(app_state(app).plugins.values())
