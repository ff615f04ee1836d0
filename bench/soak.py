"""Soak test: readers hold many connections to the real server while the author saves.

Usage: python bench/soak.py [--seconds 60] [--readers 64] [--save-every 0.2] [--json FILE]

It sets up a throwaway site with the demo content in a temporary folder, starts
``pressmark serve`` on a free loopback port (nothing else is ever contacted), and for
``--seconds``:

- ``--readers`` threads each hold one keep-alive connection and read public pages (every
  URL of the sitemap, the feeds, search, the post being edited) one after another; they run
  in a process of their own, so that the load they generate does not starve the author's
  client of Python's interpreter lock (the author would then measure the client, not the
  server);
- the author, signed in, saves one post through the editor every ``--save-every`` seconds
  (each save is the edit form's GET, then its POST, as a browser does);
- the server's resident memory is sampled every second.

Then it checks the promises of docs/reliability.md: no failed request (an error status or a
broken connection, readers and author alike), every answered save present as a revision,
``PRAGMA integrity_check`` passing, and memory flat: the resident size at the end at most
``--memory-ratio`` (1.10) times the size at the 10th second. It prints the figures and exits
non-zero when a promise is broken. ``tests/reliability/test_soak.py`` runs a few-second
version of it in CI.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live_server import LiveSite, WebClient  # noqa: E402

MEMORY_FROM_SECOND = 10


@dataclass
class SoakResult:
    seconds: float
    readers: int
    reads: int = 0
    read_failures: int = 0
    read_latency_ms_p50: float = 0.0
    read_latency_ms_p99: float = 0.0
    saves_answered: int = 0
    save_failures: int = 0
    saves_missing: int = 0
    integrity: str = ""
    rss_kib_at_start: int = 0
    rss_kib_at_memory_mark: int = 0
    rss_kib_at_end: int = 0
    memory_ratio: float = 0.0
    memory_checked: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self, memory_limit: float = 1.10) -> list[str]:
        found = []
        if self.read_failures or self.save_failures:
            found.append(f"{self.read_failures} reads and {self.save_failures} saves failed")
        if self.saves_missing:
            found.append(f"{self.saves_missing} answered saves are not among the revisions")
        if self.integrity != "ok":
            found.append(f"PRAGMA integrity_check: {self.integrity}")
        if self.memory_checked and self.memory_ratio > memory_limit:
            found.append(f"memory grew {self.memory_ratio:.3f}x (limit {memory_limit}x)")
        if not self.saves_answered or not self.reads:
            found.append("nothing was read or saved")
        return found


class Reader(threading.Thread):
    """One keep-alive connection, reading ``paths`` in turn until ``stop``."""

    def __init__(self, port: int, paths: list[str], offset: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.paths, self.offset, self.stop = port, paths, offset, stop
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        i = self.offset
        while not self.stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    self.failures.append(f"GET {path}: {response.status}")
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append(f"GET {path}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.latencies.append(time.perf_counter() - started)
        conn.close()


class Author(threading.Thread):
    """Saves one post through the editor every ``interval`` seconds until ``stop``."""

    def __init__(self, site: LiveSite, post_id: int, interval: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.site, self.post_id, self.interval, self.stop = site, post_id, interval, stop
        self.client = WebClient(site, timeout=30)
        self.client.login()
        self.answered: list[str] = []
        self.failures: list[str] = []

    def run(self) -> None:
        count = 0
        next_save = time.monotonic()
        while not self.stop.is_set():
            count += 1
            body = f"Save {count} at {time.time():.3f}.\n\n" + "Words of the soak post. " * 50
            try:
                token, version = self.client.edit_form(self.post_id)
                answer = self.client.save_post(self.post_id, token, version, "Soak post", body)
                if answer.status == 303:
                    self.answered.append(body)
                else:
                    self.failures.append(f"save {count}: {answer.status}")
            except (OSError, AttributeError, http.client.HTTPException) as exc:
                self.failures.append(f"save {count}: {type(exc).__name__}: {exc}")
            next_save += self.interval
            self.stop.wait(max(0.0, next_save - time.monotonic()))


def read_until(port: int, paths: list[str], readers: int, seconds: float, results) -> None:
    """In the readers' process: ``readers`` threads read for ``seconds``, then their
    latencies and failures go back through the pipe ``results``."""
    stop = threading.Event()
    workers = [Reader(port, paths, n * 7, stop) for n in range(readers)]
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    results.send(([t for w in workers for t in w.latencies],
                  [f for w in workers for f in w.failures]))
    results.close()


def reader_paths(site: LiveSite, post_path: str) -> list[str]:
    sitemap = WebClient(site).get("/sitemap.xml").text
    paths = [re.sub(r"^https?://[^/]+", "", url) for url in re.findall(r"<loc>([^<]+)", sitemap)]
    return [*paths, "/", "/posts?page=2", "/feed.xml", "/feed.atom", "/search?q=cache",
            post_path, "/-/health"]


def run_soak(seconds: float = 60, readers: int = 64, save_every: float = 0.2,
             threads: int = 4, folder: Path | None = None) -> SoakResult:
    """Run the soak against a new site in ``folder`` (a temporary one by default)."""
    with tempfile.TemporaryDirectory() as tmp:
        site = LiveSite(Path(folder or tmp), threads=threads)
        site.cli("init")  # the demo content
        site.cli("author", "create", "author", "--password-stdin",
                 stdin="correct horse battery staple\n")
        site.start()
        try:
            return _soak(site, seconds, readers, save_every)
        finally:
            site.stop()


def _soak(site: LiveSite, seconds: float, readers: int, save_every: float) -> SoakResult:
    result = SoakResult(seconds=seconds, readers=readers)
    setup = WebClient(site)
    setup.login()
    post_id = setup.create_post("Soak post", "The first version.")
    post_path = re.search(r'href="(/posts/[^"]+)"', setup.get(f"/editor/{post_id}").text)[1]
    paths = reader_paths(site, post_path)
    # Forked before any thread of this process starts, and sharing nothing but the port.
    received, sent = multiprocessing.get_context("fork").Pipe(duplex=False)
    readers_process = multiprocessing.get_context("fork").Process(
        target=read_until, args=(site.port, paths, readers, seconds, sent), daemon=True)
    stop = threading.Event()
    author = Author(site, post_id, save_every, stop)
    result.rss_kib_at_start = site.memory_kib()
    started = time.monotonic()
    readers_process.start()
    author.start()
    samples: list[tuple[float, int]] = []
    while (elapsed := time.monotonic() - started) < seconds:
        samples.append((elapsed, site.memory_kib()))
        time.sleep(min(1.0, max(0.0, seconds - elapsed)))
    stop.set()
    author.join(timeout=60)
    answered = received.poll(120)
    read_latencies, read_failures = received.recv() if answered else ([], ["readers lost"])
    readers_process.join(timeout=10)
    samples.append((time.monotonic() - started, site.memory_kib()))

    latencies = sorted(read_latencies)
    failures = read_failures + author.failures
    result.reads = len(latencies)
    result.read_failures = len(read_failures)
    if latencies:
        result.read_latency_ms_p50 = round(statistics.median(latencies) * 1000, 2)
        result.read_latency_ms_p99 = round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)
    result.saves_answered = len(author.answered)
    result.save_failures = len(author.failures)
    result.failures = failures[:20]
    mark = next((kib for t, kib in samples if t >= MEMORY_FROM_SECOND), samples[-1][1])
    result.rss_kib_at_memory_mark, result.rss_kib_at_end = mark, samples[-1][1]
    result.memory_ratio = round(result.rss_kib_at_end / mark, 3)
    result.memory_checked = seconds >= 2 * MEMORY_FROM_SECOND

    with sqlite3.connect(site.database) as conn:
        result.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in conn.execute(
            "SELECT body FROM revisions WHERE post_id = ?", (post_id,))}
    conn.close()
    result.saves_missing = sum(1 for body in author.answered if body not in stored)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=64)
    parser.add_argument("--save-every", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=4, help="the server's worker threads")
    parser.add_argument("--memory-ratio", type=float, default=1.10)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    result = run_soak(args.seconds, args.readers, args.save_every, args.threads)
    figures = asdict(result)
    for key, value in figures.items():
        if key != "failures":
            print(f"{key:>24}: {value}")
    print(f"{'reads per second':>24}: {result.reads / result.seconds:.0f}")
    for failure in result.failures:
        print("  failed:", failure)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    problems = result.problems(args.memory_ratio)
    print("PASS" if not problems else "FAIL: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
