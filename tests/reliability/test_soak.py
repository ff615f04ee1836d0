"""A few seconds of bench/soak.py (the full run is 60 s with 64 readers, by hand: see
bench/README.md): readers and a saving author on the real server, then no failed request,
every answered save a revision, and a sound database."""

import importlib.util
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def load_soak():
    spec = importlib.util.spec_from_file_location("pressmark_bench_soak", SOAK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_soak_smoke(tmp_path):
    soak = load_soak()
    result = soak.run_soak(seconds=4, readers=8, save_every=0.2, folder=tmp_path)
    assert result.ok, (result.problems(), result.failures)
    assert result.saves_answered >= 2 and result.reads >= 8
    assert result.saves_missing == 0 and result.integrity == "ok"
