"""The HTTP benchmark's smoke run: a few seconds that prove ``bench/load.py`` works (real
servers, wrk, every ratio it prints computed). Speed itself is not asserted here."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "load.py"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed "
                    "(tests/install-system-deps.sh installs it)")
def test_the_benchmark_smoke_run_completes_without_errors():
    result = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zero errors, every answer 2xx/3xx" in result.stdout
    for line in ("1. cache hit ÷ hello world on waitress",
                 "5. conditional GET answered 304 ÷ cache hit",
                 "8. bytes of / with gzip ÷ without"):
        assert line in result.stdout


API_BENCH = Path(__file__).resolve().parents[1] / "bench" / "api.py"


def test_the_api_benchmark_smoke_run_prints_its_ratios():
    """``bench/api.py --smoke``: both figures measured (cached API list ÷ cached HTML page,
    the uncached list of 20); the speed targets are the full run's."""
    result = subprocess.run([sys.executable, str(API_BENCH), "--smoke"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1. cached API list ÷ cached HTML page (time per request): " in result.stdout
    assert "2. uncached list of 20 at 300 posts: " in result.stdout
