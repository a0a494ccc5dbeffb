"""Continuous batching of one replica: known answers for memory, blocks, Little's law, the prefill
share and the ITL tail; lengths as distributions; infeasibility as a result; bad input."""

from __future__ import annotations

import math

import mlsysim
import pytest
from mlsysim import ContinuousBatchingModel
from mlsysim.errors import InvalidInputError, UnknownEntryError
from mlsysim.workloads import Workload, length_stats, profile

CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
LLAMA70 = CATALOG.get("model", "Llama3_70B").spec
BATCHING = ContinuousBatchingModel()


def solve(**kw):
    base = {"model": "Llama3_70B", "hardware": "H100", "prompt_len": 3000, "output_len": 400, "tp_size": 8}
    return BATCHING.solve(**(base | kw))


def test_largest_concurrency_that_fits_by_hand():
    # Per H100 (TP8, bf16): usable 0.9 x 80 GB = 72 GB; weights 70,553,706,496 x 2 B / 8; chunked
    # prefill workspace = one layer's intermediates for the 8192-token budget,
    # 12,288,000/80 x 8192 x 2 B / 8 = 314,572,800 B. A running request holds its time-averaged
    # context 3000 + 400/2 = 3200 tokens plus half a 16-token block: 3208 tokens x 163,840 KV
    # elements x 2 B = 1,051,197,440 B, spread over 8 devices (8 KV heads).
    weights = 70_553_706_496 * 2 / 8
    room = (72e9 - weights - 314_572_800) * 8
    expected = math.floor(room / (3208 * 163_840 * 2))
    r = solve(concurrency="max")
    assert r.max_concurrency == expected == r.concurrency
    assert r.weights_memory.to("B").magnitude == pytest.approx(weights, rel=1e-12)
    assert r.kv_blocks == pytest.approx(expected * 3208 / 16, rel=1e-12)
    assert r.kv_cache_memory.to("B").magnitude == pytest.approx(expected * 1_051_197_440, rel=1e-12)
    assert r.feasible and r.memory_per_device.to("GB").magnitude <= 72.0


def test_littles_law_and_token_rates():
    # n requests decode together, each finishing after O - 1 iterations of ITL: n/((O-1)·ITL)
    # requests/s, each with O output and P input tokens.
    r = solve(concurrency=32)
    itl = r.itl.to("s").magnitude
    requests = 32 / (399 * itl)
    assert r.requests_per_s.to("1/s").magnitude == pytest.approx(requests, rel=1e-12)
    assert r.output_tokens_per_s.to("1/s").magnitude == pytest.approx(400 * requests, rel=1e-12)
    assert r.input_tokens_per_s.to("1/s").magnitude == pytest.approx(3000 * requests, rel=1e-12)
    per_gpu = r.total_tokens_per_s_per_accelerator.to("1/s").magnitude
    assert per_gpu == pytest.approx(3400 * requests / 8, rel=1e-12)
    assert r.e2e_latency.to("s").magnitude == pytest.approx(r.ttft.to("s").magnitude + 399 * itl, rel=1e-12)


def test_prefill_share_and_the_itl_tail():
    # Prompts arrive as fast as requests finish: n·P/(O-1) = 32 x 3000/399 = 240.6 prefill tokens
    # per iteration, within the 8192 - 32 = 8160 left by the decodes: a share 240.6/8160 = 2.95 % of
    # iterations carries a full chunk. The median ITL is a decode-only iteration; the P99 is one
    # with a full chunk (Sarathi-Serve's observation: the budget bounds the tail).
    r = solve(concurrency=32)
    assert r.prefill_share == pytest.approx(32 * 3000 / 399 / 8160, rel=1e-12)
    assert r.itl_p50 < r.itl < r.itl_p99
    assert r.itl_p50 == r.itl_p90  # 97 % of iterations only decode
    small = solve(concurrency=32, token_budget=512)
    assert small.itl_p99 < r.itl_p99  # a smaller budget shortens the tail ...
    assert small.ttft > r.ttft  # ... and lengthens the prefill


def test_concurrency_beyond_what_fits_is_a_result():
    r = solve(concurrency=5000)
    assert not r.feasible
    assert r.constraint.startswith("KV memory: concurrency 5000 exceeds the")
    one_device = solve(tp_size=1)
    assert not one_device.feasible and one_device.constraint.startswith("KV memory: weights (141.1 GB)")


def test_engine_cap_and_token_budget_bind():
    assert solve(max_concurrency=100).max_concurrency == 100
    # Code completion: 2048-token prompts, 28-token answers on average; each running request brings
    # 2048/27 = 75.9 prompt tokens per iteration, so at most ceil(8192/76.9) - 1 = 106 fit the
    # budget with room for a chunk (the chat profile's lengths are bounded by KV memory instead).
    code = BATCHING.solve("Llama3_8B", "H100", workload="code")
    s = length_stats(profile("code", CATALOG))
    tokens_per_request = 1 + s.prompt / s.decode_steps
    assert code.max_concurrency == math.ceil(8192 / tokens_per_request) - 1


def test_workload_rows_reduce_by_hand():
    # Rows (100 in, 11 out) and (300 in, 21 out), equal weights: E[O-1] = 15;
    # E[(O-1)(P + O/2)] = (10 x 105.5 + 20 x 310.5)/2 = 3632.5, so a decoding request's context
    # averages 3632.5/15 = 242.17 tokens; P50 of prompts 100, P99 300.
    w = Workload("two", ((100, 11, 1.0), (300, 21, 1.0)))
    s = length_stats(w, 0.99)
    assert (s.prompt, s.output, s.decode_steps) == (200.0, 16.0, 15.0)
    assert s.decode_context == pytest.approx(3632.5 / 15, rel=1e-12)
    assert (s.prompt_p50, s.prompt_p99, s.output_p50, s.output_at) == (100.0, 300.0, 11.0, 21.0)
    assert s.prompt_var == 10_000.0 and s.covariance == 500.0
    r = BATCHING.solve("Llama3_8B", "H100", workload=[(100, 11, 1), (300, 21, 1)], concurrency=8)
    assert r.ttft_p50 < r.ttft_p99  # the longer prompt is the tail


def test_profiles_carry_their_sources():
    chat = profile("chat", CATALOG)
    assert chat.source.id == "azure-llm-trace-2023" and "19,366 requests" in chat.estimate
    s = length_stats(chat)
    assert s.prompt == pytest.approx(1154.8, abs=1.0) and s.output == pytest.approx(211.0, abs=1.0)
    assert profile("Code", CATALOG).name == "code"
    with pytest.raises(UnknownEntryError, match="chat"):
        profile("chatt", CATALOG)


@pytest.mark.parametrize(
    ("kw", "argument"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": "lots"}, "concurrency"),
        ({"prompt_len": 9000}, "prompt_len"),  # 9000 + 400 - 1 beyond Llama 3's 8192
        ({"output_len": 1}, "output_len"),
        (
            {"prompt_len": None, "output_len": None, "workload": [(100, 10, 0), (200, 20, 0)]},
            "workload weights",
        ),
        ({"workload": "chat"}, "workload"),  # and lengths too
        ({"tp_size": 3}, "tp_size"),
        ({"ep_size": 2}, "ep_size"),  # dense model
        ({"prefix_cache_hit": 1.0}, "prefix_cache_hit"),
        ({"draft_tokens": 2}, "acceptance_rate"),
        ({"acceptance_rate": 1.5, "draft_tokens": 2}, "acceptance_rate"),
    ],
)
def test_bad_input_names_the_argument(kw, argument):
    with pytest.raises(InvalidInputError) as info:
        solve(**kw)
    assert info.value.argument == argument
