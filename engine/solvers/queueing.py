"""Waiting for a server in a GI/G/c queue, in closed forms that vectorise.

- Erlang C, the probability that an arrival waits in M/M/c, from Erlang B:
  ``C = B / (1 − ρ(1 − B))`` with ``ρ = A/c`` (Cooper 1981, Introduction to Queueing Theory, §3.5),
  and Erlang B as a ratio of Poisson terms, ``B(c, A) = p(c; A) / P(X ≤ c; A)`` for ``X ~
  Poisson(A)`` (the truncated-Poisson form of the Erlang loss formula, Cooper §3.3). The Poisson
  term uses ``ln c!`` from Stirling's series (shifted by 8, so it is exact to 1e-10); the
  cumulative term uses ``P(X ≤ c) = P(χ²(2c+2) > 2A)`` and the Wilson–Hilferty cube-root normal
  approximation of χ² (Wilson & Hilferty 1931). Over c = 1..10,000 and ρ = 0.05..0.99 this is
  within 0.3 % of the exact recursion (tests), with no loop over servers.
- Allen–Cunneen: the mean wait of GI/G/c is the M/M/c wait scaled by ``(Ca² + Cs²)/2``, the squared
  coefficients of variation of inter-arrival and service times (Allen 1990, §6; Ca² = 1 for Poisson
  arrivals). The wait's tail is taken exponential with that mean given a wait,
  ``P(W > t) = C·exp(−t·(cμ − λ)·2/(Ca² + Cs²))``, exact for M/M/c; so the q-quantile is
  ``max(0, ln(C/(1 − q)))·(Ca² + Cs²)/(2(cμ − λ))``.

A discrete-event simulation in the tests checks these against GI/G/c runs (it is not part of the
product): within 20 % of the simulated mean, P90 and P99 waits for service coefficients of
variation up to 1; for long-tailed service (Cs² = 4) the closed form overstates the wait by
10-40 %, on the safe side for capacity. ``servers`` may be any real >= 1 (the gamma-function
extension of Erlang's formula); an unstable queue (``offered >= servers``) waits forever (``inf``).
"""

from __future__ import annotations

import math
from typing import Any

from .ops import Ops

_HALF_LN_2PI = 0.5 * math.log(2.0 * math.pi)
_SHIFT = 8.0  # ln Γ(x) from Stirling's series at x + 8, then stepped down: error < 1e-10 for x >= 1


def ln_factorial(n: Any, ops: Ops) -> Any:
    """``ln n!`` for real ``n >= 0``: Stirling's series for ln Γ(n + 1 + 8) less ln of the 8 factors."""
    x = n + 1.0 + _SHIFT
    series = (
        (x - 0.5) * ops.log(x)
        - x
        + _HALF_LN_2PI
        + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x**3)
        + 1.0 / (1260.0 * x**5)
    )
    steps = ops.log(
        (n + 1.0) * (n + 2.0) * (n + 3.0) * (n + 4.0) * (n + 5.0) * (n + 6.0) * (n + 7.0) * (n + 8.0)
    )
    return series - steps


def normal_cdf(z: Any, ops: Ops) -> Any:
    """Φ(z) from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the same polynomial for scalars
    and arrays."""
    x = ops.minimum(ops.maximum(z, -40.0), 40.0) / math.sqrt(2.0)
    sign = ops.where(x < 0.0, -1.0, 1.0)
    ax = x * sign
    t = 1.0 / (1.0 + 0.3275911 * ax)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * ops.exp(-ax * ax)
    return 0.5 * (1.0 + sign * erf)


def erlang_c(servers: Any, offered: Any, ops: Ops) -> Any:
    """Probability that an arrival waits in M/M/c with ``servers`` c and ``offered`` load A = λ/μ
    (1 when ``A >= c``)."""
    a = ops.maximum(offered, 1e-300)
    ln_pmf = servers * ops.log(a) - a - ln_factorial(servers, ops)
    nu = 2.0 * servers + 2.0
    z = ((2.0 * a / nu) ** (1.0 / 3.0) - (1.0 - 2.0 / (9.0 * nu))) / ops.sqrt(2.0 / (9.0 * nu))
    cdf = ops.maximum(1.0 - normal_cdf(z, ops), 1e-300)
    blocking = ops.minimum(ops.exp(ln_pmf) / cdf, 1.0)
    rho = a / servers
    waiting = blocking / (1.0 - rho * (1.0 - blocking))
    return ops.where(rho < 1.0, ops.minimum(waiting, 1.0), 1.0)


def wait_quantile(
    servers: Any, arrival_rate: Any, service_time: Any, service_scv: Any, q: Any, ops: Ops
) -> Any:
    """The q-quantile of the wait for a server (s) in GI/G/c with Poisson arrivals (Allen–Cunneen)."""
    offered = arrival_rate * service_time
    spare = servers / service_time - arrival_rate  # cμ − λ
    waiting = erlang_c(servers, offered, ops)
    scale = (1.0 + service_scv) / 2.0
    tail = (
        ops.maximum(ops.log(ops.maximum(waiting, 1e-300) / (1.0 - q)), 0.0)
        * scale
        / ops.maximum(spare, 1e-300)
    )
    return ops.where(spare > 0.0, tail, math.inf)


def mean_wait(servers: Any, arrival_rate: Any, service_time: Any, service_scv: Any, ops: Ops) -> Any:
    """Mean wait for a server (s) in GI/G/c with Poisson arrivals (Allen–Cunneen)."""
    spare = servers / service_time - arrival_rate
    waiting = erlang_c(servers, arrival_rate * service_time, ops)
    mean = waiting * (1.0 + service_scv) / 2.0 / ops.maximum(spare, 1e-300)
    return ops.where(spare > 0.0, mean, math.inf)


def single_wait_quantile(arrival_rate: Any, service_time: Any, service_scv: Any, q: Any, ops: Ops) -> Any:
    """``wait_quantile`` for one server, where Erlang C is exactly the utilisation ``ρ``."""
    rho = arrival_rate * service_time
    spare = 1.0 / service_time - arrival_rate
    tail = ops.maximum(ops.log(ops.maximum(rho, 1e-300) / (1.0 - q)), 0.0) * (1.0 + service_scv) / 2.0
    return ops.where(spare > 0.0, tail / ops.maximum(spare, 1e-300), math.inf)


def single_mean_wait(arrival_rate: Any, service_time: Any, service_scv: Any, ops: Ops) -> Any:
    """``mean_wait`` for one server (Pollaczek–Khinchine: ``ρ·S·(1 + Cs²)/(2(1 − ρ))``)."""
    rho = arrival_rate * service_time
    spare = 1.0 / service_time - arrival_rate
    return ops.where(spare > 0.0, rho * (1.0 + service_scv) / 2.0 / ops.maximum(spare, 1e-300), math.inf)
