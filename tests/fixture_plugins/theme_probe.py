"""A theme: its templates replace the core's header brand and the archive page."""

from pathlib import Path

from pressmark.api import hookimpl

TEMPLATES = Path(__file__).with_name("theme_probe_templates")


@hookimpl
def register_theme_templates(app):
    return [TEMPLATES]
