"""The value helpers of a post's fields: tidying what was typed or imported (newlines,
tags, account names, dates) and finding or creating what a field names (a topic, tags, a
series). Used by the field kinds (``field_kinds``) and by importers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pressmark.content.models import (
    Post,
    Series,
    Tag,
    Topic,
    slugify,
    tag_display_name,
    tag_slug,
)
from pressmark.extensions import db
from sqlalchemy import func, select


def normalise_newlines(text: str | None) -> str:
    """Browsers submit textareas with CRLF; store and compare with LF only."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def normalise_tags(names: list[str]) -> list[str]:
    """Tag display names, tidied, one per slug ("Python" and "python" are one tag), in the
    order given."""
    seen: dict[str, str] = {}
    for name in names:
        display = tag_display_name(name)
        slug = tag_slug(display)
        if slug and slug not in seen:
            seen[slug] = display
    return list(seen.values())


def split_tags(raw: str) -> list[str]:
    """Comma-separated tag names as typed -> a list (not yet normalised)."""
    return [t.strip() for t in (raw or "").split(",") if t.strip()]


def format_datetime_local(value: datetime | None) -> str:
    """A stored UTC time as a ``datetime-local`` value (seconds only when there are any)."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")


def parse_datetime_local(raw: str) -> datetime | None:
    """``2026-03-10T09:00`` (or with seconds, or a space) -> naive UTC; "" -> None.

    Raises ``ValueError`` for anything else.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    value = datetime.fromisoformat(raw.replace(" ", "T"))
    if value.tzinfo is not None:
        raise ValueError("no time zone")
    if not 1900 <= value.year <= 9999:
        raise ValueError("year out of range")
    return value.replace(microsecond=0)


def front_matter_datetime(value: Any, key: str) -> datetime | None:
    """A front-matter date as a naive UTC datetime; ``ValueError`` names ``key``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{key!r} is not a date: {value!r}") from exc
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def front_matter_list(value: Any, key: str) -> list[str]:
    """A front-matter list, or a comma-separated string; ``ValueError`` names ``key``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ValueError(f"{key!r} must be a list")


def get_or_create_topic(slug: str) -> Topic:
    """The topic with ``slug``, created (named after its slug) when there is none."""
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        topic = Topic(slug=slug, name=slug.replace("-", " ").title(), description="")
        db.session.add(topic)
    return topic


def get_or_create_tags(names: list[str]) -> list[Tag]:
    """The tags for display ``names``, found by slug, in that order; a missing tag is
    created with the name as given."""
    slugs = [tag_slug(name) for name in names]
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs)))}
    tags = []
    for name, slug in zip(names, slugs, strict=True):
        tag = existing.get(slug)
        if tag is None:
            tag = existing[slug] = Tag(slug=slug, name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def get_or_create_series(title: str) -> Series:
    """The series called ``title`` (ignoring case), or a new one with a slug made from it."""
    series = db.session.scalar(select(Series).where(func.lower(Series.title) == title.lower()))
    if series is None:
        base = slugify(title) or "series"
        slug, n = base, 2
        while db.session.scalar(select(Series.id).where(Series.slug == slug)) is not None:
            slug, n = f"{base}-{n}", n + 1
        series = Series(slug=slug, title=title)
        db.session.add(series)
    return series


def next_series_position(series: Series, post: Post) -> int:
    """The part number after the series' last part, other than ``post`` (1 when new)."""
    if series.id is None:
        return 1
    query = select(func.max(Post.series_position)).where(Post.series_id == series.id)
    if post.id is not None:
        query = query.where(Post.id != post.id)
    return (db.session.scalar(query) or 0) + 1


def normalise_usernames(names: list[str]) -> list[str]:
    """Account names as stored (lowercase), unique, in the order given."""
    seen: list[str] = []
    for name in names:
        username = str(name).strip().lower()
        if username and username not in seen:
            seen.append(username)
    return seen
