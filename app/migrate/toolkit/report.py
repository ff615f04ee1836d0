"""The import report: one line per file seen, and totals that add up.

Every file the importer looks at ends as exactly one of

- ``imported``: a new post;
- ``updated``: an existing post overwritten (``--on-conflict=update``);
- ``skipped``: nothing written, with the reason (a section index, a page of another kind,
  a slug already taken under ``--on-conflict=skip``, ...);
- ``failed``: nothing written, with the reason.

A post may also carry notes: what was changed on the way in (a slug given a suffix, an
unconverted shortcode, a status mapped to another). In a dry run the outcomes say what
would happen; nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

IMPORTED, UPDATED, SKIPPED, FAILED = "imported", "updated", "skipped", "failed"
OUTCOMES = (IMPORTED, UPDATED, SKIPPED, FAILED)


@dataclass
class Line:
    name: str  # the file (or, for WordPress and Ghost, "export.xml#post-42")
    outcome: str
    detail: str = ""  # the post's address, or the reason
    notes: list[str] = field(default_factory=list)
    address: str = ""  # the post's address here (imported, updated)
    old_urls: list[str] = field(default_factory=list)  # the old addresses kept as aliases

    def as_json(self) -> str:
        """The line as one JSON object (``--report FILE``)."""
        record = asdict(self)
        record["file"] = record.pop("name")
        return json.dumps(record, ensure_ascii=False)

    def __str__(self) -> str:
        text = f"{self.outcome:<8} {self.name}"
        if self.detail:
            joiner = ": " if self.outcome in (SKIPPED, FAILED) else " -> "
            text += joiner + self.detail
        return text


@dataclass
class ImportReport:
    source_format: str = ""
    dry_run: bool = False
    lines: list[Line] = field(default_factory=list)
    # Called with each line as it is added, so a command can show it as the work happens.
    on_line: Callable[[Line], None] | None = field(default=None, repr=False, compare=False)

    def add(self, name: str, outcome: str, detail: str = "", notes: list[str] | None = None):
        line = Line(name, outcome, detail, list(notes or []))
        self.lines.append(line)
        if self.on_line is not None:
            self.on_line(line)
        return line

    def names(self, outcome: str) -> list[str]:
        return [line.name for line in self.lines if line.outcome == outcome]

    @property
    def imported(self) -> list[str]:
        return self.names(IMPORTED)

    @property
    def updated(self) -> list[str]:
        return self.names(UPDATED)

    @property
    def skipped(self) -> list[str]:
        return self.names(SKIPPED)

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(name, reason) of every failed file."""
        return [(line.name, line.detail) for line in self.lines if line.outcome == FAILED]

    @property
    def failed(self) -> bool:
        return any(line.outcome == FAILED for line in self.lines)

    def line_for(self, name: str) -> Line:
        """The report line of ``name`` (``KeyError`` when it was not seen)."""
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)

    def write_jsonl(self, path: str | Path) -> None:
        """Every line as JSON, one per line, then ``{"summary": ...}`` (``--report``)."""
        with Path(path).expanduser().open("w", encoding="utf-8") as fh:
            for line in self.lines:
                fh.write(line.as_json() + "\n")
            fh.write(json.dumps({"summary": self.totals(), "dry_run": self.dry_run,
                                 "format": self.source_format}) + "\n")

    def summary(self) -> list[str]:
        """The lines that end the printed report: the totals, the old URLs kept, and the
        items a person should look at (failures, posts without a date of their own)."""
        kept = sum(len(line.old_urls) for line in self.lines)
        lines = [self.totals(), f"Old URLs kept as redirects: {kept}."]
        undated = [line.name for line in self.lines
                   if any(note.startswith("no date") for note in line.notes)]
        if undated:
            lines.append(f"No date of their own ({len(undated)}): " + ", ".join(undated))
        failed = self.names(FAILED)
        if failed:
            lines.append(f"Failed ({len(failed)}): " + ", ".join(failed))
        return lines

    def totals(self) -> str:
        counts = {outcome: len(self.names(outcome)) for outcome in OUTCOMES}
        text = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES)
        prefix = "Dry run, nothing written: " if self.dry_run else ""
        return f"{prefix}{len(self.lines)} files seen: {text}."
