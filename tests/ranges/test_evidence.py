"""The packaged leave-one-out ratios: they are what leave-one-out gives, and the bands built on them
cover about the share they state."""

from __future__ import annotations

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
from mlsysim.validation import leave_one_out, load_cases

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


def test_the_packaged_ratios_are_this_catalogs_leave_one_out():
    # mlsysim validate --write-ratios: every case under the calibrated values moved by one
    # Gauss-Newton step without it (validation.loo; tests/validation hold the step within 1 % of a
    # full refit), as measured / estimated for a duration and estimated / measured for a rate.
    held_out = {r.id: r for r in leave_one_out(CASES, packaged_catalog(), method="step")}
    assert len(RATIOS) > 100
    for r in RATIOS:
        h = held_out[r.id]
        duration = family_of_metric(r.metric)[1] == DURATION
        assert r.ratio == pytest.approx(
            h.measured / h.estimated if duration else h.estimated / h.measured, rel=1e-9
        )


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
