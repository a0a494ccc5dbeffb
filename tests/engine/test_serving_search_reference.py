"""The serving-at-load searches against a plain reference of the same equations.

The capacity search and the batching outputs evaluate an engine iteration hundreds of times; the
solvers take shortcuts that must not change a single bit: the decode terms summed once per
concurrency (``StepModel.of_prefill``), the all-reduce's least algorithm taken among those that can
be least in the message's band (``decode_step._bands``), Illinois steps whose result is discarded
skipped, and the budget and load of the concurrency the search ends on reused. The reference below
writes the module docstrings' equations out directly — every all-reduce algorithm tried at every
message, every Illinois step taken, every quantity recomputed — and the solvers must give the same
floats (exact equality, NaN equal to NaN) on random scenarios: dense and mixture-of-experts models,
one to eight devices per stage, pipeline stages, prefix caching, speculative decoding with and
without a draft model, every kind of target, feasible or not.
"""

from __future__ import annotations

import math
import random

import mlsysim
import pytest
from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.batching import TOKEN_BUDGET, batching_core, cycle_model, limits, tokens_per_cycle
from mlsysim.solvers.capacity import (
    E2E_TARGET,
    ITL_TARGET,
    QUEUEING,
    TTFT_TARGET,
    Targets,
    capacity_core,
)
from mlsysim.solvers.decode_step import TensorParallel
from mlsysim.solvers.ops import SCALAR
from mlsysim.solvers.queueing import single_wait_quantile, wait_quantile
from mlsysim.solvers.serving_setup import features, replica
from mlsysim.workloads import fixed, length_stats

CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
INF = math.inf


# --- the reference: the equations written out, nothing hoisted, nothing skipped --------------------


def all_reduce(tp: TensorParallel, tokens: float) -> float:
    """Every algorithm that takes the message, the least of them (one whose time is not a number,
    an infinitely slow link at 0 B, is no candidate)."""
    message = tokens * tp.width
    times = [i + s * message for i, s, largest in tp.pieces if largest is None or message <= largest]
    return 0.0 if tp.alone else tp.per_layer * min((t for t in times if t == t), default=INF)


def stage_time(m, decode: float, prefill: float, eager: float | None) -> float:
    tokens = max(decode * m.queries + prefill, 1.0)
    if eager is None:
        eager = 1.0 if prefill > 0.0 else 0.0
    t = m.total.fixed + m.total.per_sequence * decode + m.total.per_prefill * prefill + m.eager * eager
    if not m.single:
        t = t + all_reduce(m.allreduce, tokens)
    if not m.dense:
        t = t + m.experts * (1.0 - m.miss**tokens)
    return t


def cycle_time(c, n: float, prefill: float, eager: float | None = None) -> float:
    micro = max(n / c.pp, 1.0)
    per_stage = prefill / c.pp
    t = stage_time(c.main, micro, per_stage, eager)
    if c.draft is not None:
        steps = max(c.draft_tokens, 1.0)
        drafting = c.draft_tokens * stage_time(c.draft, micro, per_stage / steps, eager)
        t = t + (drafting if c.has_draft else 0.0)
    return c.pp * t


class State:
    """One replica at ``n`` running requests and token budget ``budget`` (``batching`` docstring)."""

    def __init__(self, c, s, f, n: float, budget: float) -> None:
        per_cycle = tokens_per_cycle(f)
        pbar = n * per_cycle * (s.prompt * (1.0 - f.prefix_hit)) / s.decode_steps
        self.n, self.per_cycle = n, per_cycle
        self.chunk = max(budget - n * (f.draft_tokens + 1.0), 1.0)
        self.share = min(pbar / self.chunk, 1.0)
        self.load = pbar / self.chunk
        mean_cycle = cycle_time(c, n, pbar, self.share)
        self.requests = n * per_cycle / (s.decode_steps * mean_cycle)
        self.itl = mean_cycle / per_cycle
        self.itl_decode = cycle_time(c, n, 0.0) / per_cycle
        self.itl_full = cycle_time(c, n, self.chunk) / per_cycle
        self.service = self.share / max(self.requests, 1e-300)

    def itl_at(self, q: float) -> float:
        return self.itl_full if q > 1.0 - self.share else self.itl_decode

    def prefill(self, c, f, prompt: float) -> float:
        tokens = prompt * (1.0 - f.prefix_hit)
        return max(tokens / self.chunk, 1.0) * cycle_time(c, self.n, min(tokens, self.chunk))

    def wait(self, s, q: float) -> float:
        scv = s.prompt_var / (s.prompt * s.prompt)
        return single_wait_quantile(self.requests, self.service, scv, q, SCALAR)


def chosen_budget(c, s, f, n: float, budget: float, t: Targets) -> float:
    """Sarathi-Serve's budget from the ITL target: six Illinois steps on the chunk, always."""
    queries, per_cycle = f.draft_tokens + 1.0, tokens_per_cycle(f)
    pbar = n * per_cycle * s.prompt * (1.0 - f.prefix_hit) / s.decode_steps
    rare = n * queries + pbar / (1.0 - t.percentile)
    if budget >= rare:
        return budget
    goal = t.itl * per_cycle
    lo, hi = 1.0, max(budget - n * queries, 1.0)
    f_lo, f_hi = cycle_time(c, n, lo) - goal, cycle_time(c, n, hi) - goal
    whole, none = f_hi <= 0.0, f_lo > 0.0
    for _ in range(6):
        back = f_hi * (hi - lo) / (f_hi - f_lo) if f_hi > f_lo else 0.0
        x = min(max(hi - back, lo), hi)
        fx = cycle_time(c, n, x) - goal
        if fx <= 0.0:
            lo, f_lo, f_hi = x, fx, f_hi / 2
        else:
            hi, f_hi, f_lo = x, fx, f_lo / 2
    chunk = hi if whole else (0.0 if none else float(math.floor(lo)))
    return min(budget, n * queries + max(chunk, 0.0))


def slack(c, s, f, n: float, budget: float, t: Targets) -> tuple[float, int]:
    state = State(c, s, f, n, chosen_budget(c, s, f, n, budget, t))
    q = t.percentile
    ttft = state.wait(s, q) + state.prefill(c, f, s.prompt_at)
    e2e = ttft + (s.output_at - 1.0) * state.itl

    def of(value: float, target: float) -> float:
        return 1.0 - value / target if target < INF else 1.0

    by_itl, by_ttft, by_e2e = of(state.itl_at(q), t.itl), of(ttft, t.ttft), of(e2e, t.e2e)
    keeps_up = 1.0 - state.load if state.load < 1.0 else -1.0
    worst = min(min(min(by_itl, by_ttft), by_e2e), keeps_up)
    if worst >= keeps_up:
        return worst, TOKEN_BUDGET
    return worst, ITL_TARGET if worst >= by_itl else TTFT_TARGET if worst >= by_ttft else E2E_TARGET


def reference_capacity(model, r, s, f, rate: float, t: Targets, budget: float, cap: float) -> dict:
    """The capacity search of ``capacity``'s docstring, step by step."""
    q = t.percentile
    lim = limits(model, r, s, A, SCALAR, f, budget=budget, cap=cap)
    c = cycle_model(model, r, s, A, SCALAR, f)
    top = max(lim.maximum, 1.0)
    low, low_code = slack(c, s, f, 1.0, budget, t)
    high, code = slack(c, s, f, top, budget, t)
    lo = top if high >= 0.0 else 1.0
    hi = lo if (high >= 0.0 or low < 0.0) else top  # the first n known to fail
    while hi - lo > 1.0:
        mid = float(math.floor((lo + hi) / 2.0))
        value, mid_code = slack(c, s, f, mid, budget, t)
        if value >= 0.0:
            lo = mid
        else:
            hi, code = mid, mid_code
    n = lo
    chosen = chosen_budget(c, s, f, n, budget, t)
    state = State(c, s, f, n, chosen)
    service = s.decode_steps * state.itl
    ttft0 = state.wait(s, q) + state.prefill(c, f, s.prompt_at)
    e2e0 = ttft0 + (s.output_at - 1.0) * state.itl
    room = min(t.ttft - ttft0, t.e2e - e2e0)
    scv = s.output_var / (s.decode_steps * s.decode_steps)
    offered = rate * service
    lo_r = float(math.floor(offered / n)) + 1.0
    hi_r = lo_r + float(math.floor((5.0 * math.sqrt(offered) + 5.0) / n)) + 1.0
    queued = not wait_quantile(lo_r * n, rate, service, scv, q, SCALAR) <= room
    while hi_r > lo_r:
        mid = float(math.floor((lo_r + hi_r) / 2.0))
        if wait_quantile(mid * n, rate, service, scv, q, SCALAR) <= room:
            hi_r = mid
        else:
            lo_r = mid + 1.0
    wait = wait_quantile(lo_r * n, rate, service, scv, q, SCALAR)
    feasible = lim.kv_memory >= 1.0 and low >= 0.0
    target_code = code if n < top else lim.code
    binding = (
        lim.code if lim.kv_memory < 1.0 else (QUEUEING if queued else target_code) if low >= 0.0 else low_code
    )
    return {
        "feasible": feasible,
        "binding": binding,
        "max_concurrency": lim.maximum,
        **(
            {
                "concurrency": n,
                "token_budget": chosen,
                "replicas": lo_r,
                "itl": state.itl,
                "itl_percentile": state.itl_at(q),
                "requests_per_s": state.requests,
                "ttft_percentile": wait + ttft0,
                "e2e_percentile": wait + e2e0,
            }
            if feasible
            else {}
        ),
    }


# --- scenarios --------------------------------------------------------------------------------------


def scenario(rng: random.Random):
    """A random replica, lengths, features and engine limits (drawn again if the replica is invalid)."""
    while True:
        try:
            return _draw(rng)
        except InvalidInputError:
            continue


def _draw(rng: random.Random):
    name = rng.choice(["Llama3_8B", "Llama3_70B", "Mixtral_8x7B"])
    model = CATALOG.get("model", name).spec
    hardware = CATALOG.get("hardware", rng.choice(["H100", "A100", "H200"])).spec
    tp = rng.choice([1, 2, 4, 8])
    pp = rng.choice([1, 1, 1, 2])
    kind = rng.random()
    feats = features(model=model)
    if kind < 0.15:
        feats = features(prefix_hit=rng.uniform(0.0, 0.9), model=model)
    elif kind < 0.3 and name != "Mixtral_8x7B":  # a draft model with the target's vocabulary
        draft = CATALOG.get("model", "Llama3_8B").spec
        feats = features(draft=draft, draft_tokens=rng.randint(1, 5), acceptance=rng.uniform(0.3, 1.0))
    elif kind < 0.4:  # drafts that cost nothing (n-gram)
        feats = features(draft_tokens=rng.randint(1, 5), acceptance=rng.uniform(0.3, 1.0))
    r = replica(model, hardware, Precision.BF16, A, tp=tp, pp=pp)
    s = length_stats(fixed(rng.randint(50, 6000), rng.randint(5, 1500)), rng.choice([0.5, 0.9, 0.99]))
    budget = float(rng.choice([A.prefill_token_budget, rng.randint(256, 16384)]))
    cap = float(rng.choice([INF, INF, rng.randint(1, 300)]))
    return model, r, s, feats, budget, cap


def targets(rng: random.Random) -> Targets:
    def maybe(low: float, high: float, chance: float) -> float:
        return rng.uniform(low, high) if rng.random() < chance else INF

    ttft, itl, e2e = maybe(0.1, 10.0, 0.7), maybe(0.005, 0.2, 0.7), maybe(1.0, 100.0, 0.3)
    return Targets(ttft, itl, e2e, rng.choice([0.5, 0.9, 0.99, 0.999]))


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("seed", range(4))
def test_capacity_search_equals_the_reference(seed):
    rng = random.Random(seed)
    tried = feasible = 0
    while tried < 60:
        model, r, s, f, budget, cap = scenario(rng)
        t = targets(rng)
        rate = rng.uniform(0.1, 200.0)
        got = capacity_core(model, r, s, A, SCALAR, f, arrival_rate=rate, targets=t, budget=budget, cap=cap)
        want = reference_capacity(model, r, s, f, rate, t, budget, cap)
        tried += 1
        feasible += bool(want["feasible"])
        assert bool(got.feasible) == want["feasible"]
        for field, value in want.items():
            assert same(float(getattr(got, field)), float(value)), (field, getattr(got, field), value)
    assert 10 < feasible < tried  # both kinds of answer were compared


@pytest.mark.parametrize("seed", range(2))
def test_batching_outputs_equal_the_reference(seed):
    rng = random.Random(100 + seed)
    for _ in range(60):
        model, r, s, f, budget, cap = scenario(rng)
        lim = limits(model, r, s, A, SCALAR, f, budget=budget, cap=cap)
        n = float(rng.randint(1, 400))
        got = batching_core(model, r, s, A, SCALAR, f, n=n, budget=budget, lim=lim)
        c = cycle_model(model, r, s, A, SCALAR, f)
        state = State(c, s, f, n, budget)
        p99 = state.wait(s, 0.99) + state.prefill(c, f, s.prompt_p99)
        assert got.itl == state.itl and got.itl_p99 == state.itl_at(0.99)
        assert got.requests_per_s == state.requests and got.ttft_p99 == p99


def test_all_reduce_bands_equal_every_algorithm_tried():
    # Random algorithm sets (intercepts and slopes, some infinite, some up to a largest message,
    # with near ties and duplicates) and messages at, around and between the bands' edges: the least over the
    # kept lines is the least over all of them, to the bit.
    rng = random.Random(7)
    for _ in range(300):
        pieces = []
        for _ in range(rng.randint(1, 7)):
            intercept = rng.choice([1e-5, 2e-5, 3.3e-5]) * rng.choice(
                [1.0, 1.0 + 1e-15, rng.uniform(0.5, 2.0)]
            )
            slope = rng.choice([5e-12, 1e-11, 2e-11]) * rng.choice([1.0, 1.0 - 1e-15, rng.uniform(0.5, 2.0)])
            if rng.random() < 0.1:  # a link of no bandwidth (a calibration's bound): infinitely slow
                slope = INF
            largest = rng.choice([None, None, 8388608.0, 65536.0])
            pieces.append((intercept, slope, largest))
        if all(largest is not None for _, _, largest in pieces):
            pieces.append((5e-5, 4e-12, None))
        tp = TensorParallel(160.0, rng.choice([1.0, 8192.0, 16384.0]), tuple(pieces), False)
        time = tp.of_tokens(SCALAR)
        finite = [(i, s) for i, s, _ in pieces if s < INF]
        crossings = [abs(i2 - i1) / abs(s1 - s2) for i1, s1 in finite for i2, s2 in finite if s1 != s2]
        edges = [0.0, 1.0, 65536.0, 8388608.0, *crossings]
        for edge in edges:
            for message in (edge, math.nextafter(edge, 0.0), math.nextafter(edge, INF), edge * 1.5):
                tokens = message / tp.width
                assert time(tokens) == all_reduce(tp, tokens), (pieces, tokens)
        for _ in range(50):
            tokens = 10 ** rng.uniform(0.0, 6.0)
            assert time(tokens) == all_reduce(tp, tokens)
