"""A plugin with a misspelt hook name: the app must refuse to start, naming it."""

from pressmark.api import hookimpl


@hookimpl
def rendr_slot(slot, request, context):
    return "<p>never shown</p>"
