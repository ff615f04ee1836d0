"""Real-world-shaped sites, one per generator rule, each with the old URLs it answered.

Every folder under ``tests/migrate/sites/`` is a small site written the way the
generator's users write theirs, with ``expected.yaml``: the import's ``format``, the
``source`` to import (the folder itself when absent), ``old_urls`` (each old address and
the new path it must answer 301 to), ``lost`` (addresses that must not lead anywhere), and
optionally ``kinds`` (post or page), ``titles`` and ``dates`` by new slug, and
``absent`` (slugs that must not be imported).
Each site is imported into an empty site with its own configuration and no
``--permalink``, and every address is requested from the imported site.
"""

from pathlib import Path

import pytest
import yaml

SITES = Path(__file__).parent / "sites"


def _sites() -> list[str]:
    return sorted(p.name for p in SITES.iterdir() if (p / "expected.yaml").is_file())


@pytest.mark.parametrize("name", _sites())
def test_every_old_url_answers_301_to_its_post(app, run_import, name):
    site = SITES / name
    expected = yaml.safe_load((site / "expected.yaml").read_text(encoding="utf-8"))
    source = site / expected["source"] if expected.get("source") else site
    report, posts = run_import(source, expected["format"])
    assert not report.failed, report.errors
    client = app.test_client()
    client.get("/")  # a cached home page must not answer "/?p=42" in the post's place
    client.get("/")
    wrong = {}
    for old, new in expected["old_urls"].items():
        answer = client.get(old)
        where = answer.headers.get("Location", "")
        if answer.status_code != 301 or where.split("?")[0] != new:
            wrong[old] = (answer.status_code, where)
    assert wrong == {}, "\n".join(str(line) for line in report.lines)
    for old in expected.get("lost") or []:
        answer = client.get(old)
        assert answer.status_code in (200, 404) and "Location" not in answer.headers, old
    for slug, kind in (expected.get("kinds") or {}).items():
        assert ("page" if posts[slug].is_page else "post") == kind, slug
    assert not set(expected.get("absent") or []) & set(posts)
    for slug, title in (expected.get("titles") or {}).items():
        assert posts[slug].title == title, slug
    for slug, day in (expected.get("dates") or {}).items():
        assert posts[slug].published_at.date().isoformat() == str(day), slug
