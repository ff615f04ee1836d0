"""Page-serving benchmark: uncached vs cached vs 304, as ratios to a trivial request.

Usage: python bench/pages.py [--requests N]
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
from pressmark.content.markup import render_markdown  # noqa: E402
from pressmark.content.models import Post  # noqa: E402
from pressmark.extensions import db  # noqa: E402
from pressmark.migrate.api import load_demo_content  # noqa: E402

PAGES = ["/", "/posts/kv-caching", "/posts", "/archive"]


def build_app(folder: Path, cache_bytes: int):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "CACHE_MAX_BYTES": cache_bytes,
            "SITE_URL": "http://localhost",
            "LOAD_ENTRYPOINT_PLUGINS": False,
        }
    )
    return app


def time_requests(client, path: str, n: int, headers=None) -> float:
    """Median seconds per request over n requests (after a warm-up)."""
    for _ in range(5):
        client.get(path, headers=headers)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path, headers=headers)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        setup = build_app(folder, 64 << 20)
        with setup.app_context():
            db.create_all()
            load_demo_content()
        cached_app = build_app(folder, 64 << 20)
        uncached_app = build_app(folder, 0)
        cached, uncached = cached_app.test_client(), uncached_app.test_client()
        baseline = time_requests(uncached, "/-/health", n)
        print(f"baseline /-/health: {baseline * 1e6:.0f} µs per request (ratio 1.00)")
        print(f"{'page':<22}{'uncached':>10}{'cached':>10}{'304':>10}")
        for path in PAGES:
            etag = cached.get(path).headers["ETag"]
            row = (
                time_requests(uncached, path, n),
                time_requests(cached, path, n),
                time_requests(cached, path, n, headers={"If-None-Match": etag}),
            )
            print(f"{path:<22}" + "".join(f"{value / baseline:>9.2f}x" for value in row))
        with uncached_app.app_context():
            longest = max(db.session.scalars(db.select(Post)), key=lambda p: len(p.body))
            body = longest.body
            samples = []
            for _ in range(max(10, n // 10)):
                start = time.perf_counter()
                render_markdown(body)
                samples.append(time.perf_counter() - start)
        ratio = statistics.median(samples) / baseline
        print(f"render_markdown({longest.slug}, {len(body.split())} words): {ratio:.2f}x")


if __name__ == "__main__":
    main()
