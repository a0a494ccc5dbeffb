"""The cases file: complete, sourced, resolvable; the papers' own formulas; the loader's checks."""

from __future__ import annotations

import math
from pathlib import Path

import mlsysim
import pytest
from mlsysim.enums import Precision
from mlsysim.errors import CatalogError
from mlsysim.validation import load_cases
from mlsysim.validation.cases import METRICS, default_path
from mlsysim.validation.estimate import Estimator
from mlsysim.validation.megatron import gpt_parameters, iteration_flops

CASES = load_cases()
CATALOG = mlsysim.load_catalog()


def test_all_published_measurements_are_there_with_sources():
    # shared/calibration/published-measurements.json holds 39 cases; none is dropped. Nine more:
    # the two 128-token Falcon 180B rows of the TensorRT-LLM v0.5 Low Latency table and gpt-fast's
    # seven tensor-parallel decode rates. The training-runs block adds 35 from
    # shared/calibration/load-and-runs.json (training-throughput, training-run, failures: every case
    # whose setup the engine can take, see cases.toml) and NVIDIA DeepLearningExamples. The
    # serving-at-load block adds 67 (51 TensorRT-LLM v0.8/v0.9 throughput rows, vLLM,
    # DeepSpeed-FastGen, SGLang and DeepSeek measurements, SGLang's disaggregated pools).
    assert len(CASES.cases) == 150
    assert all(c.source and c.measured > 0 for c in CASES.cases)
    per_category = {k: sum(c.category == k for c in CASES.cases) for k in CASES.categories}
    assert per_category == {
        "ttft": 12,
        "fastertransformer": 6,
        "training": 12,
        "zero3": 6,
        "gptfast": 7,
        "cnn": 5,
        "decode-throughput": 51,
        "serving-load": 3,
        "serving-latency": 6,
        "prefix-cache": 2,
        "spec-decoding": 1,
        "disaggregation": 4,
        "training-throughput": 24,
        "training-run": 4,
        "failures": 3,
        "cnn-training": 4,
    }


def test_serving_cases_name_their_runtime():
    # Measurements on engines without CUDA graphs or custom all-reduce keep those costs.
    runtimes = {(c.category, c.inputs["runtime"]) for c in CASES.cases if "runtime" in c.inputs}
    assert runtimes == {
        ("ttft", "trtllm-0.5"),
        ("fastertransformer", "fastertransformer"),
        ("gptfast", "gpt-fast"),
        ("decode-throughput", "trtllm-0.5"),
        ("serving-load", "vllm-0.1"),
        ("serving-load", "deepspeed-fastgen"),
        ("serving-latency", "vllm"),
        ("prefix-cache", "vllm"),
        ("spec-decoding", "vllm"),
        ("disaggregation", "vllm"),
    }


def test_every_case_resolves_to_engine_inputs():
    estimator = Estimator(CASES, CATALOG)
    for case in CASES.cases:
        value = estimator(case, CATALOG.assumptions)
        assert math.isfinite(value) and value > 0, case.id


def test_cases_file_is_package_data():
    # `mlsysim validate` must work from an installed wheel, so the file lives in the package.
    assert default_path().name == "cases.toml" and default_path().parent.name == "validation"
    assert default_path().is_file()


def test_eq2_reproduces_the_published_parameter_counts():
    # Narayanan et al. 2021 state P to one decimal (billions) in Tables 1 and 2; eq. (2) must round to it.
    checked = 0
    for key, model in CASES.models.items():
        if model.published_parameters is None or not model.source.startswith("Narayanan"):
            continue  # other sources' counts: tests/validation/test_validation_training.py
        assert round(model.spec.parameters / 1e9, 1) == pytest.approx(model.published_parameters / 1e9), key
        checked += 1
    assert checked == 11


def test_eq2_known_answer():
    # GPT 1.7B of Table 1: 12·24·2304² = 1,528,823,808; × (1 + 13/27648 + 53248/663552)
    # = 1,528,823,808 × 1.08071... = 1,652,226,048 (exact in integers: 12lh² + 13lh + (V+s)h).
    assert gpt_parameters(24, 2304, 51200, 2048) == pytest.approx(
        12 * 24 * 2304**2 + 13 * 24 * 2304 + (51200 + 2048) * 2304, rel=1e-12
    )


def test_eq3_and_the_papers_training_time():
    # Eq. (3) per token for GPT-3 (l=96, h=12288, V=51200, s=2048):
    # 96·96·12288²·(1 + 2048/73728 + 51200/18874368) = 1.391569e12 × 1.030490 = 1.43400e12 FLOP.
    per_token = iteration_flops(1, 2048, 96, 12288, 51200) / 2048
    assert per_token == pytest.approx(1.43400e12, rel=1e-5)
    # Eq. (4)'s 8TP/(nX), behind the paper's 34 days, approximates it: 8 × 174.6e9 is 2.6 % lower.
    assert 8 * 174.6e9 / per_token == pytest.approx(0.974, abs=0.001)


def test_zero3_comm_bound_case_known_answer():
    # ZeRO-3 on 1536 A100 (microbatch 1), full recompute: 4 parameter volumes per step =
    # 2 × all-reduce of M = 2·174.6e9 B over 1536 ranks, 8 per DGX A100, 192 nodes on HDR (one rail:
    # β = 25 GB/s × scale-out efficiency = 22.5 GB/s, 2 us per fabric step). NCCL's ring: a 5 us start,
    # 2·1535 steps at the 5 us NVLink step latency, 2·191 of them also crossing the fabric, and
    # 2·1535/1536 · M/β ≈ 31.01 s. The tree's 2M/β is 20 ms longer, more than the ring's 16 ms of
    # extra latency, so the ring it is: 2 × 31.03 s ≈ 62.07 s, which exceeds the compute
    # (4 × 7.25e14 FLOP / (312e12 × η_train) ≈ 17 s), so the step is the communication plus the
    # optimizer update; TFLOP/s per GPU = eq. (3) for B = 1536 / step / 1536.
    case = CASES.case("megatron21-t2-zero-3-175b-1536gpu")
    a = CATALOG.assumptions
    model = CASES.models["Megatron_GPT_174_6B"].spec
    fabric = CATALOG.get("fabric", "IB_HDR").spec
    beta = fabric.bandwidth_per_accelerator * a.scale_out_efficiency
    ring = 5e-6 + 2 * 1535 / 1536 * model.parameters * 2 / beta + 3070 * 5e-6 + 382 * 2e-6
    assert (a.collective_launch_latency, a.scale_up_latency, fabric.latency) == pytest.approx(
        (5e-6, 5e-6, 2e-6)
    )
    comm = 2 * ring
    a100 = CATALOG.get("hardware", "A100").spec  # 312 TFLOP/s fp16, 2.039 TB/s
    peak = a100.peak_flops[Precision.FP16]
    forward = 2 * model.parameters * 2048 + 2 * 96 * 2048**2 * 12288  # dense + causal attention, by hand
    compute = 4 * forward / (peak * a.training_compute_efficiency)
    assert compute < comm
    # Adam update: read and write weights (2 B), fp32 gradients (4 B, Megatron's main grads) and
    # optimizer state of this rank's 1/1536 share.
    assert a.gradient_bytes_per_parameter == 4
    optimizer = 2 * model.parameters * (2 + 4 + a.optimizer_state_bytes_per_parameter) / 1536
    step = comm + optimizer / (a100.memory_bandwidth * a.decode_bandwidth_efficiency)
    expected = iteration_flops(1536, 2048, 96, 12288, 51200) / step / 1536 / 1e12
    assert Estimator(CASES, CATALOG)(case, a) == pytest.approx(expected, rel=1e-9)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    return path


_GOOD = """
[categories.cnn]
title = "CNN"
tolerance = 0.25

[[cases]]
id = "x"
category = "cnn"
question = "q"
workload = "w"
hardware_described = "h"
setup = "s"
measured = 1000
unit = "images/s"
source = "somewhere"
metric = "images_per_s"
model = "ResNet50"
hardware = "A100"
precision = "int8"
batch = 64
"""


def test_a_minimal_file_loads(tmp_path):
    cases = load_cases(_write(tmp_path, _GOOD))
    assert [c.id for c in cases.cases] == ["x"] and cases.cases[0].tolerance == 0.25


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('source = "somewhere"\n', ""), "'source' must be non-empty text"),
        (('metric = "images_per_s"', 'metric = "speed"'), "metric 'speed' is not one of"),
        (('unit = "images/s"', 'unit = "ms"'), "must be 'images/s' for metric images_per_s"),
        (("batch = 64", "batch = 64\nseq_len = 3"), "unknown ['seq_len']"),
        (("batch = 64", ""), "missing ['batch']"),
        (('category = "cnn"', 'category = "gpu"'), "category 'gpu' is not one of cnn"),
        (("measured = 1000", "measured = -1"), "'measured' must be a positive number"),
        (("tolerance = 0.25", "tolerance = 2"), "must be a fraction in (0, 1]"),
    ],
)
def test_bad_files_are_rejected_naming_the_problem(tmp_path, edit, message):
    old, new = edit
    assert old in _GOOD
    with pytest.raises(CatalogError) as caught:
        load_cases(_write(tmp_path, _GOOD.replace(old, new)))
    assert message in str(caught.value)


def test_metrics_and_units_are_the_ones_the_table_prints():
    assert {c.unit for c in CASES.cases} == {unit for unit, _ in METRICS.values()}
