"""Throttling of failed sign-ins, per account and per client address.

Each failed sign-in bumps a counter in ``LoginFailure`` for every key it concerns (``user:<name>``
and ``ip:<address>``). When a key reaches ``LOGIN_MAX_FAILURES`` it is locked for
``LOGIN_LOCKOUT_SECONDS``; while any key of an attempt is locked the attempt is refused without
checking the password. Failures older than the lockout window are forgotten, so a key gets
``LOGIN_MAX_FAILURES`` tries per window. Before that, each failure is answered after a delay that
doubles from ``LOGIN_FAILURE_DELAY`` up to ``LOGIN_FAILURE_DELAY_MAX`` seconds.

Counters live in the database (not in process memory) so that every app process behind a
proxy sees the same counts, and increments are single ``UPDATE`` statements so that parallel
guesses cannot overwrite each other's counts.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from datetime import timedelta

from flask import current_app
from pressmark.content.models import LoginFailure, utcnow
from pressmark.extensions import db
from pressmark.web.addresses import parse_address
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

KEY_MAX_LENGTH = 200  # LoginFailure.key


def account_key(username: str) -> str:
    """The throttle key of an account name (already normalised by the caller)."""
    return ("user:" + username)[:KEY_MAX_LENGTH]


def address_key(address: str | None) -> str:
    """The throttle key of a client address.

    The address is parsed by ``addresses.parse_address``: ports and brackets are dropped,
    and IPv4-mapped and NAT64 addresses count as the IPv4 address they carry. IPv6 clients
    are grouped by their /64 network, since one host usually controls a whole /64 and could
    otherwise take a fresh address for every guess.
    """
    ip = parse_address(address)
    if ip is None:
        return ("ip:" + (address or "unknown"))[:KEY_MAX_LENGTH]
    if isinstance(ip, ipaddress.IPv6Address):
        return f"ip:{ipaddress.ip_network((ip, 64), strict=False)}"
    return f"ip:{ip}"


def keys_for(username: str, address: str | None) -> list[str]:
    """The keys one sign-in attempt counts against: its account and its client address."""
    return [account_key(username), address_key(address)]


def _lockout() -> timedelta:
    return timedelta(seconds=float(current_app.config["LOGIN_LOCKOUT_SECONDS"]))


def locked_seconds(keys: Sequence[str]) -> int:
    """Whole seconds until every key in ``keys`` is unlocked; 0 when none is locked."""
    now = utcnow()
    until = db.session.scalar(
        select(func.max(LoginFailure.locked_until)).where(
            LoginFailure.key.in_(keys), LoginFailure.locked_until > now
        )
    )
    return max(1, math.ceil((until - now).total_seconds())) if until else 0


def _forget_stale(now) -> None:
    """Drop counters whose lock has ended or whose last failure left the window."""
    db.session.execute(
        delete(LoginFailure).where(
            or_(
                LoginFailure.last_failure_at <= now - _lockout(),
                LoginFailure.locked_until <= now,
            )
        )
    )
    db.session.commit()


def _bump(key: str, now) -> None:
    increment = (
        update(LoginFailure)
        .where(LoginFailure.key == key)
        .values(failures=LoginFailure.failures + 1, last_failure_at=now)
    )
    if db.session.execute(increment).rowcount:
        db.session.commit()
        return
    db.session.add(LoginFailure(key=key, failures=1, last_failure_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        # Another request created the row between our UPDATE and INSERT: count on it.
        db.session.rollback()
        db.session.execute(increment)
        db.session.commit()


def record_failure(keys: Sequence[str]) -> int:
    """Count one failed sign-in against each key, locking those that reached the limit.

    Returns the highest failure count among ``keys`` (for :func:`failure_delay`). Commits.
    """
    now = utcnow()
    _forget_stale(now)
    for key in keys:
        _bump(key, now)
    db.session.execute(
        update(LoginFailure)
        .where(
            LoginFailure.key.in_(keys),
            LoginFailure.failures >= int(current_app.config["LOGIN_MAX_FAILURES"]),
            LoginFailure.locked_until.is_(None),
        )
        .values(locked_until=now + _lockout())
    )
    db.session.commit()
    return db.session.scalar(
        select(func.max(LoginFailure.failures)).where(LoginFailure.key.in_(keys))
    ) or 0


def clear(keys: Sequence[str]) -> int:
    """Forget the failures (and locks) of ``keys``; returns how many counters existed."""
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))
    db.session.commit()
    return result.rowcount


def failure_delay(failures: int) -> float:
    """Seconds to hold the answer to a failed sign-in: doubling per failure, capped."""
    base = float(current_app.config["LOGIN_FAILURE_DELAY"])
    if base <= 0 or failures <= 0:
        return 0.0
    cap = float(current_app.config["LOGIN_FAILURE_DELAY_MAX"])
    return min(cap, base * 2 ** min(failures - 1, 16))


def init_app(app) -> None:
    """Defaults for the settings this module adds (the lockout ones are in app.config).

    Tests run without the delay so they stay fast; a test that wants it sets it.
    """
    app.config.setdefault("LOGIN_FAILURE_DELAY", 0.0 if app.testing else 0.25)
