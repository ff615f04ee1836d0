"""The real server for tests: ``pressmark serve`` (waitress) in a child process.

``LiveSite`` sets up a fresh instance folder with one author through the real command line,
starts the server on a free loopback port, and can stop it politely or SIGKILL it and start
it again on the same instance. ``WebClient`` is a small cookie-keeping HTTP client that signs
in and posts forms with their CSRF token, the way a browser would.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PASSWORD, USERNAME, free_port

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')


class LiveSite:
    """One site served by ``pressmark serve`` from ``folder/instance``."""

    def __init__(self, folder: Path, *, threads: int = 4, env: dict[str, str] | None = None):
        self.instance = folder / "instance"
        self.threads = threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = folder / "server.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
        self.env.update(
            PRESSMARK_INSTANCE_PATH=str(self.instance),
            # Plain HTTP on loopback: the cookies may not demand HTTPS.
            PRESSMARK_SESSION_COOKIE_SECURE="false",
            PRESSMARK_REMEMBER_COOKIE_SECURE="false",
        )
        self.env.update(env or {})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.instance / "pressmark.sqlite"

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run ``pressmark ARGS`` on this site's instance; raise with its output on failure."""
        result = subprocess.run(
            [sys.executable, "-m", "pressmark.cli", *args],
            env={**self.env, "PRESSMARK_SITE_URL": self.base_url},
            input=stdin, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def set_up(self) -> LiveSite:
        """An empty site (no demo posts) with the author ``USERNAME``."""
        self.cli("init", "--no-demo")
        self.cli("author", "create", USERNAME, "--password-stdin", stdin=PASSWORD + "\n")
        return self

    def start(self, timeout: float = 60) -> LiveSite:
        env = {**self.env, "PRESSMARK_SITE_URL": self.base_url}
        with self.log_path.open("a") as log:  # the child keeps its own copy of the file
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pressmark.cli", "serve", "--no-demo",
                 "--port", str(self.port), "--threads", str(self.threads)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("the server exited:\n" + self.log_path.read_text())
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/-/health")
                conn.getresponse().read()
                conn.close()
                return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not answer:\n" + self.log_path.read_text())

    def kill(self) -> None:
        """SIGKILL to every process of the server (the supervisor and its workers, one
        process group): no clean-up, no flushing, as when the machine loses power."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._wait_for_group_to_end()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._wait_for_group_to_end()

    def _group_pids(self) -> list[int]:
        """The live processes of the server's process group."""
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command: state, ppid, pgrp. A zombie holds no memory or socket.
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                pids.append(int(stat.parent.name))
        return pids

    def _wait_for_group_to_end(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self._group_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in self._group_pids():  # a worker that outlived its supervisor
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def memory_kib(self) -> int:
        """The resident memory (VmRSS) of every process of the server, in KiB."""
        total = 0
        for pid in self._group_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(match.group(1)) if match else 0
        return total


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    url: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class WebClient:
    """A cookie-keeping client for one ``LiveSite`` (redirects not followed)."""

    def __init__(self, site: LiveSite, timeout: float = 30):
        self.site = site
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | bytes | None = None,
                headers: dict[str, str] | None = None, method: str | None = None) -> Answer:
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(
            self.site.base_url + path, data=data, headers=headers or {}, method=method
        )
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                body = response.read()
                status, head, url = response.status, dict(response.headers), response.url
        except urllib.error.HTTPError as error:
            body, status, head, url = error.read(), error.code, dict(error.headers), error.url
        return Answer(status, head, body.decode("utf-8", "replace"), url)

    def get(self, path: str) -> Answer:
        return self.request(path)

    def csrf_token(self, path: str) -> str:
        match = TOKEN_RE.search(self.get(path).text)
        assert match, f"no CSRF token at {path}"
        return match.group(1)

    def login(self) -> None:
        answer = self.request("/auth/login", {
            "csrf_token": self.csrf_token("/auth/login"),
            "username": USERNAME, "password": PASSWORD,
        })
        assert answer.status in (302, 303), (answer.status, answer.text[:500])

    def create_post(self, title: str, body: str, action: str = "publish") -> int:
        """Save a new post through the editor; returns its id."""
        answer = self.request("/editor/new", {
            "csrf_token": self.csrf_token("/editor/new"),
            "title": title, "body": body, "action": action,
        })
        assert answer.status == 303, (answer.status, answer.text[:2000])
        return int(re.search(r"/editor/(\d+)", answer.headers["Location"]).group(1))

    def edit_form(self, post_id: int) -> tuple[str, int]:
        """The CSRF token and version of the post's edit form."""
        page = self.get(f"/editor/{post_id}").text
        return TOKEN_RE.search(page).group(1), int(VERSION_RE.search(page).group(1))

    def save_post(self, post_id: int, token: str, version: int, title: str, body: str,
                  action: str = "publish") -> Answer:
        return self.request(f"/editor/{post_id}", {
            "csrf_token": token, "version": str(version),
            "title": title, "body": body, "action": action,
        })
