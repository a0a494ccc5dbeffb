"""``RangesModel().solve(solver, **inputs)``: an estimate with its ranges and what drives them.

The point estimate is the solver's own facade (``mlsysim.sweeps.facades``), so it is the same
number every surface shows. Around it: the validated band of each headline field
(``mlsysim.ranges.evidence``); for the finance solvers the composite's seeded Monte Carlo range
(``mlsysim.ranges.composites``), its tornado and the two-way table of its two leading drivers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError
from ..ranges.bands import CENTRAL, band, check_quantile
from ..ranges.composites import carbon_composite, run_cost_composite, tco_composite, token_cost_composite
from ..ranges.evidence import FieldRange, field_range, ranged_fields
from ..ranges.load import FAMILY as LOAD_FAMILY
from ..ranges.load import demand_factor
from ..ranges.propagate import DEFAULT_DRAWS, Composite, CompositeRange, monte_carlo
from ..ranges.sensitivity import TornadoBar, TwoWay, tornado, two_way
from ..solvers.economics import electricity_price
from ..solvers.reliability import fleet_failure_rates
from ..solvers.serving import serving
from ..sweeps.facades import facade
from ..systems.types import FleetSpec
from .pricing import node_share, node_share_of, rental, site_tariff
from .resolve import Facade, amount, precision_for, transformer
from .site import resolve_site

__all__ = [
    "COMPOSITE_SOLVERS",
    "RangeReport",
    "RangesModel",
    "composite_for",
    "composite_range",
    "replicas_ranges",
    "token_cost_inputs",
]

COMPOSITE_SOLVERS = ("economics", "sustainability", "token_cost", "run_cost", "run")


@dataclass(frozen=True, slots=True)
class RangeReport:
    solver: str
    result: Any
    fields: tuple[FieldRange, ...]
    composite: CompositeRange | None
    tornado: tuple[TornadoBar, ...]
    two_way: TwoWay | None
    quantiles: tuple[float, float]

    def range(self, key: str) -> FieldRange:
        """The range of ``key``: a validated field, or the composite's Monte Carlo range."""
        for f in self.fields:
            if f.field == key:
                return f
        c = self.composite
        if c is not None and key == c.name:
            low, high = (c.quantile(q) for q in self.quantiles)
            return FieldRange(
                key, c.base, low, high, self.quantiles, "monte carlo", c.draws.size, True, c.provenance()
            )
        valid = [f.field for f in self.fields] + ([c.name] if c is not None else [])
        raise InvalidInputError("key", key, f"one of {', '.join(valid) or 'no ranged field'}")


class RangesModel(Facade):
    """Ranges and sensitivity of one estimate (module docstring)."""

    __slots__ = ()

    def solve(
        self,
        solver: str,
        *,
        draws: int = DEFAULT_DRAWS,
        seed: int = 0,
        quantiles: tuple[float, float] = CENTRAL,
        **inputs: Any,
    ) -> RangeReport:
        q = (check_quantile(quantiles[0], "quantiles"), check_quantile(quantiles[1], "quantiles"))
        if q[0] >= q[1]:
            raise InvalidInputError("quantiles", quantiles, "a lower quantile below an upper one")
        solve = facade(solver, self.catalog)
        result = solve(**inputs)
        kind = type(result).__name__
        fields = tuple(field_range(kind, f, result[f], q) for f in ranged_fields(kind))
        if solver == "capacity":
            fields += replicas_ranges(solve, inputs, result, q)
        built = composite_for(solver, inputs, result, self.catalog)
        if built is None:
            return RangeReport(solver, result, fields, None, (), None, q)
        bars = tornado(built)
        table = two_way(built, bars[0].driver, bars[1].driver) if len(bars) >= 2 else None
        return RangeReport(solver, result, fields, monte_carlo(built, draws, seed), bars, table, q)


def replicas_ranges(
    solve: Any, inputs: Mapping[str, Any], result: Any, quantiles: tuple[float, float]
) -> tuple[FieldRange, ...]:
    """``replicas`` and ``accelerators`` of a capacity plan at the quantiles: the plan of the
    traffic scaled by ``load.demand_factor`` (the throughput band), through the same facade."""
    b = band(LOAD_FAMILY)
    found = [demand_factor(x) for x in quantiles]
    factors = [f for f in found if f is not None]
    validated = len(factors) == len(found) and bool(result.estimate.feasible)
    plans = []
    why = ""
    if validated:
        rate = amount("arrival_rate", inputs["arrival_rate"], "1/s")
        plans = [solve(**{**inputs, "arrival_rate": rate * f}).estimate for f in factors]
        scaled = ", ".join(f"x{f:.3f}" for f in factors)
        why = f"capacity plans of the traffic scaled by the throughput band ({scaled}); "
    out = []
    for key in ("replicas", "accelerators"):
        low, high = (getattr(p, key) for p in plans) if plans else (None, None)
        out.append(
            FieldRange(
                key, result[key], low, high, quantiles, LOAD_FAMILY, b.cases, validated, why + b.provenance()
            )
        )
    return tuple(out)


def composite_range(
    solver: str, inputs: Mapping[str, Any], catalog: Any, draws: int = DEFAULT_DRAWS, seed: int = 0
) -> CompositeRange | None:
    """Only the Monte Carlo range of a finance solver's composite (no tornado): what a sweep row or
    a workbook row needs. None where ``composite_for`` gives none."""
    result = facade(solver, catalog)(**inputs)
    built = composite_for(solver, inputs, result, catalog)
    return None if built is None else monte_carlo(built, draws, seed)


def composite_for(solver: str, inputs: Mapping[str, Any], result: Any, catalog: Any) -> Composite | None:
    """The composite of a finance ``solver`` on the facade's ``inputs`` (None for other solvers,
    for an infeasible estimate, or when a price is missing: nothing is ranged around NaN)."""
    if solver not in COMPOSITE_SOLVERS or not getattr(result.estimate, "feasible", True):
        return None
    builder = _BUILDERS[solver]
    return builder(catalog, dict(inputs), result.estimate)


def _fleet_site(catalog: Any, i: dict[str, Any]) -> tuple[FleetSpec, Any, Any]:
    grid, facility = resolve_site(catalog, i.get("datacenter"), i.get("grid"))
    return catalog.spec("fleet", i["fleet"], FleetSpec), grid, facility


def _economics(catalog: Any, i: dict[str, Any], estimate: Any) -> Composite:
    fleet, grid, facility = _fleet_site(catalog, i)
    kwh = i.get("kwh_price")
    tariff = electricity_price(grid, None if kwh is None else amount("kwh_price", kwh, "USD/kWh"))
    price = estimate.purchase_price_usd / fleet.nodes
    days = amount("duration_days", i["duration_days"], "day")
    return tco_composite(
        fleet, days, tariff, facility.pue, price, i.get("utilization", 1.0), catalog.assumptions
    )


def _sustainability(catalog: Any, i: dict[str, Any], estimate: Any) -> Composite:
    fleet, grid, facility = _fleet_site(catalog, i)
    days = amount("duration_days", i["duration_days"], "day")
    return carbon_composite(
        fleet, days, grid.carbon_intensity, facility.pue, i.get("utilization", 1.0), catalog.assumptions
    )


def token_cost_inputs(catalog: Any, i: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved SI inputs of ``token_cost_composite`` (all but the assumptions) for the
    ``CostPerTokenModel`` inputs ``i``; raises what the facade raises, and InvalidInputError naming
    the constraint when the model does not fit."""
    from ..enums import Precision
    from ..hardware.types import HardwareSpec

    spec = transformer(catalog, i["model"], "RangesModel")
    device = catalog.spec("hardware", i["hardware"], HardwareSpec)
    kv = i.get("kv_precision")
    served = serving(
        spec,
        device,
        i["seq_len"],
        i.get("batch_size", 1),
        precision_for(device, i.get("precision")),
        catalog.assumptions,
        output_len=i.get("output_len", 128),
        tp=i.get("tp_size", 1),
        kv_precision=None if kv is None else Precision.parse(kv, "kv_precision"),
    )
    if not served.feasible:
        raise InvalidInputError("model", spec.name, f"does not fit: {served.constraint}")
    owned = rented = None
    if i.get("offer") is not None:
        chosen = rental(catalog, device, i["offer"], i.get("term", "on_demand"))
        rented = (chosen.rate, bool(chosen.term.bills_idle))
    else:
        share = node_share(catalog, device, i.get("node"), i.get("node_price"))
        tariff, facility = site_tariff(catalog, i.get("datacenter"), i.get("grid"), i.get("kwh_price"))
        owned = (share.price, share.power, tariff, facility.pue)
    return {
        "ttft": served.ttft,
        "itl": served.itl,
        "batch": i.get("batch_size", 1),
        "seq_len": i["seq_len"],
        "output_len": i.get("output_len", 128),
        "replicas": i.get("replicas", 1),
        "tp": i.get("tp_size", 1),
        "utilization": i.get("utilization", 1.0),
        "owned": owned,
        "rented": rented,
    }


def _token_cost(catalog: Any, i: dict[str, Any], estimate: Any) -> Composite:
    return token_cost_composite(a=catalog.assumptions, **token_cost_inputs(catalog, i))


def _owned_share(catalog: Any, i: dict[str, Any], fleet: FleetSpec) -> tuple[float, float, float, float]:
    price = i.get("node_price")
    node_id = i["fleet"] if not isinstance(i["fleet"], str) else catalog.get("fleet", i["fleet"]).node.id
    share = node_share_of(
        fleet.node, str(node_id), None if price is None else amount("node_price", price, "USD")
    )
    tariff, facility = site_tariff(catalog, i.get("datacenter"), i.get("grid"), i.get("kwh_price"))
    return share.price, share.power, tariff, facility.pue


def _run_cost(catalog: Any, i: dict[str, Any], estimate: Any) -> Composite:
    fleet = catalog.spec("fleet", i["fleet"], FleetSpec)
    seconds = estimate.wall_time_hours * 3600.0
    if i.get("offer") is not None:
        chosen = rental(catalog, fleet.accelerator, i["offer"], i.get("term", "on_demand"))
        return run_cost_composite(
            ideal_time=seconds, accelerators=fleet.accelerators, a=catalog.assumptions, rented=chosen.rate
        )
    return run_cost_composite(
        ideal_time=seconds,
        accelerators=fleet.accelerators,
        a=catalog.assumptions,
        owned=_owned_share(catalog, i, fleet),
    )


def _run(catalog: Any, i: dict[str, Any], estimate: Any) -> Composite | None:
    if estimate.cost_usd != estimate.cost_usd:  # unpriced run (NaN cost): nothing to range
        return None
    fleet = catalog.spec("fleet", i["fleet"], FleetSpec)
    a = catalog.assumptions
    if i.get("wall_days") is not None:  # a fixed wall time: its cost does not depend on the step
        return run_cost_composite(
            ideal_time=estimate.wall_time,
            accelerators=fleet.accelerators,
            a=a,
            owned=_owned_share(catalog, i, fleet),
        )
    restart = i.get("restart_time_s")
    return run_cost_composite(
        ideal_time=estimate.ideal_time,
        accelerators=fleet.accelerators,
        a=a,
        rates=fleet_failure_rates(fleet, a),
        checkpoint_time=estimate.checkpoint_write_time,
        restart_time=a.restart_time if restart is None else amount("restart_time_s", restart, "s"),
        owned=_owned_share(catalog, i, fleet),
    )


_BUILDERS = {
    "economics": _economics,
    "sustainability": _sustainability,
    "token_cost": _token_cost,
    "run_cost": _run_cost,
    "run": _run,
}
