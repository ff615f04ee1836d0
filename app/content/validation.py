"""Checking a post before it is saved: every field's rules, one message per field
(``ValidationError``), free slugs for new posts and pages. ``store.save_post`` calls
``validate``; the editor uses the same rules to describe limits."""

from __future__ import annotations

from flask import current_app
from pressmark.content import postdata
from pressmark.content.models import (
    SLUG_RE,
    STATUSES,
    Alias,
    Image,
    Post,
    User,
    page_path,
    post_path,
    slugify,
)
from pressmark.content.postdata import PostData
from pressmark.extensions import db
from sqlalchemy import select


class ValidationError(ValueError):
    """Input that cannot be saved, with one message per field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


RESERVED_PAGE_SLUGS = frozenset({
    "posts", "topics", "tags", "archive", "search", "series", "authors", "editor", "auth",
    "uploads", "static", "feed", "feeds", "sitemap", "robots", "llms", "favicon", "api",
    "admin", "login", "logout",
})
MAX_SERIES_POSITION = 10_000


def page_slug_problem(slug: str) -> str | None:
    """Why ``/<slug>`` cannot be a page's address, or None.

    Refused: the reserved names above, and any first path segment a route of the running
    app (core or plugin) starts with, so a page can never shadow ``/posts``, ``/editor``,
    ``/-/...``, a feed or a plugin's page.
    """
    if slug in RESERVED_PAGE_SLUGS:
        return f"“/{slug}” is reserved for the site's own pages; choose another slug."
    for rule in current_app.url_map.iter_rules():
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if "<" in first or not first:
            continue
        if first == slug or first.split(".", 1)[0] == slug:
            return (
                f"“/{slug}” is already an address of the site ({rule.rule}); "
                "choose another slug."
            )
    return None


def describe_bytes(size: int) -> str:
    """``2 MiB``, ``512 KiB``, ``900 bytes``: a size as people read it."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def size_problem(body: str) -> str | None:
    """Why ``body`` is too large to be a post, or None.

    The one size limit for posts, however they arrive (editor form, autosave, preview,
    import): ``MAX_POST_BYTES`` bytes of Markdown, UTF-8 encoded, newlines as LF.
    """
    limit = int(current_app.config["MAX_POST_BYTES"])
    size = len(postdata.normalise_newlines(body).encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return (
        f"The body is {describe_bytes(size)}; a post can be at most {describe_bytes(limit)} "
        "(MAX_POST_BYTES). Nothing was saved: shorten it, or split it into several posts."
    )


def cover_errors(data: PostData) -> dict[str, str]:
    """Problems with the cover: it must be an image uploaded here, with alt text."""
    if not data.cover_image:
        return {"cover_alt": "A cover alt text needs a cover image."} if data.cover_alt else {}
    name = data.cover_image.removeprefix("/uploads/")
    if not data.cover_image.startswith("/uploads/") or Image.info_for(name) is None:
        return {"cover_image": (
            "The cover is an image uploaded here: upload it, then give its address "
            "(/uploads/…)."
        )}
    if not data.cover_alt:
        return {"cover_alt": "Describe the cover image for readers who cannot see it."}
    if len(data.cover_alt) > 300:
        return {"cover_alt": "A cover alt text can be at most 300 characters."}
    return {}


def validate(data: PostData, post: Post | None) -> PostData:
    """Check and normalise ``data``; raise ``ValidationError`` with every problem found."""
    errors: dict[str, str] = {}
    data = postdata.clean(data)
    too_large = size_problem(data.body)
    if too_large:
        errors["body"] = too_large
    if not data.title:
        errors["title"] = "A title is required."
    elif len(data.title) > 300:
        errors["title"] = "A title can be at most 300 characters."
    if not data.slug:
        data.slug = free_slug(slugify(data.title) or "post", post)
    if not SLUG_RE.match(data.slug) or len(data.slug) > 120:
        errors["slug"] = (
            "A slug uses lowercase letters, digits and single hyphens (at most 120 characters)."
        )
    else:
        is_page = post.is_page if post is not None else data.is_page
        path = page_path(data.slug) if is_page else post_path(data.slug)
        clash = db.session.scalar(select(Post).where(Post.slug == data.slug))
        if clash is not None and clash is not post:
            errors["slug"] = f"The slug “{data.slug}” is already used by “{clash.title}”."
        alias = db.session.scalar(select(Alias).where(Alias.path == path))
        if alias is not None and alias.post is not post:
            errors["slug"] = f"The slug “{data.slug}” is an old address of “{alias.post.title}”."
        problem = page_slug_problem(data.slug) if is_page else None
        if problem:
            errors["slug"] = problem
    if data.status not in STATUSES:
        errors["status"] = f"Unknown status {data.status!r}."
    if data.topic and not SLUG_RE.match(data.topic):
        errors["topic"] = "A topic is given by its slug."
    _validate_authors(data, errors)
    _validate_series(data, post, errors)
    errors.update(cover_errors(data))
    for path in data.aliases:
        if not path.startswith("/"):
            errors["aliases"] = f"An alias is a path starting with “/”: {path!r}."
        elif path.startswith("/posts/"):
            owner = db.session.scalar(select(Post).where(Post.slug == path.removeprefix("/posts/")))
            if owner is not None and owner is not post:
                errors["aliases"] = f"The path {path} is the address of “{owner.title}”."
    if errors:
        raise ValidationError(errors)
    return data


def _slug_taken(slug: str, post: Post | None) -> bool:
    clash = db.session.scalar(select(Post).where(Post.slug == slug))
    if clash is not None and clash is not post:
        return True
    alias = db.session.scalar(select(Alias).where(Alias.path == post_path(slug)))
    return alias is not None and alias.post is not post


def free_slug(base: str, post: Post | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``... : the first that no other post uses as its slug
    or old address. For a slug the author did not type: one they typed is checked, and a
    clash is reported, never renamed."""
    slug, number = base, 2
    while _slug_taken(slug, post):
        slug, number = f"{base}-{number}", number + 1
    return slug


def _validate_authors(data: PostData, errors: dict[str, str]) -> None:
    if not data.authors:
        return
    known = set(db.session.scalars(select(User.username).where(User.username.in_(data.authors))))
    unknown = [n for n in data.authors if n not in known]
    if unknown:
        names = ", ".join(f"“{n}”" for n in unknown)
        errors["authors"] = f"No author account is named {names}."


def _validate_series(data: PostData, post: Post | None, errors: dict[str, str]) -> None:
    is_page = post.is_page if post is not None else data.is_page
    if data.series and is_page:
        errors["series"] = "A page cannot be part of a series; only posts can."
    elif len(data.series) > 200:
        errors["series"] = "A series title can be at most 200 characters."
    if data.series_position is not None and not 1 <= data.series_position <= MAX_SERIES_POSITION:
        errors["series_position"] = (
            f"A part number is a whole number from 1 to {MAX_SERIES_POSITION}."
        )
    if not data.series:
        data.series_position = None
