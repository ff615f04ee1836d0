"""The JSON Schemas of the Content API's answers, for its OpenAPI description.

Post fields are all optional in the schema because ``fields=`` chooses them; when present,
each has the type given here. Schemathesis checks every answer against these.
"""

from __future__ import annotations

STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
NULLABLE_STRING = {"type": ["string", "null"]}
MOMENT = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required)}


REF = _object({"slug": STRING, "name": STRING, "url": URL}, ("slug", "name", "url"))
SERIES_REF = _object({"slug": STRING, "title": STRING, "url": URL,
                      "part": {"type": ["integer", "null"]}}, ("slug", "title", "url"))

POST = _object({
    "id": {"type": "integer"},
    "slug": STRING,
    "title": STRING,
    "summary": STRING,
    "url": URL,
    "api_url": URL,
    "published_at": MOMENT,
    "updated_at": MOMENT,
    "language": NULLABLE_STRING,
    "reading_minutes": {"type": "integer", "minimum": 1},
    "word_count": {"type": "integer", "minimum": 0},
    "featured": {"type": "boolean"},
    "cover": {"oneOf": [{"type": "null"}, _object({"url": STRING, "alt": STRING},
                                                  ("url", "alt"))]},
    "topic": {"oneOf": [{"type": "null"}, _ref("Ref")]},
    "tags": {"type": "array", "items": _ref("Ref")},
    "authors": {"type": "array", "items": _ref("Ref")},
    "series": {"oneOf": [{"type": "null"}, _ref("SeriesRef")]},
    "body": _object({"html": STRING, "markdown": STRING, "text": STRING}),
})

LINKS = _object({"self": URL, "next": {"type": ["string", "null"], "format": "uri"}},
                ("self", "next"))
META = _object({"limit": {"type": "integer"}, "count": {"type": "integer"},
                "total": {"type": "integer"}}, ("limit", "count"))


def _list(item: str) -> dict:
    return _object({"data": {"type": "array", "items": _ref(item)}, "links": _ref("Links"),
                    "meta": _ref("Meta")}, ("data", "links", "meta"))


def _answer(item: str) -> dict:
    return _object({"data": _ref(item)}, ("data",))


TAXONOMY_COMMON = {"slug": STRING, "url": URL, "api_url": URL, "posts_url": URL}
TOPIC = _object({**TAXONOMY_COMMON, "name": STRING, "description": STRING},
                ("slug", "name", "url", "api_url", "posts_url"))
TAG = _object({**TAXONOMY_COMMON, "name": STRING}, ("slug", "name", "url", "api_url"))
AUTHOR = _object({**TAXONOMY_COMMON, "name": STRING, "bio": STRING},
                 ("slug", "name", "url", "api_url"))
PART = _object({"slug": STRING, "title": STRING, "url": URL, "api_url": URL,
                "published_at": MOMENT, "part": {"type": ["integer", "null"]}},
               ("slug", "title", "url"))
SERIES = _object({**TAXONOMY_COMMON, "title": STRING, "description": STRING,
                  "parts": {"type": "array", "items": PART}},
                 ("slug", "title", "url", "api_url"))
PROBLEM = _object({
    "type": STRING, "title": STRING, "status": {"type": "integer"}, "detail": STRING,
    "instance": STRING, "parameter": STRING,
    "invalid_params": {"type": "array", "items": _object({"name": STRING, "reason": STRING},
                                                          ("name", "reason"))},
}, ("type", "title", "status", "detail"))

SCHEMAS = {
    "Ref": REF,
    "SeriesRef": SERIES_REF,
    "Post": POST,
    "Links": LINKS,
    "Meta": META,
    "Problem": PROBLEM,
    "PostList": _list("Post"),
    "PostAnswer": _answer("Post"),
    "SearchList": _list("Post"),
    "Topic": TOPIC,
    "TopicList": _list("Topic"),
    "TopicAnswer": _answer("Topic"),
    "Tag": TAG,
    "TagList": _list("Tag"),
    "TagAnswer": _answer("Tag"),
    "Author": AUTHOR,
    "AuthorList": _list("Author"),
    "AuthorAnswer": _answer("Author"),
    "Series": SERIES,
    "SeriesList": _list("Series"),
    "SeriesAnswer": _answer("Series"),
}
