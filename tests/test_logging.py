"""Logging in one place (pressmark.logs): the access log of the real server, in the combined
format or as JSON, module INFO lines kept, and a plugin that stops start-up reported in one
paragraph without a traceback."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pressmark.logs import JsonFormatter, combined_line

from tests.conftest import free_port

FIXTURES = Path(__file__).resolve().parent / "fixture_plugins"
COMBINED = re.compile(
    r'^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] '
    r'"GET /\?from=test HTTP/1\.1" 200 (\d+) "https://example\.org/ref" "log-test/1\.0"$'
)


def clean_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env["PRESSMARK_INSTANCE_PATH"] = str(instance)
    return env


def serve_and_get(tmp_path: Path, *options: str) -> tuple[str, str, int]:
    """Serve a new site, request its home page once, stop; return (stdout, stderr, size)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pressmark.cli", "serve", "--port", str(port), "--workers", "1",
         "--threads", "2", *options],
        env=clean_env(tmp_path / "instance"), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    size = -1
    try:
        deadline = time.monotonic() + 90
        while size < 0 and time.monotonic() < deadline:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/?from=test",
                headers={"Referer": "https://example.org/ref", "User-Agent": "log-test/1.0"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    size = len(response.read())
            except OSError:
                assert server.poll() is None, server.communicate()
                time.sleep(0.3)
        time.sleep(0.5)  # the line is written once the answer is sent
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert size >= 0, err
    return out, err, size


def test_serve_writes_a_combined_access_log_and_keeps_info_lines(tmp_path):
    out, err, size = serve_and_get(tmp_path)
    lines = [line for line in out.splitlines() if COMBINED.match(line)]
    assert len(lines) == 1, out
    assert int(COMBINED.match(lines[0]).group(1)) == size
    # Modules' INFO lines are not dropped: the migrations that ran and where they left it.
    assert re.search(r" INFO alembic\.runtime\.migration: Running upgrade  -> 0001", err), err
    assert re.search(r" INFO pressmark\.cli: database sqlite:///\S+ is at schema revision \d+",
                     err), err


def test_serve_log_format_json(tmp_path):
    out, err, size = serve_and_get(tmp_path, "--log-format", "json")
    entries = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    (access,) = [e for e in entries if e["logger"] == "pressmark.access"]
    assert access["method"] == "GET" and access["path"] == "/" and access["query"] == "from=test"
    assert access["status"] == 200 and access["bytes"] == size
    assert access["user_agent"] == "log-test/1.0" and access["referer"] == "https://example.org/ref"
    messages = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(m["logger"] == "pressmark.cli" and m["level"] == "INFO"
               and "schema revision" in m["message"] for m in messages), err


def test_a_request_line_cannot_forge_a_second_log_line():
    environ = {"REMOTE_ADDR": "203.0.113.9", "REQUEST_METHOD": "GET", "PATH_INFO": "/",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": 'evil"\n127.0.0.1 - - fake'}
    line = combined_line(environ, 200, 12, 0.0)
    assert "\n" not in line and '\\"' in line and line.startswith("203.0.113.9 - - [")


def test_json_lines_carry_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("pressmark.x", logging.ERROR, __file__, 1, "failed %s", ("a",),
                                   sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed a" and entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exception"]


def test_a_plugin_that_stops_start_up_is_one_paragraph_without_traceback(tmp_path):
    instance = tmp_path / "instance"
    (instance / "plugins").mkdir(parents=True)
    shutil.copy(FIXTURES / "startup_fails.py", instance / "plugins" / "startup_fails.py")
    command = [sys.executable, "-m", "pressmark.cli"]
    result = subprocess.run([*command, "init"], env=clean_env(instance), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    error = result.stderr.strip()
    assert error.startswith("Error: Plugin 'startup_fails' (directory: ")
    assert "failed in startup: ValueError: STARTUP_FAILS_SETTING must be set." in error
    assert "DISABLED_PLUGINS = ['startup_fails']" in error
    assert "Traceback" not in result.stderr + result.stdout
    assert len(error.splitlines()) == 1  # one paragraph
    log = (instance / "startup-error.log").read_text()
    assert "Traceback" in log and "STARTUP_FAILS_SETTING" in log
    debug = subprocess.run([*command, "--debug", "init"], env=clean_env(instance), cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert debug.returncode == 1 and "Traceback" in debug.stderr
