"""Author accounts: the ``author`` commands, signing in and out, cookies, ``next``, CSRF.

``AuthActions``/``auth`` follow Flask's tutorial: ``auth.login()`` fetches the sign-in form,
takes its CSRF token and posts the credentials, as a browser would.
"""

from __future__ import annotations

import re
import time

import html5lib
import pytest
from flask_login import login_required
from pressmark.content.models import LoginFailure, User
from pressmark.extensions import db
from pressmark.web.auth import safe_next
from sqlalchemy import func, select

from tests.conftest import PASSWORD, TOKEN_RE, USERNAME, AuthActions, make_test_app, signed_in_as


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers of a response, by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def assert_valid_page(html: str) -> None:
    html5lib.HTMLParser(strict=True).parse(html)
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"


# --- command line -----------------------------------------------------------------------------


def users(app) -> dict[str, User]:
    with app.app_context():
        return {u.username: u for u in db.session.scalars(select(User))}


def test_create_asks_for_the_password_twice_and_stores_a_scrypt_hash(app, runner):
    result = runner.invoke(
        args=["author", "create", "Alice", "--display-name", "Alice Writer"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created author 'alice'" in result.output
    assert PASSWORD not in result.output  # the prompt hides what is typed
    alice = users(app)["alice"]
    assert alice.display_name == "Alice Writer"
    assert alice.password_hash.startswith("scrypt:")
    assert alice.check_password(PASSWORD)


def test_create_reads_the_password_from_stdin_for_scripts(app, runner):
    result = runner.invoke(
        args=["author", "create", "bot", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert users(app)["bot"].check_password(PASSWORD)
    assert users(app)["bot"].display_name == "bot"


def test_create_refuses_a_short_password_clearly(app, runner):
    result = runner.invoke(args=["author", "create", "alice", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert users(app) == {}


def test_password_minimum_follows_the_config(tmp_path):
    app = make_test_app(tmp_path, PASSWORD_MIN_LENGTH=40)
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(
        args=["author", "create", "alice", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert "at least 40 characters" in result.output


def test_create_refuses_passwords_that_do_not_match(app, runner):
    result = runner.invoke(
        args=["author", "create", "alice"], input=f"{PASSWORD}\nsomething else entirely\n"
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert users(app) == {}


def test_create_refuses_a_duplicate_username(app, runner, auth):
    result = runner.invoke(
        args=["author", "create", USERNAME.upper(), "--password-stdin"],
        input="another password!\n",
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert users(app)[USERNAME].check_password(PASSWORD)


@pytest.mark.parametrize("name", ["a b", "-dash", "x" * 81, "émile", ""])
def test_create_refuses_an_unusable_username(app, runner, name):
    result = runner.invoke(
        args=["author", "create", "--password-stdin", "--", name], input=PASSWORD
    )
    assert result.exit_code == 1
    assert "A username is 1 to 80 characters" in result.output
    assert users(app) == {}


def test_passwd_changes_the_password(app, runner, auth):
    result = runner.invoke(
        args=["author", "passwd", USERNAME], input="a brand new secret\na brand new secret\n"
    )
    assert result.exit_code == 0, result.output
    assert auth.login().status_code == 422
    assert auth.login(password="a brand new secret").status_code == 303


def test_passwd_refuses_an_unknown_author_and_a_short_password(runner, auth):
    result = runner.invoke(args=["author", "passwd", "nobody", "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 1
    assert "There is no author named 'nobody'" in result.output
    result = runner.invoke(args=["author", "passwd", USERNAME, "--password-stdin"], input="tiny")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert auth.login().status_code == 303  # the old password still works


def test_list_shows_the_authors(runner, auth):
    empty = runner.invoke(args=["author", "list"])
    assert "No authors yet" not in empty.output  # auth created one
    auth.create_user("zoe", PASSWORD, display_name="Zoë Z")
    result = runner.invoke(args=["author", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [["author", "Author"], ["zoe", "Zoë Z"]]


def test_list_says_how_to_start_when_there_are_no_authors(runner):
    result = runner.invoke(args=["author", "list"])
    assert result.exit_code == 0
    assert "No authors yet. Create one with: pressmark author create NAME" in result.output


def test_commands_explain_a_database_that_is_not_set_up(tmp_path):
    app = make_test_app(tmp_path)  # no create_all
    result = app.test_cli_runner().invoke(args=["author", "list"])
    assert result.exit_code == 1
    assert "run `pressmark init` first" in result.output


# --- the sign-in page -------------------------------------------------------------------------


def test_sign_in_page_is_an_accessible_valid_form(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert_valid_page(html)
    assert '<label for="username">Username</label>' in html
    assert '<label for="password">Password</label>' in html
    assert re.search(r'<input id="username"[^>]*autocomplete="username"[^>]*autofocus', html)
    assert re.search(
        r'<input id="password"[^>]*type="password"[^>]*autocomplete="current-password"', html
    )
    assert re.search(r'<input id="remember" name="remember" type="checkbox"', html)
    assert '<label for="remember">' in html
    assert TOKEN_RE.search(html)
    assert 'content="noindex"' in html


def test_sign_in_redirects_to_the_dashboard_and_signs_in(client, auth):
    assert signed_in_as(client) is None
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/editor/"
    assert signed_in_as(client) == USERNAME


def test_sign_in_ignores_case_and_spaces_in_the_username(client, auth):
    assert auth.login(username=f"  {USERNAME.upper()} ").status_code == 303
    assert signed_in_as(client) == USERNAME


@pytest.mark.parametrize("username, password", [(USERNAME, "wrong password"), ("ghost", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_answer(client, auth, username, password):
    response = auth.login(username=username, password=password)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<p class="form-error" id="login-error" role="alert">' \
           "The username or password is not right.</p>" in html
    assert_valid_page(html)
    # The name is kept, the password is not; focus goes to the password.
    assert f'value="{username}"' in html
    assert password not in html
    assert re.search(r'<input id="password"[^>]*aria-describedby="login-error"[^>]*autofocus', html)
    assert signed_in_as(client) is None


def test_unknown_user_takes_as_long_as_a_wrong_password(tmp_path):
    app = make_test_app(tmp_path, LOGIN_MAX_FAILURES=100)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    auth = AuthActions(app, client)

    def fastest(username: str) -> float:
        times = []
        for _ in range(3):
            token = auth.csrf_token()
            start = time.perf_counter()
            client.post("/auth/login", data={"csrf_token": token, "username": username,
                                             "password": "not the password"})
            times.append(time.perf_counter() - start)
        return min(times)

    known, unknown = fastest(USERNAME), fastest("nobody-here")
    # Without the dummy hash check an unknown name answers ~50 times faster.
    assert unknown > 0.25 * known, (known, unknown)


def test_missing_fields_are_named_tied_to_their_input_and_focused(client, auth):
    response = auth.login(username="", password="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert_valid_page(html)
    assert '<p class="field-error" id="username-error">Enter your username.</p>' in html
    assert '<p class="field-error" id="password-error">Enter your password.</p>' in html
    assert re.search(
        r'<input id="username"[^>]*aria-invalid="true" aria-describedby="username-error" autofocus',
        html,
    )
    assert re.search(r'<input id="password"[^>]*aria-describedby="password-error"', html)

    html = auth.login(password="").get_data(as_text=True)
    assert re.search(r'<input id="password"[^>]*aria-describedby="password-error" autofocus', html)
    assert "Enter your username." not in html


def test_overlong_input_is_refused_like_a_wrong_password(client, auth):
    response = auth.login(username="u" * 500, password="p" * 5000)
    assert response.status_code == 422
    assert "The username or password is not right." in response.get_data(as_text=True)


# --- cookies and sessions ---------------------------------------------------------------------


def test_remember_me_sets_an_httponly_lax_cookie(auth):
    cookies = set_cookies(auth.login(remember=True))
    assert "remember_token" in cookies
    flags = [part.strip() for part in cookies["remember_token"].split(";")]
    assert "HttpOnly" in flags
    assert "SameSite=Lax" in flags
    assert "Secure" not in flags  # the test app turns Secure off for plain HTTP
    assert "HttpOnly" in cookies["session"] and "SameSite=Lax" in cookies["session"]


def test_without_remember_me_there_is_no_remember_cookie(auth):
    assert "remember_token" not in set_cookies(auth.login())


def test_remember_cookie_signs_in_again_after_the_session_ends(client, auth):
    auth.login(remember=True)
    client.delete_cookie("session")
    assert signed_in_as(client) == USERNAME


def test_cookies_are_secure_when_configured(tmp_path):
    app = make_test_app(tmp_path, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    # Over HTTPS, Flask-WTF also checks that the Referer is this site.
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/auth/login"}}
    auth = AuthActions(app, client)
    token = TOKEN_RE.search(client.get("/auth/login", **https).get_data(as_text=True)).group(1)
    response = client.post(
        "/auth/login",
        data={"csrf_token": token, "username": USERNAME, "password": PASSWORD, "remember": "yes"},
        **https,
    )
    assert response.status_code == 303
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        flags = [part.strip() for part in cookies[name].split(";")]
        assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set(flags), cookies[name]
    assert auth.username == USERNAME


def test_secure_cookies_are_the_default():
    from pressmark.config import DefaultConfig

    assert DefaultConfig.SESSION_COOKIE_SECURE is True
    assert DefaultConfig.REMEMBER_COOKIE_SECURE is True


def test_strong_session_protection_signs_out_a_session_moved_to_another_browser(client, auth):
    auth.login(remember=True)
    assert signed_in_as(client) == USERNAME
    stolen = client.get("/auth/login", headers={"User-Agent": "SomeoneElse/1.0"})
    assert "You are signed in" not in stolen.get_data(as_text=True)
    # The session and the remember cookie are both dropped, not just ignored once.
    assert set_cookies(stolen)["remember_token"].startswith("remember_token=;")
    assert signed_in_as(client) is None


# --- next -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["/posts", "/editor/posts/12?tab=history", "/tags/kv%20cache", "/"]
)
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None, "", "//evil.example", "///evil.example", "http://evil.example/",
        "https://evil.example/editor/", "\\\\evil.example", "/\\evil.example",
        "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", " /posts",
        "editor/", "evil.example",
    ],
)
def test_safe_next_refuses_other_sites_and_schemes(target):
    assert safe_next(target) is None


def test_sign_in_follows_a_safe_next(auth):
    assert auth.login(next="/posts?page=2").headers["Location"] == "/posts?page=2"


@pytest.mark.parametrize("target", ["//evil.example", "http://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_sign_in_ignores_an_unsafe_next(auth, target):
    assert auth.login(next=target).headers["Location"] == "/editor/"


def test_next_from_the_query_string_is_carried_through_the_form(client, auth):
    html = client.get("/auth/login?next=/posts").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/posts">' in html
    html = client.get("/auth/login?next=//evil.example").get_data(as_text=True)
    assert 'name="next"' not in html


def test_login_required_redirects_to_sign_in_with_next_and_a_message(app, client, auth):
    app.add_url_rule("/private", "private", login_required(lambda: "private page"))
    response = client.get("/private?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fprivate%3Fx%3D1"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please sign in to continue." in html
    assert '<input type="hidden" name="next" value="/private?x=1">' in html
    response = auth.login(next="/private?x=1")
    assert response.headers["Location"] == "/private?x=1"
    assert client.get("/private").get_data(as_text=True) == "private page"


def test_anonymous_editor_visit_is_sent_to_sign_in(client):
    response = client.get("/editor/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Feditor%2F"


def test_signed_in_visit_to_sign_in_page_offers_editor_and_sign_out(client, auth):
    auth.login()
    html = client.get("/auth/login").get_data(as_text=True)
    assert_valid_page(html)
    assert 'href="/editor/"' in html
    assert '<form class="logout-form" method="post" action="/auth/logout">' in html
    assert client.get("/auth/login?next=/posts").headers["Location"] == "/posts"


# --- signing out ------------------------------------------------------------------------------


def test_logout_signs_out_clears_the_remember_cookie_and_says_so(client, auth):
    auth.login(remember=True)
    response = auth.logout()
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    assert set_cookies(response)["remember_token"].startswith("remember_token=;")
    html = client.get("/auth/login").get_data(as_text=True)
    assert "You have signed out on every device." in html
    assert "You are signed in" not in html


def test_logout_by_get_only_asks_for_confirmation(client, auth):
    auth.login()
    response = client.get("/auth/logout")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_valid_page(html)
    assert "Sign out?" in html and TOKEN_RE.search(html)
    assert signed_in_as(client) == USERNAME


def test_logout_page_sends_a_signed_out_visitor_to_sign_in(client):
    assert client.get("/auth/logout").headers["Location"] == "/auth/login"


# --- CSRF -------------------------------------------------------------------------------------


def test_sign_in_without_csrf_token_is_refused_and_signs_nobody_in(app, client, auth):
    client.get("/auth/login")  # a session exists, the token is just not sent
    response = client.post("/auth/login", data={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert_valid_page(html)
    assert "The form expired or was not sent from this site; nothing was changed. " \
           "Go back, reload and try again." in html
    assert 'class="site-header"' in html  # in the site layout
    assert "SESSION_COOKIE_SECURE" not in html  # that hint is only for HTTPS-only cookies
    assert signed_in_as(client) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginFailure.id))) == 0


def test_sign_in_with_a_forged_token_is_refused(client, auth):
    response = client.post(
        "/auth/login",
        data={"csrf_token": "forged", "username": USERNAME, "password": PASSWORD},
    )
    assert response.status_code == 400
    assert signed_in_as(client) is None


def test_logout_without_csrf_token_is_refused_and_keeps_the_author_signed_in(client, auth):
    auth.login()
    response = client.post("/auth/logout", headers={"Referer": "http://localhost/auth/logout"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nothing was changed" in html
    assert '<a href="/auth/logout">Go back to the form</a>' in html
    assert signed_in_as(client) == USERNAME


def test_csrf_error_answers_json_to_scripts(client):
    response = client.post("/auth/logout", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("The form expired")


def test_csrf_error_explains_secure_cookies_over_plain_http(tmp_path):
    app = make_test_app(tmp_path, SESSION_COOKIE_SECURE=True)
    token = TOKEN_RE.search(app.test_client().get("/auth/login").get_data(as_text=True))[1]
    # A browser does not keep a Secure cookie from a plain-HTTP page, so the form comes
    # back with its token but without the session it belongs to.
    response = app.test_client().post(
        "/auth/login", data={"csrf_token": token, "username": "a", "password": "b"}
    )
    assert response.status_code == 400
    assert "SESSION_COOKIE_SECURE = False" in response.get_data(as_text=True)


def test_changing_the_password_signs_out_existing_sessions(app, client, runner, auth):
    auth.login(remember=True)
    assert signed_in_as(client) == USERNAME
    result = runner.invoke(
        args=["author", "passwd", USERNAME, "--password-stdin"], input="a brand new password\n"
    )
    assert result.exit_code == 0, result.output
    assert signed_in_as(client) is None
    assert client.get("/editor/").status_code == 302
