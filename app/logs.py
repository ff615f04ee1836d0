"""Logging in one place: ``logging.config.dictConfig`` built from the site's configuration.

The ``pressmark`` command configures logging once, before it builds the app:

- every ``pressmark.*`` module logger (and a plugin's, under ``pressmark.plugins``) writes
  to stderr at ``LOG_LEVEL`` (``"INFO"``): nothing a module logs at INFO is dropped;
- ``pressmark serve`` writes one line per request to stdout, logger ``pressmark.access``, in
  the combined log format (Apache's and nginx's) unless ``ACCESS_LOG = False``;
- ``LOG_FORMAT = "json"`` (or ``pressmark serve --log-format json``) writes every line,
  access lines included, as one JSON object for log shippers;
- ``LOGGING``, a complete ``dictConfig`` dict, replaces all of this.

Apps built by tests (``create_app``) leave logging alone, so pytest's capture works.
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

FORMATS = ("combined", "json")
ACCESS_LOGGER = "pressmark.access"
# What the settings default to when the site sets nothing.
DEFAULTS = {"LOG_LEVEL": "INFO", "LOG_FORMAT": "combined", "ACCESS_LOG": True}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the exception if any, and
    an access line's fields (``access`` in the record's extras)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(config: Mapping[str, Any], log_format: str | None = None) -> dict[str, Any]:
    """The ``dictConfig`` for ``config`` (``LOGGING`` itself when the site gives one)."""
    if config.get("LOGGING"):
        return dict(config["LOGGING"])
    chosen = log_format or config.get("LOG_FORMAT") or DEFAULTS["LOG_FORMAT"]
    if chosen not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {chosen!r}")
    level = str(config.get("LOG_LEVEL") or DEFAULTS["LOG_LEVEL"]).upper()
    text = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": text,
            "access": {"format": "%(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json" if chosen == "json" else "text",
            },
            "access": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json" if chosen == "json" else "access",
            },
        },
        "loggers": {
            "pressmark": {"level": level, "handlers": ["stderr"], "propagate": False},
            ACCESS_LOGGER: {"level": "INFO", "handlers": ["access"], "propagate": False},
            # The server's own warnings (a full queue, a failed write) belong in the log too,
            # and so do the migrations that ran.
            "waitress": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
            "alembic": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def configure_logging(config: Mapping[str, Any], log_format: str | None = None) -> None:
    """Apply ``logging_config(config, log_format)``."""
    logging.config.dictConfig(logging_config(config, log_format))


# --- the access log ---------------------------------------------------------------------------


def combined_line(environ: Mapping[str, Any], status: int, size: int | None, when: float) -> str:
    """A request in the combined log format:
    ``host - user [time] "request" status bytes "referer" "user-agent"``."""
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(when))
    query = environ.get("QUERY_STRING")
    target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
    method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
    request_line = f"{method} {target} {protocol}"
    return (
        f"{environ.get('REMOTE_ADDR') or '-'} - {environ.get('REMOTE_USER') or '-'} [{stamp}] "
        f'"{_quote(request_line)}" {status} {size if size is not None else "-"} '
        f'"{_quote(environ.get("HTTP_REFERER") or "-")}" '
        f'"{_quote(environ.get("HTTP_USER_AGENT") or "-")}"'
    )


def _quote(text: str) -> str:
    # A client controls these fields: keep each request on one unambiguous line.
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AccessLog:
    """WSGI middleware that logs each request once its answer has been sent, to
    ``pressmark.access``. It wraps the whole app (page cache included), so cache hits and
    304s are logged like any other answer."""

    def __init__(self, app: WsgiApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        started = time.time()
        seen: dict[str, Any] = {"status": 500}

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], *args: Any
        ) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, *args)

        body = self.app(environ, recording_start_response)
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self._log(environ, seen["status"], size, started)

    def _log(self, environ: Mapping[str, Any], status: int, size: int, started: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        access = {
            "remote_addr": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or "",
            "protocol": environ.get("SERVER_PROTOCOL"),
            "status": status,
            "bytes": size,
            "referer": environ.get("HTTP_REFERER"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "duration_ms": round((time.time() - started) * 1000, 1),
            "pid": os.getpid(),
        }
        self.logger.info(combined_line(environ, status, size, started), extra={"access": access})
