"""The one GPU table: every preset number against the figure its vendor datasheet prints,
and every calculator's GPU presets drawn from that one table.

The figures below were copied from the datasheets named in ``gpus.py`` (as printed, before
any conversion), so a typo in the table, or a conversion applied twice, fails here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from pressmark.plugins.calculators.builtins import BUILTIN_CALCULATORS
from pressmark.plugins.calculators.gpus import GPU_BY_SLUG, GPUS, LINKS, SPARSE

# slug -> field -> (figure as the datasheet prints it, the per-GPU dense one-way value)
DATASHEETS = {
    "h100": {"memory_gb": ("80GB", 80), "bandwidth_tbs": ("3.35TB/s", 3.35),
             "bf16_tflops": ("1,979", 989.5), "fp8_tflops": ("3,958", 1979),
             "link_gbs": ("900GB/s", 450)},
    "h100-pcie": {"memory_gb": ("80GB", 80), "bandwidth_tbs": ("2TB/s", 2.0),
                  "bf16_tflops": ("1,513", 756.5), "fp8_tflops": ("3,026", 1513),
                  "link_gbs": ("128GB/s", 64)},
    "h200": {"memory_gb": ("141GB", 141), "bandwidth_tbs": ("4.8TB/s", 4.8),
             "bf16_tflops": ("1,979", 989.5), "fp8_tflops": ("3,958", 1979),
             "link_gbs": ("900GB/s", 450)},
    "b200": {"memory_gb": ("1,440GB", 180), "bandwidth_tbs": ("64TB/s", 8.0),
             "bf16_tflops": ("36 PFLOPS", 2250), "fp8_tflops": ("72 PFLOPS", 4500),
             "link_gbs": ("1.8TB/s", 900)},
    "a100": {"memory_gb": ("80GB", 80), "bandwidth_tbs": ("2,039GB/s", 2.039),
             "bf16_tflops": ("312 TFLOPS", 312), "fp8_tflops": (None, None),
             "link_gbs": ("600GB/s", 300)},
    "l40s": {"memory_gb": ("48GB", 48), "bandwidth_tbs": ("864GB/s", 0.864),
             "bf16_tflops": ("362.05", 362.05), "fp8_tflops": ("733", 733),
             "link_gbs": ("64GB/s", 32)},
    "mi300x": {"memory_gb": ("192 GB", 192), "bandwidth_tbs": ("5.3 TB/s", 5.3),
               "bf16_tflops": ("1,307.4", 1307.4), "fp8_tflops": ("2,614.9", 2614.9),
               "link_gbs": ("896 GB/s", 448)},
}
VENDOR_HOSTS = {"www.nvidia.com", "www.amd.com"}


def test_the_table_has_the_gpus_the_blog_writes_about():
    assert [g.slug for g in GPUS] == list(DATASHEETS)


@pytest.mark.parametrize(
    ("slug", "field"), [(s, f) for s, fields in DATASHEETS.items() for f in fields]
)
def test_every_preset_number_matches_its_datasheet(slug, field):
    printed, expected = DATASHEETS[slug][field]
    gpu = GPU_BY_SLUG[slug]
    assert getattr(gpu, field) == pytest.approx(expected, rel=1e-12) if expected else (
        getattr(gpu, field) is None
    )
    if printed is None:
        assert field not in gpu.sources  # no FP8 tensor cores: nothing is claimed
        return
    source = gpu.sources[field]
    # The quotation shows the figure as printed, on a vendor's own page.
    assert printed in source.quoted, (source.quoted, printed)
    assert urlsplit(source.url).hostname in VENDOR_HOSTS
    # Halving a "with sparsity" figure is said in the quotation (NVIDIA's asterisk).
    if source.divisor % SPARSE == 0 and field.endswith("tflops"):
        assert "*" in source.quoted or "sparsity" in source.quoted


def test_dense_rates_are_half_the_sparse_ones_the_datasheets_print():
    # The datasheets print "1,979 teraFLOPS*" for H100 SXM BF16, the asterisk meaning with
    # sparsity; the dense rate calculators use is half of it.
    assert GPU_BY_SLUG["h100"].bf16_tflops * 2 == 1979
    # AMD rounds each figure on its own: 2 × 1,307.4 is 2,614.8, printed 2,614.9.
    assert GPU_BY_SLUG["mi300x"].fp8_tflops == pytest.approx(
        GPU_BY_SLUG["mi300x"].bf16_tflops * 2, rel=1e-4
    )


def test_a_gpu_without_fp8_uses_its_bf16_rate():
    assert GPU_BY_SLUG["a100"].fp8_tflops is None
    assert GPU_BY_SLUG["a100"].fp8_or_bf16_tflops == 312


def test_links_come_from_the_same_table():
    links = {k.slug: k.gbs for k in LINKS}
    assert links["nvlink-h100"] == GPU_BY_SLUG["h100"].link_gbs == 450
    assert links["nvlink-a100"] == 300 and links["nvlink-b200"] == 900
    assert links["pcie5"] == 64 and links["pcie4"] == 32


FIELDS = {"bandwidth": "bandwidth_tbs", "memory": "memory_gb", "bf16_tflops": "bf16_tflops",
          "fp8_tflops": "fp8_or_bf16_tflops"}


@pytest.mark.parametrize("calc", [c for c in BUILTIN_CALCULATORS if any(
    g.name == "gpu" for g in c.presets)], ids=lambda c: c.name)
def test_every_calculator_takes_its_gpu_presets_from_the_one_table(calc):
    (group,) = [g for g in calc.presets if g.name == "gpu"]
    assert [p.name for p in group.presets] == [g.slug for g in GPUS]
    for preset in group.presets:
        gpu = GPU_BY_SLUG[preset.name]
        assert preset.values, preset.name
        for name, value in preset.values.items():
            assert value == getattr(gpu, FIELDS[name]), (calc.name, preset.name, name)


def test_labels_name_the_memory_the_preset_holds():
    for gpu in GPUS:
        figure = re.search(r"(\d+) ?GB", gpu.label)
        assert figure and float(figure.group(1)) == gpu.memory_gb, gpu.label
