"""CI runs what the README tells a contributor to run, and runs it in parallel.

``.ci/run`` must contain the README's test command verbatim (a contributor and CI run the
same thing), that command must run pytest across workers (CI stays under ten minutes on two
cores), and the parallel runner must be part of the test extra so the command works on a
fresh clone.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1]
    match = re.search(r"```bash\n(.+?)\n```", section, re.S)
    assert match, "the README's 'Run the tests' section has no bash block"
    return match.group(1).strip()


def test_ci_runs_the_readme_command_verbatim():
    command = readme_test_command()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in script.splitlines()


def test_the_command_runs_pytest_in_parallel_with_a_declared_dependency():
    command = readme_test_command()
    assert re.search(r"-m pytest\b.*\s-n\s+(auto|\d+)", command), command
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    test_extra = extras["project"]["optional-dependencies"]["test"]
    assert any(req.startswith("pytest-xdist") for req in test_extra)


def test_ci_prints_the_time_of_each_phase():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for phase in ("venv+pip", "system deps", "pytest", "audit"):
        assert f'next_phase "{phase}"' in script, phase
