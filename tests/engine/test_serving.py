"""Serving known answers, invariants, bad input, and the reference's serving defects."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim import ServingModel
from mlsysim.errors import InvalidInputError
from mlsysim.solvers import transformer as tf

LLAMA70 = mlsysim.Models.Language.Llama3_70B
LLAMA8 = mlsysim.Models.Language.Llama3_8B
H100 = mlsysim.Hardware.Cloud.H100
A = mlsysim.load_catalog().assumptions


def solve(**kwargs):
    return ServingModel().solve(**({"model": LLAMA70, "hardware": H100, "seq_len": 4096} | kwargs))


def test_kv_cache_known_answer():
    # 2 (K,V) * 80 layers * 8 KV heads * 128 head dim * 4096 tokens * 1 * 2 B = 1,342,177,280 B
    assert solve().kv_cache_size.to("B").magnitude == 2 * 80 * 8 * 128 * 4096 * 2
    # fp8 KV cache halves it while weights stay fp16 (KV precision may differ).
    r = solve(kv_precision="fp8")
    assert r.kv_cache_size.to("B").magnitude == 80 * 8 * 128 * 4096 * 2
    assert r.weights_size.to("B").magnitude == LLAMA70.spec.parameters * 2


def test_llama70b_serves_on_eight_h100():
    # Reference defect: no tensor parallelism, so 70B was simply infeasible on H100s.
    one, eight = solve(), solve(tp_size=8)
    assert not one.feasible and "GB per device" in one.constraint
    assert eight.feasible and eight.constraint == ""
    # Per-device memory: 141.2 GB / 8 + KV(4224 tokens) / 8 + workspace / 8 ~ 17.9 GB
    assert eight.memory_per_device.to("GB").magnitude == pytest.approx(
        (141.2e9 + 2 * 80 * 8 * 128 * 4224 * 2) / 8e9, rel=0.01
    )
    assert eight.ttft < one.ttft and eight.itl < one.itl


def test_short_prompt_ttft_includes_the_weight_read():
    # Reference defect: a 16-token prompt had a TTFT shorter than one decode step.
    r = solve(seq_len=16, model=LLAMA8)
    weights_read = LLAMA8.spec.parameters * 2 / (H100.spec.memory_bandwidth * A.decode_bandwidth_efficiency)
    assert r.ttft.to("s").magnitude >= weights_read
    assert r.ttft.to("s").magnitude >= r.itl.to("s").magnitude * 0.95


def test_itl_charges_compute_and_the_average_context():
    # Reference defect: ITL had no compute term and charged KV at the final length.
    r = solve(model=LLAMA8, seq_len=1024, output_len=1024, batch_size=64)
    est = r.estimate
    assert est.decode_compute_latency > 0
    # KV read at the average context 1024 + 512 = 1536 tokens, not 2048, at the KV-read efficiency;
    # weights and the 64 tokens' intermediates (written and read) at the streaming efficiency.
    kv_avg = 2 * 32 * 8 * 128 * 1536 * 64 * 2
    weights = LLAMA8.spec.parameters * 2
    activations = tf.activation_traffic(LLAMA8.spec, 64, 2)
    bandwidth = H100.spec.memory_bandwidth
    expected = (weights + activations) / (bandwidth * A.decode_bandwidth_efficiency) + kv_avg / (
        bandwidth * A.kv_read_efficiency
    )
    assert est.decode_memory_latency == pytest.approx(expected, rel=1e-12)
    # Different kernels do the GEMMs and the KV reads, so their times add (no overlap at the ridge).
    launch = 32 * LLAMA8.spec.kernels_per_layer * A.kernel_overhead
    total = est.decode_compute_latency + est.decode_memory_latency + launch + A.serving_iteration_overhead
    assert r.itl.to("s").magnitude == pytest.approx(total, rel=1e-12)


def test_gqa_uses_kv_heads():
    # Llama 2 70B and Llama 3 70B share 80 layers and 8 KV heads: same KV cache per token.
    l2 = ServingModel().solve(mlsysim.Models.Language.Llama2_70B, H100, seq_len=1024)
    l3 = ServingModel().solve(LLAMA70, H100, seq_len=1024)
    assert l2.kv_cache_size == l3.kv_cache_size


def test_more_bandwidth_never_raises_itl():
    for seq in (128, 1024, 4096):
        for batch in (1, 8, 32):
            slow = ServingModel().solve(
                LLAMA8, mlsysim.Hardware.Cloud.A100_40GB, seq_len=seq, batch_size=batch
            )
            fast = ServingModel().solve(LLAMA8, mlsysim.Hardware.Cloud.A100, seq_len=seq, batch_size=batch)
            assert fast.itl <= slow.itl


def test_more_tp_lowers_memory_per_device():
    previous = None
    for tp in (1, 2, 4, 8):
        r = solve(tp_size=tp)
        if previous is not None:
            assert r.memory_per_device < previous
        previous = r.memory_per_device


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"seq_len": -5}, "seq_len"),
        ({"seq_len": 8190}, "seq_len"),
        ({"tp_size": 3}, "tp_size"),
        ({"precision": "fp12"}, "precision"),
    ],
)
def test_bad_input(kwargs, argument):
    with pytest.raises(InvalidInputError) as caught:
        solve(**kwargs)
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"invalid {argument}=")


def test_tp_without_scale_up_link_is_an_error():
    with pytest.raises(InvalidInputError, match="scale-up"):
        ServingModel().solve(LLAMA8, mlsysim.Hardware.Cloud.T4, seq_len=128, tp_size=2)


def test_vision_model_is_rejected():
    with pytest.raises(InvalidInputError, match="transformer"):
        ServingModel().solve(mlsysim.Models.ResNet50, H100, seq_len=128)
