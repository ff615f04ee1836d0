"""A real, throwaway PostgreSQL server for the test run, and an app on a fresh database.

Fixtures:

- ``postgres_server`` (session): one server, started on first use on a free loopback port
  with its data in a temporary folder, stopped and deleted when the run ends.
- ``postgres_url`` (session): a SQLAlchemy URL (``postgresql+psycopg://...``) of a database
  created on that server for the run.
- ``pg_app``: a pressmark app on a database of its own, its schema made by the real
  migrations (``flask_migrate.upgrade()``); the database is dropped afterwards.

The server binaries come from ``PRESSMARK_PG_BINDIR``, ``pg_config --bindir``,
``/usr/lib/postgresql/*/bin`` or the ``PATH`` (Debian package ``postgresql``). PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user (which the
Debian package creates) through ``runuser``.

Use them from a test module with ``from tests.postgres import pg_app, postgres_url``
(or list ``"tests.postgres"`` in ``pytest_plugins`` of the root conftest). Importing them
into several modules is safe: the server is one per process whichever module asks first.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import free_port

SERVER_USER = "postgres"
SUPERUSER = "pressmark"
START_TIMEOUT_SECONDS = 60


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be started here, with the reason and how to fix it."""


def find_bindir() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[str] = []
    if os.environ.get("PRESSMARK_PG_BINDIR"):
        candidates.append(os.environ["PRESSMARK_PG_BINDIR"])
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(
                ["pg_config", "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            candidates.append(out)
        except (OSError, subprocess.CalledProcessError):
            pass
    # Debian keeps each major version apart; prefer the newest.
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates.extend(sorted(versions, key=_version_key, reverse=True))
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).resolve().parent))
    for folder in candidates:
        path = Path(folder)
        if all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them "
        "(Debian/Ubuntu: `apt-get install postgresql`) or set PRESSMARK_PG_BINDIR to the "
        "folder that holds them."
    )


def _version_key(path: str) -> tuple[int, ...]:
    parts = Path(path).parent.name.split(".")
    return tuple(int(p) for p in parts if p.isdigit())


@dataclass
class PostgresServer:
    """A private server: data, socket and log in ``root``, listening on 127.0.0.1 only."""

    bindir: Path
    root: Path
    port: int = field(default_factory=free_port)
    user: str | None = None  # the OS user the server runs as, when we are root

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"`{' '.join(args[:2])}` failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )
        return result

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
        )
        # Durability is pointless for a throwaway server; speed is not.
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -F "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", str(START_TIMEOUT_SECONDS), "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database and return its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server() -> PostgresServer:
    """Start a server in a new temporary folder (as the ``postgres`` user when root)."""
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="pressmark-pg-"))
    user = None
    if os.geteuid() == 0:
        try:
            record = pwd.getpwnam(SERVER_USER)
        except KeyError as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(
                f"Running as root, and PostgreSQL refuses to: create a user {SERVER_USER!r} "
                "(the Debian package `postgresql` does) to run the test server as."
            ) from exc
        os.chown(root, record.pw_uid, record.pw_gid)
        user = SERVER_USER
    server = PostgresServer(bindir=bindir, root=root, user=user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


# One server per process, whichever test module asks first; stopped when the last user
# of the session fixture finishes (session fixtures finish together at the end).
_server: PostgresServer | None = None
_users = 0


@pytest.fixture(scope="session")
def postgres_server():
    global _server, _users
    if _server is None:
        try:
            _server = start_server()
        except PostgresUnavailable as exc:
            pytest.fail(str(exc), pytrace=False)
    _users += 1
    yield _server
    _users -= 1
    if _users == 0 and _server is not None:
        server, _server = _server, None
        try:
            server.stop()
        finally:
            shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    """The SQLAlchemy URL of a database created for this test run."""
    name = postgres_server.create_database("pressmark")
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@contextlib.contextmanager
def logging_kept():
    """Undo what Alembic's ``fileConfig`` in migrations/env.py does to logging: it disables
    every existing logger and resets the root logger, which would hide later tests' logs
    from ``caplog``."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        for name, (disabled, level, handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.disabled, logger.propagate = disabled, propagate
            logger.setLevel(level)
            logger.handlers[:] = handlers


@pytest.fixture
def pg_app(tmp_path, postgres_server):
    """A pressmark app on a fresh PostgreSQL database, migrated with the real migrations."""
    import flask_migrate
    from pressmark.extensions import db

    from tests.conftest import make_test_app

    name = postgres_server.create_database()
    app = make_test_app(tmp_path, SQLALCHEMY_DATABASE_URI=postgres_server.url(name))
    with app.app_context(), logging_kept():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    postgres_server.drop_database(name)
