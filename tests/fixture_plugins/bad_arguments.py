"""A plugin whose hook asks for an argument the spec does not have."""

from pressmark.api import hookimpl


@hookimpl
def render_slot(slot, req):
    return "<p>never shown</p>"
