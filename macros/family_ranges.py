"""Range functions: a bound of an estimate at a quantile (``mlsysim.ranges``), companions of the
point-estimate functions with a ``quantile`` first (0.1 and 0.9 give the headline P10-P90 band).

TTFT and ITL are the point estimate times the validated band of their family (leave-one-out
residuals of ``mlsysim validate``); a family with too few cases answers ``#MLSYS! no validated
range``. Cost per million tokens and TCO are quantiles of the seeded Monte Carlo (1,000 draws, seed
0) over the assumption spreads and the model bands (``mlsysim.api.ranges.RangesModel``), so a cell
equals ``RangesModel().solve(...)``'s range.
"""

from __future__ import annotations

from typing import Any

from mlsysim.api.ranges import RangeReport, RangesModel
from mlsysim.ranges.bands import band, check_quantile
from mlsysim.ranges.families import DURATION
from mlsysim.ranges.load import FAMILY as LOAD_FAMILY
from mlsysim.ranges.load import demand_factor

from . import cells, family_capacity, family_serving, resolve
from .arguments import BATCH, DATACENTER, DAYS, FLEET, HW, KWH_PRICE, MODEL, PRECISION, REGION, SEQ, TP, UNIT
from .family_finance import OFFER, OUTPUT, REPLICAS, TERM, UTILIZATION, _term
from .function import Arg, ExcelFunction

FAMILY = "Ranges"
QUANTILE = Arg(
    "quantile", "number", "quantile of the estimate, strictly between 0 and 1 (0.1: P10, 0.9: P90)"
)


def _bound(family: str, value: float, quantile: Any) -> Any:
    factor = band(family).factor(check_quantile(quantile), DURATION)
    if factor is None:
        return f"{cells.ERROR_PREFIX} {band(family).provenance()}"
    return value * factor


def _serving_bound(family: str, read: Any) -> Any:
    def compute(quantile: Any, *values: Any) -> Any:
        q = check_quantile(quantile)
        e = family_serving.estimate(*values)
        if not e.feasible:
            return cells.infeasible(e.constraint)
        return _bound(family, read(e), q)

    return compute


@resolve.cached(maxsize=4096)
def token_ranges(
    model: Any,
    hw: Any,
    seq: float,
    batch: float,
    precision: str | None,
    tp: float | None,
    output: float | None,
    replicas: float | None,
    utilization: float | None,
    offer: str | None,
    term: str | None,
    region: Any,
) -> RangeReport:
    grid, facility = resolve.site(region)
    inputs = {
        "model": resolve.transformer(model, "MLSYS_COST_PER_MTOK_Q"),
        "hardware": resolve.spec("hardware", hw),
        "seq_len": seq,
        "batch_size": batch,
        "precision": precision,
        "output_len": 128 if output is None else output,
        "tp_size": 1 if tp is None else tp,
        "replicas": 1 if replicas is None else replicas,
        "utilization": 1.0 if utilization is None else utilization,
        "offer": offer,
        "term": _term(term),
        "datacenter": facility,
        "grid": grid,
    }
    return RangesModel(resolve.catalog()).solve("token_cost", **inputs)


@resolve.cached(maxsize=4096)
def tco_ranges(fleet: Any, days: float, kwh_price: float | None, datacenter: Any) -> RangeReport:
    grid, facility = resolve.site(datacenter)
    return RangesModel(resolve.catalog()).solve(
        "economics",
        fleet=resolve.spec("fleet", fleet),
        duration_days=days,
        kwh_price=kwh_price,
        datacenter=facility,
        grid=grid,
    )


def _composite_quantile(report: RangeReport, quantile: Any) -> Any:
    q = check_quantile(quantile)
    if not getattr(report.result.estimate, "feasible", True):
        return cells.infeasible(report.result.estimate.constraint)
    assert report.composite is not None
    return report.composite.quantile(q)


def _replicas(quantile: Any, model: Any, hw: Any, arrival_rate: Any, *rest: Any) -> Any:
    """The capacity plan of the traffic scaled by the throughput band (``mlsysim.ranges.load``)."""
    factor = demand_factor(check_quantile(quantile))
    if factor is None:
        return f"{cells.ERROR_PREFIX} {band(LOAD_FAMILY).provenance()}"
    e = family_capacity.capacity(model, hw, arrival_rate * factor, *rest)
    if not e.feasible:
        return cells.infeasible(e.constraint)
    return e.replicas


SERVING_ARGS = (QUANTILE, MODEL, HW, SEQ, BATCH, PRECISION, TP, UNIT)
TOKEN_ARGS = (
    QUANTILE,
    MODEL,
    HW,
    SEQ,
    BATCH,
    PRECISION,
    TP,
    OUTPUT,
    REPLICAS,
    UTILIZATION,
    OFFER,
    TERM,
    REGION,
)

FUNCTIONS = (
    ExcelFunction(
        "MLSYS_REPLICAS_Q",
        FAMILY,
        (QUANTILE, *family_capacity.CAPACITY_ARGS),
        "number",
        "",
        "MLSYS_REPLICAS at a quantile: the plan for the traffic scaled by the validated "
        "throughput-at-load band.",
        _replicas,
        "",
        "replicas",
        "error",
    ),
    ExcelFunction(
        "MLSYS_TTFT_Q",
        FAMILY,
        SERVING_ARGS,
        "number",
        "ms",
        "MLSYS_TTFT at a quantile of its validated (leave-one-out) band.",
        _serving_bound("ttft", lambda e: e.ttft),
        "s",
        infeasible="error",
    ),
    ExcelFunction(
        "MLSYS_ITL_Q",
        FAMILY,
        SERVING_ARGS,
        "number",
        "ms",
        "MLSYS_ITL at a quantile of its validated (leave-one-out) band.",
        _serving_bound("itl", lambda e: e.itl),
        "s",
        infeasible="error",
    ),
    ExcelFunction(
        "MLSYS_COST_PER_MTOK_Q",
        FAMILY,
        TOKEN_ARGS,
        "number",
        "",
        "MLSYS_COST_PER_MTOK at a quantile of its Monte Carlo range (1,000 draws, seed 0).",
        lambda q, *values: _composite_quantile(token_ranges(*values), q),
        "",
        "USD/Mtok",
        "error",
    ),
    ExcelFunction(
        "MLSYS_TCO_Q",
        FAMILY,
        (QUANTILE, FLEET, DAYS, KWH_PRICE, DATACENTER, UNIT),
        "number",
        "USD",
        "MLSYS_TCO at a quantile of its Monte Carlo range (1,000 draws, seed 0).",
        lambda q, *values: _composite_quantile(tco_ranges(*values), q),
        "USD",
    ),
)
