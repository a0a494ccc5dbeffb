"""In-process timing of one zero-argument callable: median time per call.

How: the callable is first warmed up (at least ``warmup_calls`` calls and ``warmup_s`` seconds),
which also gives a rough per-call estimate. Calls are then timed in batches of ``k`` back-to-back
calls with ``time.perf_counter_ns``, where ``k`` is chosen so one batch lasts about
``BATCH_TARGET_S`` (k = 1 for calls slower than that, so the timer's own ~0.1 µs cost is amortised
for very fast calls). At least ``min_calls`` calls are timed in total, and at least
``MIN_BATCHES`` batches. The reported per-call time is the median over batches of
batch time / k; p10 and p90 are reported the same way. The garbage collector stays enabled, as in
real use; the median keeps rare collections from moving the result.

Only the standard library is used: this module also runs inside the reference's virtualenv.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

BATCH_TARGET_S = 20e-6
MIN_BATCHES = 50


def time_calls(
    fn: Callable[[], object],
    min_calls: int = 1000,
    warmup_calls: int = 20,
    warmup_s: float = 0.2,
) -> dict[str, float]:
    """Median, p10 and p90 time per call of ``fn`` in microseconds, with the counts used."""
    clock = time.perf_counter_ns
    n = 0
    start = clock()
    while n < warmup_calls or clock() - start < warmup_s * 1e9:
        fn()
        n += 1
    estimate_s = (clock() - start) / 1e9 / n
    k = max(1, round(BATCH_TARGET_S / estimate_s)) if estimate_s > 0 else 1
    batches = max(MIN_BATCHES, math.ceil(min_calls / k))
    per_call_ns = []
    loop = range(k)
    for _ in range(batches):
        t0 = clock()
        for _ in loop:
            fn()
        per_call_ns.append((clock() - t0) / k)
    deciles = statistics.quantiles(per_call_ns, n=10)
    return {
        "median_us": statistics.median(per_call_ns) / 1e3,
        "p10_us": deciles[0] / 1e3,
        "p90_us": deciles[-1] / 1e3,
        "calls": batches * k,
        "batch_size": k,
        "batches": batches,
        "warmup_calls": n,
    }
