"""The layout's rules, checked on the source (AST) rather than trusted to review.

- Nothing imports a folder by its own name (``app.…``, ``plugins.…``, ``migrations.…``): the
  package is ``pressmark``, and a module loaded under two names is two modules.
- ``pressmark.content`` never imports ``pressmark.web`` or ``pressmark.migrate``;
  ``pressmark.migrate`` never imports ``pressmark.web``.
- Plugins (built-in, and the test suite's fixture plugins, which stand for third-party ones)
  import only ``pressmark.api``, the models, the extensions and their own package.
- ``pyproject.toml`` lists every package folder, so the wheel leaves none out.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folder -> the import name it installs as (pyproject.toml's package-dir).
FOLDERS = {"app": "pressmark", "plugins": "pressmark.plugins", "migrations": "pressmark.migrations"}
# The models are content.models and the models modules beside it (reach_models: the
# newsletter's and webmentions' tables).
PLUGIN_MAY_IMPORT = ("pressmark.api", "pressmark.content.models",
                     "pressmark.content.reach_models", "pressmark.extensions")


def module_name(path: Path) -> str:
    """The import name of a source file under one of FOLDERS (or tests/, bench/)."""
    rel = path.relative_to(ROOT)
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    top = FOLDERS.get(parts[0])
    return ".".join([top, *parts[1:]]) if top else ".".join(parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in ``path``, function-level ones included, with
    relative imports resolved and ``from package import name`` reported as
    ``package.name`` (the name may be a submodule); also modules run as ``-m module`` and
    loaded with ``import_module("module")``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.List | ast.Tuple):  # [sys.executable, "-m", "module"]
            for flag, target in zip(node.elts, node.elts[1:], strict=False):
                if (
                    isinstance(flag, ast.Constant)
                    and flag.value == "-m"
                    and isinstance(target, ast.Constant)
                    and isinstance(target.value, str)
                ):
                    yield target.lineno, target.value
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_rules_see_imports():
    """The checker itself finds plain, from-, relative and function-level imports."""
    found = {m for _, m in imports(ROOT / "app" / "content" / "store.py")}
    assert "pressmark.content.postdata.PostData" in found
    found = {m for _, m in imports(ROOT / "plugins" / "calculators" / "__init__.py")}
    assert "pressmark.plugins.calculators.registry.calculators" in found  # inside a function


@pytest.mark.parametrize("folder", ["app", "plugins", "migrations", "tests", "bench"])
def test_nothing_imports_a_folder_by_its_name(folder):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sources(folder)
        for line, module in imports(path)
        if any(is_within(module, name) for name in FOLDERS)
    ]
    assert wrong == []


def test_content_never_imports_web():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sources("app/content")
        for line, module in imports(path)
        if is_within(module, "pressmark.web") or is_within(module, "pressmark.migrate")
    ]
    assert wrong == []


def test_migrate_never_imports_web():
    """The importers sit beside content/ and use it; the web layer is not theirs to reach."""
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sources("app/migrate")
        for line, module in imports(path)
        if is_within(module, "pressmark.web")
    ]
    assert sources("app/migrate") and wrong == []


@pytest.mark.parametrize("folder", ["plugins", "tests/fixture_plugins"])
def test_plugins_use_only_the_public_surface(folder):
    wrong = []
    for path in sources(folder):
        own = module_name(path).split(".")[:3] if folder == "plugins" else ["?"]
        for line, module in imports(path):
            allowed = any(is_within(module, ok) for ok in PLUGIN_MAY_IMPORT) or is_within(
                module, ".".join(own)
            )
            if is_within(module, "pressmark") and not allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []


WIRING = ("register_blueprint", "register_error_handler", "add_url_rule", "errorhandler")


def test_create_app_wires_every_route_and_error_page_itself():
    """create_app reads as the whole wiring diagram: no module registers a blueprint, a
    route outside a blueprint or an error page on the app by itself."""
    wrong = []
    for path in sources("app", "plugins"):
        if path == ROOT / "app" / "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in WIRING
                and isinstance(node.value, ast.Name)
                and node.value.id == "app"
            ) or (
                isinstance(node, ast.Attribute)
                and node.attr == "route"
                and isinstance(node.value, ast.Name)
                and node.value.id == "app"
            ):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} app.{node.attr}")
    assert wrong == []


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert {v: k for k, v in setuptools["package-dir"].items()} == FOLDERS
    folders = {
        module_name(init)
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == folders
