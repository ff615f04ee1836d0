"""``pressmark freeze``: the static export, served by nginx, answers every sitemap URL and
every old address as the live app does; drafts never leave; --incremental rewrites little."""

import http.client
import os
import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pressmark.content.models import Alias, Post, utcnow
from pressmark.content.postdata import PostData, data_from_post
from pressmark.content.store import save_post
from pressmark.extensions import db
from pressmark.freeze import freeze
from sqlalchemy import select

from tests.conftest import free_port

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {work}/tmp; proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp; uwsgi_temp_path {work}/tmp; scgi_temp_path {work}/tmp;
    include {out}/nginx-map.conf;
    server {{
        listen 127.0.0.1:{port};
        include {out}/nginx-server.conf;
    }}
}}
"""
# Run as root, nginx's workers would drop to "nobody", who cannot read the test's folders.
RUN_AS = "user root;" if os.geteuid() == 0 else ""
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed "
                                "(tests/install-system-deps.sh installs it)")


@pytest.fixture
def nginx(tmp_path):
    started = []

    def serve(out: Path) -> int:
        work = tmp_path / f"nginx{len(started)}"
        (work / "tmp").mkdir(parents=True)
        port = free_port()
        (work / "nginx.conf").write_text(NGINX_CONF.format(work=work, out=out, port=port,
                                                            user=RUN_AS))
        process = subprocess.Popen([NGINX, "-c", str(work / "nginx.conf"), "-p", str(work)],
                                   stderr=subprocess.PIPE)
        started.append(process)
        for _ in range(100):
            try:
                get(port, "/")
                return port
            except OSError:
                assert process.poll() is None, process.stderr.read()
                time.sleep(0.05)
        raise AssertionError("nginx did not start")

    yield serve
    for process in started:
        process.terminate()
        process.communicate(timeout=10)


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read()
    finally:
        connection.close()


def path_of(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def test_the_frozen_site_answers_like_the_live_app(demo_app, tmp_path, nginx):
    live = demo_app.test_client()
    with demo_app.app_context():
        save_post(PostData(title="Secret draft", body="not for readers"))
        save_post(PostData(title="Tomorrow's news", body="later", status="published",
                           published_at=utcnow() + timedelta(days=1)))
        report = freeze(demo_app, tmp_path / "out")
        aliases = {path: f"/posts/{post.slug}" for path, post in
                   db.session.execute(select(Alias.path, Post).join(Alias.post)).all()
                   if post.is_visible}
    out = tmp_path / "out"
    assert report.written and aliases
    port = nginx(out)
    sitemap = live.get("/sitemap.xml").get_data(as_text=True)
    urls = [re.sub(r"^http://localhost", "", u) for u in re.findall(r"<loc>([^<]+)<", sitemap)]
    assert len(urls) > 80 and any("/posts/page/2/" in u for u in urls)
    for url in [*urls, "/sitemap.xml", "/robots.txt", "/llms.txt", "/feed.atom",
                "/posts/kv-caching.md", "/topics/archive/feed.xml"]:
        status, _, body = get(port, url.replace("&amp;", "&"))
        assert status == 200, url
        assert body == live.get(url.replace("&amp;", "&")).get_data(), url
    for old, target in aliases.items():
        status, location, _ = get(port, old)
        live_answer = live.get(old)
        assert status == live_answer.status_code == 301, old
        assert path_of(location) == live_answer.headers["Location"] == target, old
        # Hosts without rules get an HTML page with a canonical link and a refresh.
        page = (out / old.lstrip("/")).read_text()
        assert f'<link rel="canonical" href="http://localhost{target}">' in page
        assert f'content="0; url={target}"' in page
        assert f"{old} {target} 301" in (out / "_redirects").read_text()
    css = re.search(r'href="(/static/site\.css\?v=\w+)"', live.get("/").get_data(as_text=True))
    assert get(port, css.group(1))[2] == live.get(css.group(1)).get_data()
    assert get(port, "/posts/no-such-post")[0] == 404
    # Nothing readers cannot see leaves the building.
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"Secret draft" not in everything and b"Tomorrow" not in everything
    assert not (out / "editor").exists() and not (out / "search" / "page").exists()


def test_incremental_freeze_rewrites_only_what_changed(demo_app, tmp_path):
    out = tmp_path / "out"
    with demo_app.app_context():
        first = freeze(demo_app, out)
        again = freeze(demo_app, out, incremental=True)
        assert again.written == [] and again.unchanged == len(first.written)
        assert again.rendered == 0  # nothing changed: nothing is rendered at all
        post = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        data = data_from_post(post)
        data.body += "\n\nOne more paragraph.\n"
        save_post(data, post)
        changed = freeze(demo_app, out, incremental=True)
    # Rendered again: the post, its Markdown copy and the pages that link to it only.
    assert 0 < changed.rendered < first.rendered / 4, (changed.rendered, first.rendered)
    assert "posts/kv-caching/index.html" in changed.written
    assert "posts/kv-caching.md" in changed.written
    assert len(changed.written) < len(first.written) / 4
    assert "One more paragraph." in (out / "posts/kv-caching/index.html").read_text()


def test_freeze_command_needs_an_empty_folder_and_a_site_url(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "precious.txt").write_text("keep me")
    refused = runner.invoke(args=["freeze", str(tmp_path / "busy")])
    assert refused.exit_code != 0 and "not empty" in refused.output
    assert (tmp_path / "busy" / "precious.txt").read_text() == "keep me"
    done = runner.invoke(args=["freeze", str(tmp_path / "site")])
    assert done.exit_code == 0 and "Froze the site into" in done.output
    demo_app.config["SITE_URL"] = ""
    nourl = runner.invoke(args=["freeze", str(tmp_path / "other")])
    assert nourl.exit_code != 0 and "Set SITE_URL" in nourl.output
