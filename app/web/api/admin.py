"""The Admin API under ``/api/v1/admin/``: an author's tools write as the editor does.

Every write goes through what the editor's own views use: the roles' checks
(``pressmark.web.editor.access``), the content store (``save_post``, ``set_status``: render,
sanitise, revision, aliases, events, one transaction), the same ``version`` check (a stale
write is a 409 naming the current version), and the uploads' checks (``store_upload``).
Fields are given by their front-matter names (``title``, ``slug``, ``summary``, ``topic``,
``tags``, ``author_accounts``, ``series``, ``series_part``, ``featured``, ``cover_image``,
``cover_alt``, ``status``, ``date``) plus ``body``, as in a Markdown file's front matter.

- ``GET /admin/posts?slug=S`` and ``GET /admin/posts/<id>``: any post the token's author may
  edit, drafts included (``read:drafts`` or ``write:posts``);
- ``POST /admin/posts``: create (``write:posts``; 201);
- ``PATCH /admin/posts/<id>``: change the fields given; ``version`` is required; a change
  that changes nothing saves nothing (``"changed": false``);
- ``POST /admin/posts/<id>/publish``: publish (``version`` required);
- ``POST /admin/uploads``: an image, multipart field ``file`` (``write:uploads``; 201).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, request
from pressmark.content import postdata
from pressmark.content import store as content
from pressmark.content.models import DRAFT, PUBLISHED, Post, User, isoformat_utc
from pressmark.content.postdata import PostData, data_from_post
from pressmark.content.uploads.receive import UploadError, store_upload
from pressmark.extensions import csrf, db
from pressmark.web.api.auth import require
from pressmark.web.api.base import dumps
from pressmark.web.api.problems import (
    Problem,
    bad_parameter,
    http_error_response,
    problem_response,
)
from pressmark.web.api.serialize import post_json
from pressmark.web.editor import access
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

bp = Blueprint("admin", __name__, url_prefix="/admin")
READ = ("read:drafts", "write:posts")
MAX_JSON_BYTES = 4 * 1024 * 1024  # a post's body is bounded by MAX_POST_BYTES anyway


def answer(data: object, status: int = 200) -> Response:
    response = Response(dumps(data), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_json(post: Post) -> dict:
    """What an author's tool needs of a post: the public fields and the editing state."""
    found = post_json(post, ("id", "slug", "title", "summary", "url", "tags", "topic",
                             "authors", "series"))
    found |= {"status": "scheduled" if post.is_scheduled else post.status,
              "published_at": isoformat_utc(post.published_at) if post.published_at else None,
              "updated_at": isoformat_utc(post.updated_at),
              "version": post.version, "is_page": post.is_page,
              "body": post.body, "front_matter": postdata.to_front_matter(post)}
    return found


def payload() -> dict:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise Problem(413, "The request body is too large.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Problem(400, "Send a JSON object (Content-Type: application/json).")
    return data


def loaded_version(data: dict) -> int:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad_parameter("version", "the version you read the post at (a whole number).")
    return version


def data_from_json(data: dict, post: Post | None, user: User) -> PostData:
    """``post``'s fields (or a new post's) with the ones ``data`` gives."""
    try:
        values = postdata.from_front_matter(data)
    except ValueError as exc:
        raise Problem(400, str(exc)) from None
    if "body" in data:
        if not isinstance(data["body"], str):
            raise bad_parameter("body", "the post's Markdown, as a string.")
        values["body"] = data["body"]
    base = data_from_post(post) if post is not None else PostData(title="", status=DRAFT)
    merged = replace(base, **values)
    if post is None and "author_accounts" not in data:
        merged.authors = [user.username]
    return merged


def editable(post_id: int, user: User) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not access.may_edit(user, post):
        raise Problem(404, "There is no post with that id that this token may change.")
    return post


def save(data: PostData, post: Post | None, user: User, version: int | None) -> Post:
    """The editor's save: roles, then the content store; its refusals as problems."""
    try:
        if post is not None:
            access.check_edit(user, post)
        access.check_status_change(user, post, data.status)
        access.check_authors(user, data.authors)
        return content.save_post(data, post, user=user, loaded_version=version)
    except access.Refused as exc:
        raise Problem(403, str(exc)) from None
    except content.ValidationError as exc:
        field, message = next(iter(exc.errors.items()))
        raise Problem(400, message, parameter=field, errors=exc.errors) from None
    except content.StaleSaveError as exc:
        raise Problem(409, "The post changed since you read it: read it again and re-apply "
                      "your change.", current_version=exc.post.version) from None
    except content.PostGoneError:
        raise Problem(410, "The post was deleted meanwhile.") from None


@bp.get("/posts")
def find_post():
    user = require(*READ).user
    slug = request.args.get("slug", "")
    post = db.session.scalar(select(Post).where(Post.slug == slug)) if slug else None
    if post is None or not access.may_edit(user, post):
        raise Problem(404, "There is no post with that slug that this token may read.")
    return answer({"data": admin_json(post)})


@bp.get("/posts/<int:post_id>")
def get_post(post_id: int):
    return answer({"data": admin_json(editable(post_id, require(*READ).user))})


@bp.post("/posts")
@csrf.exempt
def create_post():
    user = require("write:posts").user
    data = data_from_json(payload(), None, user)
    return answer({"data": admin_json(save(data, None, user, None))}, 201)


@bp.patch("/posts/<int:post_id>")
@csrf.exempt
def update_post(post_id: int):
    user = require("write:posts").user
    post = editable(post_id, user)
    data = payload()
    version = loaded_version(data)
    wanted = data_from_json(data, post, user)
    if version == post.version and unchanged(wanted, post):
        # Nothing to do: no revision, no new version (``pressmark publish`` re-runs).
        return answer({"data": admin_json(post), "changed": False})
    saved = save(wanted, post, user, version)
    return answer({"data": admin_json(saved), "changed": True})


def unchanged(data: PostData, post: Post) -> bool:
    """True when saving ``data`` would change nothing of ``post`` (words, settings, state)."""
    normal = postdata.clean(replace(data))
    return (postdata.same_content(postdata.of_data(normal), postdata.of_post(post))
            and normal.status == post.status
            and (normal.published_at is None or normal.published_at == post.published_at))


@bp.post("/posts/<int:post_id>/publish")
@csrf.exempt
def publish_post(post_id: int):
    user = require("write:posts").user
    post = editable(post_id, user)
    version = loaded_version(payload())
    data = replace(data_from_post(post), status=PUBLISHED)
    return answer({"data": admin_json(save(data, post, user, version))})


@bp.post("/uploads")
@csrf.exempt
def upload():
    require("write:uploads")
    image = request.files.get("file")
    if image is None:
        raise bad_parameter("file", "send the image as the multipart field “file”.")
    try:
        stored = store_upload(image.stream)
    except UploadError as exc:
        raise Problem(400, str(exc), parameter="file") from None
    return answer({"data": {"url": stored.url, "name": stored.name, "width": stored.width,
                            "height": stored.height, "markdown": stored.markdown("")}}, 201)


@bp.errorhandler(Problem)
def problem(error: Problem) -> Response:
    return problem_response(error)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return http_error_response(error)
