"""``--check-urls`` and ``pressmark urls check``: every old URL of the old site is asked of
the new one, and a loss is a non-zero exit. The old sites are the fixture sites of
``test_old_urls`` with a sitemap or a built folder beside them, as the generators write
them; ``--site`` is checked against the real server."""

import json
import shutil

import pytest

from tests.conftest import serve_in_thread
from tests.migrate.test_old_urls import SITES

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{}
</urlset>"""


def _sitemap(tmp_path, paths):
    entries = "\\n".join(f"<url><loc>https://old.example{p}</loc></url>" for p in paths)
    path = tmp_path / "sitemap.xml"
    path.write_text(SITEMAP.format(entries), encoding="utf-8")
    return path


def test_import_with_check_urls_passes_when_every_old_url_answers(app, tmp_path):
    site = shutil.copytree(SITES / "hugo-mounts", tmp_path / "site")
    sitemap = _sitemap(tmp_path, ["/2019/04/hello-world-c++-rust/", "/legacy/Thing.html",
                                  "/about/", "/fr/2019/05/bonjour-%C3%A0-tous/"])
    report = tmp_path / "report.jsonl"
    result = app.test_cli_runner().invoke(args=[
        "import", str(site), "--check-urls", str(sitemap), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "301  /2019/04/hello-world-c++-rust/ -> /posts/hello" in result.output
    assert "4 old URLs: 0 answer 200, 4 answer 301 to a page that answers, 0 lost." \
        in result.output
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    hello = next(r for r in records if r.get("file") == "content/en/posts/hello.md")
    assert hello["outcome"] == "imported" and hello["address"] == "/posts/hello"
    assert hello["old_urls"] == ["/2019/04/hello-world-c++-rust/"]
    assert records[-1]["summary"].startswith("7 files seen: 7 imported")


def test_urls_check_on_a_built_folder_reports_each_loss_and_fails(app, run_import, tmp_path):
    run_import(SITES / "jekyll-defaults", "jekyll")
    built = tmp_path / "_site"
    for page in ("blog/2016/02/first-steps/index.html", "about/index.html", "index.html",
                 "never/existed.html", "404.html"):
        (built / page).parent.mkdir(parents=True, exist_ok=True)
        (built / page).write_text("<html></html>", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["urls", "check", str(built)])
    assert result.exit_code == 1, result.output
    assert "lost  404  /never/existed.html" in result.output
    assert "301  /about/ -> /about" in result.output
    assert "200  /" in result.output  # the home page answers itself
    assert "/404.html" not in result.output  # the old not-found page is not a page
    assert "4 old URLs: 1 answer 200, 2 answer 301 to a page that answers, 1 lost." \
        in result.output


@pytest.mark.parametrize("bad", ["nowhere", "notxml"])
def test_urls_check_with_no_readable_source_is_a_clear_error(app, tmp_path, bad):
    source = tmp_path / "missing.xml"
    if bad == "notxml":
        source.write_text("<html>not a sitemap</html>", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["urls", "check", str(source)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert ("is neither a sitemap nor a folder" if bad == "nowhere"
            else "is not a sitemap") in result.output


def test_urls_check_asks_a_running_site(app, run_import, tmp_path):
    run_import(SITES / "wordpress-plain" / "export.xml", "wordpress")
    sitemap = _sitemap(tmp_path, ["/?p=42", "/?page_id=748", "/?p=1234"])
    with serve_in_thread(app) as base:
        # The site answers to its SITE_URL's host (localhost in the tests) only.
        result = app.test_cli_runner().invoke(
            args=["urls", "check", str(sitemap), "--site", base.replace("127.0.0.1",
                                                                        "localhost")])
    assert result.exit_code == 0, result.output
    assert "301  /?p=42 -> /posts/moving-house" in result.output
    assert "301  /?page_id=748 -> /about" in result.output
    # An unknown id is the home page here as on WordPress: it answers.
    assert "200  /?p=1234" in result.output
