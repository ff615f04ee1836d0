"""Comparing versions of a post: field snapshots and readable diffs.

A *snapshot* is a plain dict of the fields an author edits, taken from a post, a revision
or the editor's form data, in one normal form (newlines as ``\\n``, tags as a
comma-separated string, topic as its slug), so any two can be compared or diffed.
Diffs come out as data (``FieldChange``, ``DiffHunk``); the templates render them as
tables whose every change is labelled in words, never by colour alone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pressmark.content.models import Post, Revision
    from pressmark.content.store import PostData

# Snapshot keys in display order, with the labels the author sees.
FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "slug": "Slug",
    "summary": "Summary",
    "topic": "Topic",
    "tags": "Tags",
    "featured": "Featured",
    "status": "Status",
    "published_at": "Publish date (UTC)",
    "body": "Body",
}
# Fields that hold the author's words; status and date change through explicit actions.
CONTENT_FIELDS = ("title", "slug", "summary", "topic", "tags", "featured", "body")
CONTEXT_LINES = 3

Snapshot = dict[str, Any]


def normalise_newlines(text: str | None) -> str:
    """Browsers submit textareas with CRLF; store and compare with LF only."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _seconds(value: datetime | None) -> datetime | None:
    return value.replace(microsecond=0) if value else None


def of_post(post: Post) -> Snapshot:
    return {
        "title": post.title,
        "slug": post.slug,
        "summary": post.summary or "",
        "topic": post.topic.slug if post.topic else "",
        "tags": ", ".join(t.name for t in post.tags),
        "featured": bool(post.featured),
        "status": post.status,
        "published_at": _seconds(post.published_at),
        "body": normalise_newlines(post.body),
    }


def of_revision(revision: Revision) -> Snapshot:
    return {
        "title": revision.title,
        "slug": revision.slug,
        "summary": revision.summary or "",
        "topic": revision.topic_slug or "",
        "tags": ", ".join(t for t in (revision.tags or "").split(",") if t),
        "featured": bool(revision.featured),
        "status": revision.status,
        "published_at": _seconds(revision.published_at),
        "body": normalise_newlines(revision.body),
    }


def of_data(data: PostData) -> Snapshot:
    return {
        "title": (data.title or "").strip(),
        "slug": (data.slug or "").strip(),
        "summary": (data.summary or "").strip(),
        "topic": data.topic or "",
        "tags": ", ".join(data.tags),
        "featured": bool(data.featured),
        "status": data.status,
        "published_at": _seconds(data.published_at),
        "body": normalise_newlines(data.body),
    }


def same_content(a: Snapshot, b: Snapshot) -> bool:
    """True when the author's words and settings agree (status and date aside)."""
    return all(a[k] == b[k] for k in CONTENT_FIELDS)


def display(key: str, value: Any) -> str:
    """A field value as the author reads it."""
    if key == "featured":
        return "Yes" if value else "No"
    if key == "published_at":
        return value.strftime("%Y-%m-%d %H:%M:%S") if value else "(not set)"
    if value in ("", None):
        return "(empty)"
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: str
    after: str


def field_changes(old: Snapshot, new: Snapshot) -> list[FieldChange]:
    """The fields (other than the body) whose values differ, in display order."""
    return [
        FieldChange(key, label, display(key, old[key]), display(key, new[key]))
        for key, label in FIELD_LABELS.items()
        if key != "body" and old[key] != new[key]
    ]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed" or "added"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class DiffHunk:
    old_start: int
    new_start: int
    lines: list[DiffLine]

    @property
    def heading(self) -> str:
        return f"From line {self.old_start} (before) and line {self.new_start} (after)"


@dataclass(frozen=True)
class BodyDiff:
    hunks: list[DiffHunk]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def body_diff(old: str, new: str, context: int = CONTEXT_LINES) -> BodyDiff:
    """A line diff of two bodies, grouped into hunks with ``context`` unchanged lines."""
    a, b = normalise_newlines(old).split("\n"), normalise_newlines(new).split("\n")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks, added, removed = [], 0, 0
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", i1 + n + 1, j1 + n + 1, a[i1 + n]) for n in range(i2 - i1)
                ]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
                removed += i2 - i1
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
                added += j2 - j1
        first = group[0]
        hunks.append(DiffHunk(old_start=first[1] + 1, new_start=first[3] + 1, lines=lines))
    return BodyDiff(hunks=hunks, added=added, removed=removed)


@dataclass(frozen=True)
class Comparison:
    """Everything a page needs to show how ``new`` differs from ``old``."""

    fields: list[FieldChange]
    body: BodyDiff

    @property
    def changed(self) -> bool:
        return bool(self.fields) or self.body.changed


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    return Comparison(fields=field_changes(old, new), body=body_diff(old["body"], new["body"]))
