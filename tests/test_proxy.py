"""The production set-up: ``pressmark serve`` behind a reverse proxy, through the real server.

A proxy sends ``X-Forwarded-For``, ``-Proto`` and ``-Host``. The server must take the
client's address, the scheme and the host from them when (and only when) they come from
the proxy, so the sign-in throttle counts real clients, canonical URLs are ``https://`` and
HSTS is sent.
"""

from __future__ import annotations

import os
import stat

import pytest
from pressmark.serving import ProxyConfigError, proxy_options

from tests.conftest import PASSWORD
from tests.proxied_server import LiveServer, prepare_site

MAX = 3
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "blog.example.com"}


def brute_force(server: LiveServer, address: str, **headers) -> int:
    """MAX wrong sign-ins (each for a different name) from ``address``; returns the status
    of the last one (the one that reaches the limit)."""
    attacker = server.client(**{"X-Forwarded-For": address, **headers})
    for n in range(MAX - 1):
        assert attacker.login(username=f"guess{n}", password="x" * 12).status == 422
    return attacker.login(username="guess-last", password="x" * 12).status


@pytest.fixture
def behind_proxy(tmp_path):
    database = prepare_site(tmp_path)
    with LiveServer(tmp_path, database, PROXY_COUNT=1, PROXY_ADDRESS="127.0.0.1",
                    LOGIN_MAX_FAILURES=MAX) as server:
        yield server


def test_behind_the_proxy_pages_are_https_with_hsts_and_canonical_urls(behind_proxy):
    reader = behind_proxy.client(**{"X-Forwarded-For": OWNER, **HTTPS})
    page = reader.get("/")
    assert page.status == 200
    assert '<link rel="canonical" href="https://blog.example.com/">' in page.text
    assert "max-age=" in page.headers["Strict-Transport-Security"]


def test_behind_the_proxy_a_brute_force_locks_out_its_client_only(behind_proxy):
    assert brute_force(behind_proxy, ATTACKER, **HTTPS) == 429
    # The attacker cannot escape by putting a made-up address before the proxy's entry.
    forged = behind_proxy.client(**{"X-Forwarded-For": f"192.0.2.1, {ATTACKER}", **HTTPS})
    assert forged.login(username="guess-again", password="x" * 12).status == 429
    owner = behind_proxy.client(**{"X-Forwarded-For": OWNER, **HTTPS})
    signed_in = owner.login(password=PASSWORD)
    assert signed_in.status == 303, signed_in.text
    assert owner.get("/editor/").status == 200
    assert "Secure" in signed_in.headers["Set-Cookie"]


def test_forwarded_headers_from_anyone_but_the_proxy_are_dropped(tmp_path):
    database = prepare_site(tmp_path)
    # The proxy is elsewhere: this test's connections (from 127.0.0.1) are clients.
    with LiveServer(tmp_path, database, PROXY_COUNT=1, PROXY_ADDRESS="192.0.2.254",
                    LOGIN_MAX_FAILURES=MAX) as server:
        page = server.client(**{"X-Forwarded-For": OWNER, **HTTPS}).get("/")
        assert "Strict-Transport-Security" not in page.headers
        assert f'href="http://127.0.0.1:{server.port}/"' in page.text
        assert "blog.example.com" not in page.text
        # Forged addresses all count as the one real peer, which gets locked out.
        for n in range(MAX):
            forged = server.client(**{"X-Forwarded-For": f"192.0.2.{n}"})
            forged.login(username=f"guess{n}", password="x" * 12)
        assert server.client(**{"X-Forwarded-For": OWNER}).login().status == 429


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_proxy_on_a_unix_socket_is_trusted_and_the_socket_is_private(tmp_path, workers):
    database = prepare_site(tmp_path)
    socket_path = tmp_path / "pressmark.sock"
    with LiveServer(tmp_path, database, unix_socket=socket_path, args=("--workers", workers),
                    LOGIN_MAX_FAILURES=MAX) as server:
        mode = stat.S_IMODE(os.stat(socket_path).st_mode)
        assert mode & 0o007 == 0, oct(mode)  # no access for other users
        page = server.client(**{"X-Forwarded-For": OWNER, **HTTPS}).get("/")
        assert '<link rel="canonical" href="https://blog.example.com/">' in page.text
        assert "Strict-Transport-Security" in page.headers
        assert brute_force(server, ATTACKER, **HTTPS) == 429
        owner = server.client(**{"X-Forwarded-For": OWNER, **HTTPS})
        assert owner.login().status == 303
        output = server.stop()
    assert f"unix:{socket_path}" in output


def test_proxy_settings_that_cannot_work_are_refused_with_the_setting_named():
    with pytest.raises(ProxyConfigError, match="PROXY_ADDRESS"):
        proxy_options({"PROXY_COUNT": 1, "PROXY_ADDRESS": "", "PROXY_HEADERS": ["forwarded"]})
    with pytest.raises(ProxyConfigError, match="PROXY_HEADERS"):
        proxy_options({"PROXY_COUNT": 1, "PROXY_ADDRESS": "::1", "PROXY_HEADERS": ["x-real-ip"]})
    with pytest.raises(ProxyConfigError, match="PROXY_COUNT"):
        proxy_options({"PROXY_COUNT": "two"})
    assert proxy_options({"PROXY_COUNT": 0}) == {"clear_untrusted_proxy_headers": True}
