"""The incremental freeze's ratios, measured in one run on a generated site.

Usage:
    python bench/freeze.py                # 2,000 posts (a few minutes)
    python bench/freeze.py --posts 200    # quicker

It builds a site with ``generate_posts``, times a full freeze, then an incremental freeze
with nothing changed, and one after a single post's body is edited, and prints each time
and its ratio to the full freeze. The targets (issue "Daily use"): nothing changed <= 5%,
one post edited <= 10%. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGETS = {"nothing changed": 0.05, "one post edited": 0.10}


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    from pressmark.content.generated import generate_posts
    from pressmark.content.models import Post
    from pressmark.content.postdata import data_from_post
    from pressmark.content.store import save_post
    from pressmark.extensions import db
    from pressmark.freeze import freeze
    from sqlalchemy import select

    from tests.conftest import make_test_app

    folder = Path(tempfile.mkdtemp(prefix="pressmark-bench-freeze-"))
    app = make_test_app(folder, SITE_URL="https://blog.example.com")
    out = folder / "out"
    with app.app_context():
        db.create_all()
        generate_posts(args.posts, seed=1)
        full, report = timed(lambda: freeze(app, out))
        print(f"full freeze: {full:.2f} s, {report.rendered} pages rendered")
        results = {}
        results["nothing changed"], _ = timed(lambda: freeze(app, out, incremental=True))
        # A post saved through save_post (the generator writes most rows in bulk).
        post = db.session.scalar(select(Post).order_by(Post.id).limit(1))
        data = data_from_post(post)
        data.body += "\n\nAn edit.\n"
        save_post(data, post)
        results["one post edited"], report = timed(lambda: freeze(app, out, incremental=True))
        print(f"  (the edit rendered {report.rendered} pages: {report.reason})")
    missed = 0
    for name, seconds in results.items():
        ratio = seconds / full
        verdict = "ok" if ratio <= TARGETS[name] else "MISSED"
        missed += verdict != "ok"
        print(f"{name}: {seconds:.2f} s = {ratio:.1%} of a full freeze "
              f"(target <= {TARGETS[name]:.0%}) {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
