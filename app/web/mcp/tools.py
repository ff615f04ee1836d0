"""The MCP server's tools and resources, read-only and public content only.

Tools: ``search_posts``, ``list_posts``, ``get_post`` (Markdown, metadata and canonical
URL), ``list_topics`` and ``run_calculator`` (the calculators plugin's own formulas, looked
up by name in its registry). Resources: each post at ``pressmark://posts/{slug}``.

Every tool reads through the Content API's views (``api_get``), so what an agent sees is
exactly what a reader or an API client sees. Answers are bounded: at most ``MAX_ITEMS``
items, and a post's Markdown cut at ``MAX_MARKDOWN_CHARS`` with a note saying so. A bad
argument is a tool error (the agent reads why), never a crash.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from pressmark import __version__
from pressmark.state import app_state

MAX_ITEMS = 50
MAX_MARKDOWN_CHARS = 60_000
LISTED = "slug,title,summary,url,published_at,topic,tags"


def api_get(app: Flask, path: str, **args: Any) -> dict:
    """The Content API's JSON for ``path`` with query ``args`` (None values left out),
    dispatched in-process; a 4xx problem becomes a ``ToolError`` carrying its detail."""
    query = {k: str(v) for k, v in args.items() if v is not None}
    base = app.config.get("SITE_URL") or "http://localhost"
    with app.test_request_context(path, query_string=query, base_url=base):
        response = app.full_dispatch_request()
        body = response.get_data()
    if response.status_code >= 300:
        try:
            detail = json.loads(body).get("detail") or response.status
        except ValueError:
            detail = response.status
        raise ToolError(str(detail))
    return json.loads(body)


def _bounded(limit: int) -> int:
    if not isinstance(limit, int) or not 1 <= limit <= MAX_ITEMS:
        raise ToolError(f"limit must be a whole number from 1 to {MAX_ITEMS}.")
    return limit


def post_with_markdown(app: Flask, slug: str) -> dict:
    """One visible post: its metadata, canonical URL and Markdown (bounded)."""
    if not slug or len(slug) > 200 or "/" in slug:
        raise ToolError("slug must be a post's slug, such as kv-caching.")
    post = api_get(app, f"/api/v1/posts/{slug}", formats="markdown")["data"]
    markdown = post.pop("body")["markdown"]
    if len(markdown) > MAX_MARKDOWN_CHARS:
        markdown = markdown[:MAX_MARKDOWN_CHARS]
        post["truncated"] = f"The Markdown was cut at {MAX_MARKDOWN_CHARS} characters; " \
                            f"the whole post is at {post['url']}."
    post["canonical_url"] = post["url"]
    post["markdown"] = markdown
    return post


def calculate(app: Flask, name: str, inputs: dict[str, Any]) -> dict:
    """The calculators plugin's evaluation of ``name`` with ``inputs``, through its
    registry (whichever plugin registered the calculator)."""
    plugin = app_state(app).pm.get_plugin("calculators")
    if plugin is None:
        raise ToolError("Calculators are not enabled on this site.")
    from pressmark.plugins.calculators.registry import calculators

    with app.app_context():
        found = calculators(app)
        calc = found.get(name)
        if calc is None:
            raise ToolError(f"Unknown calculator {name[:80]!r}; known: {', '.join(sorted(found))}.")
        if not isinstance(inputs, dict) or len(inputs) > 50:
            raise ToolError("inputs must be an object of input names to values.")
        evaluation = plugin.evaluate(calc, {str(k): str(v) for k, v in inputs.items()})
    answer = evaluation.as_dict()
    if evaluation.failure is not None:
        raise ToolError(f"The calculator {name!r} failed; the site's author has been told.")
    if not evaluation.ok:
        raise ToolError("; ".join(f"{k}: {v}" for k, v in evaluation.errors.items()))
    return answer


def build_server(app: Flask) -> MCPServer:
    """An MCP server over ``app``'s public content."""
    server = MCPServer(
        name=app.config.get("SITE_TITLE") or "pressmark", version=__version__,
        instructions="Read-only access to this blog's published posts: search them, list "
                     "them, read one as Markdown with its canonical URL, list topics, and "
                     "run the calculators the posts embed.",
    )

    @server.tool()
    def search_posts(query: str, limit: int = 10) -> dict:
        """Search published posts (words, "phrases", prefix*, -excluded); best first."""
        if not isinstance(query, str) or not query.strip():
            raise ToolError("query must hold the words to search for.")
        return api_get(app, "/api/v1/search", q=query[:1000], limit=_bounded(limit),
                       fields=LISTED)

    @server.tool()
    def list_posts(limit: int = 20, cursor: str | None = None, topic: str | None = None,
                   tag: str | None = None) -> dict:
        """Published posts, newest first; pass links.next's cursor for the next page."""
        return api_get(app, "/api/v1/posts", limit=_bounded(limit), cursor=cursor,
                       topic=topic, tag=tag, fields=LISTED)

    @server.tool()
    def get_post(slug: str) -> dict:
        """One published post: Markdown, metadata and its canonical URL."""
        return post_with_markdown(app, slug)

    @server.tool()
    def list_topics() -> dict:
        """The blog's topics, with their slugs (for list_posts' topic)."""
        return api_get(app, "/api/v1/topics", limit=100)

    @server.tool()
    def run_calculator(name: str, inputs: dict[str, float | str] | None = None) -> dict:
        """Run one of the blog's calculators (such as kv-cache) with the given inputs,
        using the same verified formulas as its pages."""
        return calculate(app, name, inputs or {})

    @server.resource("pressmark://posts/{slug}", mime_type="text/markdown",
                     description="A published post as Markdown.")
    def post_resource(slug: str) -> str:
        try:
            post = post_with_markdown(app, slug)
        except ToolError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        return f"# {post['title']}\n\n<{post['canonical_url']}>\n\n{post['markdown']}"

    return server
