"""The HTTP benchmark: real servers on 127.0.0.1 driven by wrk, every ratio measured in
the same run.

Usage:
    python bench/load.py                 # the full run (about 10 minutes)
    python bench/load.py --smoke         # a few seconds: proves the benchmark works
    python bench/load.py --seconds 10    # longer wrk runs
    python bench/load.py --only misses   # ratio 4 alone (uncached renders, both sites)
    python bench/load.py --only feed     # the Atom feed alone

It generates a 100-post and a 10,000-post site (``pressmark demo generate``), starts
``pressmark serve`` in the configurations it compares, a minimal Flask app on waitress and
on gunicorn, and nginx for the static export, and prints requests/s and p50/p99 latency
per page and the ratios of bench/README.md. Any error or answer outside 2xx/3xx fails the
run. wrk (and nginx) are installed with apt-get when missing.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
THREADS = 4
WRK_CONNECTIONS = 16


# --- tools ----------------------------------------------------------------------------------


def ensure_tool(command: str, package: str) -> str | None:
    """The path of ``command``, installing Debian's ``package`` if it is missing."""
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print(f"installing {package} (apt-get) ...", flush=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", package], check=False,
                   stdout=subprocess.DEVNULL, env={**os.environ,
                                                   "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which(command) or shutil.which(command, path="/usr/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# --- servers --------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, command: list[str], env: dict[str, str] | None = None,
                 port: int | None = None, ready_path: str = "/"):
        self.name = name
        self.port = port or free_port()
        command = [part.replace("{port}", str(self.port)) for part in command]
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(command, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 180
        while True:
            try:
                if get(self.port, ready_path)[0] < 500:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.log.seek(0)
                raise RuntimeError(f"{name} did not start: {self.log.read()[-2000:]!r}")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        """The server process and its children (the workers)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [pid, *map(int, children)]

    def rss_kib(self) -> int:
        total = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def site_env(instance: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env["PRESSMARK_INSTANCE_PATH"] = str(instance)
    env.update({f"PRESSMARK_{k}": v for k, v in settings.items()})
    return env


def pressmark(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "pressmark"), *args], env=env, capture_output=True,
                            text=True, cwd=ROOT)
    if result.returncode:
        raise RuntimeError(f"pressmark {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def build_site(folder: Path, posts: int) -> dict[str, str]:
    env = site_env(folder / "instance")
    started = time.monotonic()
    pressmark(env, "init", "--no-demo")
    pressmark(env, "demo", "generate", "--posts", str(posts))
    print(f"  built a {posts}-post site in {time.monotonic() - started:.0f} s", flush=True)
    return env


def serve_site(name: str, env: dict[str, str], *args: str, **settings: str) -> Server:
    return Server(name, [str(BIN / "pressmark"), "serve", "--port", "{port}", "--no-demo",
                         "--threads", str(THREADS), *args], env={**env, **{
                             f"PRESSMARK_{k}": v for k, v in settings.items()}})


# --- wrk ------------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    errors: int
    detail: str = ""

    def row(self, label: str) -> str:
        return (f"  {label:<44}{self.rate:>10.0f} req/s   p50 {self.p50_ms:>7.2f} ms"
                f"   p99 {self.p99_ms:>7.2f} ms")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def wrk(port: int, path: str, seconds: float, *, connections: int = WRK_CONNECTIONS,
        headers: dict[str, str] | None = None, script: Path | None = None) -> Result:
    # A 10 s timeout: on a busy shared machine a slow answer is slow, not lost (wrk's
    # default of 2 s counts it as a socket error).
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                            text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(bad.group(1)) if bad else 0) + (
        sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Result(
        requests=requests,
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)\s*$", output, re.M).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)\s*$", output, re.M).group(1)),
        errors=errors,
        detail="; ".join(m.group(0) for m in (bad, socket_errors) if m),
    )


UNIQUE_QUERIES = """
counter = 0
paths = {"/feed.atom", "/", "%s", "/posts"}
request = function()
  counter = counter + 1
  local path = paths[(counter %% 4) + 1]
  return wrk.format("GET", path .. "?cb=" .. counter .. "-" .. math.random(1, 1e9))
end
"""


# --- the run --------------------------------------------------------------------------------


class Run:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.errors: list[str] = []
        self.ratios: list[tuple[int, str, float, str, bool]] = []

    def measure(self, label: str, port: int, path: str, **options) -> Result:
        get(port, path, options.get("headers"))  # a miss first: measure what follows
        result = wrk(port, path, options.pop("seconds", self.seconds), **options)
        return self.record(label, result)

    def record(self, label: str, result: Result) -> Result:
        print(result.row(label), flush=True)
        if result.errors:
            self.errors.append(f"{label}: {result.errors} errors or non-2xx/3xx answers "
                               f"({result.detail})")
        return result

    def ratio(self, number: int, name: str, value: float, target: str) -> None:
        bound = float(target[2:])
        met = value >= bound if target.startswith(">=") else value <= bound
        self.ratios.append((number, name, value, target, met))

    def report(self) -> int:
        print("\nratios (each measured in this run)")
        for number, name, value, target, met in self.ratios:
            mark = "ok " if met else "MISS"
            print(f"  {number}. {name:<66}{value:>6.2f}  target {target}  {mark}")
        if self.errors:
            print("\nERRORS:\n  " + "\n  ".join(self.errors))
            return 1
        print("\nzero errors, every answer 2xx/3xx")
        return 0


def first_post_path(port: int) -> str:
    body = get(port, "/")[2].decode()
    return re.search(r'href="(/posts/[a-z0-9-]+)"', body).group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small sites")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each wrk run")
    parser.add_argument("--large", type=int, default=10_000,
                        help="posts in the large site (ratio 4 compares it with 100)")
    parser.add_argument("--only", choices=("misses", "feed"),
                        help="one part of the full run: the cache-miss renders (ratio 4) or "
                             "the Atom feed")
    options = parser.parse_args()
    if not ensure_tool("wrk", "wrk"):
        print("wrk is missing and could not be installed", file=sys.stderr)
        return 2
    run = Run(1.0 if options.smoke else options.seconds)
    with tempfile.TemporaryDirectory(prefix="pressmark-bench-") as tmp:
        folder = Path(tmp)
        print(f"machine: {os.cpu_count()} CPUs; wrk -t1 -c{WRK_CONNECTIONS}; "
              f"{THREADS} threads per server process; {run.seconds:g} s per measurement")
        small = build_site(folder / "small", 20 if options.smoke else 100)
        if options.smoke:
            smoke(run, small)
        elif options.only == "feed":
            feed(run, small)
        elif options.only == "misses":
            misses(run, small, build_site(folder / "large", options.large))
        else:
            large = build_site(folder / "large", options.large)
            full(run, folder, small, large)
    return run.report()


def smoke(run: Run, small: dict[str, str]) -> None:
    hello = Server("hello", [PYTHON, "bench/hello.py", "{port}", str(THREADS)])
    site = serve_site("pressmark", small, "--workers", "1")
    try:
        base = run.measure("hello world, waitress", hello.port, "/")
        hit = run.measure("pressmark /, cache hit", site.port, "/")
        run.ratio(1, "cache hit ÷ hello world on waitress", hit.rate / base.rate, ">=1.0")
        compare_304(run, site)
        compare_bytes(run, site)
    finally:
        hello.stop()
        site.stop()


def compare_304(run: Run, site: Server, path: str = "/") -> None:
    etag = get(site.port, path)[1]["ETag"]
    hit = run.measure(f"{path} cache hit (for the 304 ratio)", site.port, path)
    not_modified = run.measure(f"{path} conditional GET, 304", site.port, path,
                               headers={"If-None-Match": etag})
    run.ratio(5, "conditional GET answered 304 ÷ cache hit", not_modified.rate / hit.rate,
              ">=1.0")


def compare_bytes(run: Run, site: Server) -> None:
    plain = get(site.port, "/")[2]
    zipped = get(site.port, "/", {"Accept-Encoding": "gzip"})[2]
    assert gzip.decompress(zipped) == plain
    run.ratio(8, f"bytes of / with gzip ÷ without ({len(zipped)} ÷ {len(plain)})",
              len(zipped) / len(plain), "<=0.30")


def full(run: Run, folder: Path, small: dict[str, str], large: dict[str, str]) -> None:
    hello = Server("hello", [PYTHON, "bench/hello.py", "{port}", str(THREADS)])
    gunicorn = Server("gunicorn", [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b",
                                   "127.0.0.1:{port}", "--log-level", "warning",
                                   "bench.hello:app"])
    try:
        print("\nbaselines")
        base = run.measure("hello world, waitress (1 process)", hello.port, "/")
        gunicorn_base = run.measure("hello world, gunicorn 2 sync workers", gunicorn.port, "/")
    finally:
        hello.stop()
        gunicorn.stop()

    print("\npressmark serve --workers 1, 100 posts, cache hits")
    one = serve_site("one worker", small, "--workers", "1")
    try:
        post = first_post_path(one.port)
        pages = {"/": "/", "a post": post, "a topic": "/topics/inference",
                 "the Atom feed": "/feed.atom"}
        rates = {name: run.measure(name, one.port, path) for name, path in pages.items()}
        run.ratio(1, "cache hit (one worker) ÷ hello world on waitress",
                  rates["/"].rate / base.rate, ">=1.0")
        compare_304(run, one, post)
        compare_bytes(run, one)
        memory(run, one, folder, post)
    finally:
        one.stop()

    print("\npressmark serve --workers 2, 100 posts, cache hits")
    results = {}
    for pin in ("--no-pin", "--pin"):
        two = serve_site("two workers", small, "--workers", "2", pin)
        try:
            results[pin] = run.measure(f"/ with 2 workers {pin}", two.port, "/")
        finally:
            two.stop()
    one_pinned = serve_site("one pinned worker", small, "--workers", "1", "--pin")
    try:
        pinned = run.measure("/ with 1 worker --pin", one_pinned.port, "/")
    finally:
        one_pinned.stop()
    best_two = max(results.values(), key=lambda r: r.rate)
    run.ratio(2, "--workers 2 ÷ one worker (cache hit on /)",
              best_two.rate / rates["/"].rate, ">=1.6")
    run.ratio(3, "--workers 2 ÷ gunicorn 2 sync workers (hello world)",
              best_two.rate / gunicorn_base.rate, ">=1.0")
    print(f"  pinning: 1 worker pinned ÷ unpinned = {pinned.rate / rates['/'].rate:.2f}; "
          f"2 workers pinned ÷ unpinned = {results['--pin'].rate / results['--no-pin'].rate:.2f}")

    misses(run, small, large)
    frozen(run, folder, small)


# Pages whose uncached render is compared between the two sites; the post is each site's
# newest (the one with the most posts before it).
MISS_PAGES = {"/": "/", "a post": "", "a topic": "/topics/inference",
              "the Atom feed": "/feed.atom"}


def misses(run: Run, small: dict[str, str], large: dict[str, str]) -> None:
    """Ratio 4: the time of one uncached render of / on the large site ÷ on 100 posts, one
    connection, no page cache. The same figure for a post, a topic and the feed is printed.

    Both servers run at once and are measured in alternating one-second rounds, so a burst
    of load from elsewhere on the machine falls on both sites alike.
    """
    print("\ncache misses (CACHE_MAX_BYTES=0), one connection, alternating rounds")
    sites = {label: serve_site(label, env, "--workers", "1", CACHE_MAX_BYTES="0")
             for label, env in (("100 posts", small), ("large site", large))}
    try:
        paths = {label: {**MISS_PAGES, "a post": first_post_path(site.port)}
                 for label, site in sites.items()}
        for site in sites.values():
            wrk(site.port, "/", 1, connections=1)  # warm up
        for name in MISS_PAGES:
            rounds: dict[str, list[Result]] = {label: [] for label in sites}
            for _ in range(max(1, round(run.seconds))):
                for label, site in sites.items():
                    rounds[label].append(wrk(site.port, paths[label][name], 1, connections=1))
            totals = {label: combined(results) for label, results in rounds.items()}
            for label, result in totals.items():
                run.record(f"{name} uncached, {label}", result)
            value = totals["100 posts"].rate / totals["large site"].rate
            if name == "/":
                run.ratio(4, "cache-miss home page time per request, large site ÷ 100 posts",
                          value, "<=1.25")
            else:
                print(f"  {name}, uncached: time per request, large site ÷ 100 posts = "
                      f"{value:.2f}", flush=True)
    finally:
        for site in sites.values():
            site.stop()


def combined(results: list[Result]) -> Result:
    """Rounds of one second each as one measurement: the rate over all of them, the median
    round's p50 and the worst round's p99."""
    return Result(
        requests=sum(r.requests for r in results),
        rate=sum(r.rate for r in results) / len(results),
        p50_ms=sorted(r.p50_ms for r in results)[len(results) // 2],
        p99_ms=max(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        detail="; ".join(r.detail for r in results if r.detail),
    )


def feed(run: Run, small: dict[str, str]) -> None:
    """The Atom feed alone, one worker: cache hits at 16 connections, then misses at one."""
    print("\nthe Atom feed, 100 posts, one worker")
    site = serve_site("feed", small, "--workers", "1")
    try:
        run.measure("/feed.atom, cache hits", site.port, "/feed.atom")
    finally:
        site.stop()
    site = serve_site("feed, uncached", small, "--workers", "1", CACHE_MAX_BYTES="0")
    try:
        run.measure("/feed.atom uncached, one connection", site.port, "/feed.atom", connections=1)
        run.measure("/feed.atom uncached, 16 connections", site.port, "/feed.atom")
    finally:
        site.stop()


def memory(run: Run, site: Server, folder: Path, post: str) -> None:
    """Resident memory after 5,000 and after 50,000 requests with made-up query strings."""
    script = folder / "unique.lua"
    script.write_text(UNIQUE_QUERIES % post)
    done, marks = 0, {}
    for target in (5_000, 50_000):
        while done < target:
            result = wrk(site.port, "/", min(5, max(1, (target - done) / 2000)), script=script)
            done += result.requests
            if result.errors:
                run.errors.append(f"memory run: {result.errors} errors")
        marks[target] = (done, site.rss_kib())
    (n1, rss1), (n2, rss2) = marks[5_000], marks[50_000]
    print(f"  resident memory: {rss1 / 1024:.0f} MiB after {n1} requests, "
          f"{rss2 / 1024:.0f} MiB after {n2}")
    run.ratio(7, "resident memory after 50,000 requests ÷ after 5,000", rss2 / rss1, "<=1.10")


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp; uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    {http}
    server {{
        listen 127.0.0.1:{port};
        {server}
    }}
}}
"""


def frozen(run: Run, folder: Path, env: dict[str, str]) -> None:
    nginx = ensure_tool("nginx", "nginx-light")
    if nginx is None:
        run.errors.append("nginx is missing and could not be installed")
        return
    out = folder / "frozen"
    pressmark({**env, "PRESSMARK_SITE_URL": "http://127.0.0.1"}, "freeze", str(out))
    plain = folder / "plain"
    plain.mkdir()
    (plain / "index.html").write_bytes((out / "index.html").read_bytes())
    print("\nnginx: the frozen site ÷ one static file")
    results = {}
    plain_server = f"root {plain}; location / {{ try_files $uri $uri/index.html =404; }}"
    setups = (("one static file", "", plain_server),
              ("frozen site", f"include {out}/nginx-map.conf;",
               f"include {out}/nginx-server.conf;"))
    for label, http_part, server_part in setups:
        work = folder / f"nginx-{label.replace(' ', '-')}"
        (work / "tmp").mkdir(parents=True)
        port = free_port()
        conf = work / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            dir=work, port=port, http=http_part, server=server_part,
            user="user root;" if os.geteuid() == 0 else ""))
        server = Server(label, [nginx, "-c", str(conf), "-p", str(work)], port=port)
        try:
            results[label] = run.measure(f"/ from {label}", port, "/")
        finally:
            server.stop()
    run.ratio(6, "frozen site served by nginx ÷ one static file served by nginx",
              results["frozen site"].rate / results["one static file"].rate, ">=0.95")


if __name__ == "__main__":
    sys.exit(main())
