"""A whole training run: a token budget (or a number of steps, or a fixed wall time) on a fleet.

- Work: ``steps = ⌈tokens / (B·s)⌉`` optimizer steps of the layout (``distributed.layout_step``);
  the ideal time is ``steps × step time``.
- Failures and checkpoints (``reliability``): the fleet's failure rate by component, a checkpoint of
  weights and optimizer state written by every node in parallel, Daly's (2006) interval, and Daly's
  expected wall time ``T_wall = M·e^(R/M)·(e^((τ+δ)/M) − 1)·T/τ`` — linear in the work ``T``, so a
  fixed wall time buys ``T_wall / (T_wall/T)`` of work. Failures by component are counted over the
  wall time, during which the whole fleet is held.
- Energy over the wall time, on three bases: ``accelerator_energy`` (accelerator TDP × average power
  fraction), ``it_energy`` (node wall power × average power fraction: accelerators and host, no
  PUE) and ``facility_energy`` (IT energy × PUE, The Green Grid WP#49); ``energy`` is the facility
  figure and ``energy_basis`` says so.
- Cost and carbon of the fleet over the run's wall time (``price_run``, the one place a run is
  priced): every accelerator held for the wall time at the finance layer's owned accelerator-hour
  (``ownership.node_share_rate``: the node's price and wall power shared by its accelerators, CapEx
  over the amortisation period, maintenance, facility energy), which is the fleet's TCO for runs up to
  the amortisation period; carbon from the sustainability core. A rented run: ``RunCostModel``.
- ``compute_optimal``: the Chinchilla sizing of a FLOP budget ``C = 6·N·D`` at the compute-optimal
  ``D = r·N`` tokens per parameter (Hoffmann et al. 2022, Table 3): ``N = √(C / 6r)``.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..enums import Precision
from ..errors import InvalidInputError
from ..infra.types import DatacenterSpec, GridSpec
from ..models.types import TransformerSpec
from ..systems.types import FleetSpec
from . import transformer as tf
from .checks import non_negative, positive, whole
from .distributed import TrainingEstimate
from .economics import SECONDS_PER_DAY
from .ops import SCALAR
from .ownership import node_share_rate
from .power import it_energy
from .reliability import (
    FailureRates,
    checkpoint_bytes,
    fleet_failure_rates,
    reliability_core,
    storage_bandwidth,
)
from .run_cost import run_cost_core
from .run_layout import run_step
from .sustainability import sustainability_core

ENERGY_BASIS = "facility (node wall power × PUE)"
COST_BASIS = "owned: node share (amortised purchase, facility energy, maintenance) per accelerator-hour"
UNPRICED = "not priced"
_NAN = math.nan


class RunEstimate(NamedTuple):
    """Times in s, energy in J, money in USD, carbon in kg CO2e, sizes in B."""

    tokens: float
    steps: float
    step_time: float
    tokens_per_s: float
    tokens_per_s_per_gpu: float
    flops_per_gpu: float
    mfu: float
    ideal_time: float
    wall_time: float
    run_days: float
    goodput: float
    accelerators: int
    accelerator_hours: float
    fleet_mtbf: float
    expected_failures: float
    failures_gpu: float
    failures_memory: float
    failures_nic: float
    failures_host: float
    failures_network: float
    failures_software: float
    checkpoint_size: float
    checkpoint_write_time: float
    checkpoint_interval: float
    accelerator_energy: float
    it_energy: float
    facility_energy: float
    energy: float
    energy_basis: str
    cost_usd: float
    cost_per_accelerator_hour: float
    cost_basis: str
    carbon_kg: float
    memory_per_device: float
    layout: str
    feasible: bool
    constraint: str


class RunPrice(NamedTuple):
    cost_usd: float
    cost_per_accelerator_hour: float
    carbon_kg: float
    cost_basis: str


class Budget(NamedTuple):
    """Exactly one of: tokens to train on, optimizer steps, or wall time (s)."""

    tokens: float | None = None
    steps: float | None = None
    wall_time: float | None = None


class Site(NamedTuple):
    """Where the run happens and what a kWh costs (USD per J; None: the grid's price)."""

    grid: GridSpec
    datacenter: DatacenterSpec
    electricity_price: float | None = None
    node_price: float | None = None


def check_budget(tokens: Any = None, steps: Any = None, wall_days: Any = None) -> Budget:
    """The run's length from exactly one of ``tokens``, ``steps`` or ``wall_days``."""
    given = [
        name
        for name, value in (("tokens", tokens), ("steps", steps), ("wall_days", wall_days))
        if value is not None
    ]
    if len(given) != 1:
        raise InvalidInputError(
            "tokens",
            tokens,
            f"give exactly one of tokens, steps or wall_days (got {', '.join(given) or 'none'})",
        )
    if tokens is not None:
        return Budget(tokens=positive("tokens", tokens))
    if steps is not None:
        return Budget(steps=float(whole("steps", steps)))
    return Budget(wall_time=positive("wall_days", wall_days) * SECONDS_PER_DAY)


def training_run(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: int,
    seq_len: int,
    precision: Precision,
    budget: Budget,
    site: Site,
    a: Assumptions,
    *,
    layout: str | None = None,
    fixed: dict[str, Any] | None = None,
    restart_time: float | None = None,
    checkpoint_time: float | None = None,
) -> RunEstimate:
    """The run of ``budget`` with the layout ``run_layout`` chooses (a text, the ``fixed``
    degrees, or the search's best); a layout that does not fit in memory, or a search that finds
    none, gives a result with ``feasible=False``, its reason, and no times or costs (NaN).
    ``restart_time`` and ``checkpoint_time`` (s) replace the assumption's restart time and the
    write time the node's storage bandwidth gives."""
    step, why = run_step(model, fleet, batch, seq_len, precision, a, layout=layout, fixed=fixed or {})
    if step is None:
        return unfit_run(fleet.accelerators, why)
    restart = a.restart_time if restart_time is None else non_negative("restart_time_s", restart_time)
    write = None if checkpoint_time is None else positive("checkpoint_time_s", checkpoint_time)
    return run_from_step(
        model, fleet, int(batch), int(seq_len), precision, step, budget, site, a, restart, write
    )


def run_from_step(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: int,
    seq_len: int,
    precision: Precision,
    step: TrainingEstimate,
    budget: Budget,
    site: Site,
    a: Assumptions,
    restart: float,
    checkpoint_time: float | None = None,
) -> RunEstimate:
    """The run of a step that fits or not (module docstring)."""
    tokens_per_step = float(batch * seq_len)
    rates = fleet_failure_rates(fleet, a)
    size = checkpoint_bytes(model.parameters, tf.activation_bytes(precision.bytes_per_element), a)
    if checkpoint_time is None:
        write = size / (fleet.nodes * storage_bandwidth(fleet.node, a))
    else:
        write = checkpoint_time
    if not step.feasible:
        return unfit_run(
            fleet.accelerators,
            step.constraint,
            fleet_mtbf=1.0 / rates.total,
            checkpoint_size=size,
            checkpoint_write_time=write,
            memory_per_device=step.memory_per_device,
            layout=step.layout,
        )
    # Daly's wall time is linear in the work: the wall time of one second of work.
    unit = _unit_work(rates, write, restart)
    stretch = unit.expected_wall_time
    if budget.wall_time is not None:
        steps = math.floor(budget.wall_time / stretch / step.step_latency_total)
        if steps < 1:
            raise InvalidInputError(
                "wall_days",
                budget.wall_time / SECONDS_PER_DAY,
                "shorter than one step with its failure overhead",
            )
    elif budget.steps is not None:
        steps = int(budget.steps)
    else:
        steps = math.ceil(budget.tokens / tokens_per_step)  # type: ignore[operator]
    ideal = steps * step.step_latency_total
    wall = ideal * stretch
    n = fleet.accelerators
    price = price_run(fleet, wall / SECONDS_PER_DAY, site, a)
    it = it_energy(fleet.nodes, fleet.node.node_power, wall, a)
    return RunEstimate(
        tokens=steps * tokens_per_step,
        steps=float(steps),
        step_time=step.step_latency_total,
        tokens_per_s=step.tokens_per_s,
        tokens_per_s_per_gpu=step.tokens_per_s_per_gpu,
        flops_per_gpu=step.flops_per_gpu,
        mfu=step.mfu,
        ideal_time=ideal,
        wall_time=wall,
        run_days=wall / SECONDS_PER_DAY,
        goodput=1.0 / stretch,
        accelerators=n,
        accelerator_hours=n * wall / 3600.0,
        fleet_mtbf=unit.fleet_mtbf,
        expected_failures=wall * rates.total,
        failures_gpu=wall * rates.gpu,
        failures_memory=wall * rates.memory,
        failures_nic=wall * rates.nic,
        failures_host=wall * rates.host,
        failures_network=wall * rates.network,
        failures_software=wall * rates.software,
        checkpoint_size=size,
        checkpoint_write_time=write,
        checkpoint_interval=unit.optimal_checkpoint_interval,
        accelerator_energy=n * fleet.accelerator.tdp * a.average_power_fraction * wall,
        it_energy=it,
        facility_energy=it * site.datacenter.pue,
        energy=it * site.datacenter.pue,
        energy_basis=ENERGY_BASIS,
        cost_usd=price.cost_usd,
        cost_per_accelerator_hour=price.cost_per_accelerator_hour,
        cost_basis=price.cost_basis,
        carbon_kg=price.carbon_kg,
        memory_per_device=step.memory_per_device,
        layout=step.layout,
        feasible=True,
        constraint="",
    )


def price_run(fleet: FleetSpec, days: float, site: Site, a: Assumptions) -> RunPrice:
    """Cost and operational carbon of holding ``fleet`` for ``days``. Cost: every accelerator for the
    wall time at the owned accelerator-hour of its node share (``ownership.node_share_rate``:
    amortised purchase, maintenance, facility energy at the site's price; Barroso et al. 2018),
    which equals the economics TCO of the fleet for runs up to the amortisation period; carbon: the
    sustainability core. Without a node price or an electricity price the cost is NaN and
    ``cost_basis`` says which is missing; nothing is priced at zero."""
    carbon = sustainability_core(
        nodes=fleet.nodes,
        node_power=fleet.node.node_power,
        accelerators=fleet.accelerators,
        accelerator_tdp=fleet.accelerator.tdp,
        embodied_per_accelerator=0.0,
        days=days,
        carbon_intensity=site.grid.carbon_intensity,
        pue=site.datacenter.pue,
        wue=site.datacenter.wue,
        assumptions=a,
        ops=SCALAR,
    )
    node_price = fleet.node.price if site.node_price is None else site.node_price
    price = site.electricity_price if site.electricity_price is not None else site.grid.electricity_price
    if node_price is None or price is None:
        missing = (
            f"the catalog has no price for node {fleet.node.name} (node_price)"
            if node_price is None
            else f"the catalog has no electricity price for {site.grid.name} (kwh_price)"
        )
        return RunPrice(_NAN, _NAN, carbon.carbon_footprint_kg, f"{UNPRICED}: {missing}")
    # USD per busy accelerator-second, the finance layer's owned price
    rate = _share_rate(
        node_price, fleet.node.node_power, fleet.node.accelerators_per_node, price, site.datacenter.pue, a
    )
    money = run_cost_core(accelerators=fleet.accelerators, seconds=days * SECONDS_PER_DAY, rate=rate)
    return RunPrice(money.cost_usd, money.accelerator_hour_usd, carbon.carbon_footprint_kg, COST_BASIS)


@functools.lru_cache(maxsize=256)
def _unit_work(rates: FailureRates, write: float, restart: float) -> Any:
    """Daly's figures for one second of work (``reliability_core``), taken once per fleet, checkpoint
    and restart time (all hashed by value): every layout, batch and budget of a run on the fleet
    shares them."""
    return reliability_core(rates=rates, job=1.0, checkpoint=write, restart=restart, ops=SCALAR)


def _share_rate(
    node_price: float, node_power: float, per_node: int, price: float, pue: float, a: Assumptions
) -> float:
    """``ownership.node_share_rate``, taken once per node, site and assumptions."""
    key = (node_price, node_power, per_node, price, pue, id(a))
    hit = _RATES.get(key)
    if hit is None or hit[0] is not a:
        rate = node_share_rate(
            node_price=node_price,
            node_power=node_power,
            per_node=per_node,
            electricity_price=price,
            pue=pue,
            assumptions=a,
        )
        if len(_RATES) >= 256:
            _RATES.clear()
        hit = _RATES[key] = (a, rate)  # holding ``a`` keeps its identity from being reused
    return hit[1]


_RATES: dict[tuple[Any, ...], tuple[Assumptions, float]] = {}


def unfit_run(accelerators: int, constraint: str, **known: Any) -> RunEstimate:
    """A run whose layout does not fit: the reason, the figures that do not depend on a step
    (``known``: checkpoint size, fleet MTBF...), and NaN for every time, energy and cost."""
    fields: dict[str, Any] = dict.fromkeys(RunEstimate._fields, _NAN)
    fields.update(
        accelerators=accelerators, energy_basis=ENERGY_BASIS, cost_basis="", layout="", feasible=False
    )
    fields.update(constraint=constraint, **known)
    return RunEstimate(**fields)


class ComputeOptimal(NamedTuple):
    parameters: float
    tokens: float
    flops: float


def compute_optimal(flops: float, a: Assumptions) -> ComputeOptimal:
    """Chinchilla-optimal parameters and tokens for a training budget of ``flops`` FLOPs."""
    budget = positive("flops", flops)
    ratio = a.chinchilla_tokens_per_parameter
    parameters = math.sqrt(budget / (6.0 * ratio))
    return ComputeOptimal(parameters=parameters, tokens=ratio * parameters, flops=budget)
