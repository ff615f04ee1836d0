"""The ``pressmark`` command group: pressmark's own options on top of Flask's app loading.

Flask's ``FlaskGroup`` loads the app lazily for commands that need it; this group keeps that
and changes what the operator sees: ``--version`` is pressmark's, ``--instance`` chooses the
site (``pressmark.instance``), Flask's ``run``, ``-A/--app`` and ``-e/--env-file`` are gone,
``db`` holds the operator's migration commands only, and a failure the operator can fix is
one line (``pressmark.cli_errors``) unless ``--debug`` asks for the traceback.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
import traceback
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command
from flask.helpers import get_debug_flag
from pressmark import __version__, create_app
from pressmark.cli_errors import explain
from pressmark.config import write_instance_config
from pressmark.instance import ENV_VAR, InstanceNotFound, locate, require
from pressmark.logs import configure_logging
from pressmark.plugin_system.manager import PluginError

log = logging.getLogger("pressmark.cli")
STARTUP_ERROR_LOG = "startup-error.log"


class StartupError(click.ClickException):
    """The site cannot start because of a plugin: one paragraph, no traceback."""


def _command_name() -> str | None:
    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx else None
    return info.data.get("command") if info else None


def make_app() -> Flask:
    """The CLI's app, for the instance that ``pressmark.instance`` finds.

    Only ``init`` and ``serve`` may create the instance (and its secret key); any other
    command raises ``InstanceNotFound``. Logging is configured from the site's settings. A
    plugin that stops start-up is reported in one paragraph naming it and how to disable it;
    the traceback goes to ``instance/startup-error.log``, and to stderr with ``--debug``.
    """
    # Files the CLI and the server create (database, uploads, logs) are the owner's only.
    os.umask(0o077)
    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx else None
    instance = require(locate(info.data.get("instance") if info else None), _command_name())
    if info is not None:
        info.data["instance_found"] = instance
    os.environ[ENV_VAR] = str(instance.path)
    if not os.environ.get("PRESSMARK_SECRET_KEY") and not instance.exists:
        write_instance_config(instance.path)
        click.echo(f"Created a new site at {instance.path}.")
    configure_logging({"LOG_FORMAT": os.environ.get("PRESSMARK_LOG_FORMAT") or "combined"})
    try:
        app = create_app()
    except PluginError as exc:
        details = "".join(traceback.format_exception(exc))
        log_path = instance.path / STARTUP_ERROR_LOG
        where = ""
        try:
            log_path.write_text(details, encoding="utf-8")
            where = f" The traceback is in {log_path}; run with --debug to print it."
        except OSError:
            pass
        if get_debug_flag():
            click.echo(details, err=True)
        raise StartupError(f"{exc}{where}") from None
    configure_logging(app.config)
    return app


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"pressmark {__version__}")
        ctx.exit()


def _remember_instance(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(ScriptInfo).data["instance"] = value


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # Read by get_debug_flag(): the app's debug mode and the tracebacks of user errors.
    if value:
        os.environ["FLASK_DEBUG"] = "1"


class PressmarkGroup(FlaskGroup):
    """Flask's lazy app loading with pressmark's options, commands and error reports."""

    def __init__(self, **extra: Any) -> None:
        super().__init__(add_default_commands=False, add_version_option=False,
                         load_dotenv=False, **extra)
        self.params = [
            click.Option(["--instance"], metavar="PATH", expose_value=False, is_eager=True,
                         callback=_remember_instance,
                         help=f"The site's instance folder (default: {ENV_VAR}, else a "
                         "pressmark.toml or instance/ found in this folder or above)."),
            click.Option(["--debug"], is_flag=True, expose_value=False, is_eager=True,
                         callback=_set_debug,
                         help="Show tracebacks, and serve in Flask's debug mode."),
            click.Option(["--version"], is_flag=True, expose_value=False, is_eager=True,
                         callback=_show_version, help="Show pressmark's version and exit."),
        ]
        self.add_command(routes_command)
        self.add_command(shell_command)

    def _load_plugin_commands(self) -> None:
        """Flask's ``flask.commands`` entry points (Flask-Migrate's developer ``db``) are
        not pressmark's: its commands come from the app and its plugins."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        ctx.ensure_object(ScriptInfo).data["command"] = name
        return name, command, rest

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.commands)
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except (InstanceNotFound, click.ClickException) as exc:
            # --help outside a site still lists the core's commands, and says why not more.
            message = exc.format_message() if isinstance(exc, click.ClickException) else exc
            click.echo(f"Note: {message}\n", err=True)
        return sorted(names)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            message = explain(exc)
            if message is None:
                raise
            if get_debug_flag():
                traceback.print_exception(exc, file=sys.stderr)
            raise click.ClickException(message) from None


# --- pressmark db: the operator's migration commands -------------------------------------------

DB_HELP = {
    "upgrade": "Bring the database's schema up to this version of pressmark (run after "
               "upgrading pressmark; `init` and `serve` do it too). Back up first.",
    "downgrade": "Undo schema changes back to REVISION (before installing an older "
                 "pressmark). Data in removed columns is lost: back up first.",
    "current": "Show the database's schema revision.",
    "history": "List the schema revisions that ship with pressmark.",
    "heads": "Show the newest schema revision that ships with pressmark.",
    "check": "Check that the database's schema matches this version's models (exit 1 if "
             "not): after an upgrade, or when in doubt.",
    "show": "Describe one schema revision.",
    "stamp": "Record REVISION as the database's schema without changing it (only to repair "
             "a database whose schema was changed by hand).",
}


def operator_db_group() -> click.Group:
    """``pressmark db``: Flask-Migrate's commands an operator needs, described for one; the
    developer's (``init``, ``migrate``, ``revision``, ``merge``, ...) stay hidden."""
    from flask import g
    from flask.cli import with_appcontext
    from flask_migrate.cli import db as migrate_db

    @click.group("db")
    @with_appcontext
    def group() -> None:
        """The database's schema: upgrade it after installing a new pressmark, check it, or
        see its revision."""
        g.directory, g.x_arg = None, ()  # the migrations shipped inside pressmark

    for name, command in migrate_db.commands.items():
        command = copy.copy(command)
        if name in DB_HELP:
            command.help = DB_HELP[name]
            command.short_help = None
            command.params = [_hidden(p) if p.name in ("directory", "x_arg") else p
                              for p in command.params]
        else:
            command.hidden = True
        group.add_command(command, name)
    return group


def _hidden(param: click.Parameter) -> click.Parameter:
    param = copy.copy(param)
    param.hidden = True  # type: ignore[attr-defined]
    return param


def instance_of(ctx: click.Context) -> str | None:
    """The instance folder the app was loaded from in this command, and how it was chosen."""
    found = ctx.ensure_object(ScriptInfo).data.get("instance_found")
    return f"{found.path} ({found.how})" if found else None
