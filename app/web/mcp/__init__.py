"""The MCP server: the site's public content as tools and resources for AI assistants.

``tools`` builds the server (official ``mcp`` SDK) whose tools read through the Content
API's own views, so the visibility rules, limits and problem checks are the API's;
``http`` serves it at ``/mcp`` inside ``pressmark serve`` (streamable HTTP, stateless,
JSON answers), and ``pressmark mcp`` serves it on stdio.
"""
