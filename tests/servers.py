"""Real ``pressmark serve`` processes for transport-level tests, and an HTTP client that
sends exactly the headers it is given (no automatic Host, no decompression)."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PASSWORD, free_port

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def site_env(instance: Path, **settings: str) -> dict[str, str]:
    """The environment of a server for ``instance``, with ``PRESSMARK_<name>`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env["PRESSMARK_INSTANCE_PATH"] = str(instance)
    env["PRESSMARK_SESSION_COOKIE_SECURE"] = "false"  # plain HTTP on loopback
    env["PRESSMARK_REMEMBER_COOKIE_SECURE"] = "false"
    env["PRESSMARK_LOGIN_FAILURE_DELAY"] = "0"
    env.update({f"PRESSMARK_{k}": v for k, v in settings.items()})
    return env


def pressmark(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pressmark.cli", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )


class Server:
    """``pressmark serve`` on a free loopback port; ``stop()`` ends it with SIGTERM."""

    def __init__(self, env: dict[str, str], *args: str, wait: float = 120):
        if "--workers" not in args:  # one process unless a test is about several
            args = (*args, "--workers", "1")
        if "--pin" not in args:  # many test servers share this machine's first CPU otherwise
            args = (*args, "--no-pin")
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pressmark.cli", "serve", "--port", str(self.port), *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + wait
        while True:
            try:
                if self.request("GET", "/-/health", {"Host": "localhost"}).status < 500:
                    break
            except OSError:
                pass
            if self.process.poll() is not None:
                # communicate() reads and closes the pipe: a pipe left open would be
                # reported (ResourceWarning) in whichever test happens to collect it.
                output, _ = self.process.communicate()
                raise RuntimeError(f"server exited:\n{output}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("server did not answer in time")
            time.sleep(0.2)

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Host": "localhost", **(headers or {})}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        output, _ = self.process.communicate(timeout=20)
        return output


class Browser:
    """A signed-in author's cookies, kept by hand, against one server."""

    def __init__(self, server: Server, host: str = "localhost"):
        self.server = server
        self.host = host
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = self.server.request(method, path, headers, body)
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in header and "Expires=Thu, 01 Jan 1970" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return answer

    def token(self, path: str) -> str:
        return TOKEN_RE.search(self.send("GET", path).text).group(1)

    def login(self, username: str = "author", password: str = PASSWORD) -> Answer:
        form = {"csrf_token": self.token("/auth/login"), "username": username,
                "password": password}
        return self.send("POST", "/auth/login", form)

    def publish(self, title: str, body: str) -> Answer:
        form = {"csrf_token": self.token("/editor/new"), "title": title, "body": body,
                "action": "publish"}
        return self.send("POST", "/editor/new", form)


def create_author(env: dict[str, str], username: str = "author") -> None:
    result = pressmark(env, "author", "create", username, "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
