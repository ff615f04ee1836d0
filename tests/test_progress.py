"""Long commands report progress: a bar on a terminal, plain lines in a log, and report
lines as the work happens."""

from __future__ import annotations

import io

from pressmark.progress import progress


def test_plain_lines_at_each_tenth_when_not_a_terminal():
    stream = io.StringIO()
    with progress("Rendering", 20, stream=stream, tty=False) as bar:
        for n in range(20):
            bar.advance(item=f"/posts/{n}")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Rendering: 2/20 (10%)" and lines[-1] == "Rendering: 20/20 (100%)"
    assert len(lines) == 10  # no bar, no carriage returns, one line per tenth
    assert "\r" not in stream.getvalue()


def test_unknown_totals_end_with_a_count():
    stream = io.StringIO()
    with progress("Freezing", stream=stream, tty=False) as bar:
        for _ in range(3):
            bar.advance()
    assert stream.getvalue().splitlines()[-1] == "Freezing: 3 done"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_with_notes_above_it(capsys):
    stream = Terminal()
    with progress("Importing", 4, stream=stream) as bar:
        for n in range(4):
            bar.advance(item=f"post-{n}.md")
            bar.note(f"imported post-{n}.md")
    drawn = stream.getvalue()
    assert "Importing" in drawn and "4/4" in drawn and "post-3.md" in drawn
    assert capsys.readouterr().out.splitlines() == [f"imported post-{n}.md" for n in range(4)]


def test_demo_generate_reports_as_it_goes(runner, app):
    result = runner.invoke(args=["demo", "generate", "--posts", "10"])
    assert result.exit_code == 0, result.output
    assert "Generating: 10/10 (100%)" in result.output + (result.stderr or "")
    assert "Added 10 posts" in result.output


def test_search_rebuild_and_rerender_report_as_they_go(runner, app):
    assert runner.invoke(args=["demo", "generate", "--posts", "5"]).exit_code == 0
    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Indexing: 5/5 (100%)" in rebuilt.output + (rebuilt.stderr or "")
    rendered = runner.invoke(args=["rerender"])
    assert "Rendering: 5/5 (100%)" in rendered.output + (rendered.stderr or "")
