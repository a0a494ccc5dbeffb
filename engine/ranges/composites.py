"""The composites whose ranges finance asks for, each one call of the existing array cores.

Every builder takes the resolved SI inputs of its facade (``mlsysim.api.ranges`` resolves names the
way the facades do) and returns a ``propagate.Composite``: the drivers present in the catalog's
``[spreads]`` and validated bands, and the core evaluated on them. Factor spreads multiply the
scenario's value; value spreads replace the assumption of their name; a band multiplies the time it
validates (TTFT and ITL for token prices, the step time for a run). Utilisation draws are capped at
1: a fleet cannot be busier than all the time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..assumptions import Assumptions
from ..solvers.economics import SECONDS_PER_DAY, economics_core
from ..solvers.ownership import owned_cost_core, rental_cost_core
from ..solvers.reliability import FailureRates, reliability_core
from ..solvers.sustainability import sustainability_core
from ..solvers.token_cost import serving_token_cost_core
from ..sweeps.gather import ARRAY
from ..systems.types import FleetSpec
from .bands import band
from .propagate import Composite, Driver, band_driver, spread_driver
from .spreads import VALUE

__all__ = [
    "carbon_composite",
    "node_share_tco_composite",
    "run_cost_composite",
    "site_carbon_composite",
    "tco_composite",
    "token_cost_composite",
]

_OWNED = (
    "node_price",
    "electricity_price",
    "pue",
    "average_power_fraction",
    "amortization_years",
    "maintenance_fraction_per_year",
)


def _drivers(
    a: Assumptions, names: tuple[str, ...], bands: Mapping[str, str] | None = None
) -> tuple[tuple[Driver, ...], str]:
    """Spread drivers for ``names`` present in ``a.spreads``, band drivers for ``bands`` (driver
    name -> family) that are validated; the note names the families left out."""
    out = [spread_driver(a.spreads[n]) for n in names if n in a.spreads]
    missing = []
    for name, family in (bands or {}).items():
        driver = band_driver(name, band(family), family)
        if driver is None:
            missing.append(band(family).provenance())
        else:
            out.append(driver)
    return tuple(out), "; ".join(missing)


def _factor(v: Mapping[str, Any], name: str) -> Any:
    return v.get(name, 1.0)


def _assumed(a: Assumptions, v: Mapping[str, Any]) -> Assumptions:
    """``a`` with each value spread's draws in place of its assumption."""
    changes = {n: v[n] for n, s in a.spreads.items() if s.basis == VALUE and n in v}
    return dataclasses.replace(a, **changes) if changes else a


def _busy(utilization: float, v: Mapping[str, Any]) -> Any:
    return np.minimum(utilization * _factor(v, "utilization"), 1.0)


def tco_composite(
    fleet: FleetSpec,
    days: float,
    electricity_price: float,
    pue: float,
    node_price: float,
    utilization: float,
    a: Assumptions,
) -> Composite:
    """TCO in USD of ``fleet`` for ``days`` (``economics.economics_core``)."""
    drivers, note = _drivers(a, ("utilization", *_OWNED))

    def evaluate(v: Mapping[str, Any]) -> Any:
        return economics_core(
            nodes=fleet.nodes,
            node_power=fleet.node.node_power,
            node_price=node_price * _factor(v, "node_price"),
            accelerators=fleet.accelerators,
            accelerator_tdp=fleet.accelerator.tdp,
            days=days,
            electricity_price=electricity_price * _factor(v, "electricity_price"),
            pue=pue * _factor(v, "pue"),
            assumptions=_assumed(a, v),
            ops=ARRAY,
            utilization=_busy(utilization, v),
        ).tco_usd

    return Composite("tco_usd", "USD", drivers, evaluate, note)


def carbon_composite(
    fleet: FleetSpec, days: float, carbon_intensity: float, pue: float, utilization: float, a: Assumptions
) -> Composite:
    """Operational carbon in kg CO2e of ``fleet`` for ``days`` (``sustainability_core``, facility
    energy × grid intensity; embodied carbon is not ranged)."""
    return _operational_carbon(
        (fleet.nodes, fleet.node.node_power, fleet.accelerators, fleet.accelerator.tdp),
        days,
        carbon_intensity,
        pue,
        utilization,
        a,
    )


def _operational_carbon(
    units: tuple[Any, Any, Any, Any],
    days: float,
    carbon_intensity: Any,
    pue: Any,
    utilization: Any,
    a: Assumptions,
) -> Composite:
    """The operational-carbon composite of ``units`` = (nodes, node power in W, accelerators,
    accelerator TDP in W)."""
    nodes, node_power, accelerators, tdp = units
    drivers, note = _drivers(a, ("utilization", "pue", "carbon_intensity", "average_power_fraction"))

    def evaluate(v: Mapping[str, Any]) -> Any:
        return sustainability_core(
            nodes=nodes,
            node_power=node_power,
            accelerators=accelerators,
            accelerator_tdp=tdp,
            embodied_per_accelerator=0.0,
            days=days,
            carbon_intensity=carbon_intensity * _factor(v, "carbon_intensity"),
            pue=pue * _factor(v, "pue"),
            wue=0.0,
            assumptions=_assumed(a, v),
            ops=ARRAY,
            utilization=_busy(utilization, v),
        ).operational_carbon_kg

    return Composite("operational_carbon_kg", "kg", drivers, evaluate, note)


def token_cost_composite(
    *,
    ttft: float,
    itl: float,
    batch: int,
    seq_len: int,
    output_len: int,
    replicas: int,
    tp: int,
    utilization: float,
    a: Assumptions,
    owned: tuple[float, float, float, float] | None = None,
    rented: tuple[float, bool] | None = None,
) -> Composite:
    """USD per million tokens (``token_cost.serving_token_cost_core``) of a deployment whose
    accelerators are ``owned`` (share price USD, share power W, tariff USD/J, PUE) or ``rented``
    (rate USD per accelerator-second, bills idle time); the serving model's TTFT and ITL scaled by
    their validated bands."""
    names = ("utilization", *_OWNED) if owned is not None else ("utilization", "rental_rate")
    drivers, note = _drivers(a, names, {"ttft_model": "ttft", "itl_model": "itl"})

    def evaluate(v: Mapping[str, Any]) -> Any:
        busy = _busy(utilization, v)
        if owned is not None:
            price, power, tariff, pue = owned
            rate = owned_cost_core(
                price=price * _factor(v, "node_price"),
                power=power,
                electricity_price=tariff * _factor(v, "electricity_price"),
                pue=pue * _factor(v, "pue"),
                utilization=busy,
                assumptions=_assumed(a, v),
            ).total
        else:
            assert rented is not None
            rate, _ = rental_cost_core(
                rate=rented[0] * _factor(v, "rental_rate"), bills_idle=float(rented[1]), utilization=busy
            )
        return serving_token_cost_core(
            ttft=ttft * _factor(v, "ttft_model"),
            itl=itl * _factor(v, "itl_model"),
            batch=batch,
            seq_len=seq_len,
            output_len=output_len,
            replicas=replicas,
            tp=tp,
            accelerator_cost_rate=rate,
            utilization=busy,
        ).cost_per_million_tokens_usd

    return Composite("cost_per_million_tokens_usd", "USD/Mtok", drivers, evaluate, note)


def run_cost_composite(
    *,
    ideal_time: float,
    accelerators: int,
    a: Assumptions,
    rates: FailureRates | None = None,
    checkpoint_time: float = 0.0,
    restart_time: float = 0.0,
    owned: tuple[float, float, float, float] | None = None,
    rented: float | None = None,
) -> Composite:
    """USD of holding ``accelerators`` for a run at the owned node-share rate (``owned``: share
    price, share power, tariff, PUE) or the ``rented`` rate. With failure ``rates`` (a training
    run) the time is the ideal time × the step time's validated band, stretched by failures and
    checkpoints (``reliability_core``); without them ``ideal_time`` is a given wall time."""
    names = ((*_OWNED,) if owned is not None else ("rental_rate",)) + (("failure_rate",) if rates else ())
    drivers, note = _drivers(a, names, {"step_model": "training_step"} if rates else {})

    def evaluate(v: Mapping[str, Any]) -> Any:
        wall: Any = ideal_time
        if rates is not None:
            scale = _factor(v, "failure_rate")
            scaled = FailureRates(*(r * scale for r in rates))
            stretch = reliability_core(
                rates=scaled, job=1.0, checkpoint=checkpoint_time, restart=restart_time, ops=ARRAY
            ).expected_wall_time
            wall = ideal_time * _factor(v, "step_model") * stretch
        if owned is not None:
            price, power, tariff, pue = owned
            rate = owned_cost_core(
                price=price * _factor(v, "node_price"),
                power=power,
                electricity_price=tariff * _factor(v, "electricity_price"),
                pue=pue * _factor(v, "pue"),
                utilization=1.0,
                assumptions=_assumed(a, v),
            ).per_busy_second
        else:
            assert rented is not None
            rate = rented * _factor(v, "rental_rate")
        return accelerators * wall * rate

    return Composite("cost_usd", "USD", drivers, evaluate, note)


def node_share_tco_composite(
    *,
    price: float,
    power: float,
    tariff: float,
    pue: float,
    accelerators: float,
    days: float,
    utilization: float,
    a: Assumptions,
) -> Composite:
    """USD of owning ``accelerators`` node shares (share price USD, share power W) for ``days``
    at ``utilization`` (``ownership.owned_cost_core``: CapEx over the amortisation period,
    maintenance, energy), the serving rows' TCO; equal to the economics TCO within the amortisation
    period."""
    drivers, note = _drivers(a, ("utilization", *_OWNED))

    def evaluate(v: Mapping[str, Any]) -> Any:
        per_second = owned_cost_core(
            price=price * _factor(v, "node_price"),
            power=power,
            electricity_price=tariff * _factor(v, "electricity_price"),
            pue=pue * _factor(v, "pue"),
            utilization=_busy(utilization, v),
            assumptions=_assumed(a, v),
        ).total
        return accelerators * per_second * days * SECONDS_PER_DAY

    return Composite("tco_usd", "USD", drivers, evaluate, note)


def site_carbon_composite(
    *,
    power: Any,
    carbon_intensity: Any,
    pue: Any,
    days: float,
    utilization: Any,
    a: Assumptions,
) -> Composite:
    """Operational carbon in kg CO2e of ``power`` W of node wall power at a site for ``days``
    (``sustainability_core`` on one unit: IT energy at the load fraction × PUE × grid intensity),
    the carbon of a row priced as node shares."""
    return _operational_carbon((1.0, power, 1.0, power), days, carbon_intensity, pue, utilization, a)
