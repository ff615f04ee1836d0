"""Client addresses, parsed with ``ipaddress``: one canonical address per client.

A proxy or a socket can write the same client many ways: ``203.0.113.9``,
``203.0.113.9:4711``, ``::ffff:203.0.113.9`` (IPv4-mapped, from a dual-stack socket or
HAProxy's ``v4v6``), ``64:ff9b::203.0.113.9`` (NAT64), ``[2001:db8::1]:4711``.
``parse_address`` strips ports and brackets and unwraps the mapped and NAT64 forms to the
IPv4 address they carry, so the sign-in throttle (``pressmark.web.throttle``) counts each
client once, never all mapped clients as one, and never one client once per port.

Waitress splits an ``X-Forwarded-For`` hop at its last colon, which turns every
``::ffff:a.b.c.d`` into ``::ffff``. ``ClientAddress``, the outermost layer of
``pressmark serve``, therefore sets ``REMOTE_ADDR`` again from the hop waitress trusted
(waitress leaves only trusted hops in the header, and drops the header for anyone but the
proxy), or from the peer's own address.
"""

from __future__ import annotations

import ipaddress
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_address(raw: str | None) -> IPAddress | None:
    """The client address in ``raw`` (any form above, quotes allowed), or None."""
    text = (raw or "").strip().strip('"')
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # IPv4 with a port (an IPv6 address has two colons or more)
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _forwarded_client(environ: dict[str, Any]) -> str | None:
    """The client hop of the forwarded headers waitress kept (only trusted hops)."""
    forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
    if forwarded_for:
        return forwarded_for.split(",", 1)[0]
    for element in (environ.get("HTTP_FORWARDED") or "").split(","):
        for pair in element.split(";"):
            token, _, value = pair.strip().partition("=")
            if token.lower() == "for" and value:
                return value
    return None


class ClientAddress:
    """WSGI layer: ``REMOTE_ADDR`` as ``parse_address`` gives it (see the module text).

    Only for servers that drop forwarded headers from anyone but the proxy, as
    ``pressmark serve`` sets waitress up to do; elsewhere a client could choose its address.
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        raw = _forwarded_client(environ) or environ.get("REMOTE_ADDR")
        address = parse_address(raw)
        if address is not None:
            environ["REMOTE_ADDR"] = environ["REMOTE_HOST"] = str(address)
        return self.app(environ, start_response)
