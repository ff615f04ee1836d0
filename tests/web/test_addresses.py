"""Client addresses in every form a proxy or a socket writes them: one throttle key per
client, through the function and through ``pressmark serve`` behind the test proxy."""

from __future__ import annotations

import re

import pytest
from pressmark.web.addresses import parse_address
from pressmark.web.throttle import address_key

from tests.conftest import PASSWORD
from tests.proxied_server import LiveServer, prepare_site

FORMS = [
    ("203.0.113.99", "ip:203.0.113.99"),
    ("203.0.113.99:4711", "ip:203.0.113.99"),
    ('"203.0.113.99:4711"', "ip:203.0.113.99"),
    ("::ffff:203.0.113.99", "ip:203.0.113.99"),
    ("::FFFF:cb00:7163", "ip:203.0.113.99"),
    ("[::ffff:203.0.113.99]", "ip:203.0.113.99"),
    ("[::ffff:203.0.113.99]:4711", "ip:203.0.113.99"),
    ("64:ff9b::203.0.113.99", "ip:203.0.113.99"),
    ("[64:ff9b::cb00:7163]:80", "ip:203.0.113.99"),
    ("2001:db8:1:2::1", "ip:2001:db8:1:2::/64"),
    ("[2001:db8:1:2::1]", "ip:2001:db8:1:2::/64"),
    ("[2001:db8:1:2:aaaa::9]:4711", "ip:2001:db8:1:2::/64"),
    ("[2001:db8:1:2::1]:4712", "ip:2001:db8:1:2::/64"),
]


@pytest.mark.parametrize(("written", "key"), FORMS)
def test_each_form_of_an_address_gives_its_clients_key(written, key):
    assert address_key(written) == key


def test_mapped_and_nat64_clients_are_told_apart():
    keys = {address_key(f"::ffff:203.0.113.{n}") for n in range(1, 50)}
    keys |= {address_key(f"64:ff9b::198.51.100.{n}") for n in range(1, 50)}
    assert len(keys) == 98


@pytest.mark.parametrize("junk", ["", "::ffff:", "[2001:db8::1", "unknown", "1.2.3.4:5:6x"])
def test_what_is_not_an_address_is_not_parsed(junk):
    assert parse_address(junk) is None


MAX = 3


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("addresses")
    database = prepare_site(tmp_path)
    with LiveServer(tmp_path, database, PROXY_COUNT=1, PROXY_ADDRESS="127.0.0.1",
                    LOGIN_MAX_FAILURES=MAX) as server:
        yield server


def fail_until_locked(server: LiveServer, headers: dict[str, str], names: str) -> int:
    """MAX wrong sign-ins, each for another made-up account (so only the address locks)."""
    client = server.client(**headers)
    for n in range(MAX - 1):
        assert client.login(username=f"{names}{n}", password="x" * 12).status == 422
    return client.login(username=f"{names}-last", password="x" * 12).status


def locks_its_own_client_only(server: LiveServer, header: str, attacker: str,
                              same_client: str, bystander: str) -> None:
    names = "guess-" + re.sub(r"[^0-9a-f]", "-", attacker) + "-"
    assert fail_until_locked(server, {header: attacker}, names) == 429
    again = server.client(**{header: same_client})
    assert again.login(username=f"{names}again", password="x" * 12).status == 429
    owner = server.client(**{header: bystander})
    assert owner.login(password=PASSWORD).status == 303


@pytest.mark.parametrize(("attacker", "same_client", "bystander"), [
    ("::ffff:203.0.113.99", "203.0.113.99", "::ffff:198.51.100.7"),
    ("64:ff9b::203.0.113.98", "203.0.113.98", "64:ff9b::198.51.100.8"),
    ("[2001:db8:5::1]:4711", "[2001:db8:5::2]:4712", "[2001:db8:6::1]:4711"),
    ("203.0.113.97:4711", "203.0.113.97:9", "198.51.100.9:4711"),
])
def test_behind_the_proxy_each_form_locks_its_own_client_only(
        behind_proxy, attacker, same_client, bystander):
    locks_its_own_client_only(behind_proxy, "X-Forwarded-For", attacker, same_client,
                              bystander)


def test_a_mapped_address_in_a_forwarded_header_locks_its_own_client_only(tmp_path):
    database = prepare_site(tmp_path)
    with LiveServer(tmp_path, database, PROXY_COUNT=1, PROXY_ADDRESS="127.0.0.1",
                    PROXY_HEADERS=["forwarded"], LOGIN_MAX_FAILURES=MAX) as server:
        locks_its_own_client_only(server, "Forwarded", 'for="[::ffff:203.0.113.96]:4711"',
                                  "for=203.0.113.96", 'for="[::ffff:198.51.100.10]"')
