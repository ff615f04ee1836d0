"""The real server as a reverse proxy sees it: ``pressmark serve`` in a subprocess, on TCP
or a Unix socket, and an HTTP client that sends any header a proxy would
(``X-Forwarded-*``), keeping cookies like a browser. (``tests/live_server.py`` is the plain
site for saves, kills and restarts.)
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from pressmark.content.models import User
from pressmark.extensions import db

from tests.conftest import PASSWORD, USERNAME, free_port, make_test_app, password_hash

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def prepare_site(tmp_path: Path, authors: tuple[str, ...] = (USERNAME,)) -> Path:
    """A migrated SQLite site with the given authors (password ``PASSWORD``); its path."""
    database = tmp_path / "live.sqlite"
    app = make_test_app(tmp_path, database=database)
    with app.app_context():
        upgrade()
        for name in authors:
            hashed = password_hash(PASSWORD)
            db.session.add(User(username=name, display_name=name.title(), password_hash=hashed))
        db.session.commit()
        db.engine.dispose()
    return database


class LiveServer:
    """``pressmark serve`` on a free loopback port (or ``unix_socket``), with ``settings``
    passed as ``PRESSMARK_*`` environment variables (JSON where they parse as JSON)."""

    def __init__(self, tmp_path: Path, database: Path, *, unix_socket: Path | None = None,
                 args: tuple[str, ...] = (), **settings):
        self.tmp_path = tmp_path
        self.unix_socket = unix_socket
        self.args = args
        self.port = None if unix_socket else free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
        env.update(
            PRESSMARK_INSTANCE_PATH=str(tmp_path / "instance"),
            PRESSMARK_SECRET_KEY="live-test-secret-key",
            PRESSMARK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
            PRESSMARK_LOAD_ENTRYPOINT_PLUGINS="false",
            PRESSMARK_LOGIN_FAILURE_DELAY="0",
            # The names the test's proxy forwards, and the loopback address it connects to.
            PRESSMARK_TRUSTED_HOSTS=json.dumps(["blog.example.com", "127.0.0.1", "localhost"]),
        )
        for key, value in settings.items():
            env[f"PRESSMARK_{key}"] = value if isinstance(value, str) else json.dumps(value)
        self.env = env

    def start(self) -> LiveServer:
        where = (["--unix-socket", str(self.unix_socket)] if self.unix_socket
                 else ["--port", str(self.port)])
        # Output goes to a file, not a pipe: a pipe nobody reads fills up (an access log of
        # long attack URLs does) and then blocks the server's next write.
        self.output = open(self.tmp_path / f"server-{self.port or 'socket'}.log", "w+")  # noqa: SIM115 (open while the server runs)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pressmark.cli", "serve", "--no-demo", "--threads", "2",
             *where, *self.args],
            env=self.env, stdout=self.output, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                self.client().request("GET", "/-/health")
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.stop()) from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer within 90 s")

    def stop(self) -> str:
        """Stop the server; returns what it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=20)
        if self.output.closed:  # stopped before
            return ""
        self.output.seek(0)
        output = self.output.read()
        self.output.close()
        return output

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def client(self, **headers) -> HttpClient:
        return HttpClient(self, headers)


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)

    def csrf_token(self) -> str:
        match = TOKEN_RE.search(self.text)
        assert match, "no CSRF token in the page"
        return match.group(1)


class HttpClient:
    """One browser: cookies kept between requests, ``headers`` sent with every request."""

    def __init__(self, server: LiveServer, headers: dict[str, str]):
        self.server = server
        self.headers = headers
        self.cookies: dict[str, str] = {}

    def _connection(self) -> http.client.HTTPConnection:
        if self.server.unix_socket is None:
            return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        connection = http.client.HTTPConnection("localhost", timeout=30)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        try:
            sock.connect(str(self.server.unix_socket))
        except OSError:
            sock.close()
            raise
        connection.sock = sock
        return connection

    def request(self, method: str, path: str, *, data: dict | None = None,
                body: bytes | None = None, headers: dict[str, str] | None = None) -> Response:
        sent = {**self.headers, **(headers or {})}
        if data is not None:
            body = urlencode(data).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = Response(connection.getresponse())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["expires"] and "1970" in morsel["expires"] or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    @property
    def origin(self) -> str:
        """The site's origin as this client's browser sees it (through the proxy, if any)."""
        scheme = self.headers.get("X-Forwarded-Proto", "http")
        host = self.headers.get("X-Forwarded-Host") or (
            f"127.0.0.1:{self.server.port}" if self.server.port else "localhost"
        )
        return f"{scheme}://{host}"

    def post_multipart(self, path: str, fields: dict[str, str], **kwargs) -> Response:
        """POST ``fields`` as ``multipart/form-data``, the way the editor's form is sent."""
        boundary = "----pressmark-test-" + os.urandom(8).hex()
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n"
            for name, value in fields.items()
        ]
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   **kwargs.pop("headers", {})}
        return self.request("POST", path, body=body, headers=headers, **kwargs)

    def post_json(self, path: str, payload, token: str, **kwargs) -> Response:
        """POST ``payload`` as JSON with the CSRF token in a header, as the editor's script does."""
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": token, **kwargs.pop("headers", {})}
        return self.request("POST", path, body=json.dumps(payload).encode(), headers=headers,
                            **kwargs)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Response:
        return self.request("POST", path, **kwargs)

    def login(self, username: str = USERNAME, password: str = PASSWORD,
              remember: bool = False) -> Response:
        token = self.get("/auth/login").csrf_token()
        data = {"csrf_token": token, "username": username, "password": password}
        if remember:
            data["remember"] = "yes"
        # Browsers send the page's address; over HTTPS the CSRF check requires it.
        referer = {"Referer": self.origin + "/auth/login"}
        return self.post("/auth/login", data=data, headers=referer)

