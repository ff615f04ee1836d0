"""Built-in plugins. Each uses only the public hooks in ``pressmark.plugin_system.hookspecs``."""
