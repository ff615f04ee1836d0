"""TeX formulas in Markdown, rendered to MathML when a post is saved.

Readers' browsers draw MathML natively, so math needs no script, no web font from another
host and no exception in the Content-Security-Policy.

Syntax (the usual one of Pandoc, MathJax and KaTeX):

- inline: ``$...$`` and ``\\(...\\)``;
- display: ``$$...$$`` and ``\\[...\\]``, alone in their paragraph or inside one.

So that prices in prose stay text, a ``$`` opens a formula only when a non-space follows it,
and closes one only when a non-space precedes it and no digit follows it (``$20 and $30``
is text). ``\\$`` is always a literal dollar sign. Code spans and code blocks are never
touched: fenced code is stashed before this runs, indented code is a block of its own, and
code spans are matched (priority 190) before formulas (185).

A formula that does not parse is shown as its TeX source in a code span with the class
``math-error`` (its ``title`` says why); ``Rendered.problems`` lists each for the editor.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from latex2mathml.converter import convert
from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markupsafe import escape

# The elements and attributes latex2mathml emits, for the sanitiser's allowlist. Left out
# on purpose: ``style`` (from \style; the CSP forbids inline styles) and ``href`` (\href).
MATHML_TAGS = frozenset({
    "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot",
    "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext",
    "mtr", "munder", "munderover",
})
MATHML_ATTRIBUTES = frozenset({
    "accent", "columnalign", "columnlines", "columnspacing", "depth", "displaystyle", "fence",
    "form", "height", "largeop", "linebreak", "linethickness", "lspace", "mathbackground",
    "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits", "notation",
    "rowlines", "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "voffset",
    "width",
})
MATHML_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS
}
MATHML_ALLOWED_ATTRIBUTES["math"] |= {"xmlns", "display", "alttext"}

# Inline formulas never contain Python-Markdown's placeholders (\x02...\x03, a stashed code
# span): a "$" before a code span and another after it are not one formula.
_BODY = r"[^\x02\x03]"
INLINE_DOLLAR = (
    r"(?<![\\$\w])\$(?![\s$])(?P<tex>" + _BODY + r"+?)(?<![\s\\])\$(?![\d$])"
)
DISPLAY_DOLLAR = r"(?<![\\$])\$\$(?P<tex>" + _BODY + r"+?)(?<!\\)\$\$"
INLINE_PAREN = r"(?<!\\)\\\((?P<tex>" + _BODY + r"+?)(?<!\\)\\\)"
DISPLAY_BRACKET = r"(?<!\\)\\\[(?P<tex>" + _BODY + r"+?)(?<!\\)\\\]"
UNKNOWN_COMMAND_RE = re.compile(r"<mi>\\([A-Za-z]+)</mi>")
# Digits grouped by commas in TeX ("131,072") come out of latex2mathml as a number, a comma
# operator (with spacing after it) and a number: "131, 072". One <mn> keeps them together.
_COMMA = r"(?:<mo>&#x0002C;</mo>|<mrow><mo>&#x0002C;</mo></mrow>)"
GROUPED_NUMBER_RE = re.compile(r"<mn>(\d{1,3})</mn>((?:" + _COMMA + r"<mn>\d{3}</mn>)+)"
                               r"(?!<mo>&#x0002C;</mo><mn>)")
_GROUP_RE = re.compile(_COMMA + r"<mn>(\d{3})</mn>")


def _join_grouped_numbers(mathml: str) -> str:
    return GROUPED_NUMBER_RE.sub(
        lambda m: "<mn>" + m.group(1) + "".join("," + g for g in _GROUP_RE.findall(m.group(2)))
        + "</mn>", mathml)
# latex2mathml's exceptions carry no message; their names say what went wrong.
CONVERTER_ERRORS = {
    "NumeratorNotFoundError": "a fraction has no numerator",
    "DenominatorNotFoundError": "a fraction has no denominator",
    "ExtraLeftOrMissingRightError": "a \\left has no matching \\right",
    "MissingSuperScriptOrSubscriptError": "a ^ or _ has nothing after it",
    "DoubleSubscriptsError": "two subscripts in a row; group them with braces",
    "DoubleSuperscriptsError": "two superscripts in a row; group them with braces",
    "NoAvailableTokensError": "it ends too early (a brace or environment is not closed)",
    "InvalidStyleForGenfracError": "\\genfrac has an invalid style",
    "MissingEndError": "a \\begin has no matching \\end",
    "InvalidAlignmentError": "an array has an invalid column alignment",
    "InvalidWidthError": "a width is invalid",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator",
}


class MathError(ValueError):
    """A formula latex2mathml cannot read; the message is for the author."""


def tex_to_mathml(tex: str, display: bool = False) -> str:
    """``tex`` as a MathML ``<math>`` element; raise ``MathError`` if it does not parse.

    An unknown command (``\\frak``) is an error too, though latex2mathml would print it.
    """
    source = tex.strip()
    if not source:
        raise MathError("The formula is empty.")
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - the converter raises many types, all "bad TeX"
        detail = CONVERTER_ERRORS.get(type(exc).__name__) or str(exc) or type(exc).__name__
        raise MathError(f"The TeX could not be read: {detail}.") from exc
    unknown = UNKNOWN_COMMAND_RE.search(mathml)
    if unknown:
        raise MathError(f"Unknown command \\{unknown.group(1)}.")
    # The TeX travels with the formula (MathML's alttext): plain-text views of the post
    # (search snippets, feeds' text, screen readers without MathML) read the source.
    alttext = str(escape(" ".join(source.split())))
    mathml = re.sub(r"^(<math\b[^>]*)>", lambda m: f'{m.group(1)} alttext="{alttext}">', mathml,
                    count=1)
    return _join_grouped_numbers(mathml)


class MathRenderer:
    """Turns each formula of one document into MathML, collecting the problems."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def html(self, tex: str, source: str, display: bool) -> str:
        try:
            mathml = tex_to_mathml(tex, display)
        except MathError as exc:
            message = f"Formula {source.strip()} was not rendered: {exc}"
            self.problems.append(message)
            code = f'<code class="math-error" title="{escape(message)}">{escape(source)}</code>'
            return f'<p class="math-display">{code}</p>' if display else code
        return f'<div class="math-display">{mathml}</div>' if display else mathml


class _InlineMath(InlineProcessor):
    def __init__(self, pattern: str, md: Markdown, renderer: MathRenderer, display: bool):
        super().__init__(pattern, md)
        self.renderer = renderer
        self.display = display

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 - Python-Markdown's API name
        # Display math inside a paragraph stays phrasing content: <math display="block">.
        html = self.renderer.html(m.group("tex"), m.group(0), display=False)
        if self.display:
            html = html.replace('display="inline"', 'display="block"', 1)
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


class _DisplayMathBlock(BlockProcessor):
    """A paragraph that starts with ``$$`` or ``\\[``: the formula, up to its closing
    delimiter (blank lines allowed), becomes a block of its own, so lines in it that look
    like list items or headings stay TeX."""

    CLOSERS = {"$$": "$$", "\\[": "\\]"}

    def __init__(self, parser, renderer: MathRenderer):
        super().__init__(parser)
        self.renderer = renderer

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.startswith(tuple(self.CLOSERS))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        opener = blocks[0][:2]
        closer = self.CLOSERS[opener]
        text, used = blocks[0][2:], 1
        end = text.find(closer)
        while end == -1 and used < len(blocks):
            text += "\n\n" + blocks[used]
            used += 1
            end = text.find(closer)
        if end == -1:
            return False  # no closing delimiter: an ordinary paragraph
        line_rest, _, after = text[end + 2 :].partition("\n")
        if line_rest.strip():
            return False  # text follows on the closing line: inline display math
        source = opener + text[: end + 2]
        del blocks[:used]
        if after.strip():
            blocks.insert(0, after)
        html = self.renderer.html(text[:end], source, display=True)
        placeholder = etree.SubElement(parent, "p")
        placeholder.text = self.parser.md.htmlStash.store(html)
        return None


class MathExtension(Extension):
    """Registers the formula syntax on one ``Markdown`` instance."""

    def __init__(self, renderer: MathRenderer):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "$"]
        # A paragraph holding only an inline formula keeps its <p> (Python-Markdown would
        # take a lone <math> for a block of raw HTML).
        md.block_level_elements = [e for e in md.block_level_elements if e != "math"]
        # After code (80), so indented code keeps its dollars; before tables and lists.
        md.parser.blockprocessors.register(
            _DisplayMathBlock(md.parser, self.renderer), "math_display", 78
        )
        # Below code spans (190), above backslash escapes (180), which would eat "\(".
        patterns = (
            (DISPLAY_DOLLAR, True, "math_display_dollar", 188),
            (DISPLAY_BRACKET, True, "math_display_bracket", 187),
            (INLINE_PAREN, False, "math_inline_paren", 186),
            (INLINE_DOLLAR, False, "math_inline_dollar", 185),
        )
        for pattern, display, name, priority in patterns:
            md.inlinePatterns.register(
                _InlineMath(pattern, md, self.renderer, display), name, priority
            )
