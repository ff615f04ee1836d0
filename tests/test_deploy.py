"""The deployment files in deploy/ work as shipped: the systemd unit's command line serves
the site, nginx accepts its configuration, the Dockerfile passes hadolint (or, without it,
the structural rules), and compose.yaml runs pressmark against PostgreSQL."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from configparser import ConfigParser
from pathlib import Path

import pytest
import yaml

from tests.conftest import free_port

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def unit() -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DEPLOY / "pressmark.service")
    return parser


def test_the_systemd_units_command_line_serves_the_site(tmp_path):
    service = unit()["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/opt/pressmark/venv/bin/pressmark" and argv[1] == "serve"
    name, _, value = service["Environment"].partition("=")
    assert name == "PRESSMARK_INSTANCE_PATH" and value.startswith(service["ReadWritePaths"])
    port = free_port()
    args = [str(port) if a == "8000" else a for a in argv[1:]]  # 8000 may be taken here
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env |= {name: str(tmp_path / "instance"), "PRESSMARK_SESSION_COOKIE_SECURE": "false"}
    process = subprocess.Popen([sys.executable, "-m", "pressmark.cli", *args, "--workers", "1"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/health", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, \
                    process.stdout.read()
                time.sleep(0.3)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"Site folder: {tmp_path / 'instance'} (from PRESSMARK_INSTANCE_PATH)" in output


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_unit_is_well_formed(tmp_path):
    copy = tmp_path / "pressmark.service"
    # verify checks that the program exists: point it at one that does, nothing else changed.
    copy.write_text((DEPLOY / "pressmark.service").read_text().replace(
        "/opt/pressmark/venv/bin/pressmark", shutil.which("true") or "/usr/bin/true"))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                            text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines()
                if str(copy) in line and "User" not in line]
    assert not problems, result.stderr


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=blog.example.com", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/blog.example.com/fullchain.pem",
                        str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/blog.example.com/privkey.pem",
                        str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n")
    result = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-p",
                             str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_dockerfile_is_small_non_root_and_serves_a_volume():
    text = (DEPLOY / "Dockerfile").read_text()
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent))
    if hadolint:
        result = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
    instructions = [line.split(None, 1) for line in text.splitlines()
                    if line and not line.startswith((" ", "#"))]
    first = dict(instructions)
    assert first["FROM"].startswith("python:") and first["FROM"].endswith("-slim")
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "/data" in first["VOLUME"] and "PRESSMARK_INSTANCE_PATH=/data" in text
    assert first["CMD"].startswith('["pressmark", "serve"')


def test_compose_runs_pressmark_on_postgresql():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    app = services["pressmark"]
    assert app["build"]["dockerfile"] == "deploy/Dockerfile"
    uri = app["environment"]["PRESSMARK_SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("postgresql+psycopg://") and uri.endswith("@db/pressmark")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(volume.endswith(":/data") for volume in app["volumes"])
