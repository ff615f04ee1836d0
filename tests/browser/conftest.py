"""Fixtures for end-to-end tests in a real browser.

``live_server`` serves a demo-content app with waitress on a free loopback port, in a
thread; ``page`` is a fresh Playwright page in Debian's Chromium (``/usr/bin/chromium``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, make_test_app, serve_in_thread

BROWSER_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out); a
    ``pytestmark`` in a conftest would mark nothing."""
    for item in items:
        if BROWSER_TESTS in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    app: object
    url: str


@pytest.fixture
def live_server(tmp_path, demo_database):
    database = tmp_path / "live.sqlite"
    shutil.copy(demo_database, database)
    port = free_port()
    # The site answers only to its own host name, as in production.
    app = make_test_app(
        tmp_path, database=database, WTF_CSRF_SSL_STRICT=False, SITE_URL=f"http://127.0.0.1:{port}"
    )
    with serve_in_thread(app, port) as url:
        yield LiveServer(app=app, url=url)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
