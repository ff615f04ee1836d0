"""Which request a cached page answers, and the address it calls its own: both from here.

A page is cached under its scheme, host (unless absolute URLs are pinned to ``SITE_URL``),
path and only the query parameters it reads (``key_query``). Its canonical URL (also its
``og:url`` and JSON-LD ``url``) is built from the same host and the same reduced query
(``canonical_query``), so a made-up parameter (``/posts/x?page=7``) can neither change a
page's canonical nor end up in the copy every other reader gets.

The ``Host`` header is normalised before it reaches the key or the app
(``normalise_host``): lower case, no trailing dot, and a port only when it is the one
the server was reached on and not the scheme's default. Every made-up port or spelling of
a trusted name is thus one page, not one render each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

DEFAULT_PORTS = {"http": "80", "https": "443"}
HOST_RE = re.compile(r"^(?P<name>\[[0-9A-Fa-f:.]+\]|[^:\[\]]*)(?::(?P<port>[0-9]*))?$")


def normalise_host(host: str, scheme: str, server_port: str) -> str:
    """``host`` (a ``Host`` header) as the site names itself; unchanged when malformed
    (the trusted-host check then refuses it)."""
    match = HOST_RE.match(host.strip())
    if match is None:
        return host
    name = match.group("name").lower().rstrip(".")
    port = (match.group("port") or "").lstrip("0")
    if not port or port == DEFAULT_PORTS.get(scheme) or port != str(server_port):
        return name
    return f"{name}:{port}"


def key_query(query: str, params: Iterable[str]) -> str:
    """``query`` reduced to the parameters in ``params`` (the ones the page reads), in
    the order they came: the query part of the page's cache key."""
    if not query:
        return ""
    wanted = set(params)
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                      if k in wanted])


def canonical_query(query: str, params: Iterable[str]) -> str:
    """The query part of the page's canonical URL: ``key_query``, without ``page=1``
    (the first page of a listing is the listing itself); "" or "?..."."""
    pairs = []
    for name, value in parse_qsl(key_query(query, params), keep_blank_values=True):
        if name == "page" and re.fullmatch(r"[0-9]{1,9}", value):
            if int(value) == 1:
                continue
            value = str(int(value))  # ?page=07 is ?page=7
        pairs.append((name, value))
    return "?" + urlencode(pairs) if pairs else ""


def page_base(environ, *, pinned: bool) -> str:
    """The cache key without its query: scheme, host (when not ``pinned``) and path."""
    where = "" if pinned else environ.get("HTTP_HOST", "")
    return (f"{environ['wsgi.url_scheme']}://{where}{environ.get('SCRIPT_NAME', '')}"
            f"{environ.get('PATH_INFO', '')}")
