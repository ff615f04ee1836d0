"""Downloading an old site's images (WordPress attachments, featured images given by URL)
when no local copy sits beside the export.

Only ``http`` and ``https`` addresses are fetched, redirects included; each download has a
timeout and is refused, without being held in memory past it, once it passes the upload
size limit (``UPLOAD_MAX_BYTES``). What was downloaded is then stored as every upload is:
its type is read from its bytes, never from the server's Content-Type (servers send
images as ``application/octet-stream`` and error pages as ``image/png``), and anything but
a PNG, JPEG, GIF or WebP image is refused. Each address is fetched once per import. A
failure is a ``FetchError`` with a reason for the report; it never stops the import.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHUNK = 64 * 1024
TIMEOUT = 20  # seconds, for connecting and for each read
USER_AGENT = "pressmark-import"


class FetchError(ValueError):
    """A download that failed or was refused, with the reason."""


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"redirected to a non-web address: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class Fetcher:
    """Downloads into a temporary folder of its own; ``close()`` removes it."""

    limit: int
    timeout: float = TIMEOUT
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pm-fetch-")))
    done: dict[str, Path | FetchError] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(_HttpOnlyRedirects())

    def get(self, url: str) -> Path:
        """The downloaded file of ``url`` (fetched at most once); ``FetchError`` else."""
        if url not in self.done:
            try:
                self.done[url] = self._download(url, self.folder / f"{len(self.done)}")
            except FetchError as exc:
                self.done[url] = exc
        found = self.done[url]
        if isinstance(found, FetchError):
            raise found
        return found

    def _download(self, url: str, target: Path) -> Path:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError("only http and https addresses are downloaded")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.limit:
                    raise FetchError(f"larger than the upload limit ({self.limit} bytes)")
                size = 0
                with target.open("wb") as out:
                    while chunk := response.read(CHUNK):
                        size += len(chunk)
                        if size > self.limit:
                            raise FetchError(
                                f"larger than the upload limit ({self.limit} bytes)")
                        out.write(chunk)
        except urllib.error.HTTPError as exc:
            raise FetchError(f"the server answered {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise FetchError(f"cannot be reached: {exc.reason}") from None
        except (TimeoutError, OSError) as exc:
            raise FetchError(f"download failed: {exc}") from None
        if size == 0:
            raise FetchError("the server sent an empty file")
        return target

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
