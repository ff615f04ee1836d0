"""Throttling failed sign-ins per account and per client address, through the real form."""

from __future__ import annotations

import math
import re
import time
from datetime import timedelta

import pytest
from pressmark.content.models import LoginFailure, utcnow
from pressmark.extensions import db
from pressmark.web import throttle
from sqlalchemy import select, update

from tests.conftest import PASSWORD, USERNAME, AuthActions, make_test_app, signed_in_as

LOCKED = "Too many failed sign-ins. Try again in 15 minutes."
# Each attempt costs a real scrypt check, so most tests lock after 3 failures, not 5.
MAX = 3
APP_CONFIG = {"LOGIN_MAX_FAILURES": MAX}  # read by the ``app`` fixture


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


def attempt(auth, username=USERNAME, password="wrong password", address="198.51.100.1",
            **kwargs):
    """One sign-in from ``address``."""
    return auth.login(username=username, password=password,
                      environ_base={"REMOTE_ADDR": address}, **kwargs)


def counters(app) -> dict[str, tuple[int, bool]]:
    """Each throttle key with its failure count and whether it is locked now."""
    with app.app_context():
        rows = db.session.scalars(select(LoginFailure)).all()
        now = utcnow()
        return {r.key: (r.failures, bool(r.locked_until and r.locked_until > now)) for r in rows}


@pytest.mark.parametrize(
    "address, key",
    [
        ("203.0.113.7", "ip:203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "ip:2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "ip:2001:db8:1:2::/64"),  # same /64, same counter
        ("::ffff:203.0.113.7", "ip:203.0.113.7"),
        (None, "ip:unknown"),
        ("not an address", "ip:not an address"),
    ],
)

def test_address_keys_group_what_one_client_controls(address, key):
    assert throttle.address_key(address) == key


def test_account_is_locked_after_five_failures_by_default(tmp_path):
    app = make_test_app(tmp_path)
    with app.app_context():
        db.create_all()
    auth = AuthActions(app, app.test_client())
    for n in range(4):
        assert attempt(auth, address=f"198.51.100.{n}").status_code == 422
    assert attempt(auth, address="198.51.100.9").status_code == 429


def assert_retry_after(response, lockout: int, *, since: float) -> None:
    """``Retry-After`` is the lockout, less the whole seconds that passed since the request
    that locked (none on a quiet machine; a busy one may take a second or two)."""
    passed = math.ceil(time.monotonic() - since)
    assert lockout - passed <= int(response.headers["Retry-After"]) <= lockout


def test_account_is_locked_after_max_failures_from_any_address(app, client, auth):
    for n in range(MAX - 1):
        response = attempt(auth, address=f"198.51.100.{n}")
        assert response.status_code == 422
    locked_at = time.monotonic()
    fifth = attempt(auth, address="198.51.100.9")
    assert fifth.status_code == 429
    assert LOCKED in fifth.get_data(as_text=True)
    # Even the right password from a fresh address is refused while the account is locked.
    response = attempt(auth, password=PASSWORD, address="192.0.2.50")
    assert response.status_code == 429
    assert_retry_after(response, 15 * 60, since=locked_at)
    html = response.get_data(as_text=True)
    assert f'<p class="form-error" id="login-error" role="alert">{LOCKED}</p>' in html
    assert signed_in_as(client) is None
    assert counters(app)[f"user:{USERNAME}"] == (MAX, True)


def test_address_is_locked_after_max_failures_on_any_accounts(app, client, auth):
    auth.create_user("other", PASSWORD)
    for n in range(MAX):
        attempt(auth, username=f"guess{n}", address="203.0.113.5")
    response = attempt(auth, username="other", password=PASSWORD, address="203.0.113.5")
    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)
    # Another address signs in to the same account normally.
    assert attempt(auth, username="other", password=PASSWORD, address="203.0.113.6").status_code \
        == 303
    assert counters(app)["ip:203.0.113.5"] == (MAX, True)


def test_unknown_accounts_are_throttled_like_real_ones(auth):
    """Otherwise the lock message would tell which names exist."""
    for n in range(MAX):
        response = attempt(auth, username="ghost", address=f"198.51.100.{n}")
    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)


def test_success_resets_the_account_and_address_counters(app, client, auth):
    for _ in range(MAX - 1):
        attempt(auth)
    assert counters(app) == {
        f"user:{USERNAME}": (MAX - 1, False), "ip:198.51.100.1": (MAX - 1, False)
    }
    assert attempt(auth, password=PASSWORD).status_code == 303
    assert counters(app) == {}
    auth.logout()
    for _ in range(MAX - 1):
        assert attempt(auth).status_code == 422  # a fresh allowance, not one more failure
    assert attempt(auth, password=PASSWORD).status_code == 303


def test_lock_ends_when_its_time_is_up(app, client, auth):
    for _ in range(MAX):
        attempt(auth)
    assert attempt(auth, password=PASSWORD).status_code == 429
    with app.app_context():
        ended = utcnow() - timedelta(seconds=1)
        db.session.execute(update(LoginFailure).values(locked_until=ended))
        db.session.commit()
    # The ended lock is forgotten: one more failure does not lock again at once.
    assert attempt(auth).status_code == 422
    assert counters(app)[f"user:{USERNAME}"] == (1, False)
    assert attempt(auth, password=PASSWORD).status_code == 303
    assert signed_in_as(client, environ_base={"REMOTE_ADDR": "198.51.100.1"}) == USERNAME


def test_short_lockout_expires_by_itself(tmp_path):
    # Long enough that two attempts on a busy machine (each hashes a password and waits its
    # delay) still fall inside one window; the wait below ends with the lock, not later.
    app = make_test_app(tmp_path, LOGIN_LOCKOUT_SECONDS=3, LOGIN_MAX_FAILURES=2)
    with app.app_context():
        db.create_all()
    auth = AuthActions(app, app.test_client())
    attempt(auth)
    locked_at = time.monotonic()
    response = attempt(auth)
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.get_data(as_text=True)
    time.sleep(max(0.0, locked_at + 3.1 - time.monotonic()))
    assert attempt(auth, password=PASSWORD).status_code == 303


def test_failures_older_than_the_window_are_forgotten(app, auth):
    for _ in range(MAX - 1):
        attempt(auth)
    with app.app_context():
        db.session.execute(
            update(LoginFailure).values(last_failure_at=utcnow() - timedelta(minutes=16))
        )
        db.session.commit()
    assert attempt(auth).status_code == 422
    assert counters(app)[f"user:{USERNAME}"] == (1, False)


def test_throttle_settings_come_from_the_config(tmp_path):
    app = make_test_app(tmp_path, LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_SECONDS=120)
    with app.app_context():
        db.create_all()
    auth = AuthActions(app, app.test_client())
    assert attempt(auth).status_code == 422
    locked_at = time.monotonic()
    response = attempt(auth)
    assert response.status_code == 429
    assert "Try again in 2 minutes." in response.get_data(as_text=True)
    assert_retry_after(response, 120, since=locked_at)


def test_without_a_proxy_a_forged_forwarded_header_changes_nothing(app, auth):
    for n in range(MAX):
        auth.login(username=f"guess{n}", password="x" * 12,
                   headers={"X-Forwarded-For": f"192.0.2.{n}"},
                   environ_base={"REMOTE_ADDR": "198.51.100.20"})
    response = auth.login(headers={"X-Forwarded-For": "192.0.2.200"},
                          environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 429


def test_failed_sign_ins_are_slowed_increasingly_up_to_a_cap(tmp_path):
    app = make_test_app(tmp_path, LOGIN_FAILURE_DELAY=0.1, LOGIN_FAILURE_DELAY_MAX=0.25)
    with app.app_context():
        db.create_all()
        assert [throttle.failure_delay(n) for n in range(5)] == [0.0, 0.1, 0.2, 0.25, 0.25]
    auth = AuthActions(app, app.test_client())
    token = auth.csrf_token()
    start = time.perf_counter()
    auth.client.post("/auth/login", data={"csrf_token": token, "username": USERNAME,
                                          "password": "wrong password"})
    assert time.perf_counter() - start >= 0.1
    start = time.perf_counter()
    auth.client.post("/auth/login", data={"csrf_token": token, "username": USERNAME,
                                          "password": PASSWORD})
    assert time.perf_counter() - start < 0.1 + 2  # success is never held back


def test_delay_is_off_in_tests_and_on_by_default(tmp_path, app):
    assert app.config["LOGIN_FAILURE_DELAY"] == 0
    live = make_test_app(tmp_path, TESTING=False)
    assert 0 < live.config["LOGIN_FAILURE_DELAY"] <= live.config["LOGIN_FAILURE_DELAY_MAX"] <= 2


def test_attempts_while_locked_do_not_extend_the_lock(app, auth):
    for _ in range(MAX):
        attempt(auth)
    with app.app_context():
        before = db.session.scalar(select(LoginFailure.locked_until).limit(1))
    for _ in range(3):
        assert attempt(auth).status_code == 429
    assert counters(app)[f"user:{USERNAME}"] == (MAX, True)
    with app.app_context():
        assert db.session.scalar(select(LoginFailure.locked_until).limit(1)) == before


def test_cli_unlock_and_passwd_lift_an_account_lock(app, runner, auth):
    for n in range(MAX):
        attempt(auth, address=f"198.51.100.{n}")
    listing = runner.invoke(args=["author", "list"]).output
    assert re.search(rf"^{USERNAME}\t.*locked for 15 min", listing, re.M)
    result = runner.invoke(args=["author", "unlock", USERNAME])
    assert result.output.strip() == f"Unlocked {USERNAME!r}."
    assert attempt(auth, password=PASSWORD, address="192.0.2.1").status_code == 303
    auth.logout()

    for n in range(MAX):
        attempt(auth, address=f"198.51.100.{n}")
    runner.invoke(args=["author", "passwd", USERNAME, "--password-stdin"],
                  input="a whole new password\n")
    assert attempt(auth, password="a whole new password", address="192.0.2.1").status_code == 303
    assert runner.invoke(args=["author", "unlock", "nobody"]).output.strip() == \
        "'nobody' was not locked."
