"""Plugin settings: one catalogue with defaults and help text, listed by `pressmark plugins`."""

from __future__ import annotations

import json

import pytest
from pressmark.plugin_system.manager import PluginError
from pressmark.plugin_system.settings import PLUGIN_SYSTEM_SETTINGS, Setting, catalogue

from tests.plugin_system.test_manager import build_app


def test_hook_register_settings(tmp_path):
    app = build_app(tmp_path, "everything")
    assert app.config["EVERYTHING_GREETING"] == "hello"  # unset: its default
    declared = {d.setting.name: d for d in catalogue(app)}
    assert declared["EVERYTHING_GREETING"].plugin == "everything"
    assert declared["FEED_LIMIT"].plugin == "feeds"
    # The plugin system's own settings come first, each with its help.
    names = [d.setting.name for d in catalogue(app)]
    assert names[: len(PLUGIN_SYSTEM_SETTINGS)] == [s.name for s in PLUGIN_SYSTEM_SETTINGS]
    assert all(d.setting.help for d in catalogue(app))


def test_the_site_sets_a_plugin_setting(tmp_path):
    app = build_app(tmp_path, "everything", EVERYTHING_GREETING="bonjour", FEED_LIMIT=7)
    declared = {d.setting.name: d for d in catalogue(app)}
    assert declared["EVERYTHING_GREETING"].value == "bonjour"
    assert declared["FEED_LIMIT"].value == 7


def test_pressmark_plugins_lists_every_setting(tmp_path):
    app = build_app(tmp_path, "everything", FEED_LIMIT=7)
    result = app.test_cli_runner().invoke(args=["plugins"])
    assert result.exit_code == 0, result.output
    assert "FEED_LIMIT = 7 (default 20)  [feeds]" in result.output
    assert 'EVERYTHING_GREETING = "hello"  [everything]' in result.output
    assert "What the everything plugin says." in result.output
    assert "PLUGIN_HOOK_TIMEOUT" in result.output
    report = json.loads(app.test_cli_runner().invoke(args=["plugins", "--json"]).output)
    feeds = next(p for p in report if p["name"] == "feeds")
    assert {"name": "FEED_LIMIT", "plugin": "feeds", "default": 20, "value": 7,
            "help": "Entries per feed, 1 to 1000."} in feeds["settings"]


def test_a_setting_declared_twice_stops_start_up_naming_the_plugin(tmp_path):
    plugins = tmp_path / "instance" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "copycat.py").write_text(
        "from pressmark.api import Setting, hookimpl\n\n\n"
        "@hookimpl\n"
        "def register_settings():\n"
        "    return [Setting('FEED_LIMIT', 5, 'Mine.')]\n",
        encoding="utf-8",
    )
    with pytest.raises(PluginError, match="'copycat'.*FEED_LIMIT, which feeds declares"):
        build_app(tmp_path)


def test_a_setting_needs_an_upper_case_name_and_help():
    with pytest.raises(ValueError, match="upper-case"):
        Setting("feed_limit", 5, "Entries.")
    with pytest.raises(ValueError, match="help"):
        Setting("FEED_LIMIT", 5, " ")
