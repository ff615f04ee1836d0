"""``--check-urls`` and ``pressmark urls check``: prove that every old address still answers.

The old site's addresses come from its ``sitemap.xml`` (a file, or an ``http(s)`` address
fetched like an import's images, see ``toolkit.fetch``; a sitemap index's sitemaps are
read too, from beside the file or from their addresses) or from its built output folder
(``public/``, ``_site/``, ``output/``): every ``.html`` file is the page at its path
(``posts/x/index.html`` is ``/posts/x/``), the not-found page aside.

Each path is requested from the new site: this site itself through Flask's test client
(nothing listens, nothing leaves the process), or a running site given by ``--site``. A
path answering 200 is kept; one answering a redirect whose target answers 200 is moved
(``301``); anything else is lost. Only the path and query of the old addresses are used,
so the old site's host does not matter.
"""

from __future__ import annotations

import http.client
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from defusedxml import ElementTree
from flask import current_app

KEPT, MOVED, LOST = "200", "301", "lost"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class CheckError(ValueError):
    """Old addresses that cannot be read at all (no such file, not a sitemap)."""


@dataclass
class Checked:
    path: str  # the old address
    verdict: str  # KEPT, MOVED or LOST
    status: int  # the first answer's status
    target: str = ""  # where a redirect led

    def __str__(self) -> str:
        line = f"{self.verdict:<5} {self.status:>3}  {self.path}"
        return line + (f" -> {self.target}" if self.target else "")


# --- the old addresses ----------------------------------------------------------------------


def old_paths(source: str | Path, fetch: Callable[[str], Path] | None = None) -> list[str]:
    """The old site's paths from a sitemap (file or address) or a built output folder,
    each once, in the order found. ``fetch`` downloads an address to a file."""
    text = str(source)
    if urlsplit(text).scheme in ("http", "https"):
        if fetch is None:
            raise CheckError("a sitemap address needs downloads (they are off)")
        return list(dict.fromkeys(_sitemap(fetch(text), fetch, text)))
    path = Path(text).expanduser()
    if path.is_dir():
        return list(dict.fromkeys(_built_pages(path)))
    if path.is_file():
        return list(dict.fromkeys(_sitemap(path, fetch, None)))
    raise CheckError(f"{source} is neither a sitemap nor a folder of the old site's pages")


def _as_path(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _sitemap(file: Path, fetch, address: str | None, depth: int = 0) -> Iterable[str]:
    try:
        root = ElementTree.parse(file).getroot()
    except Exception as exc:  # noqa: BLE001 - defusedxml's refusals have their own types
        raise CheckError(f"{file.name} is not a readable sitemap: {exc}") from None
    tag = root.tag.removeprefix(SITEMAP_NS)
    locs = [(el.text or "").strip() for el in root.iter(f"{SITEMAP_NS}loc")]
    locs += [(el.text or "").strip() for el in root.iter("loc")]
    if tag == "urlset":
        yield from (_as_path(loc) for loc in locs if loc)
        return
    if tag != "sitemapindex":
        raise CheckError(f"{file.name} is not a sitemap (no <urlset> or <sitemapindex>)")
    if depth > 2:
        raise CheckError("sitemap indexes nest too deeply")
    for loc in locs:
        beside = file.parent / Path(urlsplit(loc).path).name
        if beside.is_file():
            yield from _sitemap(beside, fetch, None, depth + 1)
        elif fetch is not None:
            target = urljoin(address or "", loc)
            yield from _sitemap(fetch(target), fetch, target, depth + 1)
        else:
            raise CheckError(f"the sitemap index names {loc}, which is not beside it")


def _built_pages(folder: Path) -> Iterable[str]:
    for where, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if not name.endswith((".html", ".htm")) or name in ("404.html", "404.htm"):
                continue
            relative = (Path(where) / name).relative_to(folder).as_posix()
            if name in ("index.html", "index.htm"):
                parent = relative.rsplit("/", 1)[0] if "/" in relative else ""
                yield f"/{parent}/" if parent else "/"
            else:
                yield f"/{relative}"


# --- asking the new site --------------------------------------------------------------------


def check(paths: Iterable[str], site: str | None = None) -> list[Checked]:
    """Each old path's verdict against ``site`` (a base URL), or this app when None."""
    ask = _ask_site(site) if site else _ask_app()
    results = []
    for path in paths:
        status, location = ask(path)
        if 200 <= status < 300:
            results.append(Checked(path, KEPT, status))
        elif status in (301, 302, 303, 307, 308) and location:
            target = _as_path(urljoin(path, location))
            final, _ = ask(target)
            verdict = MOVED if 200 <= final < 300 else LOST
            results.append(Checked(path, verdict, status, target))
        else:
            results.append(Checked(path, LOST, status))
    return results


def _ask_app() -> Callable[[str], tuple[int, str]]:
    client = current_app.test_client()

    def ask(path: str) -> tuple[int, str]:
        answer = client.get(path)
        answer.close()
        return answer.status_code, answer.headers.get("Location", "")

    return ask


def _ask_site(site: str) -> Callable[[str], tuple[int, str]]:
    base = urlsplit(site)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise CheckError(f"--site must be an http(s) address, not {site!r}")
    kind = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
    prefix = base.path.rstrip("/")

    def ask(path: str) -> tuple[int, str]:
        connection = kind(base.netloc, timeout=20)
        try:
            connection.request("GET", prefix + path, headers={"User-Agent": "pressmark-urls"})
            answer = connection.getresponse()
            answer.read(1024 * 1024)
            return answer.status, answer.getheader("Location") or ""
        except OSError:
            return 0, ""
        finally:
            connection.close()

    return ask


def summary(results: list[Checked]) -> str:
    counts = {v: sum(1 for r in results if r.verdict == v) for v in (KEPT, MOVED, LOST)}
    return (f"{len(results)} old URLs: {counts[KEPT]} answer 200, {counts[MOVED]} answer 301 "
            f"to a page that answers, {counts[LOST]} lost.")
