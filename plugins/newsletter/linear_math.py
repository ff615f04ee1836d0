"""MathML as linear text for mail: ``<mfrac>a b</mfrac>`` becomes ``(a)/(b)``.

Most mail clients drop MathML (Gmail keeps only its text, so x² would read "x2"); a linear
form such as ``(a)/(b)^2`` reads correctly everywhere.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import ParseError, fromstring
from markupsafe import escape

MATH_RE = re.compile(r"<math\b.*?</math>", re.DOTALL)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _group(text: str) -> str:
    """``text`` in parentheses unless it is one symbol already."""
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def linear(node: Element) -> str:
    """The linear text of one MathML element."""
    tag = _local(node.tag)
    parts = [linear(child) for child in node]
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        return (node.text or "").strip()
    if tag == "mfrac" and len(parts) == 2:
        return f"{_group(parts[0])}/{_group(parts[1])}"
    if tag == "msup" and len(parts) == 2:
        return f"{parts[0]}^{_group(parts[1])}"
    if tag == "msub" and len(parts) == 2:
        return f"{parts[0]}_{_group(parts[1])}"
    if tag == "msubsup" and len(parts) == 3:
        return f"{parts[0]}_{_group(parts[1])}^{_group(parts[2])}"
    if tag == "msqrt":
        return f"√({''.join(parts)})"
    if tag == "mroot" and len(parts) == 2:
        return f"root{_group(parts[1])}({parts[0]})"
    if tag in ("munder", "mover", "munderover"):
        return " ".join(parts)
    if tag == "mtable":
        return "; ".join(parts)
    if tag == "mtr":
        return ", ".join(parts)
    return "".join(parts)


def math_fallback(html: str) -> str:
    """``html`` with every ``<math>`` replaced by its linear text in ``<code>``."""

    def replace(match: re.Match[str]) -> str:
        try:
            text = linear(fromstring(match.group(0)))
        except ParseError:
            text = re.sub(r"<[^>]+>", "", match.group(0))
        return f'<code class="math">{escape(text)}</code>'

    return MATH_RE.sub(replace, html)
