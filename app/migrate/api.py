"""The importer's stable entry points, kept where callers have always found them.

The work is done by ``pressmark.migrate`` (reading every source format) and
``pressmark.migrate.export`` (writing pressmark's own format). This module
gives the demo loader, the tests and older callers their functions:
``import_directory`` (a folder of Markdown, pressmark's export format included),
``export_directory``, ``post_to_file``, ``post_data_from_file`` and ``load_demo_content``.
"""

from __future__ import annotations

from pathlib import Path

from pressmark.content.postdata import PostData
from pressmark.migrate import import_source
from pressmark.migrate.export import export_directory, post_to_file
from pressmark.migrate.toolkit.entry import parse_file_name, post_from_meta
from pressmark.migrate.toolkit.frontmatter import FrontMatterError, split
from pressmark.migrate.toolkit.report import ImportReport

__all__ = [
    "DEMO_CONTENT", "FrontMatterError", "ImportReport", "export_directory", "import_directory",
    "load_demo_content", "post_data_from_file", "post_to_file",
]

DEMO_CONTENT = Path(__file__).resolve().parents[1] / "content" / "demo_content"


def import_directory(directory: str | Path, **options) -> ImportReport:
    """Import a folder of Markdown files (see ``importers.import_source``)."""
    return import_source(directory, "markdown", **options)


def post_data_from_file(text: str, name: str = "post.md") -> PostData:
    """One file's text as ``PostData``; ``FrontMatterError`` with the reason."""
    meta, body, _ = split(text)
    return post_from_meta(meta, body, name=parse_file_name(Path(name))).data


def load_demo_content() -> ImportReport:
    return import_directory(DEMO_CONTENT)
