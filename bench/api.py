"""Content API benchmark: a cached API list against a cached HTML page, and an uncached
list of 20 posts at 10,000 posts.

Usage: python bench/api.py [--posts 10000] [--requests 300] [--smoke]

Prints, each measured in this run (medians of in-process requests through the page cache
layer, as ``bench/pages.py`` does):

1. cached ``/api/v1/posts`` ÷ cached ``/posts`` (time per request): target ≤ 1.0, the API
   at least as fast as the HTML page;
2. uncached ``/api/v1/posts?limit=20`` at N posts, in ms: target < 15 ms at 10,000 posts,
   and its ratio to the same list at 100 posts.

``--smoke`` (what CI runs through tests/test_bench.py) uses 300 posts and few requests: it
proves the script works, not the speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pressmark import create_app  # noqa: E402
from pressmark.content.generated import generate_posts  # noqa: E402
from pressmark.extensions import db  # noqa: E402

UNCACHED_TARGET_MS = 15.0


def build_app(folder: Path, cache_bytes: int):
    return create_app({
        "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
        "CACHE_MAX_BYTES": cache_bytes, "SITE_URL": "http://localhost",
        "LOAD_ENTRYPOINT_PLUGINS": False,
    })


def make_site(folder: Path, posts: int) -> None:
    app = build_app(folder, 0)
    with app.app_context():
        db.create_all()
        generate_posts(posts, rendered=3)
        db.engine.dispose()


def median_seconds(client, path: str, n: int) -> float:
    for _ in range(5):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def measure(folder: Path, requests: int) -> dict[str, float]:
    cached = build_app(folder, 64 << 20).test_client()
    uncached = build_app(folder, 0).test_client()
    return {
        "api_hit": median_seconds(cached, "/api/v1/posts", requests),
        "html_hit": median_seconds(cached, "/posts", requests),
        "api_miss": median_seconds(uncached, "/api/v1/posts?limit=20", max(requests // 5, 10)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="A few seconds: 300 posts.")
    options = parser.parse_args()
    posts, requests = (300, 30) if options.smoke else (options.posts, options.requests)
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small", Path(tmp) / "large"
        small.mkdir()
        large.mkdir()
        make_site(small, 100)
        make_site(large, posts)
        base = measure(small, requests)
        found = measure(large, requests)
    ratio = found["api_hit"] / found["html_hit"]
    miss_ms = found["api_miss"] * 1000
    print(f"cached /api/v1/posts: {found['api_hit'] * 1e6:.0f} µs; "
          f"cached /posts: {found['html_hit'] * 1e6:.0f} µs")
    print(f"1. cached API list ÷ cached HTML page (time per request): {ratio:.2f} "
          f"(target ≤ 1.0) {'ok' if ratio <= 1.0 else 'MISSED'}")
    print(f"2. uncached list of 20 at {posts:,} posts: {miss_ms:.2f} ms "
          f"(target < {UNCACHED_TARGET_MS:.0f} ms at 10,000) "
          f"{'ok' if miss_ms < UNCACHED_TARGET_MS else 'MISSED'}; "
          f"÷ at 100 posts: {found['api_miss'] / base['api_miss']:.2f}")


if __name__ == "__main__":
    main()
