"""Several waitress processes on one listening socket: ``pressmark serve --workers N``.

The parent prepares the site, opens the socket, forks N workers and then only supervises:
a worker that dies is started again (after a pause if it died young, so a crash loop does
not spin), and SIGTERM or SIGINT stops every worker cleanly (each finishes the requests it
is answering) before the parent exits. Every worker accepts from the same socket, so the
kernel spreads connections over them.

With ``pin`` each worker is bound to one CPU (worker i to the i-th allowed CPU, round
robin): a waitress process then keeps its caches warm on one core instead of migrating.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# Whether `pressmark serve` pins workers to CPUs unless told otherwise: it won in the
# benchmark (bench/README.md: 1.74x for one process, 1.44x for two on 2 cores).
PIN_DEFAULT = True
# How long stopping workers may take before they are killed.
STOP_TIMEOUT = 10.0
# A worker that dies sooner than this after starting waits this long before the next try.
CRASH_PAUSE = 1.0


def default_worker_count() -> int:
    """The number of CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1
    )


def listen_socket(host: str, port: int, unix_socket: str | None = None,
                  unix_socket_perms: str = "660", backlog: int = 1024) -> socket.socket:
    """The one socket every worker accepts from, bound and listening."""
    if unix_socket:
        if os.path.exists(unix_socket):
            os.unlink(unix_socket)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(unix_socket)
        os.chmod(unix_socket, int(unix_socket_perms, 8))
    else:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


class Supervisor:
    """Forks ``count`` workers, each running ``serve(index)`` (which must not return while
    it serves), restarts any that die, and stops them all on SIGTERM/SIGINT."""

    def __init__(self, serve: Callable[[int], None], count: int, *, pin: bool = False):
        self.serve = serve
        self.count = count
        self.pin = pin
        self.cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.workers: dict[int, tuple[int, float]] = {}  # pid -> (index, started)
        self.stopping = False

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM,
                                                                    signal.SIGINT)}
        try:
            for index in range(self.count):
                self._start(index)
            while self.workers:
                self._reap()
                if self.stopping:
                    self._stop_all()
                    break
                time.sleep(0.1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _start(self, index: int) -> None:
        pid = os.fork()
        if pid:
            self.workers[pid] = (index, time.monotonic())
            return
        # In the worker: default signal handling, so SIGTERM/SIGINT end waitress's loop.
        signal.signal(signal.SIGTERM, _exit_quietly)
        signal.signal(signal.SIGINT, _exit_quietly)
        code = 0
        try:
            if self.pin and self.cpus:
                os.sched_setaffinity(0, {self.cpus[index % len(self.cpus)]})
            self.serve(index)
        except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
            log.exception("worker %d failed", index)
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            index, started = self.workers.pop(pid, (None, 0.0))
            if index is None or self.stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            log.warning("worker %d (pid %d) %s; starting it again", index, pid, how)
            if time.monotonic() - started < CRASH_PAUSE:
                time.sleep(CRASH_PAUSE)
            self._start(index)

    def _stop_all(self) -> None:
        for pid in list(self.workers):
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.workers and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        for pid in list(self.workers):
            log.warning("worker pid %d did not stop in time; killing it", pid)
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.waitpid(pid, 0)
            self.workers.pop(pid, None)


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)

