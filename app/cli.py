"""The ``pressmark`` command line: pressmark's own group (``cli_group``) and the site commands.

``pressmark serve`` is the one command a newcomer needs: it creates ``instance/`` with a
generated secret key, applies the migrations, loads the demo content into an empty
database and serves the site with waitress.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from pressmark.background import start_workers
from pressmark.cli_errors import PortError, bind_problem
from pressmark.cli_group import PressmarkGroup, StartupError, instance_of, make_app
from pressmark.cli_group import operator_db_group as operator_db_group
from pressmark.logs import FORMATS as LOG_FORMATS
from pressmark.logs import AccessLog
from pressmark.migrate import CONFLICT_POLICIES, FORMATS
from pressmark.migrate.commands import urls_group
from pressmark.publish import publish_command
from pressmark.web.mcp.command import mcp_command
from pressmark.web.plugin_admin import plugin_group
from pressmark.workers import PIN_DEFAULT, Supervisor, default_worker_count, listen_socket
from sqlalchemy import func, select, text

# Named, not __name__: run as `python -m pressmark.cli` the module is __main__.
log = logging.getLogger("pressmark.cli")
__all__ = ["main", "make_app", "StartupError"]


@click.group(cls=PressmarkGroup, create_app=make_app)
def main() -> None:
    """pressmark: serve and manage a blog.

    Commands work on the site in --instance PATH, else PRESSMARK_INSTANCE_PATH, else the
    pressmark.toml or instance/ folder found in the current folder or above.
    """


main.add_command(plugin_group)
main.add_command(publish_command)  # a client of a site's API: it needs no site here
main.add_command(mcp_command)


@main.command("serve", with_appcontext=False)  # it loads the app after --log-format
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--unix-socket",
    type=click.Path(dir_okay=False),
    default=None,
    help="Listen on this Unix socket instead of a TCP port (for a proxy on this machine).",
)
@click.option(
    "--unix-socket-perms",
    default="660",
    show_default=True,
    help="Octal permissions of the Unix socket (the proxy's group needs read and write).",
)
@click.option("--threads", default=4, show_default=True, type=int, help="Worker threads.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes sharing the socket (default: the number of CPUs).",
)
@click.option(
    "--pin/--no-pin",
    default=PIN_DEFAULT,
    show_default=True,
    help="Bind each worker process to one CPU.",
)
@click.option("--no-demo", is_flag=True, help="Do not load demo content into an empty site.")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default=None,
    help="Access log and messages as combined-format lines (the default, LOG_FORMAT) "
    "or as JSON objects, one per line.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    unix_socket: str | None,
    unix_socket_perms: str,
    threads: int,
    workers: int | None,
    pin: bool,
    no_demo: bool,
    log_format: str | None,
) -> None:
    """Set up the site if needed and serve it with waitress, in one process per CPU.

    Behind a reverse proxy set ``PROXY_COUNT`` (and ``PROXY_ADDRESS`` when the proxy is on
    another machine): waitress then takes the client's address, the scheme and the host from
    the proxy's ``X-Forwarded-*`` headers, and from no one else's.
    """
    import waitress
    from pressmark.serving import ProxyConfigError, author_first_dispatcher, proxy_options
    from pressmark.web.addresses import ClientAddress

    if log_format:
        os.environ["PRESSMARK_LOG_FORMAT"] = log_format  # read as LOG_FORMAT by the app
    app = ctx.ensure_object(ScriptInfo).load_app()
    served = AccessLog(app) if app.config.get("ACCESS_LOG", True) else app
    served = ClientAddress(served)  # one canonical client address (web/addresses.py)
    try:
        proxy = proxy_options(app.config, unix_socket=bool(unix_socket))
    except ProxyConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    pin_hosts(app, host, behind_proxy=bool(unix_socket) or "trusted_proxy" in proxy)
    with app.app_context():
        prepare_site(load_demo=not no_demo)
    where = f"unix:{unix_socket}" if unix_socket else f"http://{host}:{port}/"
    try:  # bound before anything says "serving"
        sock = listen_socket(host, port, unix_socket, unix_socket_perms)
    except OSError as exc:
        address = unix_socket or f"{host}:{port}"
        raise PortError(bind_problem(exc, address) or f"Cannot listen on {address}: {exc}") \
            from exc
    workers = workers or default_worker_count()
    trust = (
        f", trusting {proxy['trusted_proxy_count']} proxy hop(s) from {proxy['trusted_proxy']}"
        if "trusted_proxy" in proxy
        else ""
    )
    click.echo(f"Site folder: {instance_of(ctx) or app.instance_path}")
    click.echo(
        f"pressmark is serving {app.config['SITE_TITLE']!r} at {where}{trust}"
        f" ({workers} worker{'s' if workers > 1 else ''} of {threads} threads)"
    )
    sys.stdout.flush()
    if workers == 1:
        if pin and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        start_workers(app)  # plugins' background jobs (register_workers)
        waitress.create_server(
            served, sockets=[sock], threads=threads, ident="pressmark",
            _dispatcher=author_first_dispatcher(threads, app), **proxy,
        ).run()
        return
    serve_workers(app, workers, pin, threads, proxy, sock, served)


def serve_workers(app: Flask, count: int, pin: bool, threads: int, proxy: dict,
                  sock, served=None) -> None:
    """Run ``count`` waitress processes on ``sock`` until SIGTERM or SIGINT."""
    import waitress
    from pressmark.extensions import db
    from pressmark.serving import author_first_dispatcher

    with app.app_context():
        db.engine.dispose()  # no connection may be shared across fork()

    def serve_worker(index: int) -> None:
        with app.app_context():
            db.engine.dispose(close=False)
        if index == 0:  # plugins' background jobs run in one process only
            start_workers(app)
        server = waitress.create_server(
            served or app, sockets=[sock], threads=threads, ident="pressmark",
            _dispatcher=author_first_dispatcher(threads, app), **proxy,
        )
        server.run()

    Supervisor(serve_worker, count, pin=pin).run()


LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1", "[::1]"]


def pin_hosts(app: Flask, bind_host: str, *, behind_proxy: bool = False) -> None:
    """Make sure the site answers only to its own names.

    With ``SITE_URL`` or ``TRUSTED_HOSTS`` set, other ``Host`` values already get 400.
    Without them, a server on the loopback interface answers to the loopback names only;
    a server anyone can reach (a public interface, or behind a proxy: in production)
    refuses to start, since it would otherwise link pages under whatever host name a
    client sends.
    """
    from pressmark.web.cache import set_trusted_hosts

    if app.config.get("SITE_URL") or app.config.get("TRUSTED_HOSTS") or app.debug:
        return
    if not behind_proxy and (bind_host in LOOPBACK_NAMES or bind_host.startswith("127.")):
        set_trusted_hosts(app, LOOPBACK_NAMES)
        return
    raise click.UsageError(
        f"Serving on {bind_host} needs the site's address: set SITE_URL (for example "
        "'https://blog.example.com') or TRUSTED_HOSTS in instance/config.py, or the "
        "PRESSMARK_SITE_URL / PRESSMARK_TRUSTED_HOSTS environment variables."
    )


def prepare_site(load_demo: bool = True) -> None:
    """Apply migrations and, for an empty database, load the demo content."""
    from flask_migrate import upgrade
    from pressmark.content.models import Post
    from pressmark.extensions import db
    from pressmark.migrate.api import load_demo_content

    upgrade()
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    log.info("database %s is at schema revision %s", db.engine.url.render_as_string(
        hide_password=True), revision)
    if load_demo and not db.session.scalar(select(func.count(Post.id))):
        report = load_demo_content()
        click.echo(f"Loaded {len(report.imported)} demo posts.")
        for name, reason in report.errors:
            click.echo(f"  demo file {name}: {reason}", err=True)


@click.command("import")
@with_appcontext
@click.argument("source")  # checked by import_source, which also expands "~"
@click.option("--from", "source_format", type=click.Choice(FORMATS),
              help="The source's format (detected when not given).")
@click.option("--dry-run", is_flag=True, help="Check everything and report; write nothing.")
@click.option("--on-conflict", type=click.Choice(CONFLICT_POLICIES), default="rename",
              show_default=True,
              help="When a different post already has the slug: give the new one a suffix, "
              "skip it, or update the existing post.")
@click.option("--permalink", metavar="PATTERN",
              help="The old site's URL pattern, e.g. '/:year/:month/:day/:slug/': each "
              "post's old URL becomes an alias.")
@click.option("--no-fetch", is_flag=True,
              help="Do not download images from the old site (WordPress attachments with no "
              "copy beside the export, featured images given by address).")
@click.option("--report", "report_file", metavar="FILE",
              help="Also write the report to FILE as JSON lines.")
@click.option("--check-urls", metavar="SITEMAP_OR_FOLDER",
              help="After importing, request every old URL of the old site's sitemap.xml "
              "(file or address) or built folder from this site; exit 1 on any loss.")
def import_command(source: str, source_format: str | None, dry_run: bool, on_conflict: str,
                   permalink: str | None, no_fetch: bool, report_file: str | None,
                   check_urls: str | None) -> None:
    """Import posts from SOURCE: a Hugo, Jekyll, Pelican, Eleventy, Zola or Markdown folder,
    or a WordPress (.xml) or Ghost (.json) export file.

    Every file is reported on standard output as imported, updated, skipped or failed,
    with the reason, then a summary; the exit status is 1 when any file failed (or, with
    --check-urls, any old URL is lost).
    """
    from pressmark.content.uploads.receive import UploadError, store_upload
    from pressmark.migrate import SourceError, commands, import_source
    from pressmark.progress import progress

    def store_image(path):
        try:
            with open(path, "rb") as fh:
                return store_upload(fh).url
        except UploadError as exc:
            raise ValueError(f"{path.name}: {exc}") from exc

    click.echo(f"Importing {source}:")
    try:
        # Each file's line is printed as it is imported, above a running count.
        with progress("Importing", None) as bar:
            def show(line):
                bar.advance(item=line.name)
                commands.echo_line(line, bar.note)

            report = import_source(source, source_format, dry_run=dry_run,
                                   on_conflict=on_conflict, permalink=permalink,
                                   store_image=store_image, fetch=not no_fetch, on_line=show)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Imported from {source} as {report.source_format}.")
    commands.echo_summary(report)
    if report_file:
        report.write_jsonl(report_file)
    kept = True
    if check_urls and dry_run:
        click.echo("--check-urls: nothing was written in a dry run, so nothing was checked.")
    elif check_urls:
        kept = commands.check_urls(check_urls, None)
    if report.failed or not kept:
        sys.exit(1)


@click.command("export")
@with_appcontext
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--with-history", is_flag=True,
              help="Also write every revision to history.jsonl (see docs/import.md).")
def export_command(directory: str, with_history: bool) -> None:
    """Export every post, topic and upload into DIRECTORY, in the format import reads."""
    from pressmark.migrate.export import export_directory

    count = export_directory(directory, with_history=with_history)
    extra = " with their history" if with_history else ""
    click.echo(f"Exported {count} posts{extra} to {directory}.")


@click.command("init")
@with_appcontext
@click.option("--no-demo", is_flag=True, help="Do not load demo content into an empty site.")
def init_command(no_demo: bool) -> None:
    """Create or upgrade the database (and load the demo content into an empty one)."""
    prepare_site(load_demo=not no_demo)
    click.echo(f"Site ready: {current_app.config['SQLALCHEMY_DATABASE_URI']}")


@click.command("rerender")
@with_appcontext
def rerender_command() -> None:
    """Render every post's Markdown again (after adding or upgrading a plugin).

    Only the stored HTML changes: no revision is written.
    """
    from pressmark.content.models import Post
    from pressmark.content.store import rerender_all
    from pressmark.extensions import db
    from pressmark.progress import progress

    with progress("Rendering", db.session.scalar(select(func.count(Post.id)))) as bar:
        count = rerender_all(on_item=lambda slug: bar.advance(item=slug))
    click.echo(f"Rendered {count} posts.")


@click.group("demo")
def demo_group() -> None:
    """Demo content for trying pressmark out and for benchmarks."""


@demo_group.command("generate")
@with_appcontext
@click.option("--posts", "count", type=click.IntRange(min=1), required=True,
              help="How many posts to add.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the text generator: the same seed builds the same site.")
def generate_command(count: int, seed: int) -> None:
    """Add realistic generated posts (code, tables, calculators, topics, tags, aliases)."""
    from pressmark.content.generated import generate_posts
    from pressmark.progress import progress

    with progress("Generating", count) as bar:
        total = generate_posts(count, seed=seed, on_item=lambda slug: bar.advance(item=slug))
    click.echo(f"Added {count} posts; the site has {total}.")


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(file: str) -> None:
    """Write the database and the uploads to the archive FILE (safe while serving)."""
    from pressmark.backup import BackupError, create_backup

    try:
        summary = create_backup(current_app._get_current_object(), file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backed up the {summary.database} database and {summary.uploads} upload files to {file} "
        f"({summary.size:,} bytes)."
    )


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file: str, yes: bool) -> None:
    """Replace the site's database with the one in the archive FILE, and add its uploads.

    Stop the server first. Everything saved since the backup is replaced.
    """
    from pressmark.backup import BackupError, restore_backup
    from pressmark.extensions import db

    if not yes:
        click.confirm(
            "This replaces the site's database with the backup's (posts saved since are "
            "lost). Continue?", abort=True,
        )
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold the old database open
    try:
        summary = restore_backup(current_app._get_current_object(), file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the {summary.database} database and {summary.uploads} upload files "
               f"from {file}.")


@click.command("freeze")
@with_appcontext
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--incremental", is_flag=True,
              help="Rewrite only what changed since the last freeze into OUTDIR.")
def freeze_command(outdir: Path, incremental: bool) -> None:
    """Write the public site into OUTDIR as static files, with its redirects."""
    from pressmark.freeze import FreezeError, freeze
    from pressmark.progress import progress

    try:
        with progress("Rendering") as bar:
            report = freeze(current_app._get_current_object(), outdir, incremental=incremental,
                            on_item=lambda url: bar.advance(item=url))
    except FreezeError as exc:
        raise click.ClickException(str(exc)) from exc
    if incremental:
        click.echo(f"Rendered {report.rendered} pages ({report.reason}).")
    click.echo(
        f"Froze the site into {outdir}: {len(report.written)} files written, "
        f"{report.unchanged} unchanged, {len(report.deleted)} removed, "
        f"{report.redirects} redirects."
    )


@click.group("uploads")
def uploads_group() -> None:
    """Where uploaded images are kept: files under instance/uploads, or the database."""


@uploads_group.command("migrate")
@with_appcontext
@click.option("--to", "to", type=click.Choice(["database", "files"]), default=None,
              help="Where to copy every upload (default: where UPLOAD_STORAGE keeps them).")
def uploads_migrate_command(to: str | None) -> None:
    """Copy every upload into the database or into files, checking each by its hash.

    Set UPLOAD_STORAGE to match (the default is the database on PostgreSQL, files
    otherwise). The source copies are left in place.
    """
    from pressmark.content.uploads import storage as upload_store
    from pressmark.content.uploads.images import MEDIA_TYPES

    target = to or upload_store.storage()
    copied, kept = upload_store.migrate(
        target, lambda name: MEDIA_TYPES[name.rsplit(".", 1)[1]]
    )
    where = "the database" if target == upload_store.DATABASE else upload_store.folder()
    click.echo(f"Copied {copied} uploads into {where} ({kept} were already there).")


@uploads_group.command("process")
@with_appcontext
@click.option("--strip-metadata", is_flag=True,
              help="Replace uploads that still carry metadata (a location, the camera) with "
                   "clean copies under new names; posts are pointed at them.")
def uploads_process_command(strip_metadata: bool) -> None:
    """Give images uploaded before processing existed their renditions and size.

    Posts are rendered again, so their images get srcset, width and height.
    """
    from pressmark.content.uploads import storage as upload_store
    from pressmark.content.uploads.older import originals, process_older_uploads
    from pressmark.progress import progress

    with progress("Processing uploads", len(originals(upload_store.storage()))) as bar:
        report = process_older_uploads(strip_metadata=strip_metadata,
                                       on_item=lambda name: bar.advance(item=name))
    click.echo(f"Processed {len(report.processed)} older uploads; "
               f"rendered {report.posts_rendered} posts again.")
    for old, new in report.replaced.items():
        click.echo(f"  {old}: replaced by the clean copy {new} (posts point at it now)")
    if report.with_metadata:
        click.echo(f"{len(report.with_metadata)} still carry metadata such as where a photo "
                   "was taken; run with --strip-metadata to replace them:")
        for name in report.with_metadata:
            click.echo(f"  {name}")
    if report.failed:
        for name, why in report.failed.items():
            click.echo(f"  {name}: not processed: {why}", err=True)
        raise click.exceptions.Exit(1)


CORE_COMMANDS = (demo_group, uploads_group, freeze_command, import_command, export_command,
                 init_command, rerender_command, backup_command, restore_command, urls_group)
# On the group itself too, so that `pressmark --help` lists them outside any site.
for _command in CORE_COMMANDS:
    main.add_command(_command)
main.add_command(operator_db_group())


def init_app(app: Flask) -> None:
    """Add the site commands to ``app.cli`` (for ``app.test_cli_runner()`` and plugins)."""
    for command in CORE_COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(operator_db_group())  # in place of Flask-Migrate's developer group


if __name__ == "__main__":
    main()
