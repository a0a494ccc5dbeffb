"""Estimate families: which validation metrics speak for which headline numbers.

A family groups the validation metrics that measure one kind of estimate. Each metric's residual
is taken as a *time ratio* ``measured / estimated`` for a duration (TTFT, step time, GPU-hours) and
``estimated / measured`` for a rate (tokens/s, TFLOP/s, images/s), so one family mixes both: a band
on the time scales a duration directly and a rate by its reciprocal (the ends swap).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DURATION", "FAMILIES", "RATE", "Family", "family_of_metric"]

DURATION = "duration"
RATE = "rate"


@dataclass(frozen=True, slots=True)
class Family:
    key: str
    title: str
    metrics: Mapping[str, str]  # validation metric -> DURATION or RATE


FAMILIES: Mapping[str, Family] = {
    f.key: f
    for f in (
        Family("ttft", "time to first token", {"ttft": DURATION}),
        Family("itl", "inter-token latency (decode step)", {"itl": DURATION}),
        Family("e2e", "end-to-end request latency", {"e2e": DURATION}),
        Family(
            "throughput_at_load",
            "token and request throughput of replicas under load (batched, continuous, pooled)",
            {
                "generation_tokens_per_s_per_gpu": RATE,
                "pool_tokens_per_s_per_node": RATE,
                "fleet_tokens_per_s": RATE,
                "requests_per_s": RATE,
            },
        ),
        Family("ttft_at_load", "time to first token at a request rate, queueing included", {}),
        Family("itl_at_load", "time per output token at a request rate", {"tpot": DURATION}),
        Family("capacity_at_slo", "requests per second within latency targets", {"slo_requests_per_s": RATE}),
        Family("spec_decoding", "speed-up from speculative decoding", {"spec_speedup": RATE}),
        Family(
            "cnn_inference",
            "CNN inference throughput and latency",
            {"images_per_s": RATE, "latency": DURATION},
        ),
        Family(
            "training_step",
            "training step time, throughput and MFU",
            {
                "tflops_per_gpu": RATE,
                "tokens_per_s_per_gpu": RATE,
                "step_time": DURATION,
                "training_images_per_s": RATE,
            },
        ),
        Family("run_time", "whole training run time", {"gpu_hours": DURATION, "training_days": DURATION}),
        Family(
            "failures",
            "failure rate and effective training time",
            {"failures_per_1000_node_days": RATE, "ettr": RATE},
        ),
        Family("energy", "energy of a run or deployment", {}),
    )
}


def family_of_metric(metric: str) -> tuple[str, str] | None:
    """(family key, orientation) of a validation metric, or None when no family claims it."""
    for family in FAMILIES.values():
        if metric in family.metrics:
            return family.key, family.metrics[metric]
    return None
