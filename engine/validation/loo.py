"""Leave-one-out: each case estimated with the calibrated assumptions refitted without it.

In-sample errors (``report.validate``) flatter a model whose constants were fitted on the same
cases; leave-one-out shows how it does on a case the fit has not seen (Stone 1974,
"Cross-validatory choice and assessment of statistical predictions", JRSS B 36(2)).

The refit without case ``k`` is one Gauss–Newton step from the full fit on the log errors
``r_i = ln(estimate_i / measured_i)`` in the logarithms ``u`` of the calibrated values: with the
Jacobian ``J = ∂r/∂u`` at the full fit (central differences), ``Δu = −(J₋ₖᵀJ₋ₖ)⁻¹ J₋ₖᵀ r₋ₖ`` over
the other cases, clipped to the bounds of ``calibrate.CALIBRATED`` (Björck 1996, Numerical Methods
for Least Squares Problems, §9.2). The held-out case is then estimated by the solvers, exactly, at
the refitted values. For a fit that is linear in ``u`` one step is the exact refit; the tests check
it against full refits. The same cases and categories as the in-sample table, every category.
"""

from __future__ import annotations

import math

import numpy as np

from ..assumptions import Assumptions
from ..catalog_loader import Catalog
from .calibrate import CALIBRATED, with_values
from .cases import CaseSet
from .estimate import Estimator
from .report import CaseResult, CategorySummary, evaluate, summarise

_STEP = 1e-3  # central-difference step in ln(value)


def leave_one_out(
    cases: CaseSet, catalog: Catalog, assumptions: Assumptions | None = None
) -> tuple[CaseResult, ...]:
    """Every case under the calibrated values refitted to all the other cases."""
    estimator = Estimator(cases, catalog)
    base = assumptions or catalog.assumptions
    names = list(CALIBRATED)
    u = np.array([math.log(getattr(base, n)) for n in names])

    def residuals(at: np.ndarray) -> np.ndarray:
        a = with_values(base, {n: math.exp(x) for n, x in zip(names, at, strict=True)})
        return np.array([math.log(estimator(c, a) / c.measured) for c in cases.cases])

    r = residuals(u)
    jacobian = np.empty((len(r), len(names)))
    for j in range(len(names)):
        step = np.zeros_like(u)
        step[j] = _STEP
        jacobian[:, j] = (residuals(u + step) - residuals(u - step)) / (2.0 * _STEP)
    low = np.log([CALIBRATED[n][0] for n in names])
    high = np.log([CALIBRATED[n][1] for n in names])
    results = []
    for k, case in enumerate(cases.cases):
        keep = np.arange(len(r)) != k
        delta = np.linalg.lstsq(jacobian[keep], -r[keep], rcond=None)[0]
        refit = np.clip(u + delta, low, high)
        values = {n: math.exp(x) for n, x in zip(names, refit, strict=True)}
        results.append(evaluate(case, estimator, with_values(base, values)))
    return tuple(results)


def loo_summary(cases: CaseSet, results: tuple[CaseResult, ...]) -> tuple[CategorySummary, ...]:
    return summarise(results, {k: c.title for k, c in cases.categories.items()})


__all__ = ["leave_one_out", "loo_summary"]
