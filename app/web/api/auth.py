"""Who is calling the Admin API: a personal access token in ``Authorization: Bearer``.

Only the header counts, never the session cookie, so a page on another site cannot make
a signed-in author's browser write through the API (which is why the Admin API needs no
CSRF token). Failed tokens are throttled per client address with the sign-in throttle
(``pressmark.web.throttle``): after ``LOGIN_MAX_FAILURES`` bad tokens the address gets
429 for ``LOGIN_LOCKOUT_SECONDS``.
"""

from __future__ import annotations

from flask import g, request
from pressmark.content.tokens import SCOPES, AccessToken, find_token
from pressmark.web import throttle
from pressmark.web.api.problems import Problem

CHALLENGE = 'Bearer realm="pressmark"'


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": CHALLENGE})


def current_token() -> AccessToken:
    """The request's active token (401 without one, 429 while the address is locked)."""
    token = g.get("api_token")
    if token is not None:
        return token
    keys = [throttle.address_key(request.remote_addr)]
    wait = throttle.locked_seconds(keys)
    if wait > 0:
        raise Problem(429, "Too many bad tokens from this address; try again later.",
                      headers={"Retry-After": str(wait)})
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    token = find_token(secret.strip())
    if token is None:
        throttle.record_failure(keys)
        raise _unauthorized("The token is unknown or was revoked.")
    g.api_token = token
    return token


def require(*scopes: str) -> AccessToken:
    """The request's token, which must carry one of ``scopes`` (403 otherwise)."""
    token = current_token()
    if not any(token.allows(scope) for scope in scopes):
        names = " or ".join(scopes)
        raise Problem(403, f"This token lacks the scope {names} ({SCOPES[scopes[0]]}).",
                      headers={"WWW-Authenticate": f'{CHALLENGE}, error="insufficient_scope", '
                                                   f'scope="{" ".join(scopes)}"'})
    return token
