"""The packaged leave-one-out ratios: they are what leave-one-out gives, and the bands built on them
cover about the share they state."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import mlsysim
import pytest
from mlsysim.catalog_loader import packaged_catalog
from mlsysim.ranges.bands import CaseRatio, bands, read_ratios
from mlsysim.ranges.coverage import category_coverage, coverage
from mlsysim.ranges.families import DURATION, family_of_metric
from mlsysim.validation import fit, load_cases
from mlsysim.validation.calibrate import with_values
from mlsysim.validation.estimate import Estimator

CASES = load_cases()
RATIOS = read_ratios()


def test_every_case_of_a_family_is_in_the_packaged_ratios_once():
    expected = {c.id: c for c in CASES.cases if family_of_metric(c.metric)}
    assert sorted(r.id for r in RATIOS) == sorted(expected)
    for r in RATIOS:
        case = expected[r.id]
        assert (r.category, r.metric, r.family) == (
            case.category,
            case.metric,
            family_of_metric(case.metric)[0],
        )


def test_a_packaged_ratio_is_the_case_estimated_under_a_refit_without_it():
    # Leave-one-out by hand for one case: refit the calibrated efficiencies on the other 82 cases
    # (calibrate.fit, the tolerance leave_one_out uses), estimate the held-out case, and compare
    # measured / estimated (a duration) with the packaged ratio; the fit is deterministic.
    case = CASES.case("trtllm05-ttft-llama7b-a100-tp1-in128")
    catalog = packaged_catalog()
    others = dataclasses.replace(CASES, cases=tuple(c for c in CASES.cases if c is not case))
    refit = fit(others, catalog, tolerance=1e-3)
    estimated = Estimator(CASES, catalog)(case, with_values(catalog.assumptions, refit.values))
    assert family_of_metric(case.metric)[1] == DURATION
    (packaged,) = [r for r in RATIOS if r.id == case.id]
    assert packaged.ratio == pytest.approx(case.measured / estimated, rel=1e-9)


def test_under_leave_one_out_the_bands_cover_about_the_stated_share():
    by_family = {c.family: c for c in coverage(RATIOS)}
    for family in ("ttft", "training_step"):
        c = by_family[family]
        # at least 80 % by the conformal construction, and not much more (an honest width)
        assert 0.8 <= c.share <= 0.9, (family, c.inside, c.cases)
    assert by_family["itl"].inside is None  # 9 cases: a band exists, but none without one case
    for family in ("e2e", "cnn_inference", "run_time", "failures", "energy"):
        assert not bands(RATIOS)[family].validated


def test_category_coverage_counts_each_held_out_category_against_the_others():
    # two categories: "a" has 10 ratios 1.0..1.9 and "b" 2 ratios; holding out "b" leaves the
    # 10 of "a", whose P10-P90 (ranks 1 and 10 of 10) is [1.0, 1.9]: 1.5 is inside, 3.0 is not.
    # Holding out "a" leaves 2 cases of "b": no band, so "a" is not counted.
    rows = [CaseRatio(f"a{i}", "a", "ttft", "ttft", 1.0 + i / 10) for i in range(10)]
    rows += [CaseRatio("b0", "b", "ttft", "ttft", 1.5), CaseRatio("b1", "b", "ttft", "ttft", 3.0)]
    (ttft,) = [c for c in category_coverage(rows) if c.family == "ttft"]
    assert (ttft.inside, ttft.cases) == (1, 2)


def test_validate_reports_coverage_per_family():
    done = subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "validate", "--json"], capture_output=True, text=True
    )
    body = json.loads(done.stdout)["ranges"]
    rows = {r["family"]: r for r in body["families"]}
    assert rows["ttft"]["inside"] == 12 and rows["ttft"]["cases"] == 14
    assert rows["training_step"]["coverage"] == pytest.approx(37 / 45)
    assert rows["energy"]["p10"] is None and math.isclose(rows["ttft"]["stated"], 0.8)
    assert mlsysim.ranges.band("ttft").cases == 14
