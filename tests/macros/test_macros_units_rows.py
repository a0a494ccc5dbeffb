"""The ``unit`` argument, and workbook rows in place of catalog ids."""

from __future__ import annotations

import math

import mlsysim
import pytest
from mlsysim.macros import REGISTRY
from mlsysim.macros.sheet_schema import catalog_rows, headers

F = {name: fn.python for name, fn in REGISTRY.items()}
ROWS = {
    kind: {row[0]: list(row) for row in catalog_rows(kind)}
    for kind in ("hardware", "model", "fleet", "region")
}


@pytest.mark.parametrize(
    ("name", "args", "unit", "scale"),
    [
        # 1 ms = 1e-3 s = 1e3 us
        ("MLSYS_TTFT", ("Llama3_8B", "H100", 2048, 4), "s", 1e-3),
        ("MLSYS_ITL", ("Llama3_8B", "H100", 2048, 4), "us", 1e3),
        # 1 GB = 1e9 B = 1e9 / 2**30 GiB
        ("MLSYS_KV_CACHE", ("Llama3_8B", "H100", 2048, 4), "GiB", 1e9 / 2**30),
        # a fraction in percent
        ("MLSYS_MEM_UTIL", ("Llama3_8B", "H100", 2048, 4), "%", 100.0),
        # tokens per second to tokens per hour: × 3600; the count word is dropped
        ("MLSYS_TOKENS_PER_S", ("Llama3_8B", "H100", 2048, 4), "tokens/h", 3600.0),
        ("MLSYS_THROUGHPUT", ("ResNet50", "A100", 32), "samples/min", 60.0),
        # kg CO2e to tonnes, with or without the CO2e suffix
        ("MLSYS_CARBON", ("H100_64", 30, "Poland"), "t", 1e-3),
        ("MLSYS_CARBON", ("H100_64", 30, "Poland"), "tCO2e", 1e-3),
        ("MLSYS_ENERGY_KWH", ("H100_64", 30), "MWh", 1e-3),
        ("MLSYS_ENERGY_KWH", ("H100_64", 30), "J", 3.6e6),
        ("MLSYS_TCO", ("H100_64", 365), "kUSD", 1e-3),
        ("MLSYS_COST_PER_GPU_HOUR", ("H100_64", 365), "USD/day", 24.0),
        ("MLSYS_MTBF", ("H100_256",), "day", 1 / 24),
        ("MLSYS_CKPT_INTERVAL", ("H100_256", 60), "s", 60.0),
        ("MLSYS_STEP_TIME", ("Llama3_8B", "H100_64", 512, 8), "s", 1e-3),
        ("MLSYS_WATER", ("H100_64", 30), "m**3", 1e-3),
    ],
)
def test_unit_argument_converts_the_default_unit(name, args, unit, scale):
    default = F[name](*args)
    n = len(REGISTRY[name].args)
    converted = F[name](*args, *([None] * (n - 1 - len(args))), unit)
    assert isinstance(default, float)
    assert math.isclose(converted, default * scale, rel_tol=1e-12)
    assert F[name](*args, *([None] * (n - 1 - len(args))), None) == default  # empty cell: default unit


@pytest.mark.parametrize(
    ("name", "args", "kinds"),
    [
        ("MLSYS_LATENCY", ("ResNet50", "T4", 8), ("model", "hardware")),
        ("MLSYS_BOTTLENECK", ("Llama3_8B", "H100", 1), ("model", "hardware")),
        ("MLSYS_TTFT", ("Mixtral_8x7B", "H100", 2048, 4, "bf16", 2), ("model", "hardware")),
        ("MLSYS_ITL", ("DeepSeek_V3", "B200", 4096, 8, "fp8", 8), ("model", "hardware")),
        ("MLSYS_FITS", ("Llama3_70B", "H100", 4096, 1), ("model", "hardware")),
        ("MLSYS_STEP_TIME", ("Llama3_70B", "H100_256", 1024, 8, 4, 128), ("model", "fleet")),
        ("MLSYS_TCO", ("A100_64", 365, None, "Quebec"), ("fleet", None, None, "region")),
        ("MLSYS_CARBON", ("B200_64", 30, "Poland"), ("fleet", None, "region")),
        ("MLSYS_GOODPUT", ("A100_1024", 720, 120), ("fleet",)),
    ],
)
def test_workbook_rows_give_the_same_result_as_ids(name, args, kinds):
    """A catalog row written by catalog_rows() stands for its entry in every argument position."""
    want = F[name](*args)
    as_rows = [ROWS[kind][value] if kind else value for kind, value in zip(kinds, args, strict=False)]
    as_rows += args[len(kinds) :]
    assert F[name](*as_rows) == want  # exact: the rows round-trip to the same SI floats


def test_editing_a_row_changes_the_result_like_the_workbook_promises():
    """Doubling the memory bandwidth on the Hardware row halves the memory time of a batch-1 decode
    step, which bounds it (ITL = max(compute, memory) + communication + launch overhead, Pope et al.
    2022); more memory makes an infeasible model fit."""
    h100 = ROWS["hardware"]["H100"]
    faster = list(h100)
    bandwidth = headers("hardware").index("Memory bandwidth (GB/s)")
    faster[bandwidth] = 2 * h100[bandwidth]
    parts = mlsysim.ServingModel().solve("Llama3_8B", "H100", 2048, 1)
    memory_ms = parts.decode_memory_latency.to("ms").magnitude
    assert memory_ms / 2 > parts.decode_compute_latency.to("ms").magnitude  # still memory-bound
    assert F["MLSYS_ITL"]("Llama3_8B", h100, 2048, 1) == pytest.approx(
        parts.itl.to("ms").magnitude, rel=1e-12
    )
    quick = F["MLSYS_ITL"]("Llama3_8B", faster, 2048, 1)
    assert quick == pytest.approx(parts.itl.to("ms").magnitude - memory_ms / 2, rel=1e-12)

    bigger = list(h100)
    bigger[headers("hardware").index("Memory capacity (GB)")] = 192.0
    assert F["MLSYS_FITS"]("Llama3_70B", h100, 4096, 1) is False
    assert F["MLSYS_FITS"]("Llama3_70B", bigger, 4096, 1) is True
    assert isinstance(F["MLSYS_TTFT"]("Llama3_70B", bigger, 4096, 1), float)


def test_a_new_gpu_row_works_without_any_catalog_entry():
    row = list(ROWS["hardware"]["H100"])
    row[0], row[1] = "H100_NEXT", "Hypothetical next part"
    assert F["MLSYS_TTFT"]("Llama3_8B", "H100_NEXT", 1024, 1).startswith("#MLSYS! unknown hardware")
    assert F["MLSYS_TTFT"]("Llama3_8B", row, 1024, 1) == F["MLSYS_TTFT"]("Llama3_8B", "H100", 1024, 1)
