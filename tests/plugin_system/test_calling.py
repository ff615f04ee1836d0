"""Hooks are called through pluggy's own hook caller, one plugin at a time.

A plugin author who traces hook calls with pluggy's ``add_hookcall_monitoring`` sees every
isolated and start-up call, each with the one plugin it runs; and there is one definition
of a hook's calling rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pressmark.plugin_system import hookspecs
from pressmark.plugin_system.calling import call_isolated, call_startup_hook, calling_rule
from pressmark.state import app_state

ROOT = Path(__file__).resolve().parents[2]


def monitored(app):
    calls: list[tuple[str, list[str]]] = []
    pm = app_state(app).pm
    undo = pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: calls.append((name, [i.plugin_name for i in impls])),
        lambda outcome, name, impls, kwargs: None,
    )
    return calls, undo


def test_isolated_calls_go_through_pluggy_one_plugin_at_a_time(app):
    implementers = {
        impl.plugin_name for impl in app_state(app).pm.hook.register_embeds.get_hookimpls()
    }
    assert len(implementers) >= 2  # calculators and video, at least
    calls, undo = monitored(app)
    try:
        with app.app_context():
            embeds = call_isolated("register_embeds", app=app)
    finally:
        undo()
    assert [name for name, _ in calls] == ["register_embeds"] * len(implementers)
    assert all(len(plugins) == 1 for _, plugins in calls)
    assert {plugins[0] for _, plugins in calls} == implementers
    assert {"calc", "youtube", "vimeo"} <= {name for found in embeds for name in found}


def test_start_up_calls_go_through_pluggy_too(app):
    calls, undo = monitored(app)
    try:
        with app.app_context():
            blueprints = call_startup_hook(app, "register_blueprints", app=app)
    finally:
        undo()
    assert calls and all(name == "register_blueprints" for name, _ in calls)
    assert all(len(plugins) == 1 for _, plugins in calls)
    assert len(blueprints) == len(calls)


def test_calling_rule_is_defined_once(app):
    definitions = [
        path.relative_to(ROOT)
        for path in (ROOT / "app").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name == "calling_rule"
    ]
    assert definitions == [Path("app/plugin_system/calling.py")]
    assert calling_rule(app, "post_updated") == hookspecs.EVENT
    assert calling_rule(app, "render_slot") == hookspecs.ISOLATED
    assert calling_rule(app, "startup") == hookspecs.DIRECT
