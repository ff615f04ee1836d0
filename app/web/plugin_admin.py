"""Plugin tooling for authors and contributors.

- ``pressmark plugins [--json] [--tracebacks]``: every plugin, its hooks and recent failures;
- ``pressmark plugin new NAME [DIR]``: scaffold a pip-installable plugin package;
- ``/-/plugins.json``: the plugin list (no failures) as JSON, for machines: signed-in
  authors only, unless ``PLUGIN_LIST_PUBLIC`` makes it public;
- ``/editor/plugins``: the same list and the recent failures with tracebacks, for the
  signed-in author.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Flask, abort, current_app, jsonify
from flask.cli import with_appcontext
from flask_login import current_user, login_required
from pressmark.plugin_system.manager import plugin_infos, recent_failures
from pressmark.plugin_system.settings import catalogue

bp = Blueprint("plugins", __name__)


def plugin_report(app: Flask) -> list[dict[str, Any]]:
    """Every plugin's public description plus its settings (name, value, default, help)
    and its recent failures, newest first."""
    failures = recent_failures(app)
    declared = catalogue(app)
    report = []
    for info in plugin_infos(app):
        entry = info.as_dict()
        entry["settings"] = [d.as_dict() for d in declared if d.plugin == info.name]
        entry["failures"] = [f for f in failures if f.get("plugin") == info.name]
        report.append(entry)
    return report


def group_failures(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repeats of one failure (same plugin, hook and error) as one entry, newest first.

    A plugin that fails on every request would otherwise bury every other failure. Each
    group is the newest entry plus ``count`` and ``first_at`` (the oldest one's time).
    """
    groups: dict[tuple, dict[str, Any]] = {}
    for failure in failures:  # newest first
        key = (failure.get("plugin"), failure.get("hook"), failure.get("error"))
        if key in groups:
            groups[key]["count"] += 1
            groups[key]["first_at"] = failure.get("at")
        else:
            groups[key] = {**failure, "count": 1, "first_at": failure.get("at")}
    return list(groups.values())


# --- web ---------------------------------------------------------------------------------------


@bp.route("/-/plugins.json")
def plugins_json():
    """The list of plugins: name, source, version, enabled, hooks, static URL prefix.

    Public only when ``PLUGIN_LIST_PUBLIC`` is true: which plugins (and versions) a site
    runs tells an attacker what to try. Otherwise signed-in authors get it, privately, and
    everyone else a 404, as if it did not exist.
    """
    public = bool(current_app.config.get("PLUGIN_LIST_PUBLIC"))
    if not public and not current_user.is_authenticated:
        abort(404)
    response = jsonify([info.as_dict() for info in plugin_infos(current_app)])
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = 60
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/editor/plugins")
@login_required
def report():
    """The owner's view: plugins, and what failed recently with its traceback."""
    from pressmark.web.rendering import render_page

    if not current_user.can("plugins"):
        abort(403, description="Only the site's owners can see the plugins and their failures.")
    failures = recent_failures(current_app)
    body = render_page(
        "plugins/report.html",
        plugins=plugin_infos(current_app),
        failures=failures,
        failure_groups=group_failures(failures),
        failure_counts=Counter(f.get("plugin") for f in failures),
    )
    return body, 200, {"Cache-Control": "private, no-store"}


# --- command line ----------------------------------------------------------------------------


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--tracebacks", is_flag=True, help="Print each recent failure's traceback.")
@with_appcontext
def plugins_command(as_json: bool, tracebacks: bool) -> None:
    """List plugins (built-in, package, directory), their hooks and recent failures."""
    app = current_app._get_current_object()
    report = plugin_report(app)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    rows = [
        [
            p["name"],
            p["version"] or "-",
            p["source"],
            "enabled" if p["enabled"] else "disabled",
            str(len(p["failures"])),
            ", ".join(p["hooks"]) or "-",
        ]
        for p in report
    ]
    click.echo(_table(rows, ["NAME", "VERSION", "SOURCE", "STATUS", "FAILURES", "HOOKS"]))
    click.echo("\nSettings (instance/config.py, or PRESSMARK_<NAME> in the environment):")
    for declared in catalogue(app):
        value = json.dumps(declared.value, default=str)
        default = json.dumps(declared.setting.default, default=str)
        shown = value if value == default else f"{value} (default {default})"
        click.echo(f"  {declared.setting.name} = {shown}  [{declared.plugin}]")
        click.echo(f"      {declared.setting.help}")
    failures = recent_failures(app)
    if not failures:
        click.echo("\nNo recent plugin failures.")
        return
    click.echo(f"\nRecent failures, newest first ({len(failures)}):")
    for f in group_failures(failures):
        times = f" (x{f['count']} since {f['first_at']})" if f["count"] > 1 else ""
        click.echo(
            f"  {f.get('at', '?')}  {f.get('plugin')}  in {f.get('hook')}{times}: {f.get('error')}"
        )
        if tracebacks:
            click.echo("    " + f.get("traceback", "").rstrip().replace("\n", "\n    "))
    if not tracebacks:
        click.echo("Show tracebacks with --tracebacks, or at /editor/plugins.")


@click.group("plugin")
def plugin_group() -> None:
    """Create plugins."""


@plugin_group.command("new")
@click.argument("name")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def new_command(name: str, directory: Path | None) -> None:
    """Create a pip-installable plugin package called NAME in DIRECTORY.

    DIRECTORY defaults to ./pressmark-NAME and must not exist (or be empty).
    """
    from pressmark.plugin_system.manager import DEFAULT_PLUGINS
    from pressmark.plugin_system.scaffold import ScaffoldError, create_plugin

    try:
        files = create_plugin(name, directory, taken={n for n, _ in DEFAULT_PLUGINS})
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"Could not write the plugin: {exc}") from exc
    root = files[0].parent
    for path in files:
        click.echo(f"created {path}")
    click.echo(
        f"\nNext:\n  cd {root}\n  pip install -e '.[test]'\n  pytest\n"
        f"Then `pressmark plugins` lists {name!r} with source 'package'."
    )
