"""Plugin tooling: ``pressmark plugins``, ``/-/plugins.json``, ``/editor/plugins``,
``pressmark plugin new``, and real third-party packages installed with pip."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from pressmark.cli import main
from pressmark.content.models import User
from pressmark.extensions import db

from tests.conftest import make_test_app
from tests.plugin_system.test_manager import build_app, parse


@pytest.fixture
def broken_app(tmp_path):
    """An empty site with a well-behaved and a broken directory plugin, and one disabled
    built-in; the home page has been requested once, so failures are recorded."""
    app = build_app(tmp_path, "everything", "broken", DISABLED_PLUGINS=["search"])
    assert app.test_client().get("/").status_code == 200
    yield app
    with app.app_context():
        db.engine.dispose()


def run_plugins(app, *args: str):
    result = app.test_cli_runner().invoke(args=["plugins", *args])
    assert result.exit_code == 0, result.output
    return result.output


def log_in(app, client) -> None:
    """Create an author account and sign in through the real sign-in form."""
    password = "a long enough password"
    with app.app_context():
        user = User(username="author", display_name="The Author")
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post(
        "/auth/login", data={"csrf_token": token, "username": "author", "password": password}
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    assert "/auth/login" not in response.headers["Location"]


# --- pressmark plugins ----------------------------------------------------------------------


def test_plugins_command_lists_every_plugin_with_its_failures(broken_app):
    output = run_plugins(broken_app)
    rows = {line.split()[0]: line.split() for line in output.splitlines()[1:] if line.strip()}
    assert output.splitlines()[0].split() == [
        "NAME", "VERSION", "SOURCE", "STATUS", "FAILURES", "HOOKS"
    ]
    assert rows["feeds"][1:4] == ["0.1.0", "built-in", "enabled"]
    assert rows["search"][1:5] == ["0.1.0", "built-in", "disabled", "0"]
    assert rows["everything"][1:5] == ["1.2.3", "directory", "enabled", "0"]
    assert rows["broken"][1:4] == ["-", "directory", "enabled"]
    assert int(rows["broken"][4]) >= 5
    assert rows["broken"][-1] == "render_slot"
    assert "Recent failures, newest first" in output
    assert re.search(
        r"Z  broken  in render_slot: BrokenPluginError: broken plugin fails in", output
    )
    assert "Traceback" not in output


def test_plugins_command_tracebacks(broken_app):
    output = run_plugins(broken_app, "--tracebacks")
    assert "    Traceback (most recent call last):" in output
    assert 'broken.py", line' in output


def test_plugins_command_json(broken_app):
    report = {p["name"]: p for p in json.loads(run_plugins(broken_app, "--json"))}
    assert report["everything"]["version"] == "1.2.3"
    assert report["everything"]["source"] == "directory"
    assert "register_blueprints" in report["everything"]["hooks"]
    assert report["everything"]["failures"] == []
    assert report["search"]["enabled"] is False
    failure = report["broken"]["failures"][0]
    assert failure["plugin"] == "broken"
    assert failure["traceback"].startswith("Traceback (most recent call last):")


def test_plugins_command_without_failures(tmp_path):
    app = build_app(tmp_path)
    assert "No recent plugin failures." in run_plugins(app)


# --- /-/plugins.json ----------------------------------------------------------------------------


def test_plugins_json_lists_plugins_without_failures_or_paths(broken_app):
    broken_app.config["PLUGIN_LIST_PUBLIC"] = True
    response = broken_app.test_client().get("/-/plugins.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    plugins = response.get_json()
    names = [p["name"] for p in plugins]
    assert names[:2] == ["feeds", "sitemap"] and {"everything", "broken", "search"} <= set(names)
    for plugin in plugins:
        assert set(plugin) == {"name", "source", "version", "enabled", "hooks", "static"}
    assert "Traceback" not in response.get_data(as_text=True)
    assert broken_app.instance_path not in response.get_data(as_text=True)
    assert "public" in response.headers["Cache-Control"]


def test_plugins_json_is_for_signed_in_authors_unless_made_public(broken_app):
    from tests.conftest import AuthActions

    assert broken_app.config["PLUGIN_LIST_PUBLIC"] is False
    client = broken_app.test_client()
    assert client.get("/-/plugins.json").status_code == 404
    AuthActions(broken_app, client).login()
    response = client.get("/-/plugins.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "everything" in {p["name"] for p in response.get_json()}


# --- /editor/plugins ------------------------------------------------------------------------------


def test_failures_page_is_for_signed_in_authors_only(broken_app):
    response = broken_app.test_client().get("/editor/plugins")
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "login" in response.headers["Location"]
    assert "BrokenPluginError" not in response.get_data(as_text=True)


def test_failures_page_shows_plugins_and_tracebacks(broken_app):
    client = broken_app.test_client()
    log_in(broken_app, client)
    response = client.get("/editor/plugins")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    tree = parse(html)
    assert tree.find(".//h1").text == "Plugins"
    rows = {
        row.find("th").text: [td.text for td in row.findall("td")]
        for row in tree.find(".//table/tbody").findall("tr")
    }
    assert rows["everything"][:3] == ["1.2.3", "directory", "enabled"]
    assert rows["search"][2] == "disabled"
    failures = tree.find(".//ol[@class='failure-list']").findall("li")
    assert len(failures) >= 5
    first = failures[0]
    assert "".join(first.find("h3").itertext()).startswith("broken in ")
    traceback = first.find(".//details/pre/code").text
    assert traceback.startswith("Traceback (most recent call last):")
    assert "BrokenPluginError: broken plugin fails in" in traceback
    # Nothing inline that the Content-Security-Policy would refuse.
    assert not re.search(r"<style|style=|<script>| on[a-z]+=", html)


def test_failures_page_without_failures(tmp_path):
    app = build_app(tmp_path)
    client = app.test_client()
    log_in(app, client)
    html = client.get("/editor/plugins").get_data(as_text=True)
    parse(html)
    assert "No plugin has failed recently." in html


# --- pressmark plugin new --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Reading-Time", "is not a valid plugin name"),
        ("reading_time", "is not a valid plugin name"),
        ("reading--time", "is not a valid plugin name"),
        ("9lives", "is not a valid plugin name"),
        ("pressmark-reading-time", "Leave out the “pressmark-” prefix"),
        ("feeds", "There is already a plugin called 'feeds'"),
        ("a" * 41, "at most 40 characters"),
    ],
)
def test_plugin_new_refuses_bad_names(runner, tmp_path, name, message):
    result = runner.invoke(main, ["plugin", "new", name, str(tmp_path / "project")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "project").exists()


def test_plugin_new_refuses_an_existing_folder(runner, tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "notes.txt").write_text("mine")
    result = runner.invoke(main, ["plugin", "new", "reading-time", str(tmp_path / "project")])
    assert result.exit_code == 2
    assert "already exists and is not empty" in result.output
    assert [p.name for p in (tmp_path / "project").iterdir()] == ["notes.txt"]


def test_plugin_new_writes_a_package(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["plugin", "new", "reading-time"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "pressmark-reading-time"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pressmark_reading_time/__init__.py",
        "pyproject.toml",
        "tests/test_pressmark_reading_time.py",
    ]
    pyproject = (root / "pyproject.toml").read_text()
    import tomllib

    config = tomllib.loads(pyproject)
    assert config["project"]["name"] == "pressmark-reading-time"
    assert config["project"]["entry-points"]["pressmark"] == {
        "reading-time": "pressmark_reading_time"
    }
    # Only pluggy: the plugin never pulls in a package by another name; its tests name
    # the real distribution.
    assert config["project"]["dependencies"] == ["pluggy>=1.5"]
    test_deps = config["project"]["optional-dependencies"]["test"]
    assert any(d.startswith("pressmark>=") for d in test_deps)
    module = (root / "pressmark_reading_time" / "__init__.py").read_text()
    assert 'hookimpl = pluggy.HookimplMarker("pressmark")' in module
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(module))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name and name.startswith("pressmark") for name in imported), imported
    assert "$" not in "".join(p.read_text() for p in root.rglob("*") if p.is_file())
    assert f"created {root / 'pyproject.toml'}" in result.output
    assert "pip install -e '.[test]'" in result.output


# --- real packages, installed with pip ---------------------------------------------------------


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args, "-q", "--disable-pip-version-check"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    importlib.invalidate_caches()


def pip_install(folder: Path) -> None:
    # --no-build-isolation and --no-deps: no download, the environment's setuptools builds it.
    pip("install", "--no-deps", "--no-build-isolation", "--no-index", str(folder))


PROBE_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "4.5.6"
dependencies = ["pressmark"]

[project.entry-points.pressmark]
{plugin} = "{module}"

[tool.setuptools.packages.find]
include = ["{module}*"]

[tool.setuptools.package-data]
"*" = ["static/*"]
"""

PROBE_MODULE = """\
import pluggy
from flask import url_for

hookimpl = pluggy.HookimplMarker("pressmark")


@hookimpl
def render_slot(slot):
    if slot == "footer":
        return '<p class="probe">Footer from {plugin}</p>'


@hookimpl
def extra_css_urls(request):
    return [url_for("plugin_static", plugin="{plugin}", filename="probe.css")]
"""


@pytest.fixture
def installed_probe(tmp_path):
    """A third-party plugin package, pip-installed for the test and uninstalled after."""
    uid = uuid.uuid4().hex[:8]
    names = {
        "plugin": f"probe-{uid}",
        "dist": f"pressmark-test-probe-{uid}",
        "module": f"pressmark_test_probe_{uid}",
    }
    root = tmp_path / "probe-src"
    package = root / names["module"]
    (package / "static").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PROBE_PYPROJECT.format(**names))
    (package / "__init__.py").write_text(PROBE_MODULE.format(**names))
    (package / "static" / "probe.css").write_text(".probe { font-weight: 700; }\n")
    pip_install(root)
    try:
        yield names
    finally:
        pip("uninstall", "-y", names["dist"])
        sys.modules.pop(names["module"], None)


def test_installed_package_plugin(tmp_path, installed_probe):
    plugin = installed_probe["plugin"]
    line = f'<p class="probe">Footer from {plugin}</p>'
    app = make_test_app(tmp_path, LOAD_ENTRYPOINT_PLUGINS=True)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert line in home
    # Its static folder shipped with the package and is served under its name.
    assert f'href="/-/static/{plugin}/probe.css"' in home
    with client.get(f"/-/static/{plugin}/probe.css") as response:
        assert response.status_code == 200
        assert b"font-weight" in response.data
    row = next(r for r in run_plugins(app).splitlines() if r.startswith(plugin + " "))
    assert row.split()[1:5] == ["4.5.6", "package", "enabled", "0"]
    assert row.split()[5:] == ["extra_css_urls,", "render_slot"]

    # Disabled by name: still listed, its output gone.
    app = make_test_app(tmp_path, LOAD_ENTRYPOINT_PLUGINS=True, DISABLED_PLUGINS=[plugin])
    assert line not in app.test_client().get("/").get_data(as_text=True)
    assert app.test_client().get(f"/-/static/{plugin}/probe.css").status_code == 404
    row = next(r for r in run_plugins(app).splitlines() if r.startswith(plugin + " "))
    assert row.split()[1:4] == ["4.5.6", "package", "disabled"]


def test_scaffolded_plugin_installs_and_passes_its_own_tests(runner, tmp_path):
    name = f"scaffold-{uuid.uuid4().hex[:8]}"
    project = tmp_path / "project"
    result = runner.invoke(main, ["plugin", "new", name, str(project)])
    assert result.exit_code == 0, result.output
    pip_install(project)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "3 passed" in proc.stdout
        # And a site sees it as an installed package.
        app = make_test_app(tmp_path, LOAD_ENTRYPOINT_PLUGINS=True)
        row = next(r for r in run_plugins(app).splitlines() if r.startswith(name + " "))
        assert row.split()[1:4] == ["0.1.0", "package", "enabled"]
    finally:
        pip("uninstall", "-y", f"pressmark-{name}")
        sys.modules.pop("pressmark_" + name.replace("-", "_"), None)


def test_repeated_failures_are_grouped(broken_app):
    client = broken_app.test_client()
    for _ in range(3):  # 404 pages are never cached: each request renders and fails again
        assert client.get("/no-such-page").status_code == 404
    output = run_plugins(broken_app)
    line = next(x for x in output.splitlines() if "in extra_head" in x)
    assert re.search(r"broken  in extra_head \(x4 since \S+Z\): BrokenPluginError", line)
    assert sum("in extra_head" in x for x in output.splitlines()) == 1
    log_in(broken_app, client)
    tree = parse(client.get("/editor/plugins").get_data(as_text=True))
    items = tree.find(".//ol[@class='failure-list']").findall("li")
    heads = ["".join(li.find("h3").itertext()) for li in items]
    assert heads.count("broken in extra_head") == 1
    item = items[heads.index("broken in extra_head")]
    # Four page renders, and the sign-in page's fifth, before this page was rendered.
    assert "".join(item.find("p").itertext()).startswith("5 times, from ")
