"""How ``pressmark serve`` runs waitress: where it listens, which proxy it trusts, and
which waiting request a free thread takes first.

Exactly one layer reads ``X-Forwarded-*`` headers: waitress. It rewrites ``REMOTE_ADDR``,
the URL scheme and the host from them only for a connection that comes from the proxy
(``PROXY_ADDRESS``, or any connection on a Unix socket), taking exactly ``PROXY_COUNT``
hops, and removes them from every other request before the app sees it. So the app's
``request.remote_addr`` (the sign-in throttle), ``request.is_secure`` (HSTS, Secure cookies)
and absolute URLs are right behind a proxy and cannot be forged by a client that reaches
the port directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from itsdangerous import BadSignature
from waitress.task import ThreadedTaskDispatcher
from werkzeug.http import parse_cookie

# The peer address waitress gives every connection on a Unix socket.
UNIX_SOCKET_PEER = "localhost"
KNOWN_HEADERS = {
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-forwarded-by",
}


class ProxyConfigError(ValueError):
    """The proxy settings cannot work; the message says which one to change."""


def proxy_options(config: Mapping[str, Any], *, unix_socket: bool = False) -> dict[str, Any]:
    """waitress's ``trusted_proxy*`` options for the site's proxy settings.

    ``PROXY_COUNT`` proxies (0: none; every forwarded header is dropped) whose nearest one
    connects from ``PROXY_ADDRESS`` and sends ``PROXY_HEADERS``. A Unix socket is only
    reached through a local proxy, so on one at least one hop is trusted, from the socket's
    peer. Raises :class:`ProxyConfigError` for settings that cannot work.
    """
    try:
        count = int(config.get("PROXY_COUNT") or 0)
    except (TypeError, ValueError):
        raise ProxyConfigError("PROXY_COUNT must be a whole number (0 without a proxy).") from None
    if count < 0:
        raise ProxyConfigError("PROXY_COUNT must be 0 or more.")
    if unix_socket:
        count, address = max(count, 1), UNIX_SOCKET_PEER
    else:
        address = str(config.get("PROXY_ADDRESS") or "").strip()
    if not count:
        return {"clear_untrusted_proxy_headers": True}
    if not address:
        raise ProxyConfigError(
            "PROXY_ADDRESS is empty: set it to the address the proxy connects from "
            "(for a proxy on this machine, 127.0.0.1)."
        )
    headers = {str(name).strip().lower() for name in config.get("PROXY_HEADERS") or ()}
    unknown = headers - KNOWN_HEADERS
    if unknown or not headers:
        raise ProxyConfigError(
            f"PROXY_HEADERS must name some of {', '.join(sorted(KNOWN_HEADERS))}; "
            f"got {sorted(headers)}."
        )
    if "forwarded" in headers and len(headers) > 1:
        raise ProxyConfigError(
            "PROXY_HEADERS: use either ['forwarded'] or X-Forwarded-* headers, not both."
        )
    return {
        "trusted_proxy": address,
        "trusted_proxy_count": count,
        "trusted_proxy_headers": headers,
        "clear_untrusted_proxy_headers": True,
    }


def listen_options(
    host: str, port: int, unix_socket: str | None, unix_socket_perms: str
) -> dict[str, Any]:
    """waitress's options for a TCP address, or for a Unix socket when one is given."""
    if unix_socket:
        return {"unix_socket": unix_socket, "unix_socket_perms": unix_socket_perms}
    return {"host": host, "port": port}


class AuthorSessions:
    """Whether a raw ``Cookie`` header carries a valid signed session of a signed-in
    account: the session cookie's signature (``SECRET_KEY``) and age are checked, and it
    must name a user. It runs in the server's I/O thread, before any app code, so it reads
    no database: a session ended elsewhere still counts until it expires (the lane is a
    place in the queue, never access to anything)."""

    MAX_COOKIE = 4096  # a longer value is no session pressmark signed

    def __init__(self, app: Flask):
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.max_age = int(app.permanent_session_lifetime.total_seconds())

    def __call__(self, cookie_header: str) -> bool:
        if self.serializer is None or self.cookie_name not in cookie_header:
            return False
        value = parse_cookie(cookie_header).get(self.cookie_name, "")
        if not value or len(value) > self.MAX_COOKIE:
            return False
        try:
            data = self.serializer.loads(value, max_age=self.max_age)
        except BadSignature:
            return False
        return isinstance(data, dict) and bool(data.get("_user_id"))


class AuthorFirstDispatcher(ThreadedTaskDispatcher):
    """Waitress's queue of requests waiting for a thread, with the author's at the front.

    Under a crowd of readers every thread can be busy and dozens of requests queued; the
    author's save, or the editor page after it, would wait behind them all. A request that
    carries a valid signed session of a signed-in author (``is_author``, an
    ``AuthorSessions``) goes ahead of the readers' (in order among themselves). Readers lose
    nothing they would notice: authors' requests are few. Neither a non-``GET`` request nor
    the script-readable ``pressmark_author`` flag cookie is enough: anyone can send those.
    """

    def __init__(self, is_author: Callable[[str], bool]):
        super().__init__()
        self.is_author = is_author

    def add_task(self, task) -> None:
        if not self._from_author(task):
            super().add_task(task)
            return
        with self.lock:
            ahead = 0
            while ahead < len(self.queue) and self._from_author(self.queue[ahead]):
                ahead += 1
            self.queue.insert(ahead, task)
            self.queue_cv.notify()

    def _from_author(self, channel) -> bool:
        """Whether the request a waitress channel is about to serve is an author's."""
        requests = getattr(channel, "requests", None)
        if not requests:
            return False
        return self.is_author(requests[0].headers.get("COOKIE", ""))


def author_first_dispatcher(threads: int, app: Flask) -> AuthorFirstDispatcher:
    """A dispatcher for ``waitress.create_server(..., _dispatcher=...)`` with ``threads``,
    that knows ``app``'s signed-in authors."""
    dispatcher = AuthorFirstDispatcher(AuthorSessions(app))
    dispatcher.set_thread_count(threads)
    return dispatcher
