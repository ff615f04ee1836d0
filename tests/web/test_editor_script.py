"""The editor's script as the server serves it: ES modules under static/editor/, no build
step, loaded with type="module" under the strict CSP, within the size limits, and given
the post form's field list through the form's data-fields."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pressmark.content.postdata import FORM_FIELDS

from tests.web.test_editor import author  # noqa: F401

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
MODULES = sorted((STATIC / "editor").glob("*.js"))
SCRIPTS = [*MODULES, STATIC / "code-copy.js"]
# Inputs of the post form that are not post fields: the request's own and the uploads'.
# Controls that are not fields of the post: the form's own, the upload pickers, and the
# newsletter plugin's choice that goes with the Publish action ("publish and send").
NOT_FIELDS = {"csrf_token", "version", "action", "image", "image_alt", "cover_file",
              "newsletter"}


class FormControls(HTMLParser):
    """The post form's data-fields and the names of its controls."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.fields: list[str] = []
        self.names: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "form" and attributes.get("id") == "post-form":
            self.in_form = True
            self.fields = json.loads(attributes["data-fields"])
        elif self.in_form and tag in ("input", "textarea", "select", "button") and (
            attributes.get("name")
        ):
            self.names.add(attributes["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def function_lengths(source: str) -> list[tuple[int, int]]:
    """(first line, length in lines) of every function whose body opens at the end of a
    line (``function … {`` or ``=> {``), found by counting braces: the modules are written
    in that style, and their strings and regular expressions hold no unmatched brace."""
    lines = source.split("\n")
    found = []
    for start, line in enumerate(lines):
        if not re.search(r"(\bfunction\b[^{]*|=>\s*)\{\s*$", line):
            continue
        depth = 0
        for end in range(start, len(lines)):
            depth += lines[end].count("{") - lines[end].count("}")
            if depth <= 0:
                break
        found.append((start + 1, end - start + 1))
    return found


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_each_module_is_short_and_its_functions_shorter(path):
    source = path.read_text()
    assert source.count("\n") <= 450, f"{path.name} is over 450 lines"
    lengths = function_lengths(source)
    assert lengths, "no function found: the counting no longer matches the code"
    long = [(line, n) for line, n in lengths if n > 60]
    assert not long, f"{path.name}: functions over 60 lines at {long}"


def test_every_import_is_a_file_served_as_it_is():
    for path in MODULES:
        for target in re.findall(r'^import .* from "(\./[^"]+)";$', path.read_text(), re.M):
            assert (path.parent / target).is_file(), f"{path.name} imports missing {target}"
    main = (STATIC / "editor" / "main.js").read_text()
    imported = set(re.findall(r'from "\./([^"]+)"', main))
    imported |= {t for p in MODULES for t in re.findall(r'from "\./([^"]+)"', p.read_text())}
    assert imported == {p.name for p in MODULES} - {"main.js"}, "a module nothing loads"


def test_the_editor_loads_its_modules_and_knows_every_field_of_the_form(author):  # noqa: F811
    post_id = author.create(title="Fields", body="Words.")
    for path in ("/editor/new", f"/editor/{post_id}", "/editor/"):
        response = author.client.get(path)
        page = FormControls()
        page.feed(response.get_data(as_text=True))
        modules = [s for s in page.scripts if s.get("type") == "module"]
        assert [s["src"].split("?")[0] for s in modules] == ["/static/editor/main.js"], path
        assert all(s.get("src") for s in page.scripts if s.get("type") != "application/ld+json")
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        if path == "/editor/":
            continue
        # Everything the form saves is kept, autosaved and restored by the script, cover
        # included: the list is the server's own, in the form's order.
        assert page.fields == [f.name for f in FORM_FIELDS]
        assert set(page.fields) == page.names - NOT_FIELDS
        assert {"cover_image", "cover_alt", "featured"} <= set(page.fields)
    src = modules[0]["src"]
    served = author.client.get(src)
    assert served.status_code == 200
    assert served.mimetype == "text/javascript"  # a module with another type never runs
    for module in MODULES:
        response = author.client.get(f"/static/editor/{module.name}")
        assert response.status_code == 200 and response.mimetype == "text/javascript"
