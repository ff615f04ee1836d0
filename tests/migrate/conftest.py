"""Helpers for the importer tests: write a site's files, import them, read the posts."""

import base64
from pathlib import Path

import pytest
from pressmark.content.models import Alias, Post
from pressmark.extensions import db
from pressmark.migrate import import_source
from sqlalchemy import select


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


# A real 1x1 PNG: uploads are decoded, so a file that only starts like a PNG is refused.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def run_import(app, tmp_path):
    """Import ``files`` written under a fresh folder; returns (report, posts by slug)."""

    def _run(files: dict, source_format: str | None = None, **options):
        root = write(tmp_path / "site", files) if isinstance(files, dict) else files
        uploads = Path(app.config["UPLOAD_FOLDER"])

        def store_image(path: Path) -> str:
            from pressmark.content.uploads.receive import store_upload

            with path.open("rb") as fh:
                return store_upload(fh, folder=str(uploads), limit=10**6).url

        # Tests never reach other hosts: downloads only when a test serves them itself.
        options.setdefault("fetch", False)
        with app.app_context():
            report = import_source(root, source_format, store_image=store_image, **options)
            posts = {p.slug: p for p in db.session.scalars(select(Post))}
            for post in posts.values():  # load what the tests read, before the context ends
                _ = post.tags, post.topic, post.aliases, post.series, post.authors
        return report, posts

    return _run


def aliases(post) -> list[str]:
    return sorted(a.path for a in post.aliases)


def redirects(app, path: str) -> str | None:
    response = app.test_client().get(path)
    return response.headers.get("Location") if response.status_code == 301 else None


__all__ = ["PNG", "Alias", "aliases", "redirects", "write"]
