"""Validated ranges of the headline fields of a result, from their family's band.

``FIELDS`` says which family speaks for which field of which result (the result class's name, so
results of every surface agree); a field of a family without enough cases gets a range that says
"no validated range" and holds no numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError
from ..names import closest
from .bands import CENTRAL, band, check_quantile
from .families import DURATION, RATE

__all__ = ["FIELDS", "FieldRange", "field_range", "ranged_fields"]

# result class -> field -> (family, orientation)
FIELDS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "ServingResult": {
        "ttft": ("ttft", DURATION),
        "itl": ("itl", DURATION),
        "e2e_latency": ("e2e", DURATION),
        "decode_tokens_per_s": ("itl", RATE),
    },
    "BatchingResult": {
        "ttft": ("ttft_at_load", DURATION),
        "itl": ("itl_at_load", DURATION),
        "requests_per_s": ("throughput_at_load", RATE),
        "output_tokens_per_s": ("throughput_at_load", RATE),
        "total_tokens_per_s": ("throughput_at_load", RATE),
        "output_tokens_per_s_per_accelerator": ("throughput_at_load", RATE),
    },
    "CapacityResult": {
        "ttft_percentile": ("ttft_at_load", DURATION),
        "itl_percentile": ("itl_at_load", DURATION),
    },
    "TrainingResult": {
        "step_latency_total": ("training_step", DURATION),
        "tokens_per_s": ("training_step", RATE),
        "tokens_per_s_per_gpu": ("training_step", RATE),
        "flops_per_gpu": ("training_step", RATE),
        "mfu": ("training_step", RATE),
    },
    "RunResult": {
        "step_time": ("training_step", DURATION),
        "tokens_per_s": ("training_step", RATE),
        "tokens_per_s_per_gpu": ("training_step", RATE),
        "mfu": ("training_step", RATE),
        "wall_time": ("run_time", DURATION),
        "run_days": ("run_time", DURATION),
        "accelerator_hours": ("run_time", DURATION),
        "energy": ("energy", DURATION),
        "expected_failures": ("failures", RATE),
    },
}


@dataclass(frozen=True, slots=True)
class FieldRange:
    """``value`` and its band (``low``/``high`` None when not validated), in the field's unit."""

    field: str
    value: Any
    low: Any
    high: Any
    quantiles: tuple[float, float]
    family: str
    cases: int
    validated: bool
    provenance: str


def ranged_fields(result_type: str) -> tuple[str, ...]:
    return tuple(FIELDS.get(result_type, {}))


def field_range(
    result_type: str, field: str, value: Any, quantiles: tuple[float, float] = CENTRAL
) -> FieldRange:
    """The band of ``field`` of a ``result_type`` whose point estimate is ``value`` (a float or a
    Quantity: the bounds keep its unit)."""
    fields = FIELDS.get(result_type, {})
    if field not in fields:
        raise InvalidInputError(
            "field",
            field,
            f"a field of {result_type} with a validated family: {', '.join(fields) or 'none'}"
            + (f" (closest: {', '.join(closest(field, fields))})" if closest(field, fields) else ""),
        )
    q_low, q_high = (check_quantile(q) for q in quantiles)
    if q_low >= q_high:
        raise InvalidInputError("quantiles", quantiles, "a lower quantile below an upper one")
    family, orientation = fields[field]
    b = band(family)
    low, high = b.factor(q_low, orientation), b.factor(q_high, orientation)
    validated = low is not None and high is not None
    return FieldRange(
        field,
        value,
        value * low if validated else None,
        value * high if validated else None,
        (q_low, q_high),
        family,
        b.cases,
        validated,
        b.provenance(),
    )
