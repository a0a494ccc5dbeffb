"""Roofline known answers and the reference implementation's defects it must not repeat."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim import Engine, Precision
from mlsysim.errors import InvalidInputError
from mlsysim.solvers import transformer as tf

A = mlsysim.load_catalog().assumptions


def test_cnn_known_answer():
    # ResNet-50 at batch 256 fp16 on A100: FLOPs = 256 * 8.18e9; compute time at 312e12 * eta_cnn.
    p = Engine.solve(mlsysim.Models.ResNet50, mlsysim.Hardware.Cloud.A100, batch_size=256)
    flops = 256 * mlsysim.Models.ResNet50.spec.flops_per_inference
    assert p.flops.magnitude == pytest.approx(flops, rel=1e-12)
    assert p.compute_latency.to("s").magnitude == pytest.approx(flops / (312e12 * A.cnn_compute_efficiency))
    overhead = mlsysim.Models.ResNet50.spec.layers * A.kernel_overhead
    assert p.latency.to("s").magnitude == pytest.approx(
        max(p.compute_latency, p.memory_latency).to("s").magnitude + overhead, rel=1e-12
    )
    assert p.throughput == pytest.approx(256 / p.latency.to("s").magnitude, rel=1e-12)


def test_large_batch_llm_inference_can_be_compute_bound():
    # Reference defect: activations = 10 % of weights capped intensity near 10 FLOP/B.
    big = Engine.solve(
        mlsysim.Models.Language.Llama3_8B, mlsysim.Hardware.Cloud.H100, batch_size=64, seq_len=2048
    )
    assert big.bottleneck == mlsysim.Bottleneck.COMPUTE
    assert big.arithmetic_intensity.magnitude > 100
    small = Engine.solve(
        mlsysim.Models.Language.Llama3_8B, mlsysim.Hardware.Cloud.H100, batch_size=1, seq_len=1
    )
    assert small.bottleneck == mlsysim.Bottleneck.MEMORY


def test_training_counts_every_token():
    # Reference defect: one token per sequence. GPT-2 (1.5B) batch 8 x 1024 tokens on A100:
    # FLOPs = 3 * (2 * P * 1024 + 2 * L * 1024^2 * d) * 8, at least ~1 s.
    gpt2 = mlsysim.Models.Language.GPT2.spec
    p = Engine.solve(
        mlsysim.Models.Language.GPT2, mlsysim.Hardware.Cloud.A100, batch_size=8, seq_len=1024, training=True
    )
    expected = 3 * tf.prefill_flops(gpt2, 1024, 8)
    assert p.flops.magnitude == pytest.approx(expected, rel=1e-12)
    assert p.latency.to("s").magnitude > expected / 312e12


def test_missing_precision_is_an_error_naming_what_exists():
    # Reference defect: an fp16 query on a device without fp16 silently used another peak.
    hw = next(h for h in mlsysim.Hardware if Precision.FP8 not in h.spec.peak_flops)
    with pytest.raises(InvalidInputError, match="supports") as caught:
        Engine.solve(mlsysim.Models.ResNet50, hw, batch_size=1, precision="fp8")
    assert caught.value.argument == "precision"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": float("inf")}, "batch_size"),
        ({"batch_size": float("nan")}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"precision": "fp17"}, "precision"),
    ],
)
def test_bad_input_names_the_argument(kwargs, argument):
    with pytest.raises(InvalidInputError) as caught:
        Engine.solve(mlsysim.Models.ResNet50, mlsysim.Hardware.Cloud.A100, **({"batch_size": 1} | kwargs))
    assert caught.value.argument == argument


def test_more_bandwidth_never_slows_a_pass():
    slow = mlsysim.Hardware.Cloud.A100_40GB
    fast = mlsysim.Hardware.Cloud.A100
    for batch in (1, 8, 64, 512):
        a = Engine.solve(mlsysim.Models.ResNet50, slow, batch_size=batch)
        b = Engine.solve(mlsysim.Models.ResNet50, fast, batch_size=batch)
        assert b.latency <= a.latency
