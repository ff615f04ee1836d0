"""A plugin whose start-up check fails: the app must not start."""

from pressmark.api import hookimpl


@hookimpl
def startup(app):
    raise ValueError("STARTUP_FAILS_SETTING must be set")
