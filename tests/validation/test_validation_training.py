"""The training-runs block of the validation cases: shapes, hardware overrides, metrics by hand."""

from __future__ import annotations

import dataclasses
import math

import mlsysim
import pytest
from mlsysim.errors import CatalogError
from mlsysim.validation import fit, load_cases
from mlsysim.validation.estimate import Estimator
from mlsysim.validation.training_cases import fleet

CASES = load_cases()
CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
ESTIMATOR = Estimator(CASES, CATALOG)
HOUR = 3600.0


def test_a_gated_gqa_shape_counts_its_weights():
    # TinyLlama 1.1B, by hand: embeddings and output head 2 · 32000 · 2048 = 131,072,000; per layer
    # q and o 2 · 2048 · 2048 = 8,388,608, k and v 2 · 2048 · 256 = 1,048,576, SwiGLU 3 · 2048 · 5632
    # = 34,603,008, two norms 4,096: 44,044,288 × 22 = 968,974,336; final norm 2,048. Total
    # 1,100,048,384, the count TinyLlama's checkpoint reports.
    assert CASES.models["TinyLlama_1_1B"].spec.parameters == 1_100_048_384


def test_mpt_shapes_reproduce_the_benchmark_table_counts():
    # llm-foundry's NumParams column (learned positions of the run's sequence length): within 0.1 %.
    for name in ("MPT_1B", "MPT_7B", "MPT_7B_64K", "MPT_13B_32K", "MPT_70B"):
        model = CASES.models[name]
        assert model.spec.parameters == pytest.approx(model.published_parameters, rel=1e-3), name


def test_hardware_overrides_reach_the_fleet():
    # DeepSeek-V3's H800: the H100 with NVLink at 400 GB/s (aggregate); Falcon's p4d: 50 Gbit/s of
    # EFA per A100 40GB (400 Gbit/s per node of 8).
    h800 = fleet(ESTIMATOR, CASES.case("dsv3-pretrain-gpu-hours"))
    assert h800.accelerator.scale_up_bandwidth == 400e9 and h800.nodes == 256
    assert h800.accelerator.memory_capacity == CATALOG.get("hardware", "H100").spec.memory_capacity
    p4d = fleet(ESTIMATOR, CASES.case("falcon180b-gpu-hours"))
    assert p4d.fabric.bandwidth_per_accelerator == 50e9 / 8
    assert p4d.accelerator.memory_capacity == CATALOG.get("hardware", "A100_40GB").spec.memory_capacity


def test_failures_per_node_day_by_hand():
    # One DGX A100 per hour: 8 GPUs / 108,000 h + 8 memories / 142,000 h + 8 NICs / 1.28e6 h + the
    # host / 14,900 h + 8 shares of the switches / 4.58e7 h + 8 software stacks / 119,000 h
    # = 2.711e-4; × 24 h × 1000 = 6.507 per 1000 node-days (Kokolis et al.'s RSC-1: 6.50).
    per_hour = 8 / 108000 + 8 / 142000 + 8 / 1.28e6 + 1 / 14900 + 8 / 4.58e7 + 8 / 119000
    case = CASES.case("kokolis-rsc1-failure-rate")
    assert ESTIMATOR(case, A) == pytest.approx(per_hour * 24 * 1000, rel=1e-3)
    assert ESTIMATOR(case, A) == pytest.approx(case.measured, rel=0.01)


def test_ettr_is_dalys_goodput_by_hand():
    # 9,600 H100 (1,200 DGX H100) for 90 days, a 175B checkpoint: Daly (2006) eq. (20) interval and
    # the expected wall time of his eq. (13), both written out here from the assumptions.
    case = CASES.case("byterobust-ettr-9600gpu")
    node = CATALOG.get("node", "DGX_H100").spec
    per_node = (
        8 / A.gpu_mtbf
        + 8 / node.accelerator_memory_mtbf
        + node.nics_per_node / A.nic_mtbf
        + 1 / A.host_mtbf
        + 8 / A.network_mtbf_per_accelerator
        + 8 / A.software_mtbf_per_accelerator
    )
    mtbf = 1 / (1200 * per_node)
    params = CATALOG.get("model", "GPT3_175B").spec.parameters
    delta = params * (2 + A.optimizer_state_bytes_per_parameter) / (1200 * node.storage_bandwidth)
    x = delta / (2 * mtbf)
    tau = math.sqrt(2 * delta * mtbf) * (1 + math.sqrt(x) / 3 + x / 9) - delta
    job = 90 * 86400.0
    wall = mtbf * math.exp(A.restart_time / mtbf) * math.expm1((tau + delta) / mtbf) * job / tau
    assert ESTIMATOR(case, A) == pytest.approx(100 * job / wall, rel=1e-9)
    assert 90 < ESTIMATOR(case, A) < 100


def test_gpu_hours_are_the_run_facades():
    # The run metric is TrainingRunModel's accelerator-hours for the same model, fleet and layout.
    case = CASES.case("tinyllama-gpu-hours-300b")
    i = case.inputs
    run = mlsysim.TrainingRunModel().solve(
        CASES.models["TinyLlama_1_1B"].spec,
        fleet(ESTIMATOR, case),
        batch_size=i["batch"],
        seq_len=i["seq_len"],
        precision=i["precision"],
        tokens=i["tokens"],
        tp_size=1,
        pp_size=1,
        microbatch_size=i["microbatch_size"],
        zero_stage=i["zero_stage"],
        recompute=i["recompute"],
    )
    assert ESTIMATOR(case, A) == pytest.approx(run.accelerator_hours.m_as("hour"), rel=1e-12)


def test_the_fit_leaves_out_cases_with_a_recorded_gap():
    # A copy of a gpt-fast case, marked xfail and measured 10x off, does not move the fit.
    subset = tuple(c for c in CASES.cases if c.category == "gptfast")
    odd = dataclasses.replace(subset[0], id="odd", measured=subset[0].measured * 10, xfail="a test")
    plain = fit(dataclasses.replace(CASES, cases=subset), CATALOG)
    marked = fit(dataclasses.replace(CASES, cases=(*subset, odd)), CATALOG)
    assert marked.values == plain.values


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kv_heads = 4", "kv_heads = 5", "heads 32 is not a multiple of kv_heads 5"),
        ("gated_ffn = true", 'gated_ffn = "yes"', "'gated_ffn' must be true or false"),
    ],
)
def test_a_bad_shape_is_rejected(tmp_path, field, value, message):
    text = _MINIMAL.replace(field, value)
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_cases(path)
    assert message in str(caught.value)


_MINIMAL = """
[categories.training-run]
title = "runs"
tolerance = 0.33

[models.Tiny]
source = "a test"
layers = 2
hidden_size = 256
heads = 32
kv_heads = 4
ffn_size = 512
gated_ffn = true
vocab_size = 1000
max_context = 512

[[cases]]
id = "x"
category = "training-run"
question = "q"
workload = "w"
hardware_described = "h"
setup = "s"
measured = 1.0
unit = "GPU-h"
source = "somewhere"
metric = "gpu_hours"
model = "Tiny"
node = "DGX_H100"
fabric = "IB_NDR"
gpus = 8
batch = 8
seq_len = 512
precision = "bf16"
tokens = 1e9
"""
