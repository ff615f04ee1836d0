"""The factory and configuration precedence: defaults < instance config < env < test."""

import pytest
from pressmark import create_app
from pressmark.config import write_instance_config
from pressmark.state import app_state


def test_testing_flag_and_one_plugin_manager_per_app(tmp_path):
    first = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "a")})
    second = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "b")})
    assert first.testing and app_state(first).pm is not app_state(second).pm
    assert not create_app(
        {"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "c")}
    ).testing


def test_precedence_defaults_instance_env_test(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SECRET_KEY = 'from-file'\nSITE_TITLE = 'File title'\nPOSTS_PER_PAGE = 3\n"
        "SITE_AUTHOR = 'File author'\n"
    )
    monkeypatch.setenv("PRESSMARK_SITE_TITLE", "Env title")
    monkeypatch.setenv("PRESSMARK_POSTS_PER_PAGE", "7")
    monkeypatch.setenv("PRESSMARK_DISABLED_PLUGINS", '["search"]')
    app = create_app({"INSTANCE_PATH": str(instance), "SITE_AUTHOR": "Test author"})
    assert app.config["SECRET_KEY"] == "from-file"  # instance file over defaults
    assert app.config["SITE_TITLE"] == "Env title"  # env over file
    assert app.config["POSTS_PER_PAGE"] == 7  # env values parse as JSON
    assert app.config["DISABLED_PLUGINS"] == ["search"]
    assert app.config["SITE_AUTHOR"] == "Test author"  # test config over everything
    assert app.config["FEATURED_ON_HOME"] == 3  # untouched default


def test_no_secret_key_fallback_outside_testing(tmp_path):
    with pytest.raises(RuntimeError, match="No SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_generated_instance_config_has_a_stable_private_secret(tmp_path):
    path = write_instance_config(tmp_path)
    first = path.read_text()
    assert "SECRET_KEY = '" in first and len(first.split("'")[1]) == 64
    assert path.stat().st_mode & 0o077 == 0
    write_instance_config(tmp_path)
    assert path.read_text() == first
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == first.split("'")[1]


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/pressmark.sqlite"


def test_secure_cookie_defaults(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_new_instance_folder_is_private(tmp_path):
    create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "new")})
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_environment_values_nest_and_plugin_settings_take_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESSMARK_FEED_LIMIT", "5")
    monkeypatch.setenv("PRESSMARK_SQLALCHEMY_ENGINE_OPTIONS__pool_pre_ping", "true")
    monkeypatch.setenv("PRESSMARK_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["FEED_LIMIT"] == 5  # a plugin's setting, from the environment
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    assert app.config["FEED_TAG_AUTHORITY"] == ""  # unset: the declared default
    assert app.instance_path == str(tmp_path)  # the test's folder over the environment's
