"""pressmark: a Flask blog engine for technical writing, with a pluggy plugin system.

``create_app`` is the one composition root: configuration, extensions, plugins, blueprints.
It reads as the list of its steps; each step below is one part of the wiring diagram, in
the order it must happen. Modules are imported inside the steps, so importing the package
(for ``hookimpl``) stays cheap and nothing happens at import time.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_login import current_user
from pressmark.plugin_system.hookspecs import hookimpl, hookspec

__version__ = "0.1.0"
__all__ = ["create_app", "hookimpl", "hookspec", "__version__"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build a configured app.

    Configuration precedence (later wins): built-in defaults, ``instance/config.py``,
    ``PRESSMARK_*`` environment variables, ``test_config``.
    """
    app = _new_app(test_config)
    _configure(app, test_config)
    _add_extensions(app)
    _add_plugins_and_page_cache(app)
    _add_web_services(app)
    _add_routes(app)
    _add_error_pages(app)
    _add_commands(app)
    _start_plugins(app)
    return app


def _new_app(test_config: dict | None) -> Flask:
    instance_path = os.environ.get("PRESSMARK_INSTANCE_PATH") or None
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = test_config["INSTANCE_PATH"]
    return Flask(__name__, instance_path=instance_path, instance_relative_config=True)


def _configure(app: Flask, test_config: dict | None) -> None:
    """Configuration, the private instance folder, and the app's state object."""
    from pressmark import config, dates, state
    from pressmark.content.uploads import receive as uploads

    config.load_config(app, test_config)
    # Private: it holds the secret key, the database and the uploads.
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    state.init_app(app)
    dates.init_app(app)  # the TIMEZONE date filters
    uploads.init_app(app)  # Pillow's pixel limit from the upload budget


def _add_extensions(app: Flask) -> None:
    """URL converters (before any route), the database, migrations, sign-in and CSRF."""
    from pressmark import migrations
    from pressmark.content import reach_models  # noqa: F401 - its tables, for migrations
    from pressmark.extensions import configure_sqlite, csrf, db, login_manager, migrate
    from pressmark.web import converters

    converters.init_app(app)
    db.init_app(app)
    configure_sqlite(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.dirname(migrations.__file__),
        render_as_batch=True,
    )
    # Flask-Login's own context processor loads the user for every template, which reads
    # the session and makes every page "Vary: Cookie"; ours hands templates the lazy proxy.
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
    csrf.init_app(app)


def _add_plugins_and_page_cache(app: Flask) -> None:
    from pressmark.plugin_system import manager as plugins
    from pressmark.web import cache
    from pressmark.web.mcp import http as mcp_http

    plugins.init_app(app)
    mcp_http.init_app(app)  # /mcp, behind the page cache's host check
    # After the plugins: the page cache notes which are enabled (pages depend on them).
    cache.init_app(app)


def _add_web_services(app: Flask) -> None:
    """Security headers, sessions, the author flag, navigation, template helpers."""
    from pressmark import security
    from pressmark.web import (
        assets,
        auth,
        author_flag,
        navigation,
        old_addresses,
        rendering,
        social,
    )

    security.init_app(app)
    auth.init_app(app)
    author_flag.init_app(app)
    navigation.init_app(app)
    rendering.init_app(app)
    old_addresses.init_app(app)
    assets.init_app(app)
    social.init_app(app)


def _add_routes(app: Flask) -> None:
    """The URL map: every blueprint and route, the core's and then the plugins'."""
    from pressmark.plugin_system import manager as plugins
    from pressmark.web import (
        accounts,
        api,
        auth,
        navigation,
        plugin_admin,
        public,
        rendering,
        social,
    )
    from pressmark.web.editor import series as series_editor
    from pressmark.web.editor import tokens as tokens_editor
    from pressmark.web.editor import uploads
    from pressmark.web.editor import views as editor

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(navigation.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(series_editor.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(plugin_admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(tokens_editor.bp)
    app.add_url_rule("/-/health", "health", rendering.health)
    app.add_url_rule("/-/card.png", "site_card", social.site_card)
    app.add_url_rule("/favicon.ico", "favicon", rendering.favicon)
    app.add_url_rule("/-/static/<plugin>/<path:filename>", "plugin_static", plugins.plugin_static)
    for group in plugins.call_startup_hook(app, "register_blueprints", app=app):
        for blueprint in group:
            app.register_blueprint(blueprint)


def _add_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError
    from pressmark.web import auth, rendering
    from pressmark.web.editor import views as editor
    from werkzeug.exceptions import RequestEntityTooLarge

    app.register_error_handler(404, rendering.not_found)
    app.register_error_handler(500, rendering.server_error)
    app.register_error_handler(CSRFError, auth.csrf_failed)
    app.register_error_handler(RequestEntityTooLarge, editor.too_large)
    app.register_error_handler(403, editor.forbidden)


def _add_commands(app: Flask) -> None:
    """Commands (``pressmark plugin new`` is on the command line itself: it needs no site),
    the plugins' included."""
    from pressmark import cli
    from pressmark.plugin_system import manager as plugins
    from pressmark.web import auth, plugin_admin

    cli.init_app(app)
    app.cli.add_command(auth.author_cli)
    app.cli.add_command(plugin_admin.plugins_command)
    plugins.call_startup_hook(app, "register_commands", cli=app.cli)


def _start_plugins(app: Flask) -> None:
    from pressmark.plugin_system import manager as plugins

    with app.app_context():
        plugins.call_startup_hook(app, "startup", app=app)
