"""The OpenAPI 3.1 description of the Content API (``/api/v1/openapi.json``) and a page
that shows it to people (``/api/v1/docs``), rendered on the server: no scripts.

The description is built from the same tuples the views check (fields, formats, limits),
so the two cannot drift apart; a test validates it and runs Schemathesis against it.
"""

from __future__ import annotations

from flask import url_for
from pressmark import __version__
from pressmark.api import absolute_url, cached_response, render_page
from pressmark.web.api.base import content, json_answer
from pressmark.web.api.params import FORMATS, MAX_LIMIT, MAX_SLUG
from pressmark.web.api.serialize import PAGE_FIELDS, POST_FIELDS
from pressmark.web.api.spec_schemas import SCHEMAS

SLUG = {"type": "string", "pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": MAX_SLUG}
MOMENT = {"type": "string", "description": "RFC 3339 date-time (or a date, midnight UTC)",
          "examples": ["2026-03-10T09:00:00Z", "2026-03-10"]}


def _param(name: str, schema: dict, description: str, where: str = "query",
           required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path",
            "description": description, "schema": schema}


def _list_of(names: tuple[str, ...]) -> dict:
    choice = "|".join(names)
    return {"type": "string", "pattern": rf"^({choice})(,({choice}))*$"}


LIMIT = _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20},
               "Items per page.")
CURSOR = _param("cursor", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,600}$"},
                "Where to continue: the cursor of the previous page's `links.next`.")
FORMATS_PARAM = _param("formats", _list_of(FORMATS),
                       "The body's formats: html (sanitised), markdown (the source), text.")
SLUG_PATH = _param("slug", {"type": "string", "minLength": 1, "maxLength": MAX_SLUG},
                   "The slug.", "path")
FILTERS = [
    _param("topic", SLUG, "Only posts in this topic (its slug)."),
    _param("tag", SLUG, "Only posts with this tag (its slug)."),
    _param("author", SLUG, "Only posts by this author (their slug)."),
    _param("series", SLUG, "Only the parts of this series (its slug)."),
    _param("updated_since", MOMENT, "Only posts saved or gone live at or after this time."),
    _param("published_after", MOMENT, "Only posts published after this time."),
    _param("published_before", MOMENT, "Only posts published before this time."),
]


def _responses(schema: str, *, not_found: bool = False) -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    answers = {
        "200": {"description": "OK", "content": {"application/json": {"schema": ref}}},
        "304": {"description": "Not modified: the copy the client holds is current."},
        "400": {"description": "A parameter is not valid; `parameter` names it.",
                "content": problem},
    }
    if not_found:
        answers["404"] = {"description": "Nothing readers can see has this slug.",
                          "content": problem}
    return answers


def _operation(op_id: str, summary: str, schema: str, params: list[dict], *,
               tag: str, not_found: bool = False) -> dict:
    return {"get": {"operationId": op_id, "summary": summary, "tags": [tag],
                    "parameters": params, "responses": _responses(schema, not_found=not_found)}}


def _taxonomy_paths(name: str, item: str, title: str) -> dict:
    return {
        f"/{name}": _operation(f"list_{name}", f"List {title}", f"{item}List",
                               [LIMIT, CURSOR], tag=title),
        f"/{name}/{{slug}}": _operation(f"get_{item.lower()}", f"One {item.lower()} by slug",
                                        f"{item}Answer", [SLUG_PATH], tag=title,
                                        not_found=True),
    }


def paths() -> dict:
    post_fields = _param("fields", _list_of(POST_FIELDS), "The fields to include.")
    page_fields = _param("fields", _list_of(PAGE_FIELDS), "The fields to include.")
    found = {
        "/posts": _operation("list_posts", "List visible posts, newest first", "PostList",
                             [LIMIT, CURSOR, post_fields, FORMATS_PARAM, *FILTERS], tag="Posts"),
        "/posts/{slug}": _operation("get_post", "One post by slug (old slugs answer 301)",
                                    "PostAnswer", [SLUG_PATH, post_fields, FORMATS_PARAM],
                                    tag="Posts", not_found=True),
        "/pages": _operation("list_pages", "List pages, by title", "PostList",
                             [LIMIT, CURSOR, page_fields, FORMATS_PARAM], tag="Pages"),
        "/pages/{slug}": _operation("get_page", "One page by slug", "PostAnswer",
                                    [SLUG_PATH, page_fields, FORMATS_PARAM], tag="Pages",
                                    not_found=True),
        "/search": _operation(
            "search_posts", "Search visible posts, best match first", "SearchList",
            [_param("q", {"type": "string", "minLength": 1, "maxLength": 1000},
                    'Words, "phrases", prefix*, -excluded, a OR b.', required=True),
             LIMIT, CURSOR, post_fields, FORMATS_PARAM], tag="Search", not_found=True),
    }
    found["/posts/{slug}"]["get"]["responses"]["301"] = {
        "description": "A former slug: the post's current API URL is in `Location`."}
    found.update(_taxonomy_paths("topics", "Topic", "Topics"))
    found.update(_taxonomy_paths("tags", "Tag", "Tags"))
    found.update(_taxonomy_paths("authors", "Author", "Authors"))
    found.update(_taxonomy_paths("series", "Series", "Series"))
    return found


def description() -> dict:
    """The OpenAPI 3.1 document, with this site's API URL as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pressmark Content API",
            "version": f"1 ({__version__})",
            "description": "Read-only JSON of what readers can see: posts, pages, topics, "
                           "tags, authors, series and search. Cached like every public page "
                           "(ETag, 304, Cache-Control); readable from any origin (CORS).",
        },
        "servers": [{"url": absolute_url(url_for("api.content.posts").rsplit("/", 1)[0])}],
        "paths": paths(),
        "components": {"schemas": SCHEMAS},
    }


@content.get("/openapi.json")
def openapi_json():
    return json_answer(description())


@content.get("/docs")
def docs():
    """The description as a page: every operation, its parameters and its answers."""
    html = render_page("api/docs.html", spec=description(),
                       openapi_url=url_for("api.content.openapi_json"))
    return cached_response(lambda: html.encode(), "text/html")
