"""Shared fixtures, in the style of Flask's tutorial: ``app``, ``client``, ``runner``.

Every test gets its own real SQLite file under ``tmp_path`` and its own instance folder.
``demo_app`` starts from a copy of a database with the demo content loaded once per run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator

import pytest
from pressmark import create_app
from pressmark.content.models import User
from pressmark.extensions import db
from sqlalchemy import select
from waitress import wasyncore
from waitress.server import create_server
from werkzeug.security import generate_password_hash


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """The developer's PRESSMARK_* variables must not leak into tests."""
    import os

    for key in list(os.environ):
        if key.startswith("PRESSMARK_"):
            monkeypatch.delenv(key)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(app, port: int | None = None, **options) -> Iterator[str]:
    """Serves ``app`` with waitress on ``port`` (a free loopback port if None) in a thread;
    yields its base URL. ``options`` go to ``waitress.create_server`` (4 threads unless
    they say otherwise).

    On exit the server is closed from inside its own event loop (through waitress's trigger):
    closing sockets from the test's thread while the loop sits in ``select`` on them makes
    ``select`` fail with "Bad file descriptor" in the server thread.
    """
    port = port or free_port()
    options.setdefault("threads", 4)
    server = create_server(app, host="127.0.0.1", port=port, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop_map = server._map  # the loop runs until this map is empty

        def close_everything() -> None:
            server.task_dispatcher.shutdown()
            wasyncore.close_all(loop_map)

        server.trigger.pull_trigger(close_everything)
        thread.join(timeout=10)


def make_test_app(tmp_path, database=None, **overrides):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database or tmp_path / 'test.sqlite'}",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SITE_URL": "http://localhost",
        "LOAD_ENTRYPOINT_PLUGINS": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path, request):
    """An empty site on a new SQLite file; a test module's ``APP_CONFIG`` dict, if it has
    one, overrides settings."""
    app = make_test_app(tmp_path, **getattr(request.module, "APP_CONFIG", {}))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A SQLite file with the demo content, built once per test session."""
    from pressmark.migrate.api import load_demo_content

    folder = tmp_path_factory.mktemp("demo")
    app = make_test_app(folder)
    with app.app_context():
        db.create_all()
        report = load_demo_content()
        assert not report.errors, report.errors
        # Give the session's connection back first: dispose() closes only pooled ones, and
        # SQLite moves the write-ahead log into the file (which tests copy) on the last close.
        db.session.remove()
        db.engine.dispose()
    return folder / "test.sqlite"


@pytest.fixture
def demo_app(tmp_path, demo_database):
    database = tmp_path / "demo.sqlite"
    shutil.copy(demo_database, database)
    app = make_test_app(tmp_path, database=database)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- signing in through the real forms ---------------------------------------------------

USERNAME = "author"
PASSWORD = "correct horse battery staple"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@functools.cache
def password_hash(password: str) -> str:
    """A real scrypt hash, made once per password per test run (each costs ~0.1 s)."""
    return generate_password_hash(password, method="scrypt")


class AuthActions:
    """Sign in and out through the real forms, CSRF token included.

    Creates the account ``author`` (password ``PASSWORD``) when built, so
    ``AuthActions(demo_app, demo_client).login()`` works on any test app.
    """

    def __init__(self, app, client, username: str = USERNAME, password: str = PASSWORD):
        self.app = app
        self.client = client
        self.username = username
        self.password = password
        self.create_user(username, password)

    def create_user(self, username: str, password: str, display_name: str = "") -> None:
        with self.app.app_context():
            if db.session.scalar(select(User).where(User.username == username)) is None:
                user = User(
                    username=username,
                    display_name=display_name or username.title(),
                    password_hash=password_hash(password),
                )
                db.session.add(user)
                db.session.commit()

    def csrf_token(self, path: str = "/auth/login") -> str:
        match = TOKEN_RE.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no CSRF token in the form at {path}"
        return match.group(1)

    def login(self, username: str | None = None, password: str | None = None,
              remember: bool = False, next: str | None = None, **kwargs):
        data = {
            "csrf_token": self.csrf_token(),
            "username": self.username if username is None else username,
            "password": self.password if password is None else password,
        }
        if remember:
            data["remember"] = "yes"
        if next is not None:
            data["next"] = next
        return self.client.post("/auth/login", data=data, **kwargs)

    def logout(self, **kwargs):
        token = self.csrf_token()
        return self.client.post("/auth/logout", data={"csrf_token": token}, **kwargs)


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


def signed_in_as(client, **kwargs) -> str | None:
    """The username the sign-in page says we are signed in as, or None when signed out."""
    html = client.get("/auth/login", **kwargs).get_data(as_text=True)
    match = re.search(r"You are signed in as <strong>[^<]*</strong> \(([^)]+)\)", html)
    return match.group(1) if match else None


# --- the page types beyond posts: a page, a series, authors ------------------------------

SAMPLE_PAGE_PATHS = {
    "page": "/about",
    "series": "/series/serving-llms",
    "author": "/authors/ada-lovelace",
    "post-in-series": "/posts/kv-caching",
}


def add_page_series_and_authors(app) -> dict[str, str]:
    """Give a demo-content app a published page (/about), a two-part series and two authors
    on its posts (kv-caching is part 1 of 2, written by Ada Lovelace and Bo Builder).

    Returns ``SAMPLE_PAGE_PATHS``. The accounts' password is ``PASSWORD``.
    """
    from pressmark.content.models import CONTRIBUTOR, OWNER, Post
    from pressmark.content.postdata import data_from_post
    from pressmark.content.store import PostData, save_post

    with app.app_context():
        for username, name, role in (("ada", "Ada Lovelace", OWNER),
                                     ("bo", "Bo Builder", CONTRIBUTOR)):
            if db.session.scalar(select(User).where(User.username == username)) is None:
                db.session.add(User(username=username, display_name=name, role=role,
                                    bio=f"{name} writes about inference.",
                                    password_hash=password_hash(PASSWORD)))
        db.session.commit()
        first = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        second = db.session.scalar(
            Post.visible().where(Post.id != first.id, Post.published_at > first.published_at)
            .order_by(None).order_by(Post.published_at)
        )
        for part, post in enumerate((first, second), start=1):
            data = data_from_post(post)
            data.series, data.series_position, data.authors = "Serving LLMs", part, ["ada", "bo"]
            save_post(data, post)
        if db.session.scalar(select(Post).where(Post.slug == "about")) is None:
            save_post(PostData(
                title="About", is_page=True, status="published",
                summary="Who writes here, and why.",
                body="## Who\n\nWe write about **inference**.\n\n## Why\n\nTo learn.\n\n"
                     "## Contact\n\nBy mail.",
            ))
        db.engine.dispose()
    return SAMPLE_PAGE_PATHS


# Debian's Chromium, driven by Playwright. One browser for the whole run: Playwright's sync
# API keeps an event loop running while it is open, so a second one could not start.
CHROMIUM = os.environ.get("PRESSMARK_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()
