"""Queueing closed forms: Erlang C against the exact recursion and textbook values, and the
Allen-Cunneen waits against a discrete-event simulation of GI/G/c (the simulation lives here, in
the tests, not in the product)."""

from __future__ import annotations

import heapq
import math
import random

import numpy as np
import pytest
from mlsysim.solvers.ops import SCALAR
from mlsysim.solvers.queueing import (
    erlang_c,
    ln_factorial,
    mean_wait,
    normal_cdf,
    single_mean_wait,
    single_wait_quantile,
    wait_quantile,
)
from mlsysim.sweeps.gather import ARRAY


def exact_erlang_c(c: int, offered: float) -> float:
    """Erlang B by its recursion B(k) = A·B(k-1)/(k + A·B(k-1)), then C = B/(1 - ρ(1 - B))."""
    b = 1.0
    for k in range(1, c + 1):
        b = offered * b / (k + offered * b)
    rho = offered / c
    return b / (1.0 - rho * (1.0 - b))


def test_textbook_values():
    # M/M/1: an arrival waits with probability ρ.
    assert erlang_c(1, 0.8, SCALAR) == pytest.approx(0.8, rel=5e-3)
    # M/M/2 at A = 1 (ρ = 0.5): C = 2ρ²/(1 + ρ) = 0.5/1.5 = 1/3.
    assert erlang_c(2, 1.0, SCALAR) == pytest.approx(1.0 / 3.0, rel=5e-3)
    # M/M/4 at A = 2: B = (2⁴/24)/(1 + 2 + 2 + 4/3 + 2/3) = 0.6667/7 = 0.09524; C = B/(1 - 0.5·0.90476)
    # = 0.1739.
    assert erlang_c(4, 2.0, SCALAR) == pytest.approx(0.17391, rel=5e-3)
    # Unstable (A >= c): every arrival waits.
    assert erlang_c(4, 4.0, SCALAR) == 1.0 and erlang_c(4, 5.0, SCALAR) == 1.0


def test_erlang_c_within_0_3_percent_of_the_exact_recursion():
    worst = 0.0
    for c in (1, 2, 3, 5, 8, 16, 64, 512, 4096, 10000):
        for rho in (0.05, 0.3, 0.5, 0.8, 0.9, 0.95, 0.99):
            exact = exact_erlang_c(c, rho * c)
            if exact > 1e-9:
                worst = max(worst, abs(erlang_c(c, rho * c, SCALAR) / exact - 1.0))
    assert worst < 3e-3


def test_scalar_and_array_evaluate_the_same_formula():
    servers = np.array([1.0, 4.0, 64.0, 1000.0])
    offered = servers * np.array([0.5, 0.8, 0.95, 0.99])
    arrays = erlang_c(servers, offered, ARRAY)
    for i in range(servers.size):
        assert arrays[i] == pytest.approx(erlang_c(float(servers[i]), float(offered[i]), SCALAR), rel=1e-12)


def test_helpers_known_answers():
    # ln 10! = ln 3,628,800 = 15.10441257...; Φ(0) = 1/2, Φ(1.96) = 0.9750021
    assert ln_factorial(10.0, SCALAR) == pytest.approx(math.log(3628800.0), abs=1e-9)
    assert ln_factorial(0.0, SCALAR) == pytest.approx(0.0, abs=1e-9)
    assert normal_cdf(0.0, SCALAR) == pytest.approx(0.5, abs=2e-7)
    assert normal_cdf(1.96, SCALAR) == pytest.approx(0.9750021, abs=2e-7)


def test_single_server_forms_are_the_many_server_forms_at_one():
    # Erlang C(1, ρ) = ρ exactly; the general form is within its 0.3 %.
    for rho in (0.2, 0.6, 0.9):
        for q in (0.5, 0.9, 0.99):
            general = wait_quantile(1.0, rho, 1.0, 0.5, q, SCALAR)
            single = single_wait_quantile(rho, 1.0, 0.5, q, SCALAR)
            assert single == pytest.approx(general, rel=5e-3, abs=1e-6)
        # Pollaczek-Khinchine for M/D/1: W = ρ·S/(2(1 - ρ)).
        assert single_mean_wait(rho, 1.0, 0.0, SCALAR) == pytest.approx(rho / (2.0 * (1.0 - rho)), rel=1e-12)
    assert math.isinf(single_mean_wait(1.2, 1.0, 1.0, SCALAR))


def _simulate(servers, rate, service, n=300_000, seed=1):
    """FCFS GI/G/c with Poisson arrivals: each arrival takes the server that frees first."""
    rng = random.Random(seed)
    free = [0.0] * servers
    now, waits = 0.0, []
    for _ in range(n):
        now += rng.expovariate(rate)
        start = max(now, heapq.heappop(free))
        waits.append(start - now)
        heapq.heappush(free, start + service(rng))
    waits = sorted(waits[n // 10 :])  # drop the warm-up tenth
    return sum(waits) / len(waits), {q: waits[int(q * len(waits))] for q in (0.9, 0.99)}


def _hyperexponential(scv):
    """Mean-1 two-phase hyperexponential with balanced means and the given squared CV."""
    p = 0.5 * (1.0 + math.sqrt((scv - 1.0) / (scv + 1.0)))
    return lambda rng: rng.expovariate(2.0 * p) if rng.random() < p else rng.expovariate(2.0 * (1.0 - p))


@pytest.mark.parametrize(
    ("servers", "rho", "scv", "service"),
    [
        (1, 0.8, 1.0, lambda rng: rng.expovariate(1.0)),  # M/M/1
        (8, 0.85, 1.0, lambda rng: rng.expovariate(1.0)),  # M/M/8
        (8, 0.85, 0.0, lambda rng: 1.0),  # M/D/8: Allen-Cunneen halves the M/M/8 wait
        (64, 0.9, 0.0, lambda rng: 1.0),  # many slots, as a fleet of replicas has
        (32, 0.9, 1.0 / 3.0, lambda rng: rng.uniform(0.0, 2.0)),  # uniform service, Cs² = 1/3
    ],
)
def test_allen_cunneen_matches_a_simulation(servers, rho, scv, service):
    # Service mean 1 s; arrivals at ρ·c per second, 270,000 after the warm-up. Closed forms within
    # 20 % of the simulated mean wait and of its P90 and P99 (across seeds the simulation itself
    # moves by up to ~10 % at these loads).
    rate = rho * servers
    mean, tails = _simulate(servers, rate, service)
    assert mean_wait(servers, rate, 1.0, scv, SCALAR) == pytest.approx(mean, rel=0.2)
    for q, simulated in tails.items():
        assert wait_quantile(servers, rate, 1.0, scv, q, SCALAR) == pytest.approx(simulated, rel=0.2)


def test_long_tailed_service_errs_on_the_safe_side():
    # Hyperexponential service, Cs² = 4: the exponential tail with the Allen-Cunneen mean
    # overstates the wait (by ~10-40 % in simulations at ρ = 0.8), never understates it by more
    # than the simulation's noise.
    rate = 0.8 * 16
    mean, tails = _simulate(16, rate, _hyperexponential(4.0))
    assert mean <= mean_wait(16, rate, 1.0, 4.0, SCALAR) <= 1.45 * mean
    assert tails[0.9] <= wait_quantile(16, rate, 1.0, 4.0, 0.9, SCALAR) <= 1.45 * tails[0.9]
    assert 0.85 * tails[0.99] <= wait_quantile(16, rate, 1.0, 4.0, 0.99, SCALAR) <= 1.45 * tails[0.99]
