"""Failures the operator can fix, turned into one line that says what to do.

The command line (``pressmark.cli_group``) passes every exception that escapes a command to
:func:`explain`. What it recognises (a port in use, a missing or unreachable database, a
bad setting, no instance folder) becomes one ``Error:`` line and exit status 1, without a
traceback; ``pressmark --debug`` prints the traceback as well. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import errno

from pressmark.config import ConfigError
from pressmark.instance import InstanceNotFound


class PortError(OSError):
    """The server could not bind its address; raised by ``serve`` with the address known."""


def bind_problem(exc: OSError, where: str) -> str | None:
    """What to do when binding ``where`` (``127.0.0.1:8000`` or a socket path) failed."""
    if exc.errno == errno.EADDRINUSE:
        return (f"{where} is already in use by another program: stop it, or serve on "
                "another port with --port (or another socket with --unix-socket).")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"Not allowed to listen on {where}: ports below 1024 need privileges; serve "
                "on a higher port behind a proxy (see docs/deploy.md), or check the folder's "
                "permissions for a socket.")
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{where} is not an address of this machine: check --host."
    return None


def _database_problem(exc: Exception) -> str | None:
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    lowered = detail.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return ("The database is not set up yet (" + detail + "): run `pressmark init` "
                "(or `pressmark db upgrade`) first.")
    if "unable to open database file" in lowered:
        return ("The SQLite database cannot be opened: check that its folder exists and is "
                "writable, or SQLALCHEMY_DATABASE_URI in the instance's config.py.")
    if exc.connection_invalidated or "connect" in lowered or "password authentication" in lowered:
        return (f"Cannot reach the database ({detail}): check that its server is running "
                "and SQLALCHEMY_DATABASE_URI in the instance's config.py.")
    return None


def explain(exc: BaseException) -> str | None:
    """One line telling the operator how to fix ``exc``, or None when it is not theirs to fix."""
    if isinstance(exc, InstanceNotFound | ConfigError):
        return str(exc)
    if isinstance(exc, PortError):
        return str(exc)
    if isinstance(exc, SyntaxError) and str(exc.filename or "").endswith("config.py"):
        return (f"{exc.filename}, line {exc.lineno}: {exc.msg}. Fix the file (it is Python) "
                "and try again.")
    if isinstance(exc, Exception):
        return _database_problem(exc)
    return None
