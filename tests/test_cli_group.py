"""The command line as an operator meets it: pressmark's own options, the instance folder
found and never invented, and fixable failures reported in one line without a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pressmark import __version__
from pressmark.instance import InstanceNotFound, locate, require


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PRESSMARK_", "FLASK_"))}
    env.update(extra)
    return env


def pressmark(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "pressmark.cli", *args], cwd=cwd,
                          env=env or clean_env(), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A folder holding a set-up site in ``instance/``, and a folder below it."""
    root = tmp_path_factory.mktemp("site")
    result = pressmark("init", "--no-demo", cwd=root)
    assert result.returncode == 0, result.stderr
    (root / "drafts" / "deep").mkdir(parents=True)
    return root


def test_version_is_pressmarks_own(tmp_path):
    result = pressmark("--version", cwd=tmp_path)
    assert result.stdout.strip() == f"pressmark {__version__}"
    assert "Flask" not in result.stdout and "Werkzeug" not in result.stdout


def test_help_shows_pressmark_options_not_flasks(site):
    text = pressmark("--help", cwd=site).stdout
    assert "--instance PATH" in text and "--version" in text
    for flask_only in ("-A, --app", "--env-file", "\n  run "):
        assert flask_only not in text
    db = pressmark("db", "--help", cwd=site).stdout
    assert "upgrade" in db and "Bring the database's schema up to this version" in db
    for developer_only in ("migrate", "revision", "init", "merge"):
        assert f"\n  {developer_only} " not in db


def test_help_outside_any_site_still_lists_the_commands(tmp_path):
    result = pressmark("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "\n  init " in result.stdout and "\n  serve " in result.stdout
    assert not (tmp_path / "instance").exists()


def test_a_command_outside_any_site_refuses_and_creates_nothing(tmp_path):
    result = pressmark("export", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: No pressmark site here: no pressmark.toml or instance/ in {tmp_path} or above."
        " Run `pressmark init` to create one here, or pass --instance PATH"
        " (or set PRESSMARK_INSTANCE_PATH)."
    ]
    assert not (tmp_path / "instance").exists()


def test_a_missing_instance_named_in_the_environment_is_refused(tmp_path):
    env = clean_env(PRESSMARK_INSTANCE_PATH=str(tmp_path / "typo"))
    result = pressmark("author", "list", cwd=tmp_path, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"No pressmark site at {tmp_path / 'typo'}" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_the_site_is_found_from_a_folder_below_it(site):
    result = pressmark("author", "list", cwd=site / "drafts" / "deep")
    assert result.returncode == 0, result.stderr
    assert "No authors yet" in result.stdout


def test_instance_option_and_pressmark_toml(site, tmp_path):
    result = pressmark("--instance", str(site / "instance"), "author", "list", cwd=tmp_path)
    assert result.returncode == 0 and "No authors yet" in result.stdout
    (tmp_path / "pressmark.toml").write_text(f'instance = "{site / "instance"}"\n')
    (tmp_path / "sub").mkdir()
    found = locate(cwd=tmp_path / "sub", environ={})
    assert found.path == site / "instance" and found.exists
    assert pressmark("author", "list", cwd=tmp_path / "sub").returncode == 0


def test_only_init_and_serve_may_create_an_instance(tmp_path):
    new = locate(cwd=tmp_path, environ={})
    assert new.path == tmp_path / "instance" and not new.exists
    assert require(new, "init") is new and require(new, "serve") is new
    with pytest.raises(InstanceNotFound):
        require(new, "import")


def test_a_port_in_use_is_one_line_and_nothing_says_serving(site):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = pressmark("serve", "--port", port, "--no-demo", "--workers", "1", cwd=site)
        debug = pressmark("--debug", "serve", "--port", port, "--no-demo", "--workers", "1",
                          cwd=site)
    assert result.returncode == 1
    assert "serving" not in result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: 127.0.0.1:{port} is already in use by another program: stop it, or serve on "
        "another port with --port (or another socket with --unix-socket)."
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_a_bad_setting_is_one_line(site):
    env = clean_env(PRESSMARK_POSTS_PER_PAGE="ten")
    result = pressmark("author", "list", cwd=site, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "Error: POSTS_PER_PAGE = 'ten' (in the instance's config.py or PRESSMARK_<NAME>): it "
        "must be a whole number of at least 1."
    )
    zone = pressmark("author", "list", cwd=site, env=clean_env(PRESSMARK_TIMEZONE="Mars/Base"))
    assert zone.returncode == 1 and "is not a time zone" in zone.stderr


def test_a_missing_database_says_to_run_init(tmp_path):
    assert pressmark("init", "--no-demo", cwd=tmp_path).returncode == 0
    for name in os.listdir(tmp_path / "instance"):
        if name.startswith("pressmark.sqlite"):
            os.remove(tmp_path / "instance" / name)
    result = pressmark("export", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Error: The database is not set up yet")
    assert result.stderr.strip().endswith("run `pressmark init` (or `pressmark db upgrade`) "
                                          "first.")
    debug = pressmark("--debug", "export", str(tmp_path / "out"), cwd=tmp_path)
    assert "Traceback" in debug.stderr
