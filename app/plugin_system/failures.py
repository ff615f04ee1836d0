"""The plugin failure log: failures while serving are quiet for readers and visible to
the author.

Optional hooks run through ``calling.call_isolated``, which records each failure here with
its plugin's name: in the log (logger ``pressmark.plugin_system.manager``) and in
``instance/plugin-failures.jsonl``, which ``pressmark plugins`` and the editor's plugin page
read back (``recent_failures``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from pathlib import Path
from typing import Any

from flask import Flask
from pressmark.state import app_state

log = logging.getLogger("pressmark.plugin_system.manager")  # the logger docs/plugins.md names

FAILURE_LOG = "plugin-failures.jsonl"
FAILURES_KEPT = 50
# The failure log is trimmed back to FAILURES_KEPT entries once it grows past this, so a
# plugin failing on every request cannot fill the disk.
FAILURE_LOG_MAX_BYTES = 256 * 1024


def plugin_name_for(app: Flask, name: str) -> str:
    """The plugin name for ``name``, which may already be one or may be a module name
    (``handler.__module__`` of an embed handler, possibly a submodule of the plugin)."""
    infos = app_state(app).plugins
    if name in infos:
        return name
    for info in infos.values():
        module_name = getattr(info.module, "__name__", None)
        if module_name and (name == module_name or name.startswith(module_name + ".")):
            return info.name
    return name


def record_failure(app: Flask, plugin_name: str, hook_name: str, exc: BaseException) -> None:
    """Log a plugin failure with its traceback and append it to the instance failure log.

    ``plugin_name`` may be a plugin's name or the module its failing code lives in. Never
    raises: a read-only instance must not turn a plugin failure into a 500.
    """
    plugin_name = plugin_name_for(app, plugin_name)
    tb = "".join(traceback.format_exception(exc))
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a plugin's exception may not even print
        message = "<unprintable>"
    log.error("plugin %r failed in hook %r:\n%s", plugin_name, hook_name, tb)
    from pressmark.content.models import isoformat_utc, utcnow

    entry = {
        "at": isoformat_utc(utcnow()),
        "plugin": plugin_name,
        "hook": hook_name,
        "error": f"{type(exc).__name__}: {message}",
        "traceback": tb,
    }
    path = Path(app.instance_path) / FAILURE_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        if path.stat().st_size > FAILURE_LOG_MAX_BYTES:
            _trim_failure_log(path)
    except OSError:
        log.exception("could not write %s", path)


def _trim_failure_log(path: Path) -> None:
    kept = path.read_text(encoding="utf-8").splitlines()[-FAILURES_KEPT:]
    tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader sees the old log or the new one


def recent_failures(app: Flask, limit: int = FAILURES_KEPT) -> list[dict[str, Any]]:
    """The most recent plugin failures, newest first.

    Each is a dict with ``at`` (ISO time, UTC), ``plugin``, ``hook``, ``error`` (one line)
    and ``traceback``. Unreadable lines are skipped.
    """
    path = Path(app.instance_path) / FAILURE_LOG
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    except OSError:
        return []
    entries = []
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
