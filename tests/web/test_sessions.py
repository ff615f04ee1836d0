"""Sessions that really end: sign-out ends every copy of a session, "sign out other devices",
a fresh CSRF token at sign-in with a lifetime, and lockout recovery for a known device.

(The same attacks through the real server are in ``tests/test_attacks.py``.)
"""

from __future__ import annotations

import time

from pressmark.extensions import db
from pressmark.web import devices

from tests.conftest import PASSWORD, TOKEN_RE, USERNAME, AuthActions, make_test_app, signed_in_as

MAX = 3
APP_CONFIG = {"LOGIN_MAX_FAILURES": MAX}  # read by the ``app`` fixture


def copy_cookies(source, target, *names: str) -> None:
    """Put ``source``'s cookies into ``target``, as someone who copied them would."""
    for name in names:
        cookie = source.get_cookie(name, path="/auth/" if name == devices.COOKIE_NAME else "/")
        assert cookie is not None, name
        target.set_cookie(name, cookie.value, path=cookie.path)


def test_a_session_cookie_replayed_after_sign_out_opens_nothing(app, client, auth):
    auth.login()
    thief = app.test_client()
    copy_cookies(client, thief, "session")
    assert thief.get("/editor/").status_code == 200
    auth.logout()
    assert thief.get("/editor/").status_code == 302
    assert signed_in_as(thief) is None


def test_a_remember_cookie_replayed_after_sign_out_opens_nothing(app, client, auth):
    auth.login(remember=True)
    thief = app.test_client()
    copy_cookies(client, thief, "remember_token")
    assert thief.get("/editor/").status_code == 200  # the cookie signs in by itself
    auth.logout()
    assert thief.get("/editor/").status_code == 302
    # Only the copied remember-me cookie, in yet another browser: refused as well.
    replay = app.test_client()
    replay.set_cookie("remember_token", thief.get_cookie("remember_token").value
                      if thief.get_cookie("remember_token") else "")
    assert replay.get("/editor/").status_code == 302


def test_signing_out_ends_the_sessions_in_other_browsers_too(app, client, auth):
    auth.login()
    laptop = AuthActions(app, app.test_client())
    laptop.login()
    auth.logout()
    assert signed_in_as(laptop.client) is None


def test_sign_out_other_devices_keeps_this_browser_signed_in(app, client, auth):
    auth.login(remember=True)
    laptop = AuthActions(app, app.test_client())
    laptop.login(remember=True)
    page = client.get("/auth/logout").get_data(as_text=True)
    assert "Sign out other devices" in page
    token = TOKEN_RE.search(page).group(1)
    response = client.post("/auth/logout-others", data={"csrf_token": token})
    assert response.status_code == 303
    assert "signed out on every other device" in client.get("/auth/login").get_data(as_text=True)
    assert signed_in_as(client) == USERNAME
    assert signed_in_as(laptop.client) is None
    # This browser's own remember-me cookie was renewed, so it still works alone.
    client.delete_cookie("session")
    assert signed_in_as(client) == USERNAME


def test_sign_out_other_devices_needs_the_csrf_token(app, client, auth):
    auth.login()
    laptop = AuthActions(app, app.test_client())
    laptop.login()
    assert client.post("/auth/logout-others").status_code == 400
    assert signed_in_as(laptop.client) == USERNAME


def test_signing_in_issues_a_fresh_csrf_token(app, client, auth):
    before = auth.csrf_token()
    auth.login()
    after = auth.csrf_token("/editor/new")
    assert before != after
    # The form token from before sign-in no longer works for the signed-in session.
    response = client.post("/auth/logout", data={"csrf_token": before})
    assert response.status_code == 400
    assert signed_in_as(client) == USERNAME


def test_csrf_tokens_expire(tmp_path):
    app = make_test_app(tmp_path, WTF_CSRF_TIME_LIMIT=1)
    with app.app_context():
        db.create_all()
    auth = AuthActions(app, app.test_client())
    auth.login()
    token = auth.csrf_token("/auth/logout")
    time.sleep(2.1)
    assert auth.client.post("/auth/logout", data={"csrf_token": token}).status_code == 400
    assert signed_in_as(auth.client) == USERNAME


def test_the_csrf_lifetime_is_set_by_default():
    from pressmark.config import DefaultConfig

    assert 3600 <= DefaultConfig.WTF_CSRF_TIME_LIMIT <= 24 * 3600


# --- lockout recovery -------------------------------------------------------------------------


def lock_the_account(app) -> None:
    stranger = AuthActions(app, app.test_client())
    for n in range(MAX):
        stranger.login(password=f"wrong guess {n}",
                       environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    assert stranger.login(environ_base={"REMOTE_ADDR": "203.0.113.99"}).status_code == 429


def test_a_device_that_signed_in_before_can_sign_in_while_the_account_is_locked(app, client, auth):
    assert auth.login().status_code == 303
    auth.logout()
    lock_the_account(app)
    # A new browser is refused, even with the right password ...
    assert AuthActions(app, app.test_client()).login().status_code == 429
    # ... but the owner's own browser gets in.
    assert auth.login().status_code == 303
    assert signed_in_as(client) == USERNAME


def test_a_known_device_still_has_a_limit_of_its_own(app, client, auth):
    auth.login()
    auth.logout()
    for n in range(MAX - 1):
        assert auth.login(password=f"wrong {n}").status_code == 422
    assert auth.login(password="wrong again").status_code == 429
    assert auth.login().status_code == 429


def test_the_device_cookie_is_private_and_only_for_that_account(app, client, auth):
    response = auth.login()
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(devices.COOKIE_NAME + "="))
    assert "HttpOnly" in header and "Path=/auth/" in header and "SameSite=Lax" in header
    auth.create_user("other", PASSWORD)
    auth.logout()
    lock = AuthActions(app, app.test_client(), username="other")
    for n in range(MAX):
        lock.login(password=f"wrong {n}", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
    # The cookie is for USERNAME, not for "other": no way around "other"'s lock.
    assert auth.login(username="other").status_code == 429


def test_a_new_password_forgets_known_devices(app, client, auth, runner):
    auth.login()
    auth.logout()
    result = app.test_cli_runner().invoke(
        args=["author", "passwd", USERNAME, "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    lock_the_account(app)
    assert auth.login().status_code == 429
