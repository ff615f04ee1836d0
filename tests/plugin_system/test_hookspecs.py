"""The hooks are a public API: each is typed, documented in docs/plugins.md and tested.

In the manner of Datasette's ``test_plugin_hooks_are_documented`` and
``test_plugin_hooks_have_tests``: a new hook cannot land without its documentation and a
``test_hook_<name>`` test that exercises it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import re
import typing
from pathlib import Path
from types import ModuleType

import pluggy
import pytest
from pressmark.plugin_system import hookspecs
from pressmark.plugin_system.manager import DEFAULT_PLUGINS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins.md"
TESTS = ROOT / "tests"
HEADING_RE = re.compile(r"^### (\w+)\(([^)]*)\)\s*$", re.MULTILINE)


def spec_namespaces() -> list[ModuleType]:
    """The core's hookspecs and those built-in plugins add (their ``hookspecs`` module)."""
    found = [hookspecs]
    for _, dotted in DEFAULT_PLUGINS:
        if importlib.util.find_spec(f"{dotted}.hookspecs") is not None:
            found.append(importlib.import_module(f"{dotted}.hookspecs"))
    return found


def hook_specs() -> dict[str, typing.Callable]:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    return {
        name: getattr(namespace, name)
        for namespace in spec_namespaces()
        for name in dir(namespace)
        if pm.parse_hookspec_opts(namespace, name)
    }


SPECS = hook_specs()


@functools.cache
def documented_hooks() -> dict[str, list[str]]:
    """``### name(arg, arg)`` headings in the plugin guide: name -> argument names."""
    text = DOCS.read_text(encoding="utf-8")
    return {
        name: [a.strip() for a in args.split(",") if a.strip()]
        for name, args in HEADING_RE.findall(text)
    }


@functools.cache
def hook_tests() -> dict[str, list[str]]:
    """Every ``test_hook_*`` function in tests/**/*.py: name -> files it is in."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_hook_"):
                found.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    return found


def test_there_are_hooks():
    assert {"startup", "render_slot", "post_published"} <= set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_hook_is_documented_with_its_arguments(name):
    documented = documented_hooks()
    assert name in documented, f"docs/plugins.md needs a heading '### {name}(...)'"
    spec_args = list(inspect.signature(SPECS[name]).parameters)
    assert documented[name] == spec_args, (
        f"docs/plugins.md documents {name}({', '.join(documented[name])}), "
        f"the hookspec is {name}({', '.join(spec_args)})"
    )


def test_docs_document_no_hook_that_does_not_exist():
    assert set(documented_hooks()) - set(SPECS) == set()


def test_docs_list_the_slots_of_the_hookspec():
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### render_slot(") : text.index("### extra_template_vars(")]
    table_slots = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    doc = hookspecs.render_slot.__doc__
    spec_slots = set(re.findall(r"``(\w+)``", doc[doc.index("Slots:") : doc.index("Fragments")]))
    assert table_slots == spec_slots


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_hook_has_a_test(name):
    tests = hook_tests()
    matching = [t for t in tests if t == f"test_hook_{name}" or t.startswith(f"test_hook_{name}_")]
    assert matching, f"no test named test_hook_{name} in tests/"


def test_every_hook_test_names_a_hook():
    # A typo in a test name would otherwise silently leave a hook untested.
    hooks = sorted(SPECS, key=len, reverse=True)
    for test in hook_tests():
        rest = test.removeprefix("test_hook_")
        assert any(rest == h or rest.startswith(h + "_") for h in hooks), test


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_hook_is_typed_and_has_a_contract(name):
    spec = SPECS[name]
    assert inspect.getdoc(spec), f"{name} needs a docstring: it is the hook's contract"
    signature = inspect.signature(spec)
    for param in signature.parameters.values():
        assert param.annotation is not inspect.Parameter.empty, f"{name}({param.name}) untyped"
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert param.default is inspect.Parameter.empty
    assert signature.return_annotation is not inspect.Signature.empty
    returns = str(signature.return_annotation)
    # The naming conventions: register_* returns a collection, events return nothing.
    if name.startswith("register_") and name != "register_commands":
        assert returns.startswith(("list[", "Mapping[")), (name, returns)
    if name.startswith("post_") or name in ("startup", "addhooks"):
        assert returns == "None", (name, returns)


def test_calling_rules_are_derived_from_the_marks_on_the_specs():
    marked = {name: hookspecs.marked_rule(spec) for name, spec in SPECS.items()}
    core = set(hook_specs_of(hookspecs))
    assert {n for n in core if marked[n] == hookspecs.EVENT} == hookspecs.EVENT_HOOKS
    assert {n for n in core if marked[n] != hookspecs.DIRECT} == hookspecs.ISOLATED_HOOKS
    # Past-tense content events are events; the start-up and wiring hooks are direct.
    assert {n for n in core if n.startswith("post_")} == hookspecs.EVENT_HOOKS
    direct = {n for n in core if marked[n] == hookspecs.DIRECT}
    assert direct == {
        "startup", "addhooks", "register_settings", "register_blueprints", "register_commands",
        "register_theme_templates", "register_workers",
    }


def test_the_core_names_no_plugins_hook():
    """Hooks of one plugin's making live in that plugin (added with ``addhooks``)."""
    assert "register_calculators" in SPECS
    assert "register_calculators" not in hook_specs_of(hookspecs)


def hook_specs_of(namespace: ModuleType) -> list[str]:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    return [name for name in dir(namespace) if pm.parse_hookspec_opts(namespace, name)]
