"""Background jobs plugins register (``register_workers``), run in threads of the server.

``pressmark serve`` starts them once, in one process (the first worker when it forks
several), after the site is prepared; they stop when the server does. Jobs keep their
work in the database, so a killed process loses nothing: the next start carries on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask
from pressmark.plugin_system.manager import app_pm

log = logging.getLogger(__name__)


def _run(job: Callable[[threading.Event], None], stop: threading.Event) -> None:
    try:
        job(stop)
    except Exception:  # noqa: BLE001 - a failing job is logged; the server keeps serving
        log.exception("background job %s stopped with an error",
                      getattr(job, "__qualname__", job))


def start_workers(app: Flask) -> threading.Event:
    """Start every plugin's jobs in daemon threads; set the returned event to stop them."""
    stop = threading.Event()
    jobs = [job for found in app_pm(app).hook.register_workers(app=app) for job in found or ()]
    for job in jobs:
        name = f"pressmark-{getattr(job, '__name__', 'job')}"
        threading.Thread(target=_run, args=(job, stop), name=name, daemon=True).start()
    if jobs:
        log.info("started %d background job(s)", len(jobs))
    return stop
