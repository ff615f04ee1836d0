"""Built-in plugin (in progress)."""
