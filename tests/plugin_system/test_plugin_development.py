"""A plugin author follows the scaffold's README, word for word, in a fresh virtual
environment: pressmark from this checkout, then the plugin with its test extra, then its
tests pass. (pip reaches the package index for pressmark's own dependencies.)"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pressmark.cli import main

CHECKOUT = Path(__file__).resolve().parents[2]


def readme_steps(readme: str) -> list[str]:
    """The commands of the README's "Develop and test" code block."""
    section = readme.split("## Develop and test", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_docs_and_readme_give_the_same_steps(tmp_path):
    result = CliRunner().invoke(main, ["plugin", "new", "reading-time", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    steps = readme_steps((tmp_path / "p" / "README.md").read_text())
    docs = (CHECKOUT / "docs" / "plugins.md").read_text()
    for step in steps:
        assert step in docs
    assert steps[1] == ".venv/bin/pip install -e /path/to/pressmark"


@pytest.mark.skipif(os.environ.get("PRESSMARK_SKIP_NETWORK_TESTS") == "1",
                    reason="needs the package index for pressmark's dependencies")
def test_the_readmes_steps_work_in_a_fresh_virtual_environment(tmp_path):
    folder = tmp_path / "pressmark-reading-time"
    result = CliRunner().invoke(main, ["plugin", "new", "reading-time", str(folder)])
    assert result.exit_code == 0, result.output
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PRESSMARK_", "VIRTUAL_ENV", "PYTHONPATH"))}
    for step in readme_steps((folder / "README.md").read_text()):
        command = step.replace("/path/to/pressmark", shlex.quote(str(CHECKOUT)))
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=540)
        assert done.returncode == 0, f"{step}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert " passed" in done.stdout
