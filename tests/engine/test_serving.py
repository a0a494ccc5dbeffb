"""Serving known answers, invariants, bad input, and the reference's serving defects."""

from __future__ import annotations

import dataclasses

import mlsysim
import pytest
from mlsysim import ServingModel
from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError, UnknownEntryError
from mlsysim.solvers import transformer as tf
from mlsysim.solvers.serving import serving

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
    # Different kernels do the GEMMs and the KV reads, so their times add (no overlap at the ridge);
    # the default runtime (vllm) replays a CUDA graph (one host launch, then the per-kernel gap) and
    # its scheduler costs serving_iteration_overhead per iteration.
    launch = A.kernel_overhead + 32 * LLAMA8.spec.kernels_per_layer * A.graph_kernel_overhead
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


# --- tensor parallelism as the serving engines run it (collectives, runtimes) ---------------------


def _itl(model, tp):
    return serving(model.spec, H100.spec, 1024, 1, Precision.FP16, A, tp=tp).itl


@pytest.mark.parametrize("model", [LLAMA70, LLAMA8], ids=["Llama3_70B", "Llama3_8B"])
def test_itl_falls_from_tp1_to_tp8_on_an_nvswitch_node(model):
    # Each doubling halves the weights each H100 reads, while the engine's one-shot all-reduce stays
    # near 5 us (SGLang PR #2904) and a CUDA-graph step launches once: ITL falls all the way to TP8,
    # as gpt-fast measures on A100 (Llama-2-7B: 9.5, 5.9, 3.9, 3.0 ms; engine/validation).
    itls = [_itl(model, tp) for tp in (1, 2, 4, 8)]
    assert itls == sorted(itls, reverse=True) and len(set(itls)) == 4


def test_itl_stops_falling_once_communication_binds():
    # Not wired to fall: on a ring of slow links (50 us per step for every protocol, no direct peer
    # access for a one-shot kernel), Llama 3 8B's 64 all-reduces cost 64 · (5 + 2(p-1) · 50 us):
    # 6.7 ms at TP2 against 2.7 ms saved on weight reads, and +25.6 ms from TP4 to TP8.
    slow = dataclasses.replace(A, ll_hop_latency=50e-6, ll128_hop_latency=50e-6, scale_up_latency=50e-6)
    ring = dataclasses.replace(H100.spec, scale_up_topology="ring")
    itls = [serving(LLAMA8.spec, ring, 1024, 1, Precision.FP16, slow, tp=tp).itl for tp in (1, 2, 4, 8)]
    assert itls[3] > itls[2] > itls[1] > itls[0]


def test_runtimes_without_graphs_or_custom_kernels_keep_the_per_kernel_launch():
    # FasterTransformer: every kernel launched from the host, NCCL rings, no scheduler between
    # iterations. Llama 3 8B at TP1 (no all-reduce): ITL = compute + memory + 32 layers · 11
    # kernels · kernel_overhead.
    eager = serving(LLAMA8.spec, H100.spec, 1024, 1, Precision.FP16, A, runtime="fastertransformer")
    work = eager.decode_compute_latency + eager.decode_memory_latency
    assert eager.itl == pytest.approx(work + 352 * A.kernel_overhead, rel=1e-12)
    # vLLM (the default): one host launch per step, then graph_kernel_overhead per kernel, and its
    # scheduler's serving_iteration_overhead.
    graphed = serving(LLAMA8.spec, H100.spec, 1024, 1, Precision.FP16, A)
    graph = A.kernel_overhead + 352 * A.graph_kernel_overhead + A.serving_iteration_overhead
    assert graphed.itl == pytest.approx(work + graph, rel=1e-12)
    # Prefill runs eagerly in both: the same TTFT at TP1 but for vLLM's scheduler.
    assert graphed.ttft == pytest.approx(eager.ttft + A.serving_iteration_overhead, rel=1e-12)


def test_tp8_decode_all_reduces_known_answer():
    # Llama 3 70B, TP8, batch 1: 160 all-reduces of 8192 × 2 B. vLLM's one-shot kernel:
    # 5 us + 7 · 16384 B / (450 GB/s · 0.8) = 5.3186 us each; FasterTransformer's NCCL LL ring:
    # 5 + 14 · 1 us + 1.75 · 16384 / (450e9 · 0.8 · 0.5) = 19.159 us each. The ITLs differ by the
    # all-reduces, the launches and vLLM's scheduler.
    one_shot = 5e-6 + 7 * 16384 / 360e9
    ring = 19e-6 + 1.75 * 16384 / 180e9
    engine = serving(LLAMA70.spec, H100.spec, 1024, 1, Precision.FP16, A, tp=8)
    plain = serving(LLAMA70.spec, H100.spec, 1024, 1, Precision.FP16, A, tp=8, runtime="fastertransformer")
    launches = 880 * A.kernel_overhead - (A.kernel_overhead + 880 * A.graph_kernel_overhead)
    scheduler = -A.serving_iteration_overhead
    assert plain.itl - engine.itl == pytest.approx(160 * (ring - one_shot) + launches + scheduler, rel=1e-9)


def test_prefill_overlap_hides_communication():
    # The flux profile hides prefill_comm_overlap_fraction (0.96) of prefill's all-reduces.
    base = serving(LLAMA70.spec, H100.spec, 1024, 1, Precision.FP16, A, tp=8)
    fused = serving(LLAMA70.spec, H100.spec, 1024, 1, Precision.FP16, A, tp=8, runtime="flux")
    assert fused.tp_communication_latency == pytest.approx(0.04 * base.tp_communication_latency, rel=1e-9)
    assert base.ttft - fused.ttft == pytest.approx(0.96 * base.tp_communication_latency, rel=1e-9)


def test_unknown_runtime_names_the_valid_ones():
    with pytest.raises(UnknownEntryError, match="runtime 'vlm'") as caught:
        serving(LLAMA8.spec, H100.spec, 1024, 1, Precision.FP16, A, runtime="vlm")
    assert "vllm" in str(caught.value)


def test_tp_beyond_the_scale_up_domain_is_an_error():
    # An HGX H100 board links 8 GPUs over NVLink; TP16 would cross nodes, which serving does not model.
    with pytest.raises(InvalidInputError, match="must be <= 8") as caught:
        solve(tp_size=16)
    assert caught.value.argument == "tp_size"
