"""Under a crowd of readers, a waiting author's request is served before the readers'
(``pressmark.serving.AuthorFirstDispatcher``), through real waitress sockets.

The server has one thread, held by a slow request; readers' requests queue behind it, then
an author's save and editor page arrive. When the thread frees up, the order in which the
app sees the requests is the order a person would feel.
"""

from __future__ import annotations

import http.client
import threading
import time

import pytest
from pressmark.extensions import db
from pressmark.serving import author_first_dispatcher

from tests.conftest import AuthActions, free_port, make_test_app, serve_in_thread


class Recorder:
    """A WSGI app that notes each request it serves; ``/slow`` waits for ``release``."""

    def __init__(self):
        self.served: list[str] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/slow":
            self.release.wait(10)
        with self.lock:
            self.served.append(f"{environ['REQUEST_METHOD']} {path}")
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]


def send(port: int, method: str, path: str, cookie: str = "") -> threading.Thread:
    def run():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        connection.request(method, path, body=b"" if method == "POST" else None,
                           headers={"Cookie": cookie} if cookie else {})
        connection.getresponse().read()
        connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A pressmark app (whose secret signs sessions) and the cookies of its author, signed
    in through the real form, and of a reader."""
    app = make_test_app(tmp_path_factory.mktemp("lane"))
    with app.app_context():
        db.create_all()
    author = AuthActions(app, app.test_client())
    assert author.login().status_code == 303
    session = author.client.get_cookie("session").value
    reader = app.test_client()
    reader.get("/auth/login")  # a session too (the form's CSRF token), but nobody's
    anonymous = reader.get_cookie("session").value
    yield app, f"session={session}; pressmark_author=1", f"session={anonymous}"
    with app.app_context():
        db.engine.dispose()


def queue_in_order(app, requests: list[tuple[str, str, str]]) -> list[str]:
    """Hold the one thread with /slow, queue ``requests`` (method, path, cookie) one by
    one, free the thread; the order in which the app served them."""
    recorder = Recorder()
    port = free_port()
    dispatcher = author_first_dispatcher(1, app)
    with serve_in_thread(recorder, port, threads=1, _dispatcher=dispatcher):
        clients = [send(port, "GET", "/slow")]
        wait_until(lambda: dispatcher.active_count == 1 and not dispatcher.queue)
        for queued, (method, path, cookie) in enumerate(requests, start=1):
            clients.append(send(port, method, path, cookie))
            wait_until(lambda queued=queued: len(dispatcher.queue) == queued)
        recorder.release.set()
        for client in clients:
            client.join(20)
    return recorder.served[1:]


def test_the_authors_requests_jump_the_readers_queue(site):
    app, author, _ = site
    served = queue_in_order(app, [
        *[("GET", f"/read/{n}", "") for n in range(4)],
        ("POST", "/editor/7", author),  # the save
        ("GET", "/editor/7", author),
        ("GET", "/read/4", "theme=dark"),
    ])
    assert served[:2] == ["POST /editor/7", "GET /editor/7"]
    # The readers in the order they queued (the first four arrived together).
    assert sorted(served[2:6]) == [f"GET /read/{n}" for n in range(4)]
    assert served[6:] == ["GET /read/4"]


def test_posts_flag_cookies_and_forged_sessions_queue_with_the_readers(site):
    app, author, anonymous = site
    value = author.split(";")[0].removeprefix("session=")
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    served = queue_in_order(app, [
        ("GET", "/read/0", ""),
        ("POST", "/auth/login", ""),  # any non-GET request
        ("GET", "/read/flag", "pressmark_author=1"),  # the script-readable hint
        ("GET", "/read/forged", f"session={forged}; pressmark_author=1"),
        ("GET", "/read/anonymous", anonymous),  # signed, but nobody signed in
        ("GET", "/editor/", author),
    ])
    assert served == ["GET /editor/", "GET /read/0", "POST /auth/login", "GET /read/flag",
                      "GET /read/forged", "GET /read/anonymous"]
