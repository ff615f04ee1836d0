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

from pressmark.serving import author_first_dispatcher

from tests.conftest import free_port, serve_in_thread


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


def test_the_authors_requests_jump_the_readers_queue():
    app = Recorder()
    port = free_port()
    dispatcher = author_first_dispatcher(1)
    with serve_in_thread(app, port, threads=1, _dispatcher=dispatcher):
        clients = [send(port, "GET", "/slow")]
        wait_until(lambda: dispatcher.active_count == 1 and not dispatcher.queue)
        for n in range(4):
            clients.append(send(port, "GET", f"/read/{n}"))
        wait_until(lambda: len(dispatcher.queue) == 4)
        clients.append(send(port, "POST", "/editor/7"))  # the save
        wait_until(lambda: len(dispatcher.queue) == 5)
        clients.append(send(port, "GET", "/editor/7", cookie="pressmark_author=1"))
        wait_until(lambda: len(dispatcher.queue) == 6)
        clients.append(send(port, "GET", "/read/4", cookie="theme=dark"))
        wait_until(lambda: len(dispatcher.queue) == 7)
        app.release.set()
        for client in clients:
            client.join(20)
    assert app.served[:3] == ["GET /slow", "POST /editor/7", "GET /editor/7"]
    # The readers in the order they queued (the first four arrived together).
    assert sorted(app.served[3:7]) == [f"GET /read/{n}" for n in range(4)]
    assert app.served[7:] == ["GET /read/4"]
