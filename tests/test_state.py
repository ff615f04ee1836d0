"""Each app's state lives in one typed object (pressmark.state), never shared between apps."""

from __future__ import annotations

import pytest
from flask import Flask
from pressmark.plugin_system.manager import PressmarkPluginManager
from pressmark.state import AppState, app_state, plugin_cache

from tests.conftest import make_test_app


def test_every_app_has_its_own_state(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = make_test_app(tmp_path / "one")
    second = make_test_app(tmp_path / "two")
    assert isinstance(app_state(first), AppState)
    assert app_state(first) is not app_state(second)
    assert isinstance(app_state(first).pm, PressmarkPluginManager)
    assert app_state(first).pm is not app_state(second).pm
    assert "feeds" in app_state(first).plugins
    assert app_state(first).page_layer is first.wsgi_app  # the cache sits in front of Flask
    assert not hasattr(first, "pm")


def test_a_flask_app_not_built_by_create_app_is_refused():
    with pytest.raises(RuntimeError, match="create_app"):
        app_state(Flask("elsewhere"))


def test_forgetting_plugin_caches_drops_what_was_collected(app):
    with app.app_context():
        from pressmark.content.markup import embed_handlers

        assert "calc" in embed_handlers(app)
        plugin_cache(app, "some-plugin")["answer"] = 42
        state = app_state(app)
        state.forget_plugin_caches()
        assert state.markdown == {} and plugin_cache(app, "some-plugin") == {}
        assert "calc" in embed_handlers(app)  # collected again on next use
