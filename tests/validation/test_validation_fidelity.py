"""Each published measurement against the engine's estimate, with the catalog's assumptions.

A case passes when ``|estimate/measured − 1| <= tolerance`` (its own or its category's, in
engine/validation/cases.toml). A case outside it for a recorded modelling reason is a strict xfail:
the test alerts when a modelling change brings it inside. The issue's targets are checked too:
median absolute error <= 20 % in every category and every case within a factor of 1.5, but for
the few whose modelling gap is recorded (``BEYOND_ONE_AND_A_HALF``).
"""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim.validation import load_cases, validate
from mlsysim.validation.estimate import Estimator
from mlsysim.validation.report import evaluate

CASES = load_cases()
CATALOG = mlsysim.load_catalog()
ESTIMATOR = Estimator(CASES, CATALOG)


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES.cases])
def test_estimate_within_tolerance(case):
    result = evaluate(case, ESTIMATOR, CATALOG.assumptions)
    assert abs(result.error) <= case.tolerance, (
        f"{case.id}: estimated {result.estimated:.4g} {case.unit}, measured {case.measured:.4g} "
        f"({result.error:+.1%}, tolerance ±{case.tolerance:.0%})"
    )


def test_every_category_meets_the_median_error_target():
    for summary in validate(CASES, CATALOG).categories:
        assert summary.median_abs_error <= 0.20, summary


# Cases beyond a factor of 1.5, each with its modelling gap recorded in cases.toml (``xfail``);
# the list is closed, so a new case beyond 1.5x, or one of these coming inside, fails below.
BEYOND_ONE_AND_A_HALF = {
    "dsv3-pretrain-gpu-hours",  # expert-parallel all-to-all charged in full (DualPipe hides it)
    "kokolis-rsc2-failure-rate",  # one set of failure rates, set from RSC-1, for both clusters
    "lf-h100-13b-64gpu-2k",  # one fabric rail credited per node; FSDP moved >= 90 GB/s per GPU
    "lf-a100-80-13b-8gpu-32k",  # one attention efficiency for A100 and H100
    "dle-rn50-a100-tf32",  # NCHW TF32 convolutions far below the memory roofline
}


def test_every_case_is_within_a_factor_of_one_and_a_half():
    results = validate(CASES, CATALOG).results
    beyond = {r.id for r in results if r.factor > 1.5}
    assert beyond == BEYOND_ONE_AND_A_HALF
    assert all(CASES.case(i).xfail for i in beyond)


def test_tolerances_are_bands_that_can_fail():
    # No band so wide it cannot fail: at most ±1/3 (the factor 1.5 of the target, on the low side),
    # and every xfail case really is outside its band (strictness above checks the latter; this
    # checks the bands themselves).
    assert all(0 < c.tolerance <= 1 / 3 for c in CASES.cases)
    assert {c.category for c in CASES.cases} == set(CASES.categories)
