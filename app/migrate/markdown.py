"""Plain Markdown: a folder of ``.md`` files with or without front matter, including
pressmark's own export (``_topics.yaml``, ``status``, ``created_at``, trash state).

No old URL is guessed: a plain folder has no URL rule, so only the ``aliases`` (and
``url``/``permalink``) the files name become aliases, or the ``--permalink`` pattern.
"""

from __future__ import annotations

from pathlib import Path

from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource


def detect(root: Path) -> bool:
    return True


class MarkdownSource(FileSource):
    name = "markdown"

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        return self.user_url(path, entry, name, meta)
