"""Nested lists the way CommonMark reads them, for Python-Markdown.

Python-Markdown nests a list item only when it is indented by four spaces, so the
two-space nesting that Hugo, Jekyll, Eleventy, GitHub and most editors write comes out
flat. CommonMark's rule is relative instead: a line belongs inside a list item when it is
indented at least as far as the item's text starts (two columns after ``- ``, three after
``1. ``). Extensions with a fixed indent (``mdx_truly_sane_lists``' ``nested_indent``)
break the four-space lists already written for Python-Markdown, so this preprocessor
applies CommonMark's rule itself: it finds each line's list depth that way and rewrites
the indentation to the four spaces per level that Python-Markdown expects. Lines outside
lists, and fenced code (already set aside by ``fenced_code``), are left as they are.
"""

from __future__ import annotations

import re

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

# A list item: indentation, marker ("-", "*", "+", "1." or "1)"), then space or the end.
ITEM_RE = re.compile(r"^(?P<indent> *)(?P<marker>[*+-]|\d{1,9}[.)])(?P<gap> +|$)(?P<rest>.*)$")
# Python-Markdown's indent for one level of nesting.
LEVEL = 4


def _content_column(indent: int, marker: str, gap: str) -> int:
    """Where an item's text starts. CommonMark: a gap of five or more spaces (or none)
    counts as one, the rest being indented code inside the item."""
    width = len(gap) if 1 <= len(gap) <= 4 else 1
    return indent + len(marker) + width


def reindent_lists(lines: list[str]) -> list[str]:
    """``lines`` with every list's nesting expressed as four spaces per level."""
    out: list[str] = []
    # Content columns of the open list items, outermost first.
    open_items: list[int] = []
    previous_blank = True
    previous_item = False
    # A blank line inside the open list: it is loose, and a block other than the first
    # paragraph has begun inside an item.
    loose = False
    for line in lines:
        if not line.strip():
            out.append(line)
            previous_blank = True
            loose = loose or bool(open_items)
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = ITEM_RE.match(line)
        if item and (open_items or indent < LEVEL):
            while open_items and indent < open_items[-1]:
                open_items.pop()
            if loose and not previous_blank and not previous_item:
                # Python-Markdown would read the item as a lazy line of the block above;
                # in a loose list a blank line before it changes nothing else.
                out.append("")
            depth = len(open_items)
            marker, rest = item.group("marker"), item.group("rest")
            out.append(" " * (LEVEL * depth) + marker + (" " + rest if rest else ""))
            open_items.append(_content_column(indent, marker, item.group("gap")))
            previous_blank, previous_item = False, True
            continue
        if open_items and not previous_blank and indent < open_items[-1]:
            # A lazy continuation line of the paragraph above: Python-Markdown keeps it.
            out.append(line)
        else:
            while open_items and indent < open_items[-1]:
                open_items.pop()
            if open_items:
                extra = indent - open_items[-1]
                out.append(" " * (LEVEL * len(open_items) + extra) + line.lstrip(" "))
            else:
                out.append(line)
                loose = False
        previous_blank = previous_item = False
    return out


class _ListIndentPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return reindent_lists(lines)


class CommonMarkListIndentExtension(Extension):
    """Registers the preprocessor after ``fenced_code`` (25) has set code blocks aside and
    after tabs are expanded (``normalize_whitespace``, 30)."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.preprocessors.register(_ListIndentPreprocessor(md), "commonmark_list_indent", 22)
