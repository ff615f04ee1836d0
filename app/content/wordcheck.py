"""Did the rendered post keep the author's words? A check for the editor to warn about.

The Markdown pipeline shows tags it refuses as text, so a post should never lose its words.
This check is the safety net for whatever still does (a Markdown extension from a plugin, a
raw HTML block that hides its text): it compares the distinct words of the source with
every word in the rendered HTML, text and attribute values alike, so that a link's address
or a heading's ``{#id}`` does not count as lost.
"""

from __future__ import annotations

import html as html_lib
import re

# A word: two or more letters (no digits: list numbers and footnote marks are markup).
WORD_RE = re.compile(r"[^\W\d_]{2,}")
# Markup in the source whose words never reach the page as text: tags, entities, embeds
# (their fragment stands in for them), the info string of a fenced code block, and TeX
# commands (a formula's \frac becomes MathML, not the word "frac").
SOURCE_MARKUP_RE = re.compile(
    r"<[^>\n]*>|&#?\w+;|\{\{<.*?>\}\}|^[ \t]*(?:`{3,}|~{3,})[^\n`]*$|\\[A-Za-z]+",
    re.MULTILINE,
)
# Warn when at least this share of the source's distinct words is missing...
NOTICEABLE_SHARE = 0.05
# ...and at least this many of them (one odd word is not worth a warning).
NOTICEABLE_COUNT = 2
EXAMPLES_SHOWN = 5


def words(text: str) -> set[str]:
    return {word.casefold() for word in WORD_RE.findall(text)}


def lost_words(source: str, rendered_html: str) -> tuple[str, ...]:
    """The distinct source words missing from ``rendered_html``, in source order, when
    they are a noticeable share of the source (else an empty tuple)."""
    source_words = WORD_RE.findall(SOURCE_MARKUP_RE.sub(" ", source))
    distinct = {word.casefold() for word in source_words}
    if not distinct:
        return ()
    kept = words(html_lib.unescape(rendered_html))
    missing = distinct - kept
    if len(missing) < max(NOTICEABLE_COUNT, NOTICEABLE_SHARE * len(distinct)):
        return ()
    seen: dict[str, None] = {}
    for word in source_words:
        if word.casefold() in missing:
            seen.setdefault(word.casefold(), None)
    return tuple(seen)


def describe_loss(lost: tuple[str, ...]) -> str:
    """One sentence for the author about ``lost`` (from ``lost_words``)."""
    shown = ", ".join(f"“{word}”" for word in lost[:EXAMPLES_SHOWN])
    more = f" and {len(lost) - EXAMPLES_SHOWN} more" if len(lost) > EXAMPLES_SHOWN else ""
    return (
        f"{len(lost)} different words of the text do not appear in the rendered post "
        f"({shown}{more}). "
        "Check the preview: some markup may be hiding them."
    )
