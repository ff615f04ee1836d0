"""A Markdown extension that prepares the calculators' embeds before they are rendered.

An embed handler sees only its own parameters, so this pass, which sees the whole post,
hands over what the handlers need:

- a ``chart`` embed gets its data as ``csv=`` (URL-encoded): the CSV lines between
  ``{{< chart … >}}`` and ``{{< /chart >}}``, or else the Markdown table just above it;
- ``calc`` embeds with the same ``chain=NAME`` feed each other in the order they appear:
  a later calculator takes the earlier ones' preset choices (``model``, ``gpu``...) and
  their keyed results (``kv_kib``, ``tokens_per_s``...) for the inputs it does not set
  itself. The values are computed here, by the same ``evaluate``, so the page shows
  consistent numbers without JavaScript; ``calculators.js`` repeats the feeding live.
"""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import quote

from flask import current_app
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from pressmark.plugins.calculators.base import evaluate
from pressmark.plugins.calculators.registry import calculators

EMBED_LINE_RE = re.compile(
    r"^ {0,3}\{\{<\s*(?P<name>chart|calc)(?P<args>(?:\s+[^>]*?)?)\s*>\}\}\s*$"
)
CLOSE_RE = re.compile(r"^ {0,3}\{\{<\s*/chart\s*>\}\}\s*$")
ARG_RE = re.compile(r"""([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))|(\S+)""")
SEPARATOR_RE = re.compile(r"^:?-+:?$")
MAX_BLOCK_LINES = 500
# After fenced code (25) and the stray-tag pass (22), before raw HTML blocks (20) and the
# embeds themselves (15).
PRIORITY = 21


def embed_params(args: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, dq, sq, plain, word in ARG_RE.findall(args):
        if word:
            params["_"] = f"{params.get('_', '')} {word}".strip()
        else:
            params[key] = dq or sq or plain
    return params


def with_params(line: str, extra: dict[str, str]) -> str:
    """``line`` (one embed) with ``extra`` parameters added before its closing ``>}}``."""
    added = "".join(f' {key}="{value}"' for key, value in extra.items())
    head, _, tail = line.rpartition(">}}")
    return f"{head.rstrip()}{added} >}}}}{tail}"


def split_cells(line: str) -> list[str]:
    """A table row's cells as plain text: no emphasis marks, inline tags or entities."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    plain = (re.sub(r"<[^>]*>|[*`]", "", c).replace("\\|", "|") for c in cells)
    return [html.unescape(c).strip() for c in plain]


def table_above(lines: list[str]) -> str:
    """The Markdown table ending just above (at most one blank line between), as CSV."""
    end = len(lines)
    if end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and lines[start - 1].lstrip().startswith("|"):
        start -= 1
    rows = [split_cells(line) for line in lines[start:end]]
    rows = [r for r in rows if not all(SEPARATOR_RE.match(c) for c in r if c)]
    if len(rows) < 2:
        return ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def csv_block(lines: list[str], start: int) -> int | None:
    """The index of the ``{{< /chart >}}`` closing a CSV block at ``start``, if any: the
    block is the unbroken run of non-blank lines after the embed."""
    for index in range(start, min(len(lines), start + MAX_BLOCK_LINES)):
        if CLOSE_RE.match(lines[index]):
            return index
        if not lines[index].strip():
            return None
    return None


class CalculatorPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        chains: dict[str, dict[str, dict[str, str]]] = {}
        index = 0
        while index < len(lines):
            line = lines[index]
            match = EMBED_LINE_RE.match(line)
            index += 1
            if not match:
                out.append(line)
                continue
            params = embed_params(match.group("args") or "")
            if match.group("name") == "chart" and "csv" not in params:
                close = csv_block(lines, index)
                data = "\n".join(lines[index:close]) if close is not None else table_above(out)
                if close is not None:
                    index = close + 1
                if data.strip():
                    line = with_params(line, {"csv": quote(data, safe="")})
            elif match.group("name") == "calc" and params.get("chain"):
                line = self.chained(line, params, chains.setdefault(params["chain"], {}))
            out.append(line)
        return out

    def chained(self, line: str, params: dict[str, str], chain: dict) -> str:
        """Feed this calculator from the chain so far, and record what it feeds onwards."""
        name = params.get("_", "").split(" ")[0].lower()
        calc = calculators(current_app).get(name)
        if calc is None:
            return line
        presets, feeds = chain.setdefault("presets", {}), chain.setdefault("feeds", {})
        extra = {g.name: presets[g.name] for g in calc.presets
                 if g.name not in params and g.name in presets}
        extra |= {i.name: feeds[i.name] for i in calc.inputs
                  if i.name not in params and i.name in feeds}
        evaluation = evaluate(calc, {k: v for k, v in (params | extra).items() if k != "_"})
        for group in calc.presets:
            if evaluation.presets.get(group.name):
                presets[group.name] = evaluation.presets[group.name]
        for result in evaluation.results:
            if result.key:
                feeds[result.key] = format(result.feed_value, ".6g")
        return with_params(line, extra) if extra else line


class CalculatorExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.preprocessors.register(CalculatorPreprocessor(md), "pressmark_calculators", PRIORITY)
