"""Test-only plugins. Each is a single module, used as an ``instance/plugins/*.py`` plugin
(copied into a temporary instance by ``tests/test_plugins.py``) or registered directly on
an app's manager."""
