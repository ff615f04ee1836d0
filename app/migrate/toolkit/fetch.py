"""Downloading an old site's images (WordPress attachments, featured images given by URL)
when no local copy sits beside the export.

Only ``http`` and ``https`` addresses are fetched, redirects included, and only from the
public internet: a host whose address is loopback, private, link-local, multicast,
reserved or unspecified is refused, checked on the address the connection really uses
(so a name that resolves differently the second time cannot slip past) and again after
every redirect. ``IMPORT_ALLOW_HOSTS`` names hosts (names or addresses, with or without a
port) that may be fetched although they are internal, for an old site on the same
network. Environment proxies are not used, since a proxy would make that check moot.

Each download has a total deadline (``IMPORT_DOWNLOAD_SECONDS``, for connecting, the
headers and the body together, however slowly the server trickles) and is refused,
without being held in memory past it, once it passes the upload size limit
(``UPLOAD_MAX_BYTES``). What was downloaded is then stored as every upload is: its type
is read from its bytes, never from the server's Content-Type, and anything but a PNG,
JPEG, GIF or WebP image is refused. Each address is fetched once per import. A failure
is a ``FetchError`` with a reason for the report; it never stops the import.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import shutil
import socket
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHUNK = 64 * 1024
TIMEOUT = 20  # seconds, for connecting and for each read
DEADLINE = 60  # seconds, for the whole of one download
USER_AGENT = "pressmark-import"


class FetchError(ValueError):
    """A download that failed or was refused, with the reason."""


def internal(address: str) -> bool:
    """Whether ``address`` (an IP address) is not on the public internet."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified or not ip.is_global)


@dataclass(frozen=True)
class Guard:
    """Which hosts may be reached; ``allowed`` holds lower-cased names and ``name:port``."""

    allowed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, hosts: Iterable[str]) -> Guard:
        return cls(frozenset(str(h).strip().lower().strip("[]") for h in hosts if str(h).strip()))

    def permits(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        return host in self.allowed or f"{host}:{port}" in self.allowed

    def connect(self, holder: list, address: tuple[str, int], timeout: float | None = None,
                source_address=None) -> socket.socket:
        """``socket.create_connection`` to a checked address of ``address``'s host; the
        socket is put in ``holder`` so that the deadline can close it."""
        host, port = address
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot be reached: {exc.strerror or exc}") from None
        permitted = self.permits(host, port)
        last: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            if not permitted and internal(sockaddr[0]):
                raise FetchError(
                    f"refused: {host} is an internal address ({sockaddr[0]}); "
                    "IMPORT_ALLOW_HOSTS lets an import reach it")
            sock = socket.socket(family, kind, proto)
            holder.append(sock)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or FetchError(f"cannot be reached: no address for {host}")


class _Connection(http.client.HTTPConnection):
    def __init__(self, *args, guard: Guard, holder: list, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(guard.connect, holder)


class _SecureConnection(http.client.HTTPSConnection):
    def __init__(self, *args, guard: Guard, holder: list, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(guard.connect, holder)


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, guard: Guard, holder: list):
        super().__init__()
        self.guard, self.holder = guard, holder

    def http_open(self, req):
        return self.do_open(functools.partial(_Connection, guard=self.guard,
                                              holder=self.holder), req)


class _SecureHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: Guard, holder: list):
        super().__init__()
        self.guard, self.holder = guard, holder

    def https_open(self, req):
        return self.do_open(functools.partial(_SecureConnection, guard=self.guard,
                                              holder=self.holder), req,
                            context=self._context)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"redirected to a non-web address: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class Fetcher:
    """Downloads into a temporary folder of its own; ``close()`` removes it."""

    limit: int
    timeout: float = TIMEOUT
    deadline: float = DEADLINE
    allow_hosts: Iterable[str] = ()
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pm-fetch-")))
    done: dict[str, Path | FetchError] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.guard = Guard.of(self.allow_hosts)

    def get(self, url: str) -> Path:
        """The downloaded file of ``url`` (fetched at most once); ``FetchError`` else."""
        if url not in self.done:
            try:
                self.done[url] = self._download(url, self.folder / f"{len(self.done)}")
            except FetchError as exc:
                self.done[url] = exc
        found = self.done[url]
        if isinstance(found, FetchError):
            raise found
        return found

    def _download(self, url: str, target: Path) -> Path:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError("only http and https addresses are downloaded")
        sockets: list[socket.socket] = []
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _Handler(self.guard, sockets),
            _SecureHandler(self.guard, sockets), _HttpOnlyRedirects())
        expired = threading.Event()

        def expire() -> None:  # a stalled read or a trickling server ends here
            expired.set()
            for sock in list(sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self.deadline, expire)
        timer.daemon = True
        timer.start()
        try:
            return self._receive(opener, url, target, expired)
        except FetchError:
            raise
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                raise FetchError(f"took longer than {self.deadline:g} s") from None
            if isinstance(exc, urllib.error.HTTPError):
                raise FetchError(f"the server answered {exc.code} {exc.reason}") from None
            if isinstance(exc, urllib.error.URLError):
                if isinstance(exc.reason, FetchError):
                    raise exc.reason from None
                raise FetchError(f"cannot be reached: {exc.reason}") from None
            raise FetchError(f"download failed: {exc}") from None
        finally:
            timer.cancel()
            for sock in sockets:
                sock.close()

    def _receive(self, opener, url: str, target: Path, expired: threading.Event) -> Path:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with opener.open(request, timeout=min(self.timeout, self.deadline)) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > self.limit:
                raise FetchError(f"larger than the upload limit ({self.limit} bytes)")
            size = 0
            with target.open("wb") as out:
                # read1: at most one read of the socket, so the deadline is looked at often.
                while chunk := response.read1(CHUNK):
                    size += len(chunk)
                    if size > self.limit:
                        raise FetchError(f"larger than the upload limit ({self.limit} bytes)")
                    if expired.is_set():
                        break
                    out.write(chunk)
        if expired.is_set():  # the deadline closed the connection: what came is not whole
            raise FetchError(f"took longer than {self.deadline:g} s")
        if size == 0:
            raise FetchError("the server sent an empty file")
        return target

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
