"""Built-in plugins. Each uses only the public hooks in ``app.hookspecs``."""
