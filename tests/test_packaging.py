"""The built wheel works on its own: installed into a fresh virtualenv outside the checkout,
``pressmark init`` migrates a new site and ``pressmark serve`` answers the home page.

It also installs nothing under a generic top-level name (``app``, ``plugins``,
``migrations``), and ships the migrations and ``py.typed``. Needs the package index (pip's
cache makes repeat runs quick).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
GENERIC_NAMES = {"app", "plugins", "migrations", "tests"}


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(virtualenv, its site-packages) with the freshly built wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT)
    (wheel,) = (work / "dist").glob("pressmark-*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    return env_dir, site


def clean_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PRESSMARK_", "PYTHON", "VIRTUAL_ENV"))}
    env["PRESSMARK_INSTANCE_PATH"] = str(instance)
    return env


def test_the_wheel_installs_only_the_pressmark_package(installed):
    _, site = installed
    top_level = {p.name for p in site.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert "pressmark" in top_level
    assert not top_level & GENERIC_NAMES
    package = site / "pressmark"
    assert (package / "py.typed").exists()
    assert (package / "api.py").exists()
    assert list((package / "migrations" / "versions").glob("0001_*.py"))
    assert (package / "plugins" / "calculators" / "static").is_dir()
    assert (package / "templates" / "base.html").exists()
    # The importers live beside content/, with their toolkit and the demo content they load.
    assert (package / "migrate" / "hugo.py").exists()
    assert (package / "migrate" / "toolkit" / "frontmatter.py").exists()
    assert list((package / "content" / "demo_content").glob("*.md"))


def test_init_and_serve_work_from_the_installed_wheel(installed, tmp_path):
    env_dir, _ = installed
    command = env_dir / "bin" / "pressmark"
    instance = tmp_path / "instance"
    env = clean_env(instance)
    result = run(command, "init", cwd=tmp_path, env=env)
    assert "Site ready" in result.stdout
    with sqlite3.connect(instance / "pressmark.sqlite") as database:
        (revision,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
        posts = database.execute("SELECT count(*) FROM posts").fetchone()[0]
    newest = max(p.name.split("_")[0] for p in (ROOT / "migrations" / "versions").glob("0*.py"))
    assert revision == newest  # every migration ran
    assert posts > 0  # the demo content was loaded into the new site

    port = free_port()
    server = subprocess.Popen(
        [str(command), "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while status is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    status, body = response.status, response.read().decode()
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert status == 200
        assert "<html" in body and "Engineering Tokens" in body  # the demo site's home page
    finally:
        server.terminate()
        server.communicate(timeout=20)
