"""Deadlines for plugin calls: a few daemon threads, and the calls now overdue.

A thread cannot be stopped, so a hook implementation past ``PLUGIN_HOOK_TIMEOUT`` runs on
in its worker while the caller moves on; the bookkeeping here keeps a hanging plugin from
taking more than one thread per implementation, and the process from holding more than
``MAX_OVERDUE_CALLS`` such threads.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Flask

# How many implementations may be running past their deadline at once, across the app,
# before further calls are left out without waiting (a hung thread cannot be stopped).
MAX_OVERDUE_CALLS = 8


class PluginTimeoutError(TimeoutError):
    """A plugin's hook implementation did not return within ``PLUGIN_HOOK_TIMEOUT``."""


class _DaemonPool:
    """A few daemon threads running submitted calls, each answered through a ``Future``.

    Not ``ThreadPoolExecutor``: its threads are joined when the interpreter exits, so one
    plugin call that never returns would keep the server from shutting down.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.calls: queue.SimpleQueue[
            tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
        ] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.threads = 0
        self.idle = 0

    def submit(
        self, function: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        future: Future[Any] = Future()
        self.calls.put((future, function, args, kwargs))
        with self.lock:
            if self.calls.qsize() > self.idle and self.threads < self.size:
                self.threads += 1
                name = f"pressmark-plugin-{self.threads}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            with self.lock:
                self.idle += 1
            future, function, args, kwargs = self.calls.get()
            with self.lock:
                self.idle -= 1
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(exc)


class _Deadlines:
    """Worker threads for plugin calls with a deadline, and the calls now overdue.

    One for the process, shared by its apps: the threads are a resource of the process,
    like waitress's, and holding no app state they need none of their own.
    """

    def __init__(self) -> None:
        self.pool = _DaemonPool(MAX_OVERDUE_CALLS + 8)
        self.lock = threading.Lock()
        self.overdue: set[Any] = set()  # functions still running past their deadline


_deadlines: _Deadlines | None = None
_deadlines_lock = threading.Lock()


def _forget_deadlines_after_fork() -> None:
    """A forked worker (``pressmark serve --workers``) inherits the pool but not its
    threads: it must build its own."""
    global _deadlines, _deadlines_lock
    _deadlines = None
    _deadlines_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_deadlines_after_fork)


def _get_deadlines() -> _Deadlines:
    global _deadlines
    with _deadlines_lock:
        if _deadlines is None:
            _deadlines = _Deadlines()
        return _deadlines


def call_with_deadline(app: Flask, function: Callable[..., Any], /, **kwargs: Any) -> Any:
    """``function(**kwargs)``, or ``PluginTimeoutError`` once ``PLUGIN_HOOK_TIMEOUT``
    seconds have passed (0 or less: no deadline, called in this thread).

    The call runs in a worker thread with a copy of this thread's context, so
    ``current_app`` and ``request`` work in it. A thread cannot be stopped: a call past its
    deadline runs on, and until it returns the same function is refused at once
    (``PluginTimeoutError``) rather than given another thread, so a hanging plugin holds at
    most one thread per implementation, and no more than ``MAX_OVERDUE_CALLS`` are held in
    the process.
    """
    return run_with_deadline(app, function, lambda: function(**kwargs))


def run_with_deadline(app: Flask, key: Callable[..., Any], call: Callable[[], Any]) -> Any:
    """``call()`` under ``call_with_deadline``'s rules, with ``key`` (the plugin's function)
    the one whose overdue call refuses the next."""
    timeout = float(app.config.get("PLUGIN_HOOK_TIMEOUT") or 0)
    if timeout <= 0:
        return call()
    deadlines = _get_deadlines()
    name = getattr(key, "__qualname__", repr(key))
    with deadlines.lock:
        if key in deadlines.overdue:
            raise PluginTimeoutError(f"{name} is still running from an earlier call")
        if len(deadlines.overdue) >= MAX_OVERDUE_CALLS:
            raise PluginTimeoutError("too many plugin calls are running past their deadline")
    context = contextvars.copy_context()
    future = deadlines.pool.submit(context.run, call)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        with deadlines.lock:
            deadlines.overdue.add(key)

        def finished(_future: Any) -> None:
            with deadlines.lock:
                deadlines.overdue.discard(key)

        future.add_done_callback(finished)
        raise PluginTimeoutError(
            f"{name} did not return within PLUGIN_HOOK_TIMEOUT ({timeout:g} s)"
        ) from None
