"""``pressmark backup`` and ``pressmark restore``: a live site, written to while it is backed
up, comes back whole in a new instance (SQLite, and PostgreSQL when ``pg_dump`` exists).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import USERNAME
from tests.live_server import LiveSite, WebClient
from tests.web.test_uploads import png

# The PostgreSQL fixtures (postgres_server): a real server for the run.
pytest_plugins = ["tests.postgres"]


def upload_image(client: WebClient, data: bytes) -> str:
    """Upload ``data`` through the editor; returns its URL."""
    token = client.csrf_token("/editor/new")
    boundary = "----pressmark-backup-test"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    answer = client.request("/editor/uploads", body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json",
    })
    assert answer.status == 200, answer.text[:500]
    return re.search(r'"url":\s*"([^"]+)"', answer.text).group(1)


class Writer(threading.Thread):
    """Publishes a post after another through the editor, noting when each was answered."""

    def __init__(self, client: WebClient):
        super().__init__(daemon=True)
        self.client = client
        self.answered: list[tuple[float, str]] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        n = 0
        try:
            while not self.stopping.is_set():
                self.client.create_post(f"Written live {n}", f"Post number {n}.\n")
                self.answered.append((time.monotonic(), f"written-live-{n}"))
                n += 1
        except BaseException as exc:  # reported by the test
            self.error = exc

    def stop(self) -> list[tuple[float, str]]:
        self.stopping.set()
        self.join(timeout=60)
        assert self.error is None, self.error
        return self.answered


def round_trip(tmp_path, env: dict[str, str], restored_env: dict[str, str], *,
               upload_files: bool = True) -> LiveSite:
    """Back up a site while it is written to, restore it into a new instance, and check
    every post answered before the backup began and the uploaded image (a file in the
    archive, or a row of the database dump when ``upload_files`` is false); returns the
    restored site, serving."""
    site = LiveSite(tmp_path / "live", threads=4, env=env).set_up().start()
    archive = tmp_path / "site-backup.tar.gz"
    try:
        author = WebClient(site)
        author.login()
        image = png(3, 2)
        image_url = upload_image(author, image)
        writer = Writer(author)
        writer.start()
        time.sleep(1.5)
        started = time.monotonic()
        output = site.cli("backup", str(archive))
        time.sleep(0.5)
        answered = writer.stop()
    finally:
        site.stop()
    assert "Backed up the" in output
    # The image and its resized renditions are files; in the database they are rows.
    files_saved = int(re.search(r"(\d+) upload files", output).group(1))
    assert files_saved >= 1 if upload_files else files_saved == 0, output
    before = [slug for at, slug in answered if at < started]
    assert before, "the writer saved nothing before the backup began"
    with tarfile.open(archive) as tar:
        members = {m.name for m in tar.getmembers()}
        assert "manifest.json" in members and (image_url[1:] in members) == upload_files

    restored = LiveSite(tmp_path / "restored", env=restored_env)
    restored.cli("init", "--no-demo")
    assert "Restored the" in restored.cli("restore", str(archive), "--yes")
    restored.start()
    try:
        reader = WebClient(restored)
        for slug in before:
            assert reader.get(f"/posts/{slug}").status == 200, slug
        with urllib.request.urlopen(restored.base_url + image_url) as served:
            assert served.read() == image
        # The accounts came back too: the author signs in with the same password.
        WebClient(restored).login()
    except BaseException:
        restored.stop()
        raise
    return restored


def test_a_live_sqlite_site_round_trips_through_backup_and_restore(tmp_path):
    restored = round_trip(tmp_path, {}, {})
    try:
        with sqlite3.connect(restored.database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        restored.stop()


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path):
    site = LiveSite(tmp_path / "site").set_up()
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive at all")
    before = content_of(site.database)
    result = subprocess.run(
        [sys.executable, "-m", "pressmark.cli", "restore", str(bogus), "--yes"],
        env={**site.env, "PRESSMARK_SITE_URL": site.base_url},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "not a readable backup archive" in result.stderr
    assert content_of(site.database) == before


def content_of(database) -> list:
    """The accounts, posts and revisions in a SQLite file (not its bookkeeping)."""
    with sqlite3.connect(database) as connection:
        return [connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                for table in ("users", "posts", "revisions")]


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_live_postgresql_site_round_trips_through_backup_and_restore(tmp_path,
                                                                        postgres_server):
    live_db = postgres_server.create_database("backup")
    restored_db = postgres_server.create_database("restored")
    restored = round_trip(
        tmp_path,
        {"PRESSMARK_SQLALCHEMY_DATABASE_URI": postgres_server.url(live_db)},
        {"PRESSMARK_SQLALCHEMY_DATABASE_URI": postgres_server.url(restored_db)},
        upload_files=False,  # on PostgreSQL uploads are kept in the database by default
    )
    try:
        engine = create_engine(postgres_server.url(restored_db))
        with engine.connect() as connection:
            users = connection.execute(text("SELECT username FROM users")).scalars().all()
        engine.dispose()
        assert users == [USERNAME]
    finally:
        restored.stop()

