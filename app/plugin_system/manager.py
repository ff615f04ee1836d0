"""The app's plugin system, put together: ``init_app`` gives an app its plugin manager,
its plugins' settings and the template loader that includes their templates.

Each job has its module:

- ``loading``: which plugins exist and are enabled, the pluggy manager, ``PluginError``;
- ``calling``: calling rules and calls implementation by implementation (isolated hooks,
  events, start-up hooks), through pluggy's own hook caller;
- ``deadlines``: the threads that give isolated calls a time limit;
- ``failures``: the plugin failure log;
- ``assets``: plugins' static files and templates;
- ``settings``: the settings catalogue.

The names below are re-exported so that ``pressmark.plugin_system.manager`` keeps offering
what it always did.
"""

from __future__ import annotations

from flask import Flask
from pressmark.plugin_system import settings
from pressmark.plugin_system.assets import plugin_asset_url, plugin_static, template_loader
from pressmark.plugin_system.calling import (
    DEADLINE_HOOKS,
    EVENT_HOOKS,
    ISOLATED_HOOKS,
    RESULT_CHECKS,
    call_isolated,
    call_isolated_by_plugin,
    call_startup_hook,
    calling_rule,
    render_fragments,
)
from pressmark.plugin_system.deadlines import (
    MAX_OVERDUE_CALLS,
    PluginTimeoutError,
    call_with_deadline,
)
from pressmark.plugin_system.failures import (
    FAILURE_LOG,
    FAILURE_LOG_MAX_BYTES,
    FAILURES_KEPT,
    plugin_name_for,
    recent_failures,
    record_failure,
)
from pressmark.plugin_system.loading import (
    DEFAULT_PLUGINS,
    DIRECTORY_MODULE_PREFIX,
    ENTRYPOINT_GROUP,
    STARTUP_HOOKS,
    PluginError,
    PluginInfo,
    PressmarkPluginManager,
    app_pm,
    build_plugin_manager,
    disabled_plugin_names,
    plugin_infos,
)
from pressmark.plugin_system.settings import collect_settings
from pressmark.state import app_state

__all__ = [
    "DEADLINE_HOOKS", "DEFAULT_PLUGINS", "DIRECTORY_MODULE_PREFIX", "ENTRYPOINT_GROUP",
    "EVENT_HOOKS", "FAILURES_KEPT", "FAILURE_LOG", "FAILURE_LOG_MAX_BYTES", "ISOLATED_HOOKS",
    "MAX_OVERDUE_CALLS", "RESULT_CHECKS", "STARTUP_HOOKS", "PluginError", "PluginInfo",
    "PluginTimeoutError", "PressmarkPluginManager", "app_pm", "build_plugin_manager",
    "call_isolated", "call_isolated_by_plugin", "call_startup_hook", "call_with_deadline",
    "calling_rule", "collect_settings", "disabled_plugin_names", "init_app", "plugin_asset_url",
    "plugin_infos", "plugin_name_for", "plugin_static", "record_failure", "recent_failures",
    "render_fragments", "template_loader",
]


def init_app(app: Flask) -> None:
    """Give ``app`` its plugin manager, its plugins' settings (defaults applied) and the
    templates' loader (``assets.template_loader``).

    ``create_app`` routes ``/-/static/<plugin>/<path>`` to ``assets.plugin_static``."""
    state = app_state(app)
    settings.apply_defaults(app, settings.PLUGIN_SYSTEM_SETTINGS)
    state.pm, state.plugins = build_plugin_manager(app)
    state.settings = collect_settings(state.pm, state.plugins)
    settings.apply_defaults(app, [setting for _, setting in state.settings])
    app.jinja_loader = template_loader(app)
