"""Roofline functions: one pass of a model on one accelerator (``mlsysim.solvers.roofline``,
Williams et al. 2009), as ``Engine.solve`` computes it."""

from __future__ import annotations

from typing import Any

from mlsysim.enums import Precision
from mlsysim.solvers.roofline import RooflineEstimate, roofline

from . import resolve
from .arguments import BATCH, HW, MODEL, PRECISION, UNIT
from .function import feasibility_gated

ARGS = (MODEL, HW, BATCH, PRECISION)


@resolve.cached(maxsize=16384)
def estimate(model: Any, hw: Any, batch: float, precision: str | None) -> RooflineEstimate:
    hardware = resolve.spec("hardware", hw)
    p = Precision.parse(precision) if precision else hardware.default_precision
    return roofline(resolve.spec("model", model), hardware, batch, p, resolve.catalog().assumptions)


_define = feasibility_gated("Roofline", estimate, ARGS, UNIT)


FUNCTIONS = (
    _define(
        "MLSYS_LATENCY",
        lambda e: e.latency,
        "number",
        "ms",
        "Latency of one forward pass of the batch (roofline: max of compute and memory time, plus "
        "per-kernel launch overhead).",
        si_unit="s",
    ),
    _define(
        "MLSYS_THROUGHPUT",
        lambda e: e.throughput,
        "number",
        "1/s",
        "Samples per second (batch / latency).",
        si_unit="1/s",
        label="samples/s",
    ),
    _define(
        "MLSYS_BOTTLENECK",
        lambda e: e.bottleneck.value,
        "text",
        "",
        'Which roofline ceiling bounds the pass: "Compute" or "Memory".',
    ),
    _define(
        "MLSYS_MFU",
        lambda e: e.mfu,
        "number",
        "",
        "Model FLOPs utilisation: achieved FLOP/s over the device's peak at this precision.",
    ),
    _define(
        "MLSYS_INTENSITY",
        lambda e: e.arithmetic_intensity,
        "number",
        "FLOP/B",
        "Arithmetic intensity of the pass (FLOPs per byte moved); compare with the device's ridge point.",
        gated=False,
        si_unit="FLOP/B",
    ),
    _define(
        "MLSYS_ENERGY",
        lambda e: e.energy,
        "number",
        "J",
        "Energy of one pass on the device (TDP × average load × latency).",
        si_unit="J",
    ),
)
