"""``pressmark freeze OUTDIR``: the public site as files any static host or CDN can serve.

What is written:
- every public page, feed, sitemap, robots.txt, llms.txt and Markdown copy, found from the
  sitemap, the feeds and the links of every page written (the app answers each request
  in-process, exactly as it would answer a reader); a clean URL ``/posts/x`` becomes
  ``posts/x/index.html``, page N of a listing ``posts/page/N/index.html``;
- the static assets, plugin assets and uploads, copied as they are;
- ``404.html``;
- every old address (legacy URLs, former slugs) three ways: ``nginx-map.conf`` and
  ``nginx-server.conf`` to include in nginx (which also serve ``?page=N``), a
  Netlify/Cloudflare-style ``_redirects``, and an HTML page at the old address with a
  canonical link and a meta refresh, for hosts without rules.

``--incremental`` renders only what changed since the last freeze (``freeze_plan``: the
site's fingerprint, each post's, and each page's links to posts), writes only files whose
bytes changed into the same folder and deletes what is gone (a manifest,
``.pressmark-freeze.json``, remembers them). Assets are compared by size and time first.
Drafts, scheduled posts, the editor and search are never written: only what readers can
reach is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from flask import Flask
from pressmark import freeze_plan
from pressmark.content.models import Alias, Post
from pressmark.content.uploads import storage as upload_store
from pressmark.extensions import db
from pressmark.plugin_system.manager import plugin_infos
from sqlalchemy import select

MANIFEST = ".pressmark-freeze.json"
# Areas that are not static: the author's, machine endpoints, per-query search.
SKIPPED_PREFIXES = ("/editor", "/auth", "/-/", "/static/", "/uploads/")
# /search is the search page without a query (with the search plugin): on a static host it
# searches the prebuilt /search/index.json with a small script. Queries are never written.
START = ("/", "/sitemap.xml", "/robots.txt", "/llms.txt", "/feed.xml", "/feed.atom",
         "/feed.json", "/search")
LINK_RE = re.compile(r'(?:href|src)="(/[^"#]*)"')
URL_RE = re.compile(r"<loc>([^<]+)</loc>|\((https?://[^)\s]+)\)")
GENERATED = ("404.html", "_redirects", "nginx-map.conf", "nginx-server.conf")

NGINX_SERVER = """\
# Include inside the site's server {{ }} block; nginx-map.conf goes in http {{ }}.
root {root};
types {{ application/atom+xml atom; application/feed+json json; text/markdown md; }}
error_page 404 /404.html;
if ($pressmark_redirect) {{ return 301 $pressmark_redirect; }}
# ?page=N of a listing has moved to <listing>/page/N/.
if ($pressmark_page) {{ return 301 $uri$pressmark_page/; }}
location / {{
    try_files $uri $uri/index.html =404;
}}
"""


class FreezeError(RuntimeError):
    """The site cannot be frozen as configured; the message says what to change."""


@dataclass
class FreezeReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    redirects: int = 0
    rendered: int = 0  # pages the app answered (an incremental freeze renders few)
    reason: str = ""  # why the incremental freeze rendered what it did


def file_for(path: str, query: str = "") -> str:
    """The file that holds ``path`` (with its ``page`` query) in the output folder."""
    page = dict(parse_qsl(query)).get("page")
    base = path.strip("/")
    if page and page != "1":
        return f"{base}/page/{page}/index.html".lstrip("/")
    if not base:
        return "index.html"
    if os.path.splitext(base)[1]:
        return base
    return f"{base}/index.html"


def _local(url: str, site: str) -> str | None:
    """The path (and query) of ``url`` when it belongs to the site, else None."""
    if url.startswith(site):
        url = url[len(site):] or "/"
    if not url.startswith("/") or url.startswith("//"):
        return None
    return url


def _wanted(path: str) -> bool:
    plain, _, query = path.partition("?")
    if plain.startswith(SKIPPED_PREFIXES) or ".." in plain:
        return False
    return not query or {k for k, _ in parse_qsl(query, keep_blank_values=True)} == {"page"}


def _is_text(mimetype: str) -> bool:
    return mimetype.startswith("text/") or mimetype.endswith(("xml", "json"))


class Renderer:
    """Answers URLs in-process, as the app answers readers, under the site's address."""

    def __init__(self, app: Flask, site: str, on_item: Callable[[str], None] | None):
        self.client = app.test_client()
        host = urlsplit(site)
        self.base = f"{host.scheme}://{host.netloc}"
        self.environ = {"wsgi.url_scheme": host.scheme or "http"}
        self.on_item = on_item
        self.count = 0

    def get(self, url: str):
        self.count += 1
        if self.on_item:
            self.on_item(url)
        return self.client.get(url, base_url=self.base, environ_overrides=self.environ)


def render_again(renderer: Renderer, urls: set[str]) -> tuple[dict[str, bytes], dict]:
    """The files of ``urls`` rendered now, and their pages' dependencies."""
    files: dict[str, bytes] = {}
    pages: dict[str, list] = {}
    for url in sorted(urls):
        response = renderer.get(url)
        if response.status_code != 200:
            continue
        path, _, query = url.partition("?")
        name = file_for(path, query)
        files[name] = response.get_data()
        pages[url] = [name, freeze_plan.linked_posts(response.get_data(as_text=True))]
    return files, pages


def crawl(app: Flask, site: str, renderer: Renderer | None = None
          ) -> tuple[dict[str, bytes], dict[str, str], dict[str, list]]:
    """Every public URL's file name and bytes, redirects found on the way, and each page's
    file and the posts it links to."""
    renderer = renderer or Renderer(app, site, None)
    files: dict[str, bytes] = {}
    redirects: dict[str, str] = {}
    pages: dict[str, list] = {}
    queue = list(START)
    seen = set(queue)
    while queue:
        url = queue.pop()
        response = renderer.get(url)
        path, _, query = url.partition("?")
        if response.status_code in (301, 302, 308):
            redirects[path] = response.headers["Location"]
            continue
        if response.status_code != 200:
            continue
        body = response.get_data()
        files[file_for(path, query)] = body
        text = body.decode("utf-8", "replace") if _is_text(response.mimetype) else ""
        pages[url] = [file_for(path, query), freeze_plan.linked_posts(text)]
        if response.mimetype in ("text/html", "application/xml", "text/plain",
                                 "text/markdown"):
            found = [m.group(1) for m in LINK_RE.finditer(text)]
            found += [m.group(1) or m.group(2) for m in URL_RE.finditer(text)]
            for link in found:
                local = _local(link.replace("&amp;", "&"), site)
                if local and local not in seen and _wanted(local):
                    seen.add(local)
                    queue.append(local)
    files["404.html"] = renderer.get("/-/a-page-that-does-not-exist").get_data()
    return files, redirects, pages


def old_addresses(site: str) -> dict[str, str]:
    """Every alias of a visible post, with the slash variants the app also accepts, and
    the Markdown copy's old name for former slugs: old path -> new path."""
    moved: dict[str, str] = {}
    rows = db.session.execute(select(Alias.path, Post).join(Alias.post)).all()
    for path, post in rows:
        if not post.is_visible:
            continue
        target = f"/posts/{post.slug}"
        for variant in {path, path.rstrip("/") or "/", path.rstrip("/") + "/"}:
            moved[variant] = target
        if path.startswith("/posts/") and not path.endswith("/"):
            moved[path + ".md"] = target + ".md"
    return moved


def refresh_page(target: str, site: str) -> bytes:
    absolute = escape(site.rstrip("/") + target)
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>Moved</title>\n<link rel=\"canonical\" href=\"{absolute}\">\n"
        f"<meta http-equiv=\"refresh\" content=\"0; url={escape(target)}\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n</head>\n<body>\n"
        f"<p>This page has moved to <a href=\"{escape(target)}\">{absolute}</a>.</p>\n"
        "</body>\n</html>\n"
    ).encode()


def _nginx_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redirect_files(moved: dict[str, str], root: Path) -> dict[str, bytes]:
    longest = max((len(k) for k in moved), default=0)
    lines = ["# Include inside http { }; nginx-server.conf goes in the server { } block.",
             # Old addresses can be long: the map's hash buckets must hold them.
             f"map_hash_bucket_size {max(64, 1 << (longest + 32).bit_length())};",
             "map $uri $pressmark_redirect {", '    default "";']
    lines += [f"    {_nginx_string(old)} {_nginx_string(new)};" for old, new in
              sorted(moved.items())]
    lines += ["}", "# ?page=N of a listing moved to <listing>/page/N/ (nginx-server.conf).",
              "map $arg_page $pressmark_page {", '    default "";',
              '    "~^([2-9]|[1-9][0-9]+)$" "/page/$1";', "}", ""]
    redirects = [f"{old} {new} 301" for old, new in sorted(moved.items())]
    redirects += [f"{listing} page=:page {listing}/page/:page/ 301" for listing in
                  ("/posts", "/topics/:slug", "/tags/:tag", "/authors/:slug", "/archive",
                   "/archive/:year")]
    return {
        "nginx-map.conf": "\n".join(lines).encode(),
        "nginx-server.conf": NGINX_SERVER.format(root=root).encode(),
        "_redirects": ("\n".join(redirects) + "\n").encode(),
    }


def copied_assets(app: Flask) -> dict[str, Path]:
    """Static assets, plugin assets and uploads: output name -> source file."""
    sources = [("static", Path(app.static_folder))]
    sources += [(f"-/static/{info.name}", info.static_dir) for info in plugin_infos(app)
                if info.enabled and info.static_dir is not None]
    if upload_store.storage() == upload_store.FILES:
        sources.append(("uploads", Path(app.config["UPLOAD_FOLDER"])))
    found: dict[str, Path] = {}
    for prefix, folder in sources:
        if folder is None or not Path(folder).is_dir():
            continue
        for source in sorted(Path(folder).rglob("*")):
            if source.is_file() and not source.name.startswith("."):
                found[f"{prefix}/{source.relative_to(folder).as_posix()}"] = source
    return found


def freeze(app: Flask, out: Path, *, incremental: bool = False,
           on_item: Callable[[str], None] | None = None) -> FreezeReport:
    """Write the site into ``out`` (see the module docstring). Needs an app context.

    ``on_item(url)`` is called as each URL is rendered (for a progress report).
    """
    site = (app.config.get("SITE_URL") or "").rstrip("/")
    if not site:
        raise FreezeError("Set SITE_URL (e.g. 'https://blog.example.com'): a frozen site's "
                          "feeds, sitemap and canonical links need its real address.")
    out = out.resolve()
    manifest_path = out / MANIFEST
    if out.exists() and any(out.iterdir()) and not manifest_path.exists():
        raise FreezeError(f"{out} is not empty and holds no earlier freeze: choose an empty "
                          "or new folder.")
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if manifest and manifest.get("format") != 2:
        manifest = {"files": manifest}  # written by an older pressmark: names and digests
    previous: dict[str, str] = manifest.get("files", {})
    if previous and not incremental:  # a full freeze starts from an empty folder
        for name in previous:
            (out / name).unlink(missing_ok=True)
        previous, manifest = {}, {}
    state = freeze_plan.site_fingerprint(app)
    placement, content = freeze_plan.post_fingerprints()
    decision = freeze_plan.plan(manifest, state, placement, content) if incremental \
        else freeze_plan.Plan(True, reason="full freeze")
    renderer = Renderer(app, site, on_item)
    if decision.full:
        files, pages, redirects = _render_everything(app, site, out, renderer)
    else:
        files, pages = render_again(renderer, decision.urls)
        pages = {**manifest.get("pages", {}), **pages}
        redirects = manifest.get("redirects", 0)
    report = FreezeReport(redirects=redirects, rendered=renderer.count, reason=decision.reason)
    digests = {} if decision.full else dict(previous)
    for name, body in files.items():
        digest = hashlib.sha256(body).hexdigest()
        digests[name] = digest
        _write(out, name, digest, previous, report, lambda target, b=body: target.write_bytes(b))
    assets = _copy_assets(app, out, manifest.get("assets", {}), previous, digests, report)
    if decision.full:
        for name in sorted(set(previous) - set(digests)):
            (out / name).unlink(missing_ok=True)
            report.deleted.append(name)
    report.unchanged = len(digests) - len(report.written)
    manifest_path.write_text(json.dumps({
        "format": 2, "files": digests, "site": state, "placement": placement,
        "content": content, "pages": pages, "assets": assets, "redirects": redirects,
    }, indent=0, sort_keys=True))
    return report


def _render_everything(app: Flask, site: str, out: Path, renderer: Renderer
                       ) -> tuple[dict[str, bytes], dict[str, list], int]:
    """Every page, the old addresses' pages and the redirect files; the number of redirects."""
    files, found_redirects, pages = crawl(app, site, renderer)
    moved = old_addresses(site)
    for old, location in found_redirects.items():
        moved.setdefault(old, _local(location, site) or location)
    for old, new in moved.items():
        name = file_for(old)
        if name not in files and not old.endswith((".md", "/")) and old not in ("/",):
            files[name] = refresh_page(new, site)
    files.update(redirect_files(moved, out))
    if upload_store.storage() == upload_store.DATABASE:
        for name in upload_store.names(upload_store.DATABASE):
            files[f"uploads/{name}"] = upload_store.read(name, upload_store.DATABASE)
    return files, pages, len(moved)


def _copy_assets(app: Flask, out: Path, known: dict[str, list], previous: dict[str, str],
                 digests: dict[str, str], report: FreezeReport) -> dict[str, list]:
    """Copy the assets whose bytes changed; a file whose size and time are as recorded is
    taken as unchanged without reading it. Returns the new record of sizes and times."""
    seen: dict[str, list] = {}
    for name, source in copied_assets(app).items():
        stat = source.stat()
        seen[name] = [stat.st_size, stat.st_mtime_ns]
        if known.get(name) == seen[name] and name in previous and (out / name).exists():
            digests[name] = previous[name]
            continue
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        digests[name] = digest
        _write(out, name, digest, previous, report,
               lambda target, s=source: shutil.copyfile(s, target))
    return seen


def _write(out: Path, name: str, digest: str, previous: dict[str, str],
           report: FreezeReport, write) -> None:
    target = out / name
    if previous.get(name) == digest and target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write(target)
    report.written.append(name)
