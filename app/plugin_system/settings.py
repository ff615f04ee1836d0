"""Plugin settings in one catalogue, each with its default and help text.

In the style of Datasette's settings: every setting a plugin reads is declared once, as a
``Setting``, where ``pressmark plugins`` can list it with its current value. The settings
of the plugin system itself are in ``PLUGIN_SYSTEM_SETTINGS``; each plugin declares its
own with the ``register_settings`` hook. Values come from the site's configuration
(``instance/config.py`` or ``PRESSMARK_<NAME>`` in the environment); a setting the site
leaves unset gets its default when the app is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy
    from flask import Flask
    from pressmark.plugin_system.loading import PluginInfo

NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
CORE = "(plugin system)"


@dataclass(frozen=True)
class Setting:
    """One setting: its configuration key (upper case), default and help text."""

    name: str
    default: Any
    help: str

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(f"a setting's name is an upper-case config key, not {self.name!r}")
        if not self.help.strip():
            raise ValueError(f"setting {self.name} needs help text")


PLUGIN_SYSTEM_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DISABLED_PLUGINS",
        [],
        "Plugins that are not loaded, by name: built-in, package or directory plugins. "
        "A disabled plugin is never imported.",
    ),
    Setting(
        "LOAD_ENTRYPOINT_PLUGINS",
        True,
        "Load plugins installed as packages (entry-point group \"pressmark\").",
    ),
    Setting(
        "PLUGIN_HOOK_TIMEOUT",
        2.0,
        "Seconds a plugin's page fragment, asset list, template variables, registry or "
        "embed may take before it is left out and recorded as a failure (0: no limit).",
    ),
    Setting(
        "PLUGIN_LIST_PUBLIC",
        False,
        "Serve /-/plugins.json to anyone (otherwise only to signed-in authors).",
    ),
)


@dataclass(frozen=True)
class DeclaredSetting:
    """A setting in an app's catalogue: who declared it and its value in that app."""

    setting: Setting
    plugin: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.setting.name,
            "plugin": self.plugin,
            "default": self.setting.default,
            "value": self.value,
            "help": self.setting.help,
        }


def apply_defaults(app: Flask, settings: tuple[Setting, ...] | list[Setting]) -> None:
    """Give each setting the site leaves unset its default (a copy, for lists and dicts)."""
    for setting in settings:
        default = setting.default
        app.config.setdefault(setting.name, type(default)(default) if isinstance(
            default, list | dict | set) else default)


def catalogue(app: Flask) -> list[DeclaredSetting]:
    """Every plugin setting of ``app``, the plugin system's first, with its value."""
    from pressmark.state import app_state

    return [
        DeclaredSetting(setting, plugin, app.config.get(setting.name))
        for plugin, setting in app_state(app).settings
    ]


def collect_settings(
    pm: pluggy.PluginManager, infos: dict[str, PluginInfo]
) -> list[tuple[str, Setting]]:
    """The settings catalogue: the plugin system's, then each plugin's
    (``register_settings``), in registration order.

    Raises ``PluginError`` naming the plugin whose hook raises, returns something other
    than settings, or declares a name that is already taken.
    """
    found: list[tuple[str, Setting]] = [
        (CORE, s) for s in PLUGIN_SYSTEM_SETTINGS
    ]
    owners = {s.name: CORE for s in PLUGIN_SYSTEM_SETTINGS}
    from pressmark.plugin_system.calling import plugin_by_plugin
    from pressmark.plugin_system.loading import PluginInfo, refuse

    for impl, call in plugin_by_plugin(pm, "register_settings", registration_order=True):
        info = infos.get(impl.plugin_name) or PluginInfo(impl.plugin_name, "?", None, True)
        try:
            declared = [item for found in call() for item in found]
        except Exception as exc:
            problem = f"failed in register_settings: {type(exc).__name__}: {exc}"
            raise refuse(info, problem) from exc
        for item in declared:
            if not isinstance(item, Setting):
                raise refuse(info, f"register_settings returned {item!r}, not a Setting.")
            if item.name in owners:
                raise refuse(
                    info, f"declares the setting {item.name}, which {owners[item.name]} "
                    "declares already; setting names must be unique."
                )
            owners[item.name] = impl.plugin_name
            found.append((impl.plugin_name, item))
    return found
