"""What plugins bring besides hooks: their static files (served, with content-hashed URLs)
and their templates (in the app's template loader, after the site's and the themes')."""

from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, abort, current_app, send_from_directory, url_for
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from pressmark.plugin_system.loading import plugin_infos
from pressmark.state import app_state


def plugin_static(plugin: str, filename: str) -> Response:
    """A file from an enabled plugin's ``static/`` folder, cacheable for a year (its URL
    carries the content's hash: ``plugin_asset_url``)."""
    info = app_state(current_app).plugins.get(plugin)
    if info is None or not info.enabled or info.static_dir is None:
        abort(404)
    return send_from_directory(info.static_dir, filename, max_age=31536000)


def template_loader(app: Flask) -> ChoiceLoader:
    """Where templates are looked up, first match wins:

    1. the site's own ``instance/templates/``;
    2. the themes' folders (``register_theme_templates``; the last-registered theme first);
    3. the core templates (``app/templates/``);
    4. every enabled plugin's ``templates/`` folder (plugins add templates, only a theme
       replaces core ones).

    The core templates are also reachable as ``core/<name>``, so an override can extend the
    template it replaces.
    """
    core = app.jinja_loader
    themes = [
        FileSystemLoader(str(folder))
        for folders in app_state(app).pm.hook.register_theme_templates(app=app)
        for folder in folders or ()
    ]
    plugins = [
        FileSystemLoader(str(info.templates_dir))
        for info in plugin_infos(app)
        if info.enabled and info.templates_dir
    ]
    site = FileSystemLoader(os.path.join(app.instance_path, "templates"))
    return ChoiceLoader([site, *themes, core, PrefixLoader({"core": core}), *plugins])


def plugin_asset_url(plugin_name: str, filename: str) -> str:
    """The URL of ``filename`` in the ``static/`` folder of plugin ``plugin_name``, with
    ``v=`` a short hash of the file's content.

    Plugin static files are served with a one-year cache lifetime, so the URL must change
    when the file does. Each hash is computed once per app (a file changed while the site
    runs keeps its old URL until a restart). Needs an app context. Raises ``LookupError``
    when the app has no enabled plugin of that name with a ``static/`` folder, and
    ``OSError`` when the file cannot be read.
    """
    app = current_app._get_current_object()
    versions = app_state(app).asset_versions
    key = (plugin_name, filename)
    if key not in versions:
        info = app_state(app).plugins.get(plugin_name)
        static_dir = info.static_dir if info is not None and info.enabled else None
        if static_dir is None:
            raise LookupError(f"no enabled plugin {plugin_name!r} with a static/ folder")
        content = (static_dir / filename).read_bytes()
        versions[key] = hashlib.sha256(content).hexdigest()[:10]
    return url_for("plugin_static", plugin=plugin_name, filename=filename, v=versions[key])
