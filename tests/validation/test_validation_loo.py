"""Leave-one-out: each case under the calibrated values refitted without it, reported apart."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import mlsysim
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
