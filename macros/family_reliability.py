"""Reliability functions: fleet failures and checkpointing (``mlsysim.solvers.reliability``:
Poisson failures, Young 1974 / Daly 2006 checkpoint interval), as ``ReliabilityModel().solve``
computes them."""

from __future__ import annotations

from typing import Any

from mlsysim.solvers.reliability import ReliabilityEstimate, reliability

from . import resolve
from .arguments import CKPT, FLEET, HOURS, UNIT
from .function import ExcelFunction

# The solver takes a job length and a checkpoint time together. MTBF depends on neither, the failure
# odds and count not on the checkpoint time, the optimal interval not on the job length: the
# functions that omit one pass these placeholders, which do not change their result.
_ANY_JOB_HOURS = 1.0
_ANY_CHECKPOINT_S = 60.0


@resolve.cached(maxsize=16384)
def estimate(fleet: Any, hours: float, checkpoint_s: float) -> ReliabilityEstimate:
    spec = resolve.spec("fleet", fleet)
    return reliability(spec, hours * 3600.0, checkpoint_s, resolve.catalog().assumptions)


FUNCTIONS = (
    ExcelFunction(
        "MLSYS_MTBF",
        "Reliability",
        (FLEET, UNIT),
        "number",
        "h",
        "Mean time between failures of the whole fleet (GPUs, NICs, hosts, network, software).",
        lambda fleet: estimate(fleet, _ANY_JOB_HOURS, _ANY_CHECKPOINT_S).fleet_mtbf,
        "s",
    ),
    ExcelFunction(
        "MLSYS_FAIL_PROB",
        "Reliability",
        (FLEET, HOURS, UNIT),
        "number",
        "",
        "Probability of at least one failure during the job: 1 - exp(-hours / MTBF).",
        lambda fleet, hours: estimate(fleet, hours, _ANY_CHECKPOINT_S).failure_probability,
    ),
    ExcelFunction(
        "MLSYS_EXPECTED_FAILURES",
        "Reliability",
        (FLEET, HOURS, UNIT),
        "number",
        "",
        "Expected number of failures during the job: hours / MTBF.",
        lambda fleet, hours: estimate(fleet, hours, _ANY_CHECKPOINT_S).expected_failures,
    ),
    ExcelFunction(
        "MLSYS_CKPT_INTERVAL",
        "Reliability",
        (FLEET, CKPT, UNIT),
        "number",
        "min",
        "Checkpoint interval that minimises lost time (Daly 2006; Young's sqrt(2·ckpt·MTBF) to first order).",
        lambda fleet, ckpt: estimate(fleet, _ANY_JOB_HOURS, ckpt).optimal_checkpoint_interval,
        "s",
    ),
    ExcelFunction(
        "MLSYS_GOODPUT",
        "Reliability",
        (FLEET, HOURS, CKPT, UNIT),
        "number",
        "",
        "Fraction of wall time that is useful work, checkpointing at the optimal interval (Daly 2006).",
        lambda fleet, hours, ckpt: estimate(fleet, hours, ckpt).goodput,
    ),
)
