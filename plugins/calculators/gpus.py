"""The one GPU table every calculator uses, each figure with the datasheet it comes from.

A ``GpuSpec`` holds the figures the calculators need, per GPU: memory (GB, 10⁹ bytes),
peak memory bandwidth (TB/s), dense BF16 and FP8 tensor throughput (TFLOP/s) and the
GPU-to-GPU link's bandwidth (GB/s, one direction). Each figure's ``Source`` quotes what
the vendor's datasheet prints (``quoted``) and says how the per-GPU, dense,
one-direction figure follows from it (``derive``): datasheets print tensor throughput
"with sparsity" (twice the dense rate), system datasheets print totals for eight GPUs, and
link bandwidth is printed for both directions together. ``tests/plugins/test_calculator_gpus.py``
re-derives every preset number from its quoted figure.
"""

from __future__ import annotations

from dataclasses import dataclass

H100_URL = "https://www.nvidia.com/en-us/data-center/h100/"
H200_URL = "https://www.nvidia.com/en-us/data-center/h200/"
HGX_URL = "https://www.nvidia.com/en-us/data-center/hgx/"
DGX_B200_URL = "https://www.nvidia.com/en-us/data-center/dgx-b200/"
A100_URL = "https://www.nvidia.com/en-us/data-center/a100/"
L40S_URL = "https://www.nvidia.com/en-us/data-center/l40s/"
MI300X_URL = "https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html"

# How a quoted figure becomes the preset's: a divisor (sparsity, eight GPUs, two directions).
AS_PRINTED, SPARSE, EIGHT_GPUS, BOTH_WAYS = 1, 2, 8, 2


@dataclass(frozen=True)
class Source:
    """Where one figure comes from: the vendor page, the figure as printed there, and the
    divisor that turns it into the preset's per-GPU, dense, one-direction value."""

    url: str
    quoted: str
    printed: float
    divisor: float = AS_PRINTED

    @property
    def value(self) -> float:
        return self.printed / self.divisor


@dataclass(frozen=True)
class GpuSpec:
    """One GPU's datasheet figures; ``fp8_tflops`` is ``None`` where it has no FP8 tensor
    cores (A100): calculators then use the BF16 rate, as weight-only FP8 kernels do."""

    slug: str
    label: str
    memory_gb: float
    bandwidth_tbs: float
    bf16_tflops: float
    fp8_tflops: float | None
    link: str
    link_gbs: float
    sources: dict[str, Source]

    @property
    def fp8_or_bf16_tflops(self) -> float:
        return self.fp8_tflops if self.fp8_tflops is not None else self.bf16_tflops


def _spec(slug: str, label: str, link: str, sources: dict[str, Source]) -> GpuSpec:
    """A spec whose every figure is its source's value, so the two cannot drift apart."""
    fp8 = sources.get("fp8_tflops")
    return GpuSpec(
        slug=slug, label=label,
        memory_gb=sources["memory_gb"].value,
        bandwidth_tbs=sources["bandwidth_tbs"].value,
        bf16_tflops=sources["bf16_tflops"].value,
        fp8_tflops=fp8.value if fp8 else None,
        link=link, link_gbs=sources["link_gbs"].value, sources=sources,
    )


GPUS: tuple[GpuSpec, ...] = (
    _spec("h100", "NVIDIA H100 SXM (80 GB HBM3)", "NVLink 4", {
        "memory_gb": Source(H100_URL, "H100 SXM GPU memory: 80GB", 80),
        "bandwidth_tbs": Source(H100_URL, "H100 SXM GPU memory bandwidth: 3.35TB/s", 3.35),
        "bf16_tflops": Source(H100_URL, "H100 SXM BF16 Tensor Core: 1,979 teraFLOPS*", 1979,
                              SPARSE),
        "fp8_tflops": Source(H100_URL, "H100 SXM FP8 Tensor Core: 3,958 teraFLOPS*", 3958, SPARSE),
        "link_gbs": Source(H100_URL, "H100 SXM interconnect: NVLink 900GB/s", 900, BOTH_WAYS),
    }),
    _spec("h100-pcie", "NVIDIA H100 PCIe (80 GB HBM2e)", "PCIe Gen5 x16", {
        "memory_gb": Source(H100_URL, "H100 PCIe GPU memory: 80GB", 80),
        "bandwidth_tbs": Source(H100_URL, "H100 PCIe GPU memory bandwidth: 2TB/s", 2.0),
        "bf16_tflops": Source(H100_URL, "H100 PCIe BF16 Tensor Core: 1,513 teraFLOPS*", 1513,
                              SPARSE),
        "fp8_tflops": Source(H100_URL, "H100 PCIe FP8 Tensor Core: 3,026 teraFLOPS*", 3026, SPARSE),
        "link_gbs": Source(H100_URL, "H100 PCIe interconnect: PCIe Gen5 128GB/s", 128, BOTH_WAYS),
    }),
    _spec("h200", "NVIDIA H200 SXM (141 GB HBM3e)", "NVLink 4", {
        "memory_gb": Source(H200_URL, "H200 SXM GPU memory: 141GB", 141),
        "bandwidth_tbs": Source(H200_URL, "H200 SXM GPU memory bandwidth: 4.8TB/s", 4.8),
        "bf16_tflops": Source(H200_URL, "H200 SXM BF16 Tensor Core: 1,979 TFLOPS*", 1979, SPARSE),
        "fp8_tflops": Source(H200_URL, "H200 SXM FP8 Tensor Core: 3,958 TFLOPS*", 3958, SPARSE),
        "link_gbs": Source(H200_URL, "H200 SXM interconnect: NVLink 900GB/s", 900, BOTH_WAYS),
    }),
    _spec("b200", "NVIDIA B200 (180 GB HBM3e, HGX/DGX)", "NVLink 5", {
        "memory_gb": Source(DGX_B200_URL, "DGX B200 (8× B200): 1,440GB total GPU memory", 1440,
                            EIGHT_GPUS),
        "bandwidth_tbs": Source(DGX_B200_URL, "DGX B200: 64TB/s HBM3e bandwidth", 64, EIGHT_GPUS),
        "bf16_tflops": Source(HGX_URL, "HGX B200 (8 GPUs) FP16/BF16 Tensor Core: 36 PFLOPS*",
                              36_000, EIGHT_GPUS * SPARSE),
        "fp8_tflops": Source(HGX_URL, "HGX B200 (8 GPUs) FP8/FP6 Tensor Core: 72 PFLOPS*", 72_000,
                             EIGHT_GPUS * SPARSE),
        "link_gbs": Source(HGX_URL, "HGX B200 NVLink (5th gen): 1.8TB/s per GPU", 1800, BOTH_WAYS),
    }),
    _spec("a100", "NVIDIA A100 80GB SXM (HBM2e)", "NVLink 3", {
        "memory_gb": Source(A100_URL, "A100 80GB SXM GPU memory: 80GB HBM2e", 80),
        "bandwidth_tbs": Source(A100_URL, "A100 80GB SXM GPU memory bandwidth: 2,039GB/s", 2039,
                                1000),
        "bf16_tflops": Source(A100_URL, "A100 BFLOAT16 Tensor Core: 312 TFLOPS | 624 TFLOPS*", 312),
        "link_gbs": Source(A100_URL, "A100 SXM interconnect: NVLink 600GB/s", 600, BOTH_WAYS),
    }),
    _spec("l40s", "NVIDIA L40S (48 GB GDDR6)", "PCIe Gen4 x16", {
        "memory_gb": Source(L40S_URL, "L40S GPU memory: 48GB GDDR6 with ECC", 48),
        "bandwidth_tbs": Source(L40S_URL, "L40S memory bandwidth: 864GB/s", 864, 1000),
        "bf16_tflops": Source(L40S_URL, "L40S BF16 Tensor Core: 362.05 | 733* TFLOPS", 362.05),
        "fp8_tflops": Source(L40S_URL, "L40S FP8 Tensor Core: 733 | 1,466* TFLOPS", 733),
        "link_gbs": Source(L40S_URL, "L40S interconnect: PCIe Gen4 x16: 64GB/s bidirectional", 64,
                           BOTH_WAYS),
    }),
    _spec("mi300x", "AMD Instinct MI300X (192 GB HBM3)", "Infinity Fabric", {
        "memory_gb": Source(MI300X_URL, "MI300X memory: 192 GB HBM3", 192),
        "bandwidth_tbs": Source(MI300X_URL, "MI300X peak memory bandwidth: 5.3 TB/s", 5.3),
        "bf16_tflops": Source(MI300X_URL, "MI300X peak BF16: 1,307.4 TFLOPs (2,614.9 with "
                              "sparsity)", 1307.4),
        "fp8_tflops": Source(MI300X_URL, "MI300X peak FP8: 2,614.9 TFLOPs (5,229.8 with sparsity)",
                             2614.9),
        "link_gbs": Source(MI300X_URL, "MI300X peak Infinity Fabric bandwidth: 896 GB/s "
                           "(7 links × 128 GB/s)", 896, BOTH_WAYS),
    }),
)

GPU_BY_SLUG = {g.slug: g for g in GPUS}


@dataclass(frozen=True)
class LinkSpec:
    """A GPU-to-GPU link for the all-reduce calculator: one-direction GB/s per GPU."""

    slug: str
    label: str
    gbs: float


# The links of the GPU table, plus plain PCIe for GPUs in ordinary servers.
PCIE5 = Source(H100_URL, "PCIe Gen5: 128GB/s", 128, BOTH_WAYS)
PCIE4 = Source(L40S_URL, "PCIe Gen4 x16: 64GB/s bidirectional", 64, BOTH_WAYS)
LINKS: tuple[LinkSpec, ...] = (
    LinkSpec("nvlink-h100", "NVLink 4 (H100/H200 SXM, 450 GB/s each way)",
             GPU_BY_SLUG["h100"].link_gbs),
    LinkSpec("nvlink-b200", "NVLink 5 (B200, 900 GB/s each way)", GPU_BY_SLUG["b200"].link_gbs),
    LinkSpec("nvlink-a100", "NVLink 3 (A100 SXM, 300 GB/s each way)", GPU_BY_SLUG["a100"].link_gbs),
    LinkSpec("infinity-fabric", "Infinity Fabric (MI300X, 448 GB/s each way)",
             GPU_BY_SLUG["mi300x"].link_gbs),
    LinkSpec("pcie5", "PCIe Gen5 x16 (64 GB/s each way)", PCIE5.value),
    LinkSpec("pcie4", "PCIe Gen4 x16 (32 GB/s each way)", PCIE4.value),
)
