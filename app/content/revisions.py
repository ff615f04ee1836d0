"""Comparing versions of a post: readable diffs of two snapshots.

A *snapshot* (``pressmark.content.postdata``) is a plain dict of the fields an author
edits, in one normal form, so any two can be compared. Diffs come out as data
(``FieldChange``, ``DiffHunk``); the templates render them as tables whose every change
is labelled in words, never by colour alone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from pressmark.content.postdata import FIELD_LABELS, Snapshot, display, normalise_newlines

CONTEXT_LINES = 3


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
