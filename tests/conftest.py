"""Shared fixtures, in the style of Flask's tutorial: ``app``, ``client``, ``runner``.

Every test gets its own real SQLite file under ``tmp_path`` and its own instance folder.
``demo_app`` starts from a copy of a database with the demo content loaded once per run.
"""

from __future__ import annotations

import shutil

import pytest

from app import create_app
from app.extensions import db


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """The developer's TOKENPRESS_* variables must not leak into tests."""
    import os

    for key in list(os.environ):
        if key.startswith("TOKENPRESS_"):
            monkeypatch.delenv(key)


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
def app(tmp_path):
    app = make_test_app(tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A SQLite file with the demo content, built once per test session."""
    from app.importer import load_demo_content

    folder = tmp_path_factory.mktemp("demo")
    app = make_test_app(folder)
    with app.app_context():
        db.create_all()
        report = load_demo_content()
        assert not report.errors, report.errors
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
