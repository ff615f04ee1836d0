"""Progress of a long command: a bar on a terminal, plain lines when the output is not one.

Every long command (import, demo generate, freeze, uploads process, rerender, search
rebuild) reports through :func:`progress`::

    with progress("Freezing", total=len(paths)) as bar:
        for path in paths:
            write(path)
            bar.advance(item=path)          # one step done
            bar.note(f"wrote {path}")        # a report line, shown as it happens

On a terminal the bar is ``click.progressbar`` on stderr, and notes are printed above it.
Elsewhere (a log file, CI, a pipe) there is no bar: notes are printed as lines, and a line
``Freezing: 500/2000 (25%)`` comes at every tenth of the work and at least every
``PLAIN_EVERY`` seconds, so a log shows the job moving without a line per step. The
functions that do the work take a plain callback (``on_item``) and never import this
module: the command passes ``bar.advance``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click

PLAIN_EVERY = 5.0  # seconds between plain progress lines, at most


class Progress:
    """One long job's report; made by :func:`progress`."""

    def __init__(self, label: str, total: int | None, stream: IO[str], tty: bool) -> None:
        self.label, self.total, self.stream, self.tty = label, total, stream, tty
        self.done = 0
        self._bar = None
        self._last_line = time.monotonic()
        self._last_tenth = 0

    def advance(self, steps: int = 1, item: str | None = None) -> None:
        """``steps`` more units of work are done (``item`` names the last, for the bar)."""
        self.done += steps
        if self._bar is not None:
            self._bar.current_item = item
            self._bar.update(steps)
            return
        tenth = self.done * 10 // self.total if self.total else 0
        now = time.monotonic()
        if tenth > self._last_tenth or now - self._last_line >= PLAIN_EVERY:
            self._last_tenth, self._last_line = tenth, now
            self._line(self._count())

    def note(self, line: str, err: bool = False) -> None:
        """Print a report line now (above the bar on a terminal)."""
        if self._bar is not None:
            self.stream.write("\r\033[K")
            click.echo(line, err=err)
            self._bar.render_progress()
        else:
            click.echo(line, err=err)

    def _count(self) -> str:
        if self.total:
            return f"{self.label}: {self.done}/{self.total} ({self.done * 100 // self.total}%)"
        return f"{self.label}: {self.done}"

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


@contextmanager
def progress(label: str, total: int | None = None, *, stream: IO[str] | None = None,
             tty: bool | None = None) -> Iterator[Progress]:
    """Report a job of ``total`` steps (None: unknown) on ``stream`` (stderr by default).

    ``tty`` forces the bar on or off; by default it is on when ``stream`` is a terminal.
    """
    stream = stream or sys.stderr
    tty = stream.isatty() if tty is None else tty
    report = Progress(label, total, stream, tty)
    if not tty or total is None:  # a bar needs to know the whole
        yield report
        if report.done and report._last_tenth < 10:
            report._line(report._count() + " done")
        return
    with click.progressbar(length=total, label=label, file=stream, show_pos=True,
                           item_show_func=lambda item: item) as bar:
        report._bar = bar
        yield report
