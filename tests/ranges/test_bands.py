"""Validated bands: the conformal order statistics, their coverage, and bad quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlsysim import InvalidInputError
from mlsysim.ranges.bands import MIN_CASES, Band, CaseRatio, bands, order_rank
from mlsysim.ranges.coverage import coverage
from mlsysim.ranges.families import RATE


def test_ranks_are_the_conformal_order_statistics():
    # rank floor(q (n + 1)) below the median, ceil(q (n + 1)) above it:
    # n = 9: 0.1 * 10 = 1 and 0.9 * 10 = 9 (the extremes); n = 45: 4.6 -> 4, 41.4 -> 42;
    # n = 8: 0.9 -> 0, outside 1..n, so no P10 exists
    assert (order_rank(0.1, 9), order_rank(0.9, 9)) == (1, 9)
    assert (order_rank(0.1, 45), order_rank(0.9, 45)) == (4, 42)
    assert order_rank(0.1, 8) == 0
    assert MIN_CASES == 9


def test_a_band_scales_durations_and_inverts_rates():
    b = Band("x", "x", tuple(float(r) for r in range(1, 10)), {"c": 9})
    assert b.validated and (b.ratio(0.1), b.ratio(0.9)) == (1.0, 9.0)
    # a rate's P10 is the value over the duration's P90 ratio: 1/9
    assert b.factor(0.1, RATE) == pytest.approx(1 / 9, rel=1e-12)
    assert b.factor(0.9, RATE) == pytest.approx(1.0, rel=1e-12)


def test_too_few_cases_give_no_validated_range():
    b = Band("x", "things", (0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6), {"c": 8})
    assert not b.validated and b.ratio(0.1) is None
    assert b.provenance().startswith("no validated range: 8 leave-one-out cases")


@pytest.mark.parametrize("q", [0, 1, -0.1, 1.5, math.nan, "half", None])
def test_a_quantile_outside_zero_one_is_an_error_naming_it(q):
    b = Band("x", "x", tuple(float(r) for r in range(1, 10)), {})
    with pytest.raises(InvalidInputError, match="quantile"):
        b.ratio(q)


@given(st.integers(min_value=10, max_value=80), st.integers(min_value=0, max_value=2**32 - 1))
def test_jackknife_coverage_is_n_minus_2k_of_n(n, seed):
    # Held-out case i is inside the band of the other n - 1 iff its rank among all n lies in
    # k+1 .. n-k with k = floor(0.1 n) (removing it shifts the others' ranks around it), so for
    # distinct values exactly n - 2k cases are inside, whatever their distribution: n = 30 -> 24.
    values = np.random.default_rng(seed).lognormal(0.0, 0.3, n)
    ratios = [CaseRatio(f"c{i}", "cat", "ttft", "ttft", float(v)) for i, v in enumerate(values)]
    (ttft,) = [c for c in coverage(ratios) if c.family == "ttft"]
    k = math.floor(0.1 * n)
    assert ttft.cases == n and ttft.inside == n - 2 * k


def test_coverage_is_reported_as_unknown_when_the_others_are_too_few():
    ratios = [CaseRatio(f"c{i}", "cat", "itl", "itl", 1.0 + i / 10) for i in range(9)]
    (itl,) = [c for c in coverage(ratios) if c.family == "itl"]
    assert bands(ratios)["itl"].validated and itl.inside is None and itl.share is None
