"""Turning what a reader typed into a safe, backend-neutral search query.

Anything goes in; nothing raises. The syntax is the one search boxes have taught people:

- words: every word must appear (``kv cache``);
- ``"exact phrase"`` in double quotes (an unclosed quote runs to the end);
- ``quant*``: words starting with ``quant``;
- ``-word`` or ``-"a phrase"`` (or ``NOT word``): leave out posts that have it;
- ``a OR b``: either word.

Everything else (stray operators, brackets, ``NEAR(``, ``AND``) is just text: it is
searched for as words, or dropped when it holds no letter or digit. Control characters are
removed and very long input is cut, with a note saying so. The backends compile the
result: each term becomes a quoted FTS5 string or a ``websearch_to_tsquery`` argument, so
no user text is ever read as query syntax.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 200
MAX_TERMS = 12

# A phrase (optionally negated, optionally unclosed) or a run of non-space, non-quote text.
TOKEN_RE = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)')
WORDISH_RE = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Term:
    """One thing to look for: a word or a phrase, maybe a prefix, maybe excluded."""

    text: str
    phrase: bool = False
    prefix: bool = False
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """What to search for: every group must match; a group matches when any of its terms
    does; no ``excluded`` term may match. ``notes`` explain what was changed or ignored."""

    text: str
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to search for (the page shows hints instead)."""
        return not self.groups


def clean(raw: str) -> str:
    """Normalise Unicode, turn control and format characters into spaces, squeeze spaces."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(text.split())


def parse(raw: str) -> Query:
    """Parse user input into a ``Query``. Never raises."""
    notes: list[str] = []
    text = clean(raw)
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rstrip()
        notes.append(f"Your search was long, so only its first {MAX_QUERY_CHARS} characters "
                     "were used.")
    items: list[Term | str] = []  # terms, and the string "OR" where one was written
    negate_next = False
    for match in TOKEN_RE.finditer(text):
        if match.group("word") is not None:
            word = match.group("word")
            if word in ("OR", "or", "|"):
                items.append("OR")
                continue
            if word == "AND":
                continue  # words are ANDed anyway
            if word == "NOT":
                negate_next = True
                continue
            term = _word_term(word)
        else:
            term = Term(match.group("phrase").strip(), phrase=True, negated=bool(match["neg"]))
        if term is None or not WORDISH_RE.search(term.text):
            continue  # nothing searchable: "-", "*", "(", "..."
        if negate_next:
            term = Term(term.text, term.phrase, term.prefix, negated=True)
            negate_next = False
        items.append(term)
    positions = [i for i, item in enumerate(items) if isinstance(item, Term)]
    if len(positions) > MAX_TERMS:
        notes.append(f"Only the first {MAX_TERMS} words or phrases were used.")
        items = items[: positions[MAX_TERMS - 1] + 1]
    groups, excluded = _group(items)
    if not groups and excluded:
        notes.append("A search cannot only leave words out: add a word to look for.")
        excluded = []
    return Query(text=text, groups=tuple(groups), excluded=tuple(excluded), notes=tuple(notes))


def _word_term(word: str) -> Term | None:
    negated = word.startswith("-") and len(word) > 1
    word = word.lstrip("-") if negated else word
    prefix = word.endswith("*")
    word = word.rstrip("*")
    if not word:
        return None
    return Term(word, phrase=False, prefix=prefix, negated=negated)


def _group(items: list[Term | str]) -> tuple[list[tuple[Term, ...]], list[Term]]:
    """Join terms written ``a OR b`` into one group; an OR with no term on a side is
    ignored, and excluded terms never join a group."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False
    for item in items:
        if item == "OR":
            joining = bool(groups)
            continue
        assert isinstance(item, Term)
        if item.negated:
            excluded.append(item)
            joining = False
        elif joining:
            groups[-1].append(item)
            joining = False
        else:
            groups.append([item])
    return [tuple(g) for g in groups], excluded
