"""The command-line faces of the importers: the import report as it is printed and
written, and ``pressmark urls check``.

Everything goes to standard output, failures included, so ``> report.txt`` keeps the
whole report; the summary comes last. ``--report FILE`` also writes the report as JSON
lines for scripts (``ImportReport.write_jsonl``).
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from pressmark.migrate.check import LOST, CheckError, check, old_paths, summary
from pressmark.migrate.toolkit.fetch import Fetcher
from pressmark.migrate.toolkit.report import ImportReport, Line


def echo_line(line: Line, echo: Callable[[str], None] = click.echo) -> None:
    """One report line with its notes."""
    echo(str(line))
    for note in line.notes:
        echo(f"         note: {note}")


def echo_summary(report: ImportReport, echo: Callable[[str], None] = click.echo) -> None:
    """The report's closing summary (its lines were shown as they came)."""
    for text in report.summary():
        echo(text)


def check_urls(source: str, site: str | None, echo: Callable[[str], None] = click.echo) -> bool:
    """Print the table of old addresses against the new site; True when none is lost."""
    config = current_app.config
    fetcher = Fetcher(limit=int(config["UPLOAD_MAX_BYTES"]) * 4,
                      deadline=float(config["IMPORT_DOWNLOAD_SECONDS"]),
                      allow_hosts=config["IMPORT_ALLOW_HOSTS"])
    try:
        paths = old_paths(source, fetcher.get)
    except ValueError as exc:  # CheckError, or a sitemap that could not be downloaded
        raise click.UsageError(str(exc)) from exc
    finally:
        fetcher.close()
    try:
        results = check(paths, site)
    except CheckError as exc:
        raise click.UsageError(str(exc)) from exc
    echo(f"Checking {len(paths)} old URLs against {site or 'this site'}:")
    for result in results:
        echo(str(result))
    echo(summary(results))
    return not any(result.verdict == LOST for result in results)


@click.group("urls")
def urls_group() -> None:
    """Old addresses: prove that a migrated site still answers every one."""


@urls_group.command("check")
@with_appcontext
@click.argument("source")
@click.option("--site", metavar="URL",
              help="Ask this running site (http://127.0.0.1:8000) instead of this instance.")
def urls_check_command(source: str, site: str | None) -> None:
    """Request every old address in SOURCE (a sitemap.xml file or address, or the old
    site's built output folder) from the new site: a table of what answers 200, what
    redirects (301) to a page that answers, and what is lost. Exit status 1 on any loss."""
    if not check_urls(source, site):
        raise SystemExit(1)
