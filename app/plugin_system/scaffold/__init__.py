"""``pressmark plugin new``: write a pip-installable plugin package from the templates here.

The templates in ``templates/`` use ``string.Template`` placeholders (``${plugin_name}``,
``${dist_name}``, ``${module_name}``, ``${pressmark_version}``); ``TEMPLATE_FILES`` maps
each to its path in the new project.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
NAME_MAX_LENGTH = 40
TEMPLATES = Path(__file__).parent / "templates"
# template file -> path in the new project (itself a template)
TEMPLATE_FILES: dict[str, str] = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "package/__init__.py.tmpl": "${module_name}/__init__.py",
    "tests/test_plugin.py.tmpl": "tests/test_${module_name}.py",
}


class ScaffoldError(ValueError):
    """The plugin cannot be created as asked; the message says why and what to do."""


@dataclass(frozen=True)
class PluginNames:
    """The names one plugin goes by."""

    plugin_name: str  # entry-point name, used by DISABLED_PLUGINS: "reading-time"
    dist_name: str  # what pip installs: "pressmark-reading-time"
    module_name: str  # what Python imports: "pressmark_reading_time"


def plugin_names(name: str, taken: frozenset[str] | set[str] = frozenset()) -> PluginNames:
    """Validate ``name`` and derive the distribution and module names from it.

    Raises ``ScaffoldError`` for a name that is not lowercase words joined by single
    hyphens, too long, prefixed with ``pressmark-``, or already used (``taken``).
    """
    if name.startswith("pressmark-") and NAME_RE.match(name):
        raise ScaffoldError(
            f"Leave out the “pressmark-” prefix: the plugin name is {name[11:]!r} and the "
            f"package will be called {name!r}."
        )
    if not NAME_RE.match(name):
        raise ScaffoldError(
            f"{name!r} is not a valid plugin name: use lowercase letters and digits, words "
            "joined by single hyphens, starting with a letter (for example “reading-time”)."
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ScaffoldError(f"A plugin name can be at most {NAME_MAX_LENGTH} characters.")
    if name in taken:
        raise ScaffoldError(f"There is already a plugin called {name!r}; choose another name.")
    return PluginNames(name, f"pressmark-{name}", "pressmark_" + name.replace("-", "_"))


def create_plugin(
    name: str, directory: Path | None = None, taken: frozenset[str] | set[str] = frozenset()
) -> list[Path]:
    """Write a new plugin project for ``name`` into ``directory`` and return its files.

    ``directory`` defaults to ``./pressmark-<name>``. It must not exist, or be empty.
    Raises ``ScaffoldError`` (and writes nothing) for a bad name or an occupied folder.
    """
    from pressmark import __version__

    names = plugin_names(name, taken)
    target = Path(directory) if directory is not None else Path.cwd() / names.dist_name
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} already exists and is a file; choose another folder.")
    if target.is_dir() and any(target.iterdir()):
        raise ScaffoldError(
            f"The folder {target} already exists and is not empty; choose another folder or "
            "remove it first."
        )
    values = {
        "plugin_name": names.plugin_name,
        "dist_name": names.dist_name,
        "module_name": names.module_name,
        "pressmark_version": __version__,
    }
    written = []
    for source, dest in TEMPLATE_FILES.items():
        text = string.Template((TEMPLATES / source).read_text(encoding="utf-8"))
        path = target / string.Template(dest).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.substitute(values), encoding="utf-8")
        written.append(path)
    return written
