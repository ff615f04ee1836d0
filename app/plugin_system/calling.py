"""Calling hooks: the calling rule of each hook, and calls one implementation at a time.

Every call goes through pluggy's own hook caller (a ``subset_hook_caller`` holding one
plugin's implementations), so pluggy's argument handling, ordering and call monitoring
apply; what this module adds is around each plugin's part of the call:

- *isolated* hooks (``@isolated``): a deadline (``PLUGIN_HOOK_TIMEOUT``), a check of the
  result's shape, and a failure recorded under the plugin's name and left out;
- *events* (``@event``): the same, inside a database savepoint of the caller's transaction
  instead of a deadline;
- *start-up* hooks (``STARTUP_HOOKS``): the first failure stops start-up with a
  ``PluginError`` naming the plugin.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pluggy
from flask import Flask, current_app
from markupsafe import Markup
from pressmark.plugin_system import hookspecs
from pressmark.plugin_system.deadlines import run_with_deadline
from pressmark.plugin_system.failures import record_failure
from pressmark.plugin_system.loading import PluginInfo, app_pm, refuse
from pressmark.state import app_state

# The core's hooks by calling rule, derived from the marks on their specs (hooks plugins
# add are looked up in the app's manager: ``calling_rule``).
EVENT_HOOKS = hookspecs.EVENT_HOOKS
ISOLATED_HOOKS = hookspecs.ISOLATED_HOOKS
# Isolated hooks (not events) may be given no more than ``PLUGIN_HOOK_TIMEOUT`` seconds:
# those called while a page is rendered, and the registries (called on first use, often
# inside a reader's or the author's request). Events are not among them: they run inside
# the save's database transaction, which belongs to the calling thread.
DEADLINE_HOOKS = ISOLATED_HOOKS - EVENT_HOOKS


def calling_rule(app: Flask, hook_name: str) -> str:
    """How ``hook_name`` is called in ``app``: ``hookspecs.DIRECT``, ``ISOLATED`` or
    ``EVENT``, as marked on its spec (the core's or one a plugin added)."""
    return app_pm(app).calling_rules.get(hook_name, hookspecs.DIRECT)


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


def plugin_by_plugin(
    pm: pluggy.PluginManager, hook_name: str, *, registration_order: bool = False
) -> Iterator[tuple[pluggy.HookImpl, Callable[..., list[Any]]]]:
    """For each plugin implementing ``hook_name``, its first implementation and a function
    calling that plugin's implementations through pluggy's own hook caller with the given
    keyword arguments, returning their results that are not ``None`` as a list.

    In pluggy's calling order (last registered first, ``tryfirst``/``trylast`` respected),
    or in registration order when asked.
    """
    impls = getattr(pm.hook, hook_name).get_hookimpls()
    ordered = impls if registration_order else list(reversed(impls))
    everyone = {impl.plugin for impl in impls}
    seen: set[int] = set()
    for impl in ordered:
        if id(impl.plugin) in seen:
            continue
        seen.add(id(impl.plugin))
        subset = pm.subset_hook_caller(hook_name, remove_plugins=everyone - {impl.plugin})
        yield impl, _results_of(subset)


def _results_of(subset: pluggy.HookCaller) -> Callable[..., list[Any]]:
    firstresult = bool(subset.spec and subset.spec.opts.get("firstresult"))

    def call(**kwargs: Any) -> list[Any]:
        result = subset(**kwargs)
        if firstresult:
            return [] if result is None else [result]
        return [r for r in result if r is not None]

    return call


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
    rule = calling_rule(app, hook_name)
    # Hooks also run while an error page is rendered; that request's exception is not the
    # plugin's business and would bury its traceback, so it is cut from the chain.
    handling = sys.exc_info()[1]
    results: list[tuple[str, Any]] = []
    for impl, call in plugin_by_plugin(app_pm(app), hook_name):
        try:
            found = _call_by_rule(app, rule, impl, call, kwargs)
            for result in found:
                _check_result(hook_name, result)
        except Exception as exc:  # noqa: BLE001 - isolation is the point
            if handling is not None:
                _cut_context(exc, handling)
            record_failure(app, impl.plugin_name, hook_name, exc)
            continue
        results.extend((impl.plugin_name, result) for result in found)
    return results


def _call_by_rule(
    app: Flask, rule: str, impl: pluggy.HookImpl, call: Callable[..., list[Any]],
    kwargs: dict[str, Any],
) -> list[Any]:
    if rule == hookspecs.EVENT:
        from pressmark.extensions import db

        with db.session.begin_nested():
            return call(**kwargs)
    if rule == hookspecs.ISOLATED:
        found: list[Any] = run_with_deadline(app, impl.function, lambda: call(**kwargs))
        return found
    return call(**kwargs)


def _check_result(hook_name: str, result: Any) -> None:
    if hook_name in RESULT_CHECKS:
        check, expected = RESULT_CHECKS[hook_name]
        if not check(result):
            raise TypeError(
                f"{hook_name} returned {_describe(result)}; it must return {expected} or None"
            )


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - garbage may not even print
        text = "<unprintable>"
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"a {type(value).__name__} ({text})"


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


def call_startup_hook(app: Flask, hook_name: str, /, **kwargs: Any) -> list[Any]:
    """Call one of ``STARTUP_HOOKS`` implementation by implementation, in pluggy's order,
    and return the results that are not ``None``.

    The first implementation that raises stops start-up: ``PluginError`` names its plugin
    and says how to disable it (the original exception is its ``__cause__``).
    """
    results = []
    for impl, call in plugin_by_plugin(app_pm(app), hook_name):
        try:
            results.extend(call(**kwargs))
        except Exception as exc:
            info = app_state(app).plugins.get(impl.plugin_name) or PluginInfo(
                impl.plugin_name, "registered", None, True, origin=str(impl.plugin)
            )
            raise refuse(info, f"failed in {hook_name}: {type(exc).__name__}: {exc}") from exc
    return results


def render_fragments(hook_name: str, **kwargs: Any) -> Markup:
    """Join the HTML fragments an isolated hook returned."""
    return Markup("\n".join(str(r) for r in call_isolated(hook_name, **kwargs) if r))
