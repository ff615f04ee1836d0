"""The MCP server through the official SDK's own client, over both transports: streamable
HTTP at ``/mcp`` of a real ``pressmark serve``, and stdio (``pressmark mcp``). Each tool is
called and its answer checked against the database; bad arguments are tool errors."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import threading

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.servers import Server, site_env

TOOLS = {"search_posts", "get_post", "list_posts", "list_topics", "run_calculator"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A demo site, served; its instance is also what ``pressmark mcp`` reads."""
    instance = tmp_path_factory.mktemp("mcp") / "instance"
    env = site_env(instance)
    server = Server(env)
    server.env = env
    server.database = instance / "pressmark.sqlite"
    yield server
    server.stop()


def visible(site, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(site.database) as connection:
        return connection.execute(
            sql.replace("VISIBLE", "status = 'published' AND published_at <= datetime('now') "
                                   "AND is_page = 0"), args).fetchall()


def run_client(session) -> None:
    """Run the async ``session()`` to its end in a thread of its own: a browser test module
    that ran earlier in this worker may have left Playwright's event loop running in the
    main thread, where ``asyncio.run`` refuses to start."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(session())
        except BaseException as exc:  # handed to the test's thread below
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the MCP client did not finish in 180 s"
    if failure:
        raise failure[0]


def structured(result) -> dict:
    assert not result.is_error, result.content
    return result.structured_content or json.loads(result.content[0].text)


async def exercise(client: Client, site) -> None:
    tools = await client.list_tools()
    assert {tool.name for tool in tools.tools} == TOOLS
    newest = visible(site, "SELECT slug, body FROM posts WHERE VISIBLE "
                           "ORDER BY published_at DESC, id DESC LIMIT 3")
    listed = structured(await client.call_tool("list_posts", {"limit": 3}))
    assert [p["slug"] for p in listed["data"]] == [slug for slug, _ in newest]
    post = structured(await client.call_tool("get_post", {"slug": newest[0][0]}))
    assert post["markdown"] == newest[0][1]
    assert post["canonical_url"].endswith(f"/posts/{newest[0][0]}")
    topics = structured(await client.call_tool("list_topics", {}))
    assert sorted(t["slug"] for t in topics["data"]) == sorted(
        s for (s,) in visible(site, "SELECT slug FROM topics"))
    found = structured(await client.call_tool("search_posts", {"query": "cache", "limit": 5}))
    assert 0 < len(found["data"]) <= 5 and found["meta"]["total"] >= len(found["data"])
    kv = structured(await client.call_tool("run_calculator", {
        "name": "kv-cache", "inputs": {"layers": 32, "kv_heads": 8, "head_dim": 128,
                                       "seq_len": 8192, "batch": 1, "bytes": 2}}))
    per_token = next(r for r in kv["results"] if r["label"] == "Per token")
    units = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
    assert per_token["value"] * units[per_token["unit"]] == 2 * 32 * 8 * 128 * 2
    resource = await client.read_resource(f"pressmark://posts/{newest[0][0]}")
    assert newest[0][1] in resource.contents[0].text
    for name, arguments in (("get_post", {"slug": "no-such-post"}),
                            ("get_post", {"slug": "../../etc"}),
                            ("list_posts", {"limit": 5000}),
                            ("list_posts", {"cursor": "forged!"}),
                            ("search_posts", {"query": "  "}),
                            ("run_calculator", {"name": "nope"}),
                            ("run_calculator", {"name": "kv-cache", "inputs": {"layers": -4}})):
        result = await client.call_tool(name, arguments)
        assert result.is_error, (name, arguments)
    hidden = visible(site, "SELECT slug FROM posts WHERE NOT (VISIBLE) AND is_page = 0")
    for (slug,) in hidden[:3]:
        assert (await client.call_tool("get_post", {"slug": slug})).is_error


def test_the_tools_over_streamable_http(site):
    async def run():
        async with Client(f"http://127.0.0.1:{site.port}/mcp") as client:
            await exercise(client, site)

    run_client(run)


def test_the_tools_over_stdio(site):
    parameters = StdioServerParameters(command=sys.executable, args=["-m", "pressmark.cli", "mcp"],
                                       env=site.env)

    async def run():
        async with Client(parameters) as client:
            await exercise(client, site)

    run_client(run)
