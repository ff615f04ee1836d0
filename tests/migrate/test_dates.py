"""Dates as the generators read them: lenient spellings, the site's time zone, and, for a
post with none, the path, the file name or the Git history; never silently the import
day."""

import os
import subprocess
from datetime import datetime

from tests.migrate.conftest import write


def _git(root, *args, when=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env,
                   capture_output=True)


def test_a_post_without_a_date_takes_its_first_commit_even_after_a_rename(run_import,
                                                                         tmp_path):
    site = write(tmp_path / "site", {
        "posts/kept.md": "---\ntitle: Kept\n---\nNo date here.\n",
        "posts/moved-before.md": "---\ntitle: Moved\n---\nRenamed later.\n",
    })
    _git(site, "init", "-q")
    _git(site, "add", ".")
    _git(site, "commit", "-q", "-m", "first", when="2015-06-07T10:00:00+00:00")
    _git(site, "mv", "posts/moved-before.md", "posts/moved.md")
    _git(site, "commit", "-q", "-m", "rename", when="2018-01-01T10:00:00+00:00")
    write(site, {"posts/untracked.md": "---\ntitle: Untracked\n---\nNever committed.\n"})
    report, posts = run_import(site, "markdown")
    assert posts["kept"].published_at == datetime(2015, 6, 7, 10)
    assert posts["moved"].published_at == datetime(2015, 6, 7, 10)  # --follow
    assert "date taken from the Git history (first added 2015-06-07)" in \
        report.line_for("posts/kept.md").notes
    # Still no date: named, never silently dated today.
    assert "No date of their own (1): posts/untracked.md" in report.summary()


def test_lenient_dates_and_the_site_time_zone(run_import, tmp_path):
    site = write(tmp_path / "site", {
        "hugo.toml": 'baseURL = "https://example.org/"\ntimeZone = "America/New_York"\n',
        "content/posts/one-digit.md": '+++\ntitle = "One digit"\n'
                                      'date = "2019-04-09T8:09:26-07:00"\n+++\nx\n',
        "content/posts/local.md": "---\ntitle: Local\ndate: 2019-04-09 8:09\n---\nx\n",
        "content/posts/spaced.md": "---\ntitle: Spaced\ndate: '2020-01-02 13:14'\n---\nx\n",
    })
    report, posts = run_import(site, "hugo")
    assert not report.failed, report.errors
    assert posts["one-digit"].published_at == datetime(2019, 4, 9, 15, 9, 26)
    assert posts["local"].published_at == datetime(2019, 4, 9, 12, 9)  # New York, EDT
    assert posts["spaced"].published_at == datetime(2020, 1, 2, 18, 14)  # EST
