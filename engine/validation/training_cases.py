"""The training, whole-run, failure and CNN-training metrics of the validation cases.

Each metric names the unit its measurements are published in, the inputs a case must give and the
inputs it may add; ``ESTIMATES`` computes it from the pure solvers every surface uses:

    tokens_per_s_per_gpu, step_time   one step of the layout given (``distributed.training_step``)
    gpu_hours                         a whole run of ``tokens`` (``training_run.training_run``):
                                      steps stretched by failures, restarts and checkpoints
    failures_per_1000_node_days       one node's failure rate, all components (``reliability``)
    ettr                              productive share of a job of ``days`` on ``gpus``: Daly's
                                      goodput with the checkpoint the model's state gives
    training_images_per_s             one CNN training step (``roofline(training=True)``)

A case describes the hardware measured with a catalog ``node`` and ``fabric`` and, where the machine
differs from the catalog entry, ``accelerator`` (another catalog accelerator in the node),
``scale_up_bandwidth`` (GB/s, aggregate bidirectional, e.g. H800's 400) and ``fabric_bandwidth``
(Gbit/s per accelerator).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..assumptions import Assumptions
from ..enums import Precision
from ..errors import CatalogError
from ..solvers import transformer as tf
from ..solvers.distributed import TrainingEstimate, training_step
from ..solvers.ops import SCALAR
from ..solvers.reliability import (
    accelerator_memory_mtbf,
    checkpoint_bytes,
    failure_rates,
    fleet_failure_rates,
    reliability_core,
    storage_bandwidth,
)
from ..solvers.roofline import roofline
from ..solvers.run_layout import DEGREES
from ..solvers.training_run import Site, check_budget, training_run
from ..systems.types import FleetSpec

if TYPE_CHECKING:
    from .cases import Case
    from .estimate import Estimator

_SECONDS_PER_DAY = 86400.0
_GB, _GBIT = 1e9, 1e9 / 8.0

# What a case gives to place a job on hardware, and what it may add where the machine measured
# differs from the catalog entry.
_FLEET = frozenset({"model", "node", "fabric", "gpus", "precision"})
_HARDWARE = frozenset({"accelerator", "scale_up_bandwidth", "fabric_bandwidth"})
STEP = _FLEET | {"batch", "seq_len", "tp", "pp", "microbatch_size", "interleave", "zero_stage", "recompute"}
STEP_OPTIONAL = _HARDWARE | {"cp", "ep", "overlap_grad_reduce"}
_RUN = _FLEET | {"batch", "seq_len", "tokens"}
_RUN_OPTIONAL = _HARDWARE | frozenset(DEGREES) | {"layout"}
_FAILURES = frozenset({"node"})
_ETTR = _FLEET | {"days"}
_CNN = frozenset({"model", "hardware", "precision", "batch"})

# metric -> (unit of the measured value, inputs it takes, inputs it may add)
METRICS: Mapping[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "tokens_per_s_per_gpu": ("tokens/s", STEP, STEP_OPTIONAL),
    "step_time": ("s", STEP, STEP_OPTIONAL),
    "gpu_hours": ("GPU-h", _RUN, _RUN_OPTIONAL),
    "failures_per_1000_node_days": ("per 1000 node-days", _FAILURES, frozenset()),
    "ettr": ("%", _ETTR, _HARDWARE),
    "training_images_per_s": ("images/s", _CNN, frozenset()),
}


def fleet(e: Estimator, case: Case) -> FleetSpec:
    """The case's ``gpus`` accelerators as whole catalog nodes on its fabric, with the hardware
    overrides it gives."""
    i = case.inputs
    node = e.catalog.get("node", i["node"]).spec
    if "accelerator" in i:
        node = dataclasses.replace(node, accelerator=e.catalog.get("hardware", i["accelerator"]).spec)
    if "scale_up_bandwidth" in i:
        hw = dataclasses.replace(node.accelerator, scale_up_bandwidth=i["scale_up_bandwidth"] * _GB)
        node = dataclasses.replace(node, accelerator=hw)
    fabric = e.catalog.get("fabric", i["fabric"]).spec
    if "fabric_bandwidth" in i:
        fabric = dataclasses.replace(fabric, bandwidth_per_accelerator=i["fabric_bandwidth"] * _GBIT)
    gpus, per_node = i["gpus"], node.accelerators_per_node
    if gpus % per_node:
        raise CatalogError(
            f"{e.cases.path} ({case.id})",
            f"gpus={gpus} is not a whole number of {node.name} nodes ({per_node} each)",
        )
    return FleetSpec(f"{gpus}x {node.name}", node, gpus // per_node, fabric)


def step(e: Estimator, case: Case, a: Assumptions) -> TrainingEstimate:
    """One optimizer step of the case's layout."""
    i = case.inputs
    return training_step(
        e.transformer(i["model"]),
        fleet(e, case),
        i["batch"],
        Precision.parse(i["precision"]),
        a,
        tp=i["tp"],
        pp=i["pp"],
        cp=i.get("cp", 1),
        ep=i.get("ep", 1),
        microbatch_size=i["microbatch_size"],
        seq_len=i["seq_len"],
        zero_stage=i["zero_stage"],
        recompute=i["recompute"],
        interleave=i["interleave"],
        overlap_grad_reduce=i.get("overlap_grad_reduce", False),
    )


def _feasible(case: Case, estimate: Any) -> Any:
    if not estimate.feasible:
        raise CatalogError(case.id, f"the case's layout does not fit: {estimate.constraint}")
    return estimate


# A step's times do not depend on the memory verdict: a measured layout the memory model puts
# over the device's capacity (its case says so) is timed all the same.
def _tokens_per_s_per_gpu(e: Estimator, case: Case, a: Assumptions) -> float:
    return step(e, case, a).tokens_per_s_per_gpu


def _step_time(e: Estimator, case: Case, a: Assumptions) -> float:
    return step(e, case, a).step_latency_total


def _gpu_hours(e: Estimator, case: Case, a: Assumptions) -> float:
    from ..api.site import resolve_site  # the run's default site; it does not change GPU-hours

    i = case.inputs
    grid, facility = resolve_site(e.catalog)
    run = training_run(
        e.transformer(i["model"]),
        fleet(e, case),
        i["batch"],
        i["seq_len"],
        Precision.parse(i["precision"]),
        check_budget(tokens=i["tokens"]),
        Site(grid, facility),
        a,
        layout=i.get("layout"),
        fixed={name: i[name] for name in DEGREES if name in i},
    )
    return _feasible(case, run).accelerator_hours


def _failures_per_1000_node_days(e: Estimator, case: Case, a: Assumptions) -> float:
    node = e.catalog.get("node", case.inputs["node"]).spec
    rates = failure_rates(
        accelerators=node.accelerators_per_node,
        nodes=1,
        nics_per_node=node.nics_per_node,
        memory_mtbf=accelerator_memory_mtbf(node, a),
        a=a,
    )
    return rates.total * _SECONDS_PER_DAY * 1000.0


def _ettr(e: Estimator, case: Case, a: Assumptions) -> float:
    i = case.inputs
    f = fleet(e, case)
    wide = tf.activation_bytes(Precision.parse(i["precision"]).bytes_per_element)
    size = checkpoint_bytes(e.transformer(i["model"]).parameters, wide, a)
    write = size / (f.nodes * storage_bandwidth(f.node, a))
    job = i["days"] * _SECONDS_PER_DAY
    unit = reliability_core(
        rates=fleet_failure_rates(f, a), job=job, checkpoint=write, restart=a.restart_time, ops=SCALAR
    )
    return unit.goodput * 100.0


def _training_images_per_s(e: Estimator, case: Case, a: Assumptions) -> float:
    i = case.inputs
    return roofline(
        e.model(i["model"]),
        e.catalog.get("hardware", i["hardware"]).spec,
        i["batch"],
        Precision.parse(i["precision"]),
        a,
        training=True,
    ).throughput


ESTIMATES: dict[str, Callable[[Estimator, Case, Assumptions], float]] = {
    "tokens_per_s_per_gpu": _tokens_per_s_per_gpu,
    "step_time": _step_time,
    "gpu_hours": _gpu_hours,
    "failures_per_1000_node_days": _failures_per_1000_node_days,
    "ettr": _ettr,
    "training_images_per_s": _training_images_per_s,
}

__all__ = ["ESTIMATES", "METRICS", "STEP", "STEP_OPTIONAL", "fleet", "step"]
