"""Finding the site's instance folder, as git finds its repository: never inventing one.

The instance folder holds a site's ``config.py`` (its secret key), its SQLite database and its
uploads. The command line looks for it in this order:

1. ``pressmark --instance PATH``;
2. the ``PRESSMARK_INSTANCE_PATH`` environment variable;
3. walking up from the current folder: the first folder that holds a ``pressmark.toml``
   (its ``instance`` key names the folder, relative to the file; ``instance/`` beside it by
   default) or an ``instance/`` folder with a ``config.py`` in it.

Only ``pressmark init`` and ``pressmark serve`` may create a new instance, and they say where;
every other command refuses with :class:`InstanceNotFound` rather than making a new site with a
new secret key wherever it happens to run.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "PRESSMARK_INSTANCE_PATH"
MARKER = "pressmark.toml"
FOLDER = "instance"
# The commands that may set up a new site.
CREATING_COMMANDS = frozenset({"init", "serve"})


class InstanceNotFound(Exception):
    """No instance folder is known, or the one named does not exist, and this command may
    not create one. The message says what to do."""


@dataclass(frozen=True)
class Instance:
    """Where the site lives and how that was decided (``how`` is shown to the operator)."""

    path: Path
    how: str

    @property
    def exists(self) -> bool:
        """Set up: it has its ``config.py``, or (configured by the environment alone, as in
        a container) it is a folder and ``PRESSMARK_SECRET_KEY`` is set."""
        if (self.path / "config.py").is_file():
            return True
        return self.path.is_dir() and bool(os.environ.get("PRESSMARK_SECRET_KEY"))


def _from_marker(marker: Path) -> Path:
    """The instance folder a ``pressmark.toml`` names (``instance`` key, relative to it)."""
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InstanceNotFound(f"{marker} cannot be read: {exc}. Fix or remove it.") from exc
    folder = data.get("instance", FOLDER)
    if not isinstance(folder, str) or not folder:
        raise InstanceNotFound(f"{marker}: 'instance' must be a folder name, like \"instance\".")
    return (marker.parent / folder).resolve()


def search_upwards(start: Path) -> Instance | None:
    """The instance found from ``start`` or one of its parents, or None."""
    for folder in (start, *start.parents):
        marker = folder / MARKER
        if marker.is_file():
            return Instance(_from_marker(marker), f"named by {marker}")
        candidate = folder / FOLDER
        if (candidate / "config.py").is_file():
            return Instance(candidate, f"found above {start}" if folder != start else "found here")
    return None


def locate(explicit: str | None = None, *, cwd: Path | None = None,
           environ: dict[str, str] | None = None) -> Instance:
    """The instance to use: ``explicit``, else the environment, else one found upwards, else
    ``./instance`` of ``cwd`` (which may not exist yet: see :func:`require`)."""
    environ = os.environ if environ is None else environ
    cwd = (cwd or Path.cwd()).resolve()
    if explicit:
        return Instance(Path(explicit).expanduser().resolve(), "given by --instance")
    if environ.get(ENV_VAR):
        return Instance(Path(environ[ENV_VAR]).expanduser().resolve(), f"from {ENV_VAR}")
    return search_upwards(cwd) or Instance(cwd / FOLDER, "new, in the current folder")


def require(instance: Instance, command: str | None) -> Instance:
    """``instance`` if it exists or ``command`` may create it; otherwise InstanceNotFound."""
    if instance.exists or command in CREATING_COMMANDS:
        return instance
    if instance.how.startswith("new"):
        raise InstanceNotFound(
            f"No pressmark site here: no {MARKER} or {FOLDER}/ in {instance.path.parent} or "
            f"above. Run `pressmark init` to create one here, or pass --instance PATH "
            f"(or set {ENV_VAR})."
        )
    raise InstanceNotFound(
        f"No pressmark site at {instance.path} ({instance.how}): it has no config.py. "
        f"Check the path, or run `pressmark --instance {instance.path} init` to create one."
    )
