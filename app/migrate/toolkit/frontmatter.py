"""Reading a Markdown file's metadata: YAML, TOML, JSON or JavaScript-object front matter,
or Pelican's ``Key: value`` header.

- ``---`` ... ``---`` (or ``...``): YAML (Jekyll, Hugo, Eleventy, Pelican with a plugin);
  ``---yaml``, ``---json`` and ``---js`` open Eleventy's other kinds.
- ``+++`` ... ``+++``: TOML (Hugo, Zola), read with ``tomllib``.
- a first line ``{``: JSON up to the matching ``}`` line (Hugo).
- ``Title: ...`` lines up to the first blank line: Pelican's Markdown metadata (keys are
  case-insensitive; a value may continue on indented lines).

``split`` returns the metadata as a dict with its keys as written, and the body exactly as
it follows the closing line, leading blank lines included (export writes them back).
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml


class FrontMatterError(ValueError):
    """A file whose metadata cannot be read, with the reason in plain words."""


# YAML's aliases let a few hundred bytes stand for billions of values (an "alias bomb"):
# a document is refused when its values, each alias counted as all it stands for, pass this.
MAX_YAML_NODES = 100_000


class YamlTooLarge(yaml.YAMLError):
    """A YAML document with too many values once its aliases are expanded, or a loop."""


class LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a document expanding past ``MAX_YAML_NODES``."""

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            _weigh(node, {}, set())
        return node


def _weigh(node: yaml.Node, weights: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` stands for, aliases expanded (each distinct node weighed
    once, so this takes time in the size of the text, not of the expansion)."""
    key = id(node)
    if key in weights:
        return weights[key]
    if key in open_nodes:
        raise YamlTooLarge("the YAML refers to itself (a recursive alias)")
    open_nodes.add(key)
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_weigh(child, weights, open_nodes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_weigh(k, weights, open_nodes) + _weigh(v, weights, open_nodes)
                     for k, v in node.value)
    open_nodes.discard(key)
    if total > MAX_YAML_NODES:
        raise YamlTooLarge(f"the YAML stands for more than {MAX_YAML_NODES:,} values "
                           "once its aliases are expanded")
    weights[key] = total
    return total


def safe_yaml(text: str) -> Any:
    """``yaml.safe_load`` with the alias and size limit of ``LimitedLoader``; raises
    ``YamlTooLarge`` (a ``yaml.YAMLError``) past it."""
    return yaml.load(text, Loader=LimitedLoader)  # noqa: S506 - a SafeLoader subclass


PELICAN_KEY_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_ -]*?):[ \t]*(?P<value>.*)$")
FENCES = {"---": "yaml", "---yaml": "yaml", "---yml": "yaml", "---json": "json",
          "---js": "js", "---javascript": "js", "+++": "toml"}


def _closing_line(lines: list[str], closers: tuple[str, ...], kind: str) -> int:
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in closers:
            return index
    raise FrontMatterError(
        f"the {kind} front matter is not closed by a line {closers[0]!r}"
    )


def _load(kind: str, raw: str) -> Any:
    if kind == "yaml":
        try:
            return safe_yaml(raw) or {}
        except YamlTooLarge as exc:
            raise FrontMatterError(f"the front matter is refused: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 2})" if mark else ""
            raise FrontMatterError(f"invalid YAML in the front matter{where}") from exc
        except ValueError as exc:  # a date YAML reads but the calendar lacks: 2019-02-30
            raise FrontMatterError(f"a value in the front matter is not a date: {exc}") from exc
    if kind == "toml":
        try:
            return tomllib.loads(raw)
        except (tomllib.TOMLDecodeError, ValueError) as exc:
            raise FrontMatterError(f"invalid TOML in the front matter: {exc}") from exc
    if kind == "json":
        try:
            return json.loads(raw or "{}")
        except ValueError as exc:
            raise FrontMatterError(f"invalid JSON in the front matter: {exc}") from exc
    return _load_js(raw)


def _load_js(raw: str) -> Any:
    """Eleventy's ``---js`` front matter, when it is a plain object literal (or
    ``export const`` / ``const`` constants). JavaScript that must run to give its values
    (functions, computed values) cannot be read without running it, and is refused."""
    text = raw.strip().rstrip(";")
    if not text.startswith("{"):
        consts = re.findall(
            r"^\s*(?:export\s+)?(?:const|let|var)\s+(\w+)\s*=\s*(.+?);?\s*$", raw, re.M
        )
        if not consts:
            raise FrontMatterError("the ---js front matter is not an object literal")
        text = "{" + ", ".join(f"{name}: {value}" for name, value in consts) + "}"
    try:
        # A JavaScript object literal of plain values is a YAML flow mapping.
        value = safe_yaml(re.sub(r",(\s*[}\]])", r"\1", text))
    except yaml.YAMLError as exc:
        raise FrontMatterError(
            "the ---js front matter holds code, not plain values: give them as ---yaml"
        ) from exc
    return value


JS_EXPORT_RE = re.compile(r"^\s*(?:module\.exports\s*=|export\s+default)\s*", re.M)


def read_js_data(text: str) -> dict:
    """An Eleventy JavaScript data file (``posts.11tydata.js``) that exports a plain object
    (``module.exports = {...}`` or ``export default {...}``), as a dict. One that exports a
    function or values computed by code cannot be read without running it, and raises
    ``FrontMatterError`` with that reason."""
    lines = [line for line in text.splitlines()
             if not line.strip().startswith("//") and line.strip() not in ('"use strict";',
                                                                           "'use strict';")]
    text = "\n".join(lines)
    found = JS_EXPORT_RE.search(text)
    if found is None:
        raise FrontMatterError("exports nothing pressmark can read (no module.exports or "
                               "export default of an object)")
    value = text[found.end():].strip().rstrip(";").strip()
    if not value.startswith("{"):
        raise FrontMatterError("exports code (a function), not plain values")
    try:
        data = _load_js(value)
    except FrontMatterError:
        raise FrontMatterError("holds code, not plain values") from None
    if not isinstance(data, dict):
        raise FrontMatterError("does not export an object")
    return data


def pelican_header(lines: list[str]) -> tuple[dict, int] | None:
    """Pelican's ``Key: value`` lines at the top, up to a blank line; None if absent."""
    meta: dict[str, str] = {}
    key = None
    for index, line in enumerate(lines):
        if not line.strip():
            return (meta, index + 1) if meta else None
        match = PELICAN_KEY_RE.match(line.rstrip("\n"))
        if match and not line[0].isspace():
            key = match.group("key").strip().lower()
            meta[key] = match.group("value").strip()
        elif key is not None and line[:1] in (" ", "\t"):
            meta[key] = (meta[key] + " " + line.strip()).strip()
        else:
            return None
    return (meta, len(lines)) if meta else None


def split(text: str) -> tuple[dict, str, str]:
    """``(metadata, body, kind)`` of a Markdown file; kind is yaml/toml/json/js/pelican/none.

    A file without any metadata gives ``({}, text, "none")``. Raises ``FrontMatterError``
    for metadata that opens but cannot be read.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    first = lines[0].strip() if lines else ""
    if first in FENCES:
        kind = FENCES[first]
        closers = ("+++",) if kind == "toml" else ("---", "...")
        end = _closing_line(lines, closers, kind.upper() if kind != "js" else "JavaScript")
        meta = _load(kind, "".join(lines[1:end]))
        body = "".join(lines[end + 1 :])
    elif first == "{":
        end = next((i for i, line in enumerate(lines) if line.rstrip() == "}"), None)
        if end is None:
            raise FrontMatterError("the JSON front matter is not closed by a line '}'")
        meta = _load("json", "".join(lines[: end + 1]))
        kind, body = "json", "".join(lines[end + 1 :])
    else:
        header = pelican_header(lines)
        if header is None:
            return {}, text, "none"
        meta, start = header
        kind, body = "pelican", "".join(lines[start:])
    if not isinstance(meta, dict):
        raise FrontMatterError("the front matter must be a mapping of keys to values")
    return meta, body, kind
