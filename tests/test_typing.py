"""``mypy --strict`` is clean on the plugin surface (``pressmark.api``) and the hook specs,
and ``py.typed`` tells type checkers that the package is typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRICT_MODULES = ("pressmark.api", "pressmark.plugin_system.hookspecs")


def test_py_typed_ships_with_the_package():
    assert (ROOT / "app" / "py.typed").exists()


def test_mypy_strict_on_the_api_and_the_hookspecs(tmp_path):
    # The folder app/ is the package pressmark: give mypy that name for it.
    (tmp_path / "pressmark").symlink_to(ROOT / "app", target_is_directory=True)
    modules = [arg for name in STRICT_MODULES for arg in ("-m", name)]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--strict", "--follow-imports=silent", "--no-incremental", *modules],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 2 source files" in result.stdout
