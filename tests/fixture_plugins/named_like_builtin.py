"""A directory plugin that takes the name of a built-in one."""

from pressmark.api import hookimpl


@hookimpl
def render_slot(slot):
    return None
