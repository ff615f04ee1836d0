"""``pressmark publish FILE... --site URL``: Markdown files with front matter, sent to a
site's Admin API, so that a Git repository can be the source of truth.

Each file is one post, found on the site by its slug (front matter ``slug``, else the
file's name): created when missing, changed when it differs, left alone when it does not
(the site saves nothing then), so running it again changes nothing. Front matter uses the
site's own keys (``title``, ``date``, ``tags``, ``topic``, ``summary``, ``series``,
``status``...); ``status`` defaults to ``published``. The token (scope ``write:posts``) is
read from an environment variable, ``PRESSMARK_API_TOKEN`` unless ``--token-env`` names
another, so it never appears in a command line or a CI log.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from pathlib import Path

import click
from pressmark.content.models import slugify
from pressmark.migrate.toolkit.frontmatter import FrontMatterError, split

TIMEOUT = 60


class PublishError(Exception):
    """A file the site refused, or a site that could not be reached; the message says why."""


def _plain(value):
    """Front-matter values as JSON: dates as ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def read_post(path: Path) -> dict:
    """The API payload of the Markdown file ``path``."""
    try:
        meta, body, _ = split(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, FrontMatterError) as exc:
        raise PublishError(f"{path}: cannot read it: {exc}") from None
    payload = {str(k): _plain(v) for k, v in meta.items()}
    payload["body"] = body.lstrip("\n")
    payload.setdefault("title", path.stem.replace("-", " ").strip().capitalize())
    payload["slug"] = str(payload.get("slug") or slugify(path.stem))
    if payload.pop("draft", False) is True:
        payload["status"] = "draft"
    payload.setdefault("status", "published")
    return payload


class Site:
    """The Admin API of the site at ``base`` (its root URL), as the token's author."""

    def __init__(self, base: str, token: str):
        self.base = base.rstrip("/") + "/api/v1/admin"
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
            "Content-Type": "application/json", "User-Agent": "pressmark-publish"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                problem = json.loads(exc.read() or b"{}")
            except ValueError:
                problem = {}
            return exc.code, problem
        except (urllib.error.URLError, OSError) as exc:
            raise PublishError(f"cannot reach {self.base}: {exc}") from None

    def publish(self, payload: dict) -> str:
        """Create or update one post; returns "created", "updated" or "unchanged"."""
        slug = urllib.parse.quote(payload["slug"], safe="")
        status, found = self.call("GET", f"/posts?slug={slug}")
        if status == 404:
            status, answer = self.call("POST", "/posts", payload)
            if status == 201:
                return "created"
        elif status == 200:
            post = found["data"]
            status, answer = self.call("PATCH", f"/posts/{post['id']}",
                                       {**payload, "version": post["version"]})
            if status == 200:
                return "updated" if answer.get("changed") else "unchanged"
        else:
            answer = found
        raise PublishError(answer.get("detail") or f"the site answered {status}")


@click.command("publish")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_url", required=True, metavar="URL",
              help="The site's address, such as https://blog.example.com.")
@click.option("--token-env", default="PRESSMARK_API_TOKEN", show_default=True,
              help="The environment variable that holds the access token.")
def publish_command(files: tuple[Path, ...], site_url: str, token_env: str) -> None:
    """Create or update posts on a site from Markdown FILES with front matter."""
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise click.UsageError(f"Set {token_env} to a personal access token with the scope "
                               "write:posts (made on the site's editor page Access tokens).")
    site, failed = Site(site_url, token), 0
    for path in files:
        try:
            outcome = site.publish(read_post(path))
            click.echo(f"{outcome}: {path}")
        except PublishError as exc:
            failed += 1
            click.echo(f"refused: {path}: {exc}", err=True)
    if failed:
        raise click.exceptions.Exit(1)
