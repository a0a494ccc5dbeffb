"""From traffic to capacity: the concurrency per replica and the replicas that serve ``arrival_rate``
requests/s within latency targets at a percentile.

1. Per replica (``batching``): the largest running concurrency ``n`` that fits (KV memory, token
   budget, engine cap) and meets the targets a replica controls by itself — the ITL quantile, and
   the TTFT and end-to-end quantiles without waiting for a slot — by bisection over whole
   requests on the smallest normalised slack of the targets (it falls as ``n`` grows); scalars
   and arrays take the same steps.
2. For the fleet: requests wait for one of ``c = R·n`` slots, each held for ``E[O−1]·ITL`` — a
   GI/G/c queue with Poisson arrivals, Erlang C with the Allen–Cunneen correction for the
   service-time variability of the output lengths (``queueing``; the router sends each request to
   a replica with a free slot, so the slots of all replicas form one queue). ``R`` is the fewest
   replicas that keep the queue stable and the slot wait's quantile within what the TTFT and
   end-to-end targets leave, found by bisection over whole replicas.

The binding limit is what set the concurrency (KV memory, token budget, the engine's cap, an ITL,
TTFT or end-to-end target), or ``queueing`` when waiting for slots needed more replicas than the
throughput alone. A target no replica count meets (e.g. an ITL target below the ITL at
concurrency 1) is ``feasible = False`` with that limit, and ``NaN`` replicas.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..assumptions import Assumptions
from .batching import (
    LIMITS,
    TOKEN_BUDGET,
    Cycle,
    Features,
    Limits,
    Load,
    cycle_model,
    itl_quantile,
    limits,
    load,
    prefill_time,
    prefill_wait,
    prefill_wait_mean,
    tokens_per_cycle,
)
from .decode_step import Replica, iteration_time
from .ops import Ops
from .queueing import mean_wait, wait_quantile

ITL_TARGET, TTFT_TARGET, E2E_TARGET, QUEUEING = 5, 6, 7, 8
BINDING = (*LIMITS, "ITL target", "TTFT target", "end-to-end target", "queueing")


class Targets(NamedTuple):
    """Latency targets (s; ``inf`` when not set) at ``percentile`` (a fraction, 0.99 for P99)."""

    ttft: Any
    itl: Any
    e2e: Any
    percentile: Any


class CapacityEstimate(NamedTuple):
    """Times in s; rates per (decode) replica at the chosen concurrency; ``utilization`` is the
    share of that capacity the traffic uses. Colocated serving has no prefill pool
    (``prefill_replicas`` 0, every replica decodes); with disaggregation the two pools are apart."""

    replicas: float
    accelerators: float
    prefill_replicas: float
    decode_replicas: float
    prefill_accelerators: float
    decode_accelerators: float
    concurrency: float
    max_concurrency: float
    utilization: float
    requests_per_s: float
    output_tokens_per_s: float
    input_tokens_per_s: float
    ttft: float
    ttft_percentile: float
    itl: float
    itl_percentile: float
    e2e_latency: float
    e2e_percentile: float
    queue_wait_percentile: float
    kv_transfer: float
    token_budget: float
    binding: Any  # a code of BINDING (an array in a sweep); the facades name it
    feasible: bool
    constraint: str


def capacity_core(
    model: Any,
    r: Replica,
    s: Any,
    a: Assumptions,
    ops: Ops,
    f: Features,
    *,
    arrival_rate: Any,
    targets: Targets,
    budget: Any,
    cap: Any,
) -> CapacityEstimate:
    """Replicas and per-replica concurrency for ``arrival_rate`` requests/s; ``constraint`` empty."""
    q = targets.percentile
    lim = limits(model, r, s, a, ops, f, budget=budget, cap=cap)
    top = ops.maximum(lim.maximum, 1.0)
    c = cycle_model(model, r, s, a, ops, f)

    seen: dict[float, tuple[Any, Load]] = {}  # one scenario: the budget and load at each n tried

    def slack(n: Any) -> tuple[Any, Any]:
        worst, code, chosen, state = _slack(c, s, ops, f, n=n, budget=budget, targets=targets)
        if isinstance(n, float):
            seen[n] = (chosen, state)
        return worst, code

    low_slack, low_code = slack(1.0)
    high = slack(top)
    n, failing_code = _largest_meeting(slack, (low_slack, low_code), high, top, ops)
    if isinstance(n, float) and n in seen:  # the search ends on an n it tried
        chosen, state = seen[n]
    else:
        chosen = token_budget(c, s, ops, f, n=n, budget=budget, targets=targets)
        state = load(c, s, ops, f, n=n, budget=chosen)
    service = s.decode_steps * state.itl  # a slot is held for the decode phase
    cycle = c.of_prefill(n, ops)
    ttft0 = prefill_wait(state, s, q, ops) + prefill_time(c, state, s, f, s.prompt_at, ops, cycle)
    e2e0 = ttft0 + (s.output_at - 1.0) * state.itl
    budget_wait = ops.minimum(targets.ttft - ttft0, targets.e2e - e2e0)
    scv = _output_scv(s)
    replicas, queued = _replicas(arrival_rate, service, n, budget_wait, scv, q, ops)
    slots = replicas * n
    wait = wait_quantile(slots, arrival_rate, service, scv, q, ops)
    capacity = state.requests_per_s * replicas
    mean_ttft = (
        mean_wait(slots, arrival_rate, service, scv, ops)
        + prefill_wait_mean(state, s, ops)
        + prefill_time(c, state, s, f, s.prompt, ops, cycle)
    )

    meets_at_one = low_slack >= 0.0
    fits = lim.kv_memory >= 1.0
    feasible = fits & meets_at_one
    target_code = ops.where(n < top, failing_code, lim.code)
    binding = ops.where(
        _not(fits, ops),
        lim.code,
        ops.where(meets_at_one, ops.where(queued, QUEUEING, target_code), low_code),
    )
    nan = math.nan
    return CapacityEstimate(
        replicas=ops.where(feasible, replicas, nan),
        accelerators=ops.where(feasible, replicas * r.devices, nan),
        prefill_replicas=ops.where(feasible, 0.0 * replicas, nan),
        decode_replicas=ops.where(feasible, replicas, nan),
        prefill_accelerators=ops.where(feasible, 0.0 * replicas, nan),
        decode_accelerators=ops.where(feasible, replicas * r.devices, nan),
        concurrency=ops.where(feasible, n, nan),
        max_concurrency=lim.maximum,
        utilization=ops.where(feasible, arrival_rate / capacity, nan),
        requests_per_s=ops.where(feasible, state.requests_per_s, nan),
        output_tokens_per_s=ops.where(feasible, state.requests_per_s * s.output, nan),
        input_tokens_per_s=ops.where(feasible, state.requests_per_s * s.prompt, nan),
        ttft=ops.where(feasible, mean_ttft, nan),
        ttft_percentile=ops.where(feasible, wait + ttft0, nan),
        itl=ops.where(feasible, state.itl, nan),
        itl_percentile=ops.where(feasible, itl_quantile(state, q, ops), nan),
        e2e_latency=ops.where(feasible, mean_ttft + service, nan),
        e2e_percentile=ops.where(feasible, wait + e2e0, nan),
        queue_wait_percentile=ops.where(feasible, wait, nan),
        kv_transfer=0.0 * replicas,
        token_budget=ops.where(feasible, chosen, nan),
        binding=binding,
        feasible=feasible,
        constraint="",
    )


def _slack(
    c: Cycle, s: Any, ops: Ops, f: Features, *, n: Any, budget: Any, targets: Targets
) -> tuple[Any, Any, Any, Load]:
    """The smallest normalised slack ``(target − value)/target`` of the per-replica targets at
    concurrency ``n`` (with the token budget ``token_budget`` chooses), which target it is, that
    budget and the replica's load."""
    cycle = c.of_prefill(n, ops)
    chosen = token_budget(c, s, ops, f, n=n, budget=budget, targets=targets, cycle=cycle)
    state = load(c, s, ops, f, n=n, budget=chosen, cycle=cycle)
    q = targets.percentile
    ttft = prefill_wait(state, s, q, ops) + prefill_time(c, state, s, f, s.prompt_at, ops, cycle)
    itl = itl_quantile(state, q, ops)
    e2e = ttft + (s.output_at - 1.0) * state.itl
    by_itl = _slack_of(itl, targets.itl, ops)
    by_ttft = _slack_of(ttft, targets.ttft, ops)
    by_e2e = _slack_of(e2e, targets.e2e, ops)
    # the prefill must keep up with the arrivals: strictly below one full chunk per iteration
    keeps_up = ops.where(state.prefill_load < 1.0, 1.0 - state.prefill_load, -1.0)
    worst = ops.minimum(ops.minimum(ops.minimum(by_itl, by_ttft), by_e2e), keeps_up)
    code = ops.where(
        worst >= keeps_up,
        TOKEN_BUDGET,
        ops.where(worst >= by_itl, ITL_TARGET, ops.where(worst >= by_ttft, TTFT_TARGET, E2E_TARGET)),
    )
    return worst, code, chosen, state


def _slack_of(value: Any, target: Any, ops: Ops) -> Any:
    """``1 − value/target``; 1 without a target (``inf``), whatever the value."""
    bounded = target < math.inf
    return ops.where(bounded, 1.0 - value / ops.where(bounded, target, 1.0), 1.0)


def token_budget(
    c: Cycle, s: Any, ops: Ops, f: Features, *, n: Any, budget: Any, targets: Targets, cycle: Any = None
) -> Any:
    """The tokens per iteration to configure at concurrency ``n``: the engine's ``budget`` when
    prompts then take few enough iterations that the ITL quantile is a decode-only iteration
    (a share ``f <= 1 − q`` with a chunk); otherwise the largest budget whose iterations with a
    prefill chunk still meet the ITL target (Agrawal et al. 2024, Sarathi-Serve, §4.3: the token
    budget is set from the TBT SLO). An iteration's time grows with its chunk, piecewise linearly
    (the all-reduce algorithm changes with the message): the chunk is found by regula falsi with
    the Illinois step (Dowell & Jarratt 1971), keeping the largest chunk known to meet the target.
    ``cycle`` is ``c.of_prefill(n, ops)`` when the caller has it."""
    queries = f.draft_tokens + 1.0
    per_cycle = tokens_per_cycle(f)
    pbar = n * per_cycle * s.prompt * (1.0 - f.prefix_hit) / s.decode_steps
    rare = n * queries + pbar / (1.0 - targets.percentile)  # budget that keeps chunks rare enough
    if isinstance(rare, float) and budget >= rare:  # one scenario whose chunks are rare: no search
        return budget
    goal = targets.itl * per_cycle
    cycle = c.of_prefill(n, ops) if cycle is None else cycle
    hi = ops.maximum(budget - n * queries, 1.0)
    one = isinstance(rare, float)
    chunk = _chunk_of_one(cycle, goal, hi, ops) if one else _chunks(cycle, goal, hi, ops)
    fitted = ops.minimum(budget, n * queries + ops.maximum(chunk, 0.0))
    return ops.where(budget >= rare, budget, fitted)


_CHUNK_STEPS = 6


def _chunks(cycle: Any, goal: Any, hi: Any, ops: Ops) -> Any:
    """``token_budget``'s chunk for arrays of scenarios: every row takes the same steps."""
    lo = 1.0
    f_lo, f_hi = cycle(lo) - goal, cycle(hi) - goal
    whole, none = f_hi <= 0.0, f_lo > 0.0  # the engine's full chunk meets the target; not even one token
    for _ in range(_CHUNK_STEPS):
        # the secant's step back from hi; none once the bracket is closed or without an ITL target
        back = ops.where(f_hi > f_lo, f_hi * (hi - lo) / ops.where(f_hi > f_lo, f_hi - f_lo, 1.0), 0.0)
        x = ops.minimum(ops.maximum(hi - back, lo), hi)
        fx = cycle(x) - goal
        meets = fx <= 0.0
        lo, f_lo, f_hi = ops.where(meets, x, lo), ops.where(meets, fx, f_lo), ops.where(meets, f_hi / 2, f_hi)
        hi, f_hi, f_lo = ops.where(meets, hi, x), ops.where(meets, f_hi, fx), ops.where(meets, f_lo, f_lo / 2)
    return ops.where(whole, hi, ops.where(none, 0.0, ops.floor(lo)))


def _chunk_of_one(cycle: Any, goal: float, hi: float, ops: Ops) -> float:
    """``_chunks`` for one scenario, step for step, without the steps whose result is not used:
    when the full chunk meets the target the answer is ``hi`` and when one token misses it, 0 (each
    Illinois step then leaves ``hi`` where it is, or is discarded)."""
    f_hi = cycle(hi) - goal
    if f_hi <= 0.0:
        return hi
    lo = 1.0
    f_lo = cycle(lo) - goal
    if f_lo > 0.0:
        return 0.0
    for _ in range(_CHUNK_STEPS):
        back = f_hi * (hi - lo) / (f_hi - f_lo) if f_hi > f_lo else 0.0
        x = min(max(hi - back, lo), hi)
        fx = cycle(x) - goal
        if fx <= 0.0:
            lo, f_lo, f_hi = x, fx, f_hi / 2
        else:
            hi, f_hi, f_lo = x, fx, f_lo / 2
    return ops.floor(lo)


def _largest_meeting(
    slack: Any, low: tuple[Any, Any], high: tuple[Any, Any], top: Any, ops: Ops
) -> tuple[Any, Any]:
    """The largest whole ``n`` in [1, top] with ``slack(n) >= 0`` (slack falls as ``n`` grows), by
    bisection over whole numbers: ``top`` when it meets, 1 when nothing does; and the code of the
    first ``n`` that fails (``low``, ``high`` are ``slack(1)`` and ``slack(top)``)."""
    (low_slack, _), (high_slack, high_code) = low, high
    meets_top = high_slack >= 0.0
    lo = ops.where(meets_top, top, 1.0)
    hi = ops.where(meets_top | (low_slack < 0.0), lo, top)  # first n known to fail
    code = high_code
    while True:
        open_ = hi - lo > 1.0
        if not _any(open_):
            break
        mid = ops.floor((lo + hi) / 2.0)
        s_mid, c_mid = slack(mid)
        meets = s_mid >= 0.0
        down = open_ & _not(meets, ops)
        lo = ops.where(open_ & meets, mid, lo)
        hi, code = ops.where(down, mid, hi), ops.where(down, c_mid, code)
    return lo, code


def _replicas(
    arrival_rate: Any, service: Any, n: Any, budget_wait: Any, scv: Any, q: Any, ops: Ops
) -> tuple[Any, Any]:
    """The fewest replicas of ``n`` slots each that keep the queue stable and the wait's q-quantile
    within ``budget_wait``; and whether the wait (not the throughput) set that number."""
    offered = arrival_rate * service  # slots busy on average
    stable = ops.floor(offered / n) + 1.0
    high = stable + ops.floor((5.0 * ops.sqrt(offered) + 5.0) / n) + 1.0
    lo, hi = stable, high
    fits = wait_quantile(stable * n, arrival_rate, service, scv, q, ops) <= budget_wait
    while True:
        open_ = hi > lo
        if not _any(open_):
            break
        mid = ops.floor((lo + hi) / 2.0)
        ok = wait_quantile(mid * n, arrival_rate, service, scv, q, ops) <= budget_wait
        hi = ops.where(open_ & ok, mid, hi)
        lo = ops.where(open_ & _not(ok, ops), mid + 1.0, lo)
    return lo, _not(fits, ops)


def _output_scv(s: Any) -> Any:
    """Squared coefficient of variation of the slot time ``(O − 1)·ITL``: that of ``O − 1``."""
    return s.output_var / (s.decode_steps * s.decode_steps)


def _any(values: Any) -> bool:
    return bool(values.any()) if hasattr(values, "any") else bool(values)


def _not(values: Any, ops: Ops) -> Any:
    """Logical not of a boolean scalar or array (``~`` on a Python bool is -2)."""
    return ops.where(values, False, True)


__all__ = [
    "BINDING",
    "E2E_TARGET",
    "ITL_TARGET",
    "QUEUEING",
    "TTFT_TARGET",
    "CapacityEstimate",
    "Limits",
    "Targets",
    "capacity_core",
    "disaggregated_core",
]


def disaggregated_core(
    model: Any,
    prefill: Replica,
    decode: Replica,
    s: Any,
    a: Assumptions,
    ops: Ops,
    f: Features,
    *,
    arrival_rate: Any,
    targets: Targets,
    budget: Any,
    cap: Any,
    transfer_bandwidth: Any,
    transfer_latency: Any,
) -> CapacityEstimate:
    """Prefill/decode disaggregation (Zhong et al. 2024, DistServe, §3; Patel et al. 2024,
    Splitwise, §4): prompts run on a prefill pool whose replicas each work through one prompt after
    another in full-budget prefill iterations (an M/G/c queue over the prefill replicas); the KV
    cache then crosses to a decode replica (its bytes over ``transfer_bandwidth`` per prefill
    device, plus ``transfer_latency``); decode replicas run decode-only iterations, so no prefill
    chunk lengthens the ITL tail, and are sized as colocated replicas are, with the prefill
    workload removed. ``constraint`` is left empty."""
    q = targets.percentile
    tiny = s.prompt * 0.0 + 1e-9  # the decode pool prefills nothing (zero would divide by zero)
    no_prefill = s._replace(
        prompt=tiny,
        prompt_square=tiny * tiny,
        prompt_var=tiny * 0.0,
        prompt_p50=tiny,
        prompt_p90=tiny,
        prompt_p99=tiny,
        prompt_at=tiny,
    )
    decode_only = Features(0.0, f.draft, f.draft_tokens, f.acceptance)
    attended = s.prompt_square / s.prompt * (1.0 + f.prefix_hit) / 2.0

    def prompt_service(prompt: Any) -> Any:
        tokens = prompt * (1.0 - f.prefix_hit)
        carried = ops.minimum(tokens, budget)
        one = iteration_time(
            model,
            prefill,
            a,
            ops,
            decode=0.0,
            prefill=carried / prefill.pp,
            context=0.0,
            prefill_context=attended,
        ).total
        return ops.maximum(tokens / budget, 1.0) * one * prefill.pp

    def transfer(prompt: Any) -> Any:
        kv = model.kv_elements_per_token * decode.kv_bpe * prompt
        return kv / (transfer_bandwidth * prefill.tp * prefill.pp) + transfer_latency

    first_q = prompt_service(s.prompt_at) + transfer(s.prompt_at)
    service = prompt_service(s.prompt)
    # The decode pool takes the request on at its next iteration: keep one for it, the rest of the
    # TTFT target is what the prefill pool's queue may take.
    decode_first = cycle_model(model, decode, no_prefill, a, ops, decode_only).time(1.0, 0.0, ops)
    budget_wait = targets.ttft - first_q - decode_first
    prompt_scv = s.prompt_var / (s.prompt * s.prompt)
    prefill_replicas, prefill_queued = _replicas(
        arrival_rate, service, 1.0, ops.maximum(budget_wait, 0.0), prompt_scv, q, ops
    )
    prefill_wait = wait_quantile(prefill_replicas, arrival_rate, service, prompt_scv, q, ops)
    spent = first_q + prefill_wait

    # Decode pool: the colocated search with no prompts to prefill and what the prefill spent.
    decode_targets = Targets(
        ttft=targets.ttft - spent, itl=targets.itl, e2e=targets.e2e - spent, percentile=q
    )
    decoded = capacity_core(
        model,
        decode,
        no_prefill,
        a,
        ops,
        decode_only,
        arrival_rate=arrival_rate,
        targets=decode_targets,
        budget=budget,
        cap=cap,
    )
    meets_first = budget_wait >= 0.0
    feasible = decoded.feasible & meets_first
    binding = ops.where(meets_first, ops.where(prefill_queued, QUEUEING, decoded.binding), TTFT_TARGET)
    nan = math.nan
    ttft_q = spent + decoded.ttft_percentile
    mean_first = service + transfer(s.prompt)
    replicas = prefill_replicas + decoded.replicas
    return CapacityEstimate(
        replicas=ops.where(feasible, replicas, nan),
        accelerators=ops.where(feasible, prefill_replicas * prefill.devices + decoded.accelerators, nan),
        prefill_replicas=ops.where(feasible, prefill_replicas, nan),
        decode_replicas=ops.where(feasible, decoded.replicas, nan),
        prefill_accelerators=ops.where(feasible, prefill_replicas * prefill.devices, nan),
        decode_accelerators=ops.where(feasible, decoded.accelerators, nan),
        concurrency=ops.where(feasible, decoded.concurrency, nan),
        max_concurrency=decoded.max_concurrency,
        utilization=ops.where(feasible, decoded.utilization, nan),
        requests_per_s=ops.where(feasible, decoded.requests_per_s, nan),
        output_tokens_per_s=ops.where(feasible, decoded.requests_per_s * s.output, nan),
        input_tokens_per_s=ops.where(feasible, decoded.requests_per_s * s.prompt, nan),
        ttft=ops.where(feasible, mean_first + decoded.ttft, nan),
        ttft_percentile=ops.where(feasible, ttft_q, nan),
        itl=decoded.itl,
        itl_percentile=decoded.itl_percentile,
        e2e_latency=ops.where(feasible, mean_first + decoded.e2e_latency, nan),
        e2e_percentile=ops.where(feasible, spent + decoded.e2e_percentile, nan),
        queue_wait_percentile=ops.where(feasible, prefill_wait + decoded.queue_wait_percentile, nan),
        kv_transfer=transfer(s.prompt),
        token_budget=budget,
        binding=ops.where(feasible, binding, ops.where(meets_first, decoded.binding, TTFT_TARGET)),
        feasible=feasible,
        constraint="",
    )
