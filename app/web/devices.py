"""Known devices: a browser that has signed in to an account before may still sign in to it
while the account is locked by someone else's failed guesses.

Without this, anyone could lock the owner out for good by guessing wrong five times every
``LOGIN_LOCKOUT_SECONDS``. A successful sign-in leaves a signed, HttpOnly cookie naming the
account and a random device id. A later attempt that carries it, for that account, is
throttled per device instead of per account and address: the owner's own browser is never
locked by a stranger's guesses, and a stolen cookie still gets only ``LOGIN_MAX_FAILURES``
guesses per lockout window. Changing the password forgets every device.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from pressmark.content.models import User

COOKIE_NAME = "pressmark_device"
COOKIE_PATH = "/auth/"
LIFETIME_SECONDS = 400 * 24 * 3600  # the longest cookie lifetime browsers keep
KEY_PREFIX = "device:"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="pressmark-known-device")


def _password_tag(user: User) -> str:
    """Changes with the password, so a new password forgets every known device."""
    return hashlib.sha256(("device:" + user.password_hash).encode()).hexdigest()[:16]


def device_key(user: User) -> str | None:
    """The throttle key of this browser for ``user`` when it signed in as ``user`` before
    (and the password has not changed since), else None."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user.id:
        return None
    if not secrets.compare_digest(str(data.get("tag", "")), _password_tag(user)):
        return None
    device = str(data.get("device", ""))
    return KEY_PREFIX + device if device.isalnum() else None


def remember_device(response: Response, user: User) -> None:
    """Mark this browser as one that signed in as ``user`` (after a successful sign-in)."""
    value = _serializer().dumps(
        {"user": user.id, "tag": _password_tag(user), "device": secrets.token_hex(12)}
    )
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=LIFETIME_SECONDS,
        path=COOKIE_PATH,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
