"""Fetching other sites' pages safely: a deadline, a size cap, and never a private address.

The address check runs on the socket after it connects (its peer address), so a name that
resolves to a public address once and a private one the next time (DNS rebinding) is
caught too, and so is every redirect. Loopback is allowed only with
``WEBMENTION_ALLOW_LOOPBACK`` (for tests that run two sites on 127.0.0.1).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit

from flask import current_app

USER_AGENT = "pressmark-webmention (+https://www.w3.org/TR/webmention/)"


class FetchError(Exception):
    """The page could not be fetched; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    headers: Message = field(default_factory=Message)

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        return self.body.decode(charset, errors="replace")


def check_peer(sock: socket.socket, allow_loopback: bool) -> None:
    """Refuse a connection to anything but a public address (loopback if allowed)."""
    address = ipaddress.ip_address(sock.getpeername()[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_global or (allow_loopback and address.is_loopback):
        return
    sock.close()
    raise FetchError(f"refused: {address} is a private address", permanent=True)


def _connection_classes(allow_loopback: bool):
    class Checked(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            check_peer(self.sock, allow_loopback)

    class CheckedTLS(http.client.HTTPSConnection):
        def connect(self) -> None:
            http.client.HTTPConnection.connect(self)  # plain TCP first: check, then TLS
            check_peer(self.sock, allow_loopback)
            self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)

    return Checked, CheckedTLS


def _opener(allow_loopback: bool) -> urllib.request.OpenerDirector:
    plain, tls = _connection_classes(allow_loopback)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):  # noqa: ANN001 - urllib's interface
            return self.do_open(plain, req)

    class TLSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # noqa: ANN001
            return self.do_open(tls, req, context=self._context)

    return urllib.request.build_opener(Handler, TLSHandler)


def fetch(url: str, *, data: bytes | None = None) -> Fetched:
    """GET (or POST ``data``, form-encoded) ``url`` within ``WEBMENTION_TIMEOUT`` seconds,
    reading at most ``WEBMENTION_MAX_BYTES``; 4xx and 5xx answers are returned, not raised.
    ``FetchError`` for a refused address, a bad URL, a timeout or a network failure."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError("only http and https URLs are fetched", permanent=True)
    config = current_app.config
    timeout = float(config["WEBMENTION_TIMEOUT"])
    cap = int(config["WEBMENTION_MAX_BYTES"])
    request = urllib.request.Request(url, data=data, headers={
        "User-Agent": USER_AGENT, "Accept": "text/html, */*;q=0.5"})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    deadline = time.monotonic() + timeout
    try:
        response = _opener(bool(config["WEBMENTION_ALLOW_LOOPBACK"])).open(request,
                                                                          timeout=timeout)
    except urllib.error.HTTPError as exc:
        response = exc
    except FetchError:
        raise
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, FetchError):
            raise reason from None
        raise FetchError(f"could not fetch {url}: {reason}") from None
    with response:
        body = b""
        while len(body) <= cap:
            if time.monotonic() > deadline:
                raise FetchError(f"{url} took longer than {timeout:g} seconds")
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            body += chunk
        if len(body) > cap:
            raise FetchError(f"{url} is larger than {cap} bytes", permanent=True)
        return Fetched(url=response.geturl(), status=response.status or 0, body=body,
                       headers=response.headers)
