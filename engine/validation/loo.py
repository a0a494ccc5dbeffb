"""Leave-one-out: each case estimated with the calibrated assumptions refitted without it.

In-sample errors (``report.validate``) flatter a model whose constants were fitted on the same
cases; leave-one-out shows how it does on a case it has not seen (Stone 1974, "Cross-validatory
choice and assessment of statistical predictions", JRSS B 36(2)). For every case the fit of
``calibrate.fit`` is repeated on the other cases, and the held-out case is estimated under that fit.
"""

from __future__ import annotations

import dataclasses

from ..catalog_loader import Catalog
from .calibrate import fit, with_values
from .cases import CaseSet
from .estimate import Estimator
from .report import CaseResult, CategorySummary, evaluate, summarise


def leave_one_out(cases: CaseSet, catalog: Catalog, *, tolerance: float = 1e-3) -> tuple[CaseResult, ...]:
    """Every case under the calibrated values fitted to all the other cases (``tolerance`` as in
    ``calibrate.fit``; 1e-3 keeps the refits quick, well below the cases' bands)."""
    estimator = Estimator(cases, catalog)
    results = []
    for case in cases.cases:
        others = dataclasses.replace(cases, cases=tuple(c for c in cases.cases if c is not case))
        refit = fit(others, catalog, tolerance=tolerance)
        results.append(evaluate(case, estimator, with_values(catalog.assumptions, refit.values)))
    return tuple(results)


def loo_summary(cases: CaseSet, results: tuple[CaseResult, ...]) -> tuple[CategorySummary, ...]:
    return summarise(results, {k: c.title for k, c in cases.categories.items()})
