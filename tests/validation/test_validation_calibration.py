"""The catalog's calibrated efficiencies are the fit the cases give, as recorded next to them."""

from __future__ import annotations

import dataclasses
import math

import mlsysim
import pytest
from mlsysim.validation import CALIBRATED, fit, load_cases
from mlsysim.validation.calibrate import _golden_log
from mlsysim.validation.estimate import Estimator

CASES = load_cases()
CATALOG = mlsysim.load_catalog()
FIT = fit(CASES, CATALOG)

# The catalog records each fitted value rounded: fractions to 0.01, the per-kernel overhead to 1 us,
# the per-kernel gap inside a CUDA graph to 0.1 us, the per-iteration host time to 0.1 ms.
_ROUNDING = {
    "prefill_compute_efficiency": 0.005,
    "cnn_compute_efficiency": 0.005,
    "training_compute_efficiency": 0.005,
    "fp8_training_compute_efficiency": 0.005,
    "training_attention_efficiency": 0.005,
    "cnn_training_compute_efficiency": 0.005,
    "kernel_overhead": 0.5e-6,
    "graph_kernel_overhead": 0.05e-6,
    "kv_read_efficiency": 0.005,
    "serving_iteration_overhead": 0.05e-3,
}


@pytest.mark.parametrize("name", list(CALIBRATED))
def test_catalog_holds_the_fitted_value(name):
    # Fails when cases or solvers change without a refit: run `mlsysim validate --fit` and update
    # catalog/assumptions.toml (value and the fitted value quoted in its estimate).
    held = getattr(CATALOG.assumptions, name)
    assert abs(FIT.values[name] - held) <= _ROUNDING[name] * 1.01, (name, FIT.values[name], held)


@pytest.mark.parametrize("name", list(CALIBRATED))
def test_estimate_text_quotes_the_fit_and_its_method(name):
    estimate = CATALOG.assumptions.source_of(name).estimate
    assert "Fitted:" in estimate and "least squares on ln(estimate/measured)" in estimate
    assert CATALOG.assumptions.source_of(name).source.id == "mlsysim-calibration"


def test_fit_is_a_minimum_of_the_log_error():
    # Moving any fitted value by ±5 % from the optimum must not lower the sum of squared log errors
    # over the cases the fit uses (those without a recorded modelling gap).
    estimator = Estimator(CASES, CATALOG)
    best = dataclasses.replace(CATALOG.assumptions, **FIT.values)
    fitted = [c for c in CASES.cases if not c.xfail]

    def objective(a):
        return sum(math.log(estimator(c, a) / c.measured) ** 2 for c in fitted)

    assert objective(best) == pytest.approx(FIT.objective, rel=1e-12)
    for name, value in FIT.values.items():
        for step in (0.95, 1.05):
            moved = dataclasses.replace(best, **{name: value * step})
            assert objective(moved) >= FIT.objective, (name, step)


def test_golden_section_finds_a_known_minimum():
    # (ln x − ln 0.3)² has its minimum at x = 0.3; the search works in ln x, bracket [0.05, 1].
    found = _golden_log(lambda x: (math.log(x) - math.log(0.3)) ** 2, 0.05, 1.0)
    assert found == pytest.approx(0.3, rel=1e-6)
    # A minimum at the bound is found at the bound.
    assert _golden_log(lambda x: -x, 0.05, 1.0) == pytest.approx(1.0, rel=1e-6)
