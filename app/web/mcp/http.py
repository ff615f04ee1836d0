"""``/mcp`` inside ``pressmark serve``: the MCP server's streamable HTTP transport,
bridged from the WSGI server with ``a2wsgi``.

A WSGI middleware sends ``/mcp`` to the bridge and every other path to the site. The
MCP app is stateless with JSON answers (no sessions to keep between requests, so any
process of ``serve --workers N`` answers any request). It is built on the first request
to ``/mcp``, in the process that serves it (after ``serve`` forks its workers), with one
event loop thread that runs the SDK's session manager for the process's life.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from flask import Flask

PATH = "/mcp"


class McpMiddleware:
    """WSGI: ``/mcp`` to the MCP server, anything else to ``inner``."""

    def __init__(self, inner, app: Flask):
        self.inner = inner
        self.app = app
        self._bridge = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path != PATH and path != PATH + "/":
            return self.inner(environ, start_response)
        return self.bridge()(environ, start_response)

    def bridge(self):
        if self._bridge is None:
            with self._lock:
                if self._bridge is None:
                    self._bridge = _start(self.app)
        return self._bridge


def _start(app: Flask):
    from a2wsgi import ASGIMiddleware
    from mcp.server.transport_security import TransportSecuritySettings
    from pressmark.web.mcp.tools import build_server

    server = build_server(app)
    asgi = server.streamable_http_app(
        streamable_http_path=PATH, stateless_http=True, json_response=True,
        # The page cache's host check (TRUSTED_HOSTS, SITE_URL) runs in front of it.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="mcp-loop", daemon=True).start()
    started: Future = Future()

    async def keep_running() -> None:
        async with server.session_manager.run():
            started.set_result(True)
            await asyncio.Event().wait()  # for the process's life

    asyncio.run_coroutine_threadsafe(keep_running(), loop)
    started.result(timeout=30)
    return ASGIMiddleware(asgi, loop=loop)


def init_app(app: Flask) -> None:
    """Serve ``/mcp``. Call it before the page cache wraps the app, so that the cache's
    host check (``TRUSTED_HOSTS``, ``SITE_URL``) runs in front of ``/mcp`` too; MCP's
    requests are ``POST``s, which the cache passes through."""
    app.wsgi_app = McpMiddleware(app.wsgi_app, app)
