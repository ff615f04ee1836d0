"""Plugin tooling: ``tokenpress plugins``, ``tokenpress plugin new``, ``/-/plugins.json``."""


def init_app(app) -> None:
    """Register the plugin commands and machine endpoints."""
