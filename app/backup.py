"""``pressmark backup FILE`` and ``pressmark restore FILE``: the whole site in one archive.

An archive is a gzipped tar file holding ``manifest.json``, the database and the uploads:

- SQLite: ``database.sqlite``, copied with SQLite's online backup API, so it is one
  consistent snapshot even while the site is being written to;
- PostgreSQL: ``database.pgdump``, made by ``pg_dump --format=custom`` (one consistent
  snapshot by PostgreSQL's own rules), restored with ``pg_restore --clean``;
- ``uploads/<name>``: every uploaded image kept as a file (``UPLOAD_STORAGE = "files"``, the
  default on SQLite; images kept in the database, the default on PostgreSQL, are in the
  database copy already). The database is copied first, then the upload files:
  uploads are named by their content and written before any post refers to them, so every
  image the copied database refers to is in the archive.

The archive is written to a temporary file next to ``FILE`` and renamed into place, so a
failed backup never leaves a truncated archive under the name you gave. ``restore`` checks
the whole archive before changing anything, and only extracts the files it knows.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import URL, make_url

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PGDUMP_MEMBER = "database.pgdump"
UPLOAD_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class Summary:
    database: str
    uploads: int
    size: int


def _database_url(app: Flask) -> URL:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def _kind(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.get_backend_name()}.")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _pg_command(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` without the password, and an environment that
    carries the password (never on the command line, where other users could read it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} is not installed: install PostgreSQL's client programs "
            "(Debian: apt install postgresql-client) to back up a PostgreSQL site."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


def _snapshot_database(app: Flask, folder: Path) -> tuple[str, Path]:
    """Copy the database into ``folder``; returns (kind, file)."""
    url = _database_url(app)
    kind = _kind(url)
    if kind == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"There is no database at {source_path}.")
        target = folder / SQLITE_MEMBER
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # the online backup API: one consistent snapshot
        finally:
            copy.close()
            source.close()
        return kind, target
    target = folder / PGDUMP_MEMBER
    dsn, env = _pg_command(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), dsn], env,
         "pg_dump")
    return kind, target


def create_backup(app: Flask, destination: str | os.PathLike) -> Summary:
    """Write the database and the uploads of ``app`` to the archive ``destination``."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory(prefix="pressmark-backup-") as work:
        kind, database = _snapshot_database(app, Path(work))
        names = sorted(
            p.name for p in (uploads.iterdir() if uploads.is_dir() else ())
            if p.is_file() and UPLOAD_NAME_RE.match(p.name)
        )
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": kind,
            "uploads": names,
        }
        fd, partial = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                archive.addfile(info, io.BytesIO(data))
                archive.add(database, arcname=database.name)
                for name in names:
                    archive.add(uploads / name, arcname=f"uploads/{name}")
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, destination)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return Summary(kind, len(names), destination.stat().st_size)


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read())
    except (KeyError, AttributeError, ValueError):
        raise BackupError("This is not a pressmark backup (no readable manifest.json).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def restore_backup(app: Flask, source: str | os.PathLike) -> Summary:
    """Replace ``app``'s database with the archive's, and add its uploads.

    Checks the archive first (manifest, database member, upload names), so a wrong or
    damaged file changes nothing. The archive's database kind must match the site's.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    url = _database_url(app)
    kind = _kind(url)
    with tempfile.TemporaryDirectory(prefix="pressmark-restore-") as work:
        try:
            with tarfile.open(source, mode="r:gz") as archive:
                uploads = _extract(archive, Path(work), kind)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise BackupError(f"{source} is not a readable backup archive: {exc}") from None
        member_name = SQLITE_MEMBER if kind == "sqlite" else PGDUMP_MEMBER
        database = Path(work) / member_name
        if kind == "sqlite":
            _restore_sqlite(database, _sqlite_path(url))
        else:
            dsn, env = _pg_command(url)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  "--dbname", dsn, str(database)], env, "pg_restore")
        folder = Path(app.config["UPLOAD_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        for name in uploads:
            shutil.copyfile(Path(work) / "uploads" / name, folder / name)
    return Summary(kind, len(uploads), source.stat().st_size)


def _extract(archive: tarfile.TarFile, work: Path, kind: str) -> list[str]:
    """Check the archive and copy its database and uploads into ``work``; returns the
    upload names. Only the members the manifest names are read, as plain files."""
    manifest = _read_manifest(archive)
    if manifest.get("database") != kind:
        raise BackupError(
            f"This backup holds a {manifest.get('database')} database; this site uses "
            f"{kind}. Restore it into a site configured for {manifest.get('database')}."
        )
    uploads = []
    for name in manifest.get("uploads", []):
        if not isinstance(name, str) or not UPLOAD_NAME_RE.match(name):
            raise BackupError(f"The backup names an upload it cannot hold: {name!r}.")
        uploads.append(name)
    member_name = SQLITE_MEMBER if kind == "sqlite" else PGDUMP_MEMBER
    for name in [member_name, *(f"uploads/{name}" for name in uploads)]:
        try:
            member = archive.getmember(name)
        except KeyError:
            raise BackupError(f"The backup is incomplete: {name} is missing.") from None
        if not member.isfile():
            raise BackupError(f"The backup is damaged: {name} is not a file.")
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.extractfile(member) as data, open(target, "wb") as out:
            shutil.copyfileobj(data, out)
    return uploads


def _restore_sqlite(backup: Path, target: Path) -> None:
    """Copy ``backup`` over ``target`` with the backup API (which keeps the write-ahead log
    and any open connection consistent), after checking that it is a sound database."""
    check = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The backup's database is damaged: {exc}") from None
    finally:
        check.close()
    if result != "ok":
        raise BackupError(f"The backup's database is damaged: {result}")
    target.parent.mkdir(parents=True, exist_ok=True)
    source, destination = sqlite3.connect(backup), sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
