"""Author accounts: signing in and out, the CSRF error page and the ``author`` commands.

Protected views (the editor checks every request; other pages use Flask-Login's
``login_required``) send an anonymous visitor to ``auth.login`` with a ``next`` parameter;
after signing in they land back there (only same-site relative paths are followed;
anything else goes to the editor dashboard).
Usernames are stored lowercase; signing in ignores case and surrounding spaces.
"""

from __future__ import annotations

import functools
import re
import secrets
import sys
import time
from urllib.parse import urlsplit

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME
from flask_wtf.csrf import CSRFError
from pressmark.content.models import User
from pressmark.extensions import db, login_manager
from pressmark.web import devices, throttle
from pressmark.web.rendering import render_page
from sqlalchemy import inspect, select
from werkzeug.security import check_password_hash, generate_password_hash

bp = Blueprint("auth", __name__, url_prefix="/auth")

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
# Long enough for any passphrase; bounds the work one request can ask of the hasher.
PASSWORD_MAX_LENGTH = 1024
CSRF_MESSAGE = (
    "The form expired or was not sent from this site; nothing was changed. "
    "Go back, reload and try again."
)


# --- accounts ---------------------------------------------------------------------------------


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


def username_problem(username: str) -> str | None:
    """Why ``username`` (normalised) cannot name an account, or None."""
    if not USERNAME_RE.match(username):
        return (
            "A username is 1 to 80 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return None


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` cannot be set for ``username``, or None: the rules of
    ``pressmark.passwords`` with ``PASSWORD_MIN_LENGTH`` and the site's title."""
    from pressmark import passwords

    return passwords.password_problem(
        password, minimum=int(current_app.config["PASSWORD_MIN_LENGTH"]),
        names=(username, str(current_app.config.get("SITE_TITLE") or "")),
    )


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made with the same method as real ones."""
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def authenticate(username: str, password: str) -> User | None:
    """The user whose name and password these are, or None.

    An unknown name costs one password check against a dummy hash, so that the answer
    takes as long as for a wrong password and does not reveal which names exist.
    """
    user = find_user(username) if len(username) <= 80 else None
    if len(password) > PASSWORD_MAX_LENGTH:
        return None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def load_user(user_id: str) -> User | None:
    """The user of a session id ``"<id>:<token>"`` (see ``User.get_id``), or None once the
    password has changed since the session began."""
    number, _, token = user_id.partition(":")
    user = db.session.get(User, int(number)) if number.isdigit() else None
    if user is None or not secrets.compare_digest(token, user.session_token):
        return None
    return user


# --- redirects --------------------------------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a same-site relative path (``/editor/?x=1``), else None.

    Refused: absolute and scheme-relative URLs (``http://x``, ``//x``), backslashes (browsers
    read ``/\\x`` as ``//x``), control characters and whitespace (browsers drop tabs and
    newlines, turning ``/\\t/x`` into ``//x``), and schemes such as ``javascript:``.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _default_landing() -> str:
    return url_for("editor.dashboard")


def _same_site_referrer() -> str | None:
    """The path of the page a request came from, when that page is on this site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path)


# --- views ------------------------------------------------------------------------------------


def _login_form(
    status: int = 200,
    *,
    username: str = "",
    remember: bool = False,
    next_url: str | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    bad_credentials: bool = False,
    headers: dict[str, str] | None = None,
) -> tuple[str, int, dict[str, str]]:
    errors = errors or {}
    # Focus the first field that needs the reader's attention (autofocus, no script).
    if "username" in errors or not username:
        focus = "username"
    elif "password" in errors or form_error:
        focus = "password"
    else:
        focus = "username"
    page = render_page(
        "auth/login.html",
        username=username,
        remember=remember,
        next_url=next_url,
        errors=errors,
        form_error=form_error,
        bad_credentials=bad_credentials,
        focus=focus,
    )
    return page, status, headers or {}


def _lockout_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-ins. Try again in {minutes} {unit}."


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success, redirect (303) to a safe ``next`` or the dashboard.

    Answers 422 for a missing field or wrong credentials (the same message whether the
    name or the password was wrong) and 429 with ``Retry-After`` while throttled.
    """
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            if next_url:
                return redirect(next_url)
            return render_page("auth/signed_in.html")
        return _login_form(next_url=next_url)

    username = normalize_username(request.form.get("username", ""))
    password = request.form.get("password", "")
    remember = bool(request.form.get("remember"))
    form = {"username": username, "remember": remember, "next_url": next_url}
    errors = {}
    if not username:
        errors["username"] = "Enter your username."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return _login_form(422, errors=errors, **form)

    # A browser that signed in to this account before is throttled on its own, so that a
    # stranger's guesses cannot lock the owner out (see pressmark.web.devices).
    known = find_user(username) if len(username) <= 80 else None
    device = devices.device_key(known) if known is not None else None
    keys = [device] if device else throttle.keys_for(username, request.remote_addr)
    wait = throttle.locked_seconds(keys)
    # The attempt is counted before the password is checked, so parallel guesses cannot
    # slip past the limit; a successful sign-in clears the count again.
    failures = throttle.record_failure(keys) if not wait else 0
    if wait or failures > int(current_app.config["LOGIN_MAX_FAILURES"]):
        wait = wait or throttle.locked_seconds(keys)
        return _login_form(
            429, form_error=_lockout_message(wait), headers={"Retry-After": str(wait)}, **form
        )
    user = authenticate(username, password)
    if user is None:
        time.sleep(throttle.failure_delay(failures))
        wait = throttle.locked_seconds(keys)
        if wait:
            return _login_form(
                429, form_error=_lockout_message(wait), headers={"Retry-After": str(wait)}, **form
            )
        return _login_form(
            422,
            form_error="The username or password is not right.",
            bad_credentials=True,
            **form,
        )

    throttle.clear(keys)
    start_session(user, remember=remember)
    response = redirect(next_url or _default_landing(), code=303)
    devices.remember_device(response, user)
    return response


def start_session(user: User, *, remember: bool) -> None:
    """Sign ``user`` in with a fresh session: nothing from before sign-in is kept (no
    fixation), and the CSRF token is new."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's per-request copy of the old token
    login_user(user, remember=remember)


def restart_session(user: User) -> None:
    """A fresh session here for ``user``, whose sessions were just ended (signed out
    elsewhere, a new password), remembered again if this browser was remembered."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_NAME)
    start_session(user, remember=bool(request.cookies.get(cookie)))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """POST signs out everywhere and goes to the sign-in page; GET only asks for confirmation.

    Signing out bumps the account's session generation, so this session, the account's
    sessions in other browsers and every remember-me cookie stop working, even if someone
    kept a copy of the cookie. A link (GET) never signs anyone out, so another site cannot
    sign the author out with an image tag; the POST form carries the CSRF token.
    """
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_page("auth/logout.html")
    was_signed_in = current_user.is_authenticated
    if was_signed_in:
        current_user.end_sessions()
        db.session.commit()
    session.clear()  # before logout_user, which leaves the note to delete the remember cookie
    logout_user()
    if was_signed_in:
        flash("You have signed out on every device.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/logout-others", methods=["POST"])
def logout_others():
    """End every other session of the account (other browsers, remember-me cookies) and
    stay signed in here, with a new session."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"), code=303)
    user = current_user._get_current_object()
    user.end_sessions()
    db.session.commit()
    restart_session(user)
    flash("You are signed out on every other device; this one stays signed in.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.after_request
def never_store(response: Response) -> Response:
    # These pages carry a per-session CSRF token or account details: no shared caching.
    response.headers["Cache-Control"] = "no-store"
    return response


def csrf_failed(error: CSRFError):
    """400 for a form without a valid CSRF token; the view did not run, nothing changed."""
    status = 400
    headers = {"Cache-Control": "no-store"}
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify(error=CSRF_MESSAGE, reason=error.description), status, headers
    insecure_cookie = (
        not request.is_secure
        and current_app.config.get("SESSION_COOKIE_SECURE")
        and "session token is missing" in (error.description or "")
    )
    page = render_page(
        "auth/csrf_error.html",
        message=CSRF_MESSAGE,
        back_url=_same_site_referrer(),
        insecure_cookie=insecure_cookie,
    )
    return page, status, headers


# --- command line -----------------------------------------------------------------------------

author_cli = AppGroup("author", help="Manage author accounts (who can sign in to the editor).")


def require_schema() -> None:
    if not inspect(db.engine).has_table(User.__tablename__):
        raise click.ClickException("The database is not set up yet; run `pressmark init` first.")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(
        "Password", hide_input=True, confirmation_prompt="Repeat the password"
    )


@author_cli.command("list")
def list_command() -> None:
    """List the authors, with a note on any account locked after failed sign-ins."""
    require_schema()
    users = db.session.scalars(select(User).order_by(User.username)).all()
    if not users:
        click.echo("No authors yet. Create one with: pressmark author create NAME")
        return
    for user in users:
        line = (
            f"{user.username}\t{user.display_name}\t{user.role}"
            f"\tcreated {user.created_at:%Y-%m-%d}"
        )
        wait = throttle.locked_seconds([throttle.account_key(user.username)])
        if wait:
            line += f"\tlocked for {-(-wait // 60)} min (pressmark author unlock {user.username})"
        click.echo(line)


@author_cli.command("unlock")
@click.argument("username")
def unlock_command(username: str) -> None:
    """Forget the failed sign-ins of USERNAME, lifting its lock."""
    require_schema()
    username = normalize_username(username)
    cleared = throttle.clear([throttle.account_key(username)])
    click.echo(f"Unlocked {username!r}." if cleared else f"{username!r} was not locked.")


# --- wiring -----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Configure sign-in: the user loader, the login view, failed-login throttling."""
    throttle.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

