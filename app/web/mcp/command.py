"""``pressmark mcp``: the MCP server on standard input and output, for an assistant that
starts it as a local process (see docs/api.md for the configuration to give it)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("mcp")
@with_appcontext
def mcp_command() -> None:
    """Serve this site's public posts to an AI assistant over MCP (stdio)."""
    from pressmark.web.mcp.tools import build_server  # the SDK loads only for this command

    build_server(current_app._get_current_object()).run("stdio")
