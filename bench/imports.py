"""Import benchmark: a Jekyll site of N posts without images, imported into an empty site.

Prints the wall time and the CPU time of the import (the target is 1,000 posts in at
most 30 s on a 2-core machine), and the same for a dry run, which goes through the same
code and writes nothing.

Usage: python bench/imports.py [--posts N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pressmark import create_app  # noqa: E402
from pressmark.extensions import db  # noqa: E402
from pressmark.migrate import import_source  # noqa: E402

WORDS = "Paragraph words about caches, tokens and the cost of a decode step. " * 40


def write_site(root: Path, posts: int) -> Path:
    """A Jekyll site with dated posts, categories, tags and a little Markdown each."""
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("permalink: /:year/:month/:title/\n", encoding="utf-8")
    for number in range(posts):
        day = number % 28 + 1
        (root / "_posts" / f"2020-01-{day:02d}-post-number-{number}.md").write_text(
            f"---\ntitle: Post number {number}\ntags: [caching, gpu]\ncategories: [news]\n"
            f"---\n# A heading\n\nSome *text* with a [link](https://example.org) and "
            f"`code`.\n\n{WORDS}\n", encoding="utf-8")
    return root


def run(folder: Path, site: Path, dry_run: bool) -> tuple[float, float, str]:
    app = create_app({
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
        "SITE_URL": "http://localhost",
        "LOAD_ENTRYPOINT_PLUGINS": False,
    })
    with app.app_context():
        db.create_all()
        wall, cpu = time.perf_counter(), time.process_time()
        report = import_source(site, "jekyll", dry_run=dry_run)
        return time.perf_counter() - wall, time.process_time() - cpu, report.totals()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = write_site(Path(tmp) / "site", args.posts)
        for dry_run in (True, False):
            folder = Path(tmp) / ("dry" if dry_run else "real")
            folder.mkdir()
            wall, cpu, totals = run(folder, site, dry_run)
            print(f"{'dry run' if dry_run else 'import '}: {wall:6.1f} s wall, "
                  f"{cpu:6.1f} s CPU  ({totals})")


if __name__ == "__main__":
    main()
