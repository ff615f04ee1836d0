"""The signed-in author's mark for scripts: a cookie that says only "an author is here".

Public pages are byte-identical for every reader, so caches and CDNs can share them; the
header's Editor link is therefore in every page, hidden, and ``static/author.js`` shows it
when this cookie is present. The cookie is not a credential (the session cookie stays
HttpOnly and is what the editor checks); it is readable by script on purpose.

It is kept in step on every response whose request looked at the session (sign-in, sign-out,
the editor). Public pages never look at the session, so they never send ``Vary: Cookie``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session
from flask_login import current_user

FLAG_COOKIE = "pressmark_author"
_FLAG = f"{FLAG_COOKIE}=1"


def flags_an_author(cookie_header: str) -> bool:
    """Whether a raw ``Cookie`` header carries the flag (for code that runs before Flask
    parses anything: the page cache, the server's queue). A hint, never a credential."""
    return _FLAG in cookie_header


def sync_flag(response: Response) -> Response:
    if not session.accessed:
        return response
    signed_in = current_user.is_authenticated
    has_flag = request.cookies.get(FLAG_COOKIE) == "1"
    config = current_app.config
    if signed_in and not has_flag:
        response.set_cookie(
            FLAG_COOKIE,
            "1",
            max_age=int(config["REMEMBER_COOKIE_DURATION"].total_seconds()),
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=False,
            samesite="Lax",
        )
    elif not signed_in and has_flag:
        response.delete_cookie(
            FLAG_COOKIE, secure=config["SESSION_COOKIE_SECURE"], httponly=False, samesite="Lax"
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(sync_flag)
