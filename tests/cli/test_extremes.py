"""Extreme inputs (issue 15): huge, tiny, infinite and NaN arguments give a result, a readable
refusal or ``feasible=False`` -- never a traceback, "internal error", invalid JSON, or an
overflowed number reported as feasible."""

from __future__ import annotations

import json
import math

import mlsysim
import pytest
from mlsysim import (
    DistributedModel,
    EconomicsModel,
    Engine,
    ReliabilityModel,
    ServingModel,
    SustainabilityModel,
)
from mlsysim.errors import MlsysimError
from mlsysim.macros import MLSYS_GOODPUT

from tests.cli.cli import assert_one_line_error, run

EXTREMES = [1e-300, 1e-9, 1.0, 3.0, 1e9, 1e300, math.inf, math.nan, 0.0, -1.0]


def _strict(text: str) -> dict:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"JSON holds {c}"))


def test_a_huge_checkpoint_time_overflows_to_a_report_not_a_crash():
    args = "solve reliability --fleet H100_8 --job-duration-hours 24 --checkpoint-time-s 1e12 --json"
    done = run(*args.split())
    assert done.returncode == 0, done.stderr
    results = _strict(done.stdout)["results"]
    # each checkpoint takes 1e12 s against a fleet MTBF of ~2.3e7 s: e^(1e12/2.3e7) overflows, so the
    # expected wall time is unbounded (null) and the goodput 0
    assert results["goodput"] == 0.0 and results["expected_wall_time_hours"] is None


def test_goodput_of_vanishing_job_and_checkpoint_is_a_number():
    # T = 1e-300 h, delta = 1e-300 s: almost no time lost, so the goodput is just below 1
    value = MLSYS_GOODPUT("H100_8", 1e-300, 1e-300)
    assert isinstance(value, float) and 0.99 < value <= 1.0


def test_an_overflowing_tco_is_not_feasible():
    result = EconomicsModel().solve(mlsysim.Systems.Clusters.H100_8, 1e300)
    assert result.feasible is False and "tco_usd" in result.constraint and "overflow" in result.constraint
    done = run(*["solve", "economics", "--fleet", "H100_8", "--duration-days", "1e300", "--json"])
    assert done.returncode == 0 and _strict(done.stdout)["results"]["tco_usd"] is None


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_infinite_and_nan_arguments_are_refused_at_the_command_line(value):
    done = run("solve", "economics", "--fleet", "H100_8", f"--duration-days={value}")
    assert_one_line_error(done, "duration_days")


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_plan_refuses_an_infinite_or_nan_tp(tmp_path, value):
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text(f"name,model,hardware,seq_len,batch_size,tp\na,Llama3_70B,H100,4096,1,{value}\n")
    done = run("plan", "--scenarios", str(scenarios), "-o", str(tmp_path / "plan.xlsx"))
    assert_one_line_error(done, "tp", value)
    assert not (tmp_path / "plan.xlsx").exists()


def _calls():
    model, hardware = mlsysim.Models.Language.Llama3_70B, mlsysim.Hardware.Cloud.H100
    fleet = mlsysim.Systems.Clusters.H100_8
    for x in EXTREMES:
        yield lambda x=x: EconomicsModel().solve(fleet, x)
        yield lambda x=x: EconomicsModel().solve(fleet, 365, x)
        yield lambda x=x: EconomicsModel().solve(fleet, 365, node_price=x)
        yield lambda x=x: SustainabilityModel().solve(fleet, x)
        yield lambda x=x: ReliabilityModel().solve(fleet, 24, x, restart_time_s=x)
        for y in EXTREMES:
            yield lambda x=x, y=y: ReliabilityModel().solve(fleet, x, y)
        yield lambda x=x: Engine.solve(model, hardware, batch_size=x, seq_len=4096)
        yield lambda x=x: ServingModel().solve(model, hardware, seq_len=x, tp_size=8)
        yield lambda x=x: ServingModel().solve(model, hardware, seq_len=4096, batch_size=x, tp_size=8)
        yield lambda x=x: ServingModel().solve(model, hardware, seq_len=4096, output_len=x, tp_size=8)
        yield lambda x=x: DistributedModel().solve(model, fleet, batch_size=x)
        yield lambda x=x: DistributedModel().solve(model, fleet, batch_size=8, seq_len=x)
        yield lambda x=x: DistributedModel().solve(model, fleet, batch_size=8, microbatch_count=x)


def test_facades_on_extreme_inputs():
    """Every call answers (feasible only when every number is finite) or raises the project's error."""
    answered = 0
    for call in _calls():
        try:
            result = call()
        except MlsysimError:
            continue
        answered += 1
        numbers = [getattr(result[k], "magnitude", result[k]) for k in result]
        finite = all(math.isfinite(v) for v in numbers if isinstance(v, float))
        assert finite or result.get("feasible", False) is False, result
    assert answered > 60
