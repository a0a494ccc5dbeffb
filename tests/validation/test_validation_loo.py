"""Leave-one-out: each case under the calibrated values refitted without it, reported apart."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import mlsysim
import pytest
from mlsysim.validation import fit, leave_one_out, load_cases, loo_summary
from mlsysim.validation.cases import default_path

CATALOG = mlsysim.load_catalog()
# gpt-fast's seven decode cases: quick to refit seven times.
CASES = load_cases()
SUBSET = dataclasses.replace(CASES, cases=tuple(c for c in CASES.cases if c.category == "gptfast"))


def test_held_out_errors_are_at_least_the_in_sample_ones():
    # The in-sample fit minimises Σ ln(estimate/measured)² over every case; a case left out of the fit
    # cannot be matched better than when it was in, so the held-out sum is no smaller.
    in_sample = fit(SUBSET, CATALOG).objective
    held = leave_one_out(SUBSET, CATALOG)
    assert [r.id for r in held] == [c.id for c in SUBSET.cases]
    held_out = sum(math.log(r.estimated / r.measured) ** 2 for r in held)
    assert held_out >= in_sample > 0
    summary = {s.key: s for s in loo_summary(SUBSET, held)}
    assert set(summary) == {"gptfast"} and summary["gptfast"].cases == 7


def test_validate_reports_leave_one_out_apart(tmp_path):
    # A cases file with the subset's categories and cases, run through the real command line.
    text = default_path().read_text(encoding="utf-8")
    path = tmp_path / "cases.toml"
    keep = {c.id for c in SUBSET.cases}
    blocks = text.split("[[cases]]")
    kept = [b for b in blocks[1:] if b.split('"')[1] in keep]
    path.write_text(blocks[0] + "".join("[[cases]]" + b for b in kept), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "validate", "--loo", "--cases", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    in_sample, _, held_out = done.stdout.partition("Leave-one-out")
    assert "| gptfast-llama2-7b-a100-tp1-itl |" in in_sample and "| leave-one-out |" in held_out
    assert held_out.count("| gptfast-") == 7 and "| LLM decode, batch 1, TP 1-8" in held_out


def test_one_gauss_newton_step_is_the_full_refit_on_the_packaged_cases():
    # `mlsysim validate` shows leave-one-out by one Gauss-Newton step from the catalog's fit; on
    # the packaged cases, where every calibrated value is pinned by many cases, it lands within
    # 1 % of a full refit without the case (checked here on two cases that pull on different
    # constants: gpt-fast's CUDA-graph decode and vLLM 2023's request throughput).
    from mlsysim.validation.calibrate import with_values
    from mlsysim.validation.estimate import Estimator

    step = {r.id: r for r in leave_one_out(CASES, CATALOG, method="step")}
    assert [r.id for r in step.values()] == [c.id for c in CASES.cases]
    estimator = Estimator(CASES, CATALOG)
    for case_id in ("gptfast-llama2-7b-a100-tp8-itl", "vllm-blog23-llama7b-a10g-tput"):
        case = CASES.case(case_id)
        others = dataclasses.replace(CASES, cases=tuple(c for c in CASES.cases if c is not case))
        refit = fit(others, CATALOG, tolerance=1e-3)
        exact = estimator(case, with_values(CATALOG.assumptions, refit.values))
        assert step[case_id].estimated == pytest.approx(exact, rel=0.01)


def test_validate_shows_leave_one_out_by_default_after_the_in_sample_tables():
    done = subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "validate"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    in_sample, _, held_out = done.stdout.partition("Leave-one-out")
    assert "| within tolerance |" in in_sample and "one Gauss-Newton step" in held_out
    titles = [c.title for c in CASES.categories.values()]
    assert all(f"| {t} |" in in_sample and f"| {t} |" in held_out for t in titles)
    assert held_out.count("| ") > len(CASES.cases)
