"""Serving at load: ``ContinuousBatchingModel().solve`` (one replica under in-flight batching) and
``ServingCapacityModel().solve`` (replicas and accelerators for a traffic forecast within latency
targets). Lengths are ``prompt_len``/``output_len`` (every request the same) or a ``workload``: a
profile name (``"chat"``, ``"code"``, ``"summarization"``, ``"sharegpt"``) or rows of
(prompt, output, weight).
"""

from __future__ import annotations

import math
from typing import Any

from ..enums import Precision
from ..errors import InvalidInputError
from ..hardware.types import HardwareSpec
from ..solvers.capacity import Targets
from ..solvers.serving_load import (
    check_lengths,
    continuous_batching,
    disaggregated_capacity,
    engine_limits,
    serving_capacity,
)
from ..solvers.serving_setup import features, replica
from ..systems.types import FabricSpec
from ..workloads import Workload, as_workload, check_percentile, fixed, length_stats
from .resolve import Facade, amount, precision_for, transformer
from .result import Result

_TIMES = ("ttft", "itl", "e2e")


class BatchingResult(Result):
    _UNITS = {  # noqa: RUF012
        **{f"{t}{suffix}": "s" for t in _TIMES for suffix in ("", "_p50", "_p90", "_p99")},
        "e2e_latency": "s",
        "requests_per_s": "1/s",
        "output_tokens_per_s": "1/s",
        "input_tokens_per_s": "1/s",
        "total_tokens_per_s": "1/s",
        "output_tokens_per_s_per_accelerator": "1/s",
        "total_tokens_per_s_per_accelerator": "1/s",
        "kv_cache_memory": "B",
        "weights_memory": "B",
        "memory_per_device": "B",
    }


class CapacityResult(Result):
    _UNITS = {  # noqa: RUF012
        "requests_per_s": "1/s",
        "output_tokens_per_s": "1/s",
        "input_tokens_per_s": "1/s",
        "ttft": "s",
        "ttft_percentile": "s",
        "itl": "s",
        "itl_percentile": "s",
        "e2e_latency": "s",
        "e2e_percentile": "s",
        "queue_wait_percentile": "s",
        "kv_transfer": "s",
    }


class _Setup:
    """What both facades resolve: the model, the replica, the lengths and the features."""

    __slots__ = ("budget", "cap", "device", "features", "model", "precision", "replica", "stats")

    def __init__(
        self, facade: Facade, model: Any, hardware: Any, kw: dict[str, Any], percentile: float
    ) -> None:
        catalog = facade.catalog
        self.model = transformer(catalog, model, type(facade).__name__)
        self.device = catalog.spec("hardware", hardware, HardwareSpec)
        precision = precision_for(self.device, kw["precision"])
        self.precision = precision
        fabric = kw["fabric"]
        self.replica = replica(
            self.model,
            self.device,
            precision,
            catalog.assumptions,
            weight_precision=_precision(kw["weight_precision"], "weight_precision"),
            kv_precision=_precision(kw["kv_precision"], "kv_precision"),
            tp=kw["tp_size"],
            pp=kw["pp_size"],
            ep=kw["ep_size"],
            fabric=None if fabric is None else catalog.spec("fabric", fabric, FabricSpec),
        )
        draft = kw["draft_model"]
        self.features = features(
            prefix_hit=kw["prefix_cache_hit"],
            draft=None if draft is None else transformer(catalog, draft, "draft_model"),
            draft_tokens=kw["draft_tokens"],
            acceptance=kw["acceptance_rate"],
            model=self.model,
        )
        lengths = _workload(catalog, kw["workload"], kw["prompt_len"], kw["output_len"])
        check_lengths(self.model, lengths)
        self.stats = length_stats(lengths, percentile)
        self.budget, self.cap = engine_limits(catalog.assumptions, kw["token_budget"], kw["max_concurrency"])


def _workload(catalog: Any, workload: Any, prompt_len: Any, output_len: Any) -> Workload:
    if workload is not None:
        if prompt_len is not None or output_len is not None:
            raise InvalidInputError(
                "workload", workload, "give a workload or prompt_len/output_len, not both"
            )
        return as_workload(workload, catalog)
    if prompt_len is None or output_len is None:
        raise InvalidInputError(
            "prompt_len" if prompt_len is None else "output_len",
            None,
            "give prompt_len and output_len (tokens), or a workload profile",
        )
    return fixed(prompt_len, output_len)


def _precision(value: Any, argument: str) -> Precision | None:
    return None if value is None else Precision.parse(value, argument)


def _seconds(argument: str, value: Any) -> float:
    if value is None:
        return math.inf
    seconds = amount(argument, value, "s")
    if not (seconds > 0 and math.isfinite(seconds)):
        raise InvalidInputError(argument, value, "expected a positive time (s, or a Quantity such as 40 ms)")
    return seconds


class ContinuousBatchingModel(Facade):
    """One replica under continuous (in-flight) batching with chunked prefill, in steady state."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        hardware: Any,
        prompt_len: int | None = None,
        output_len: int | None = None,
        *,
        workload: Any = None,
        concurrency: int | str = "max",
        precision: str | Precision | None = None,
        weight_precision: str | Precision | None = None,
        kv_precision: str | Precision | None = None,
        tp_size: int = 1,
        pp_size: int = 1,
        ep_size: int = 1,
        fabric: Any = None,
        token_budget: int | None = None,
        max_concurrency: int | None = None,
        prefix_cache_hit: float = 0.0,
        draft_model: Any = None,
        draft_tokens: int = 0,
        acceptance_rate: float | None = None,
    ) -> BatchingResult:
        """TTFT, ITL and their P50/P90/P99, throughput, KV blocks and memory of one replica of
        ``tp_size × pp_size × ep_size`` devices running ``concurrency`` requests ("max": the most
        that fit)."""
        setup = _Setup(self, model, hardware, dict(locals()), 0.99)
        estimate = continuous_batching(
            setup.model,
            setup.replica,
            setup.stats,
            self.catalog.assumptions,
            setup.features,
            concurrency=concurrency,
            budget=setup.budget,
            cap=setup.cap,
            hardware_name=setup.device.name,
        )
        return BatchingResult(estimate)


class ServingCapacityModel(Facade):
    """Replicas (and accelerators) that serve a traffic forecast within latency targets."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        hardware: Any,
        arrival_rate: Any,
        prompt_len: int | None = None,
        output_len: int | None = None,
        *,
        workload: Any = None,
        ttft_target: Any = None,
        itl_target: Any = None,
        e2e_target: Any = None,
        percentile: float = 0.99,
        precision: str | Precision | None = None,
        weight_precision: str | Precision | None = None,
        kv_precision: str | Precision | None = None,
        tp_size: int = 1,
        pp_size: int = 1,
        ep_size: int = 1,
        fabric: Any = None,
        token_budget: int | None = None,
        max_concurrency: int | None = None,
        prefix_cache_hit: float = 0.0,
        draft_model: Any = None,
        draft_tokens: int = 0,
        acceptance_rate: float | None = None,
        disaggregated: bool = False,
        prefill_hardware: Any = None,
        prefill_tp_size: int | None = None,
        kv_fabric: Any = None,
    ) -> CapacityResult:
        """``arrival_rate`` requests/s (a number or a Quantity) with targets on TTFT, ITL and
        end-to-end latency (seconds or Quantities; None: no target) at ``percentile`` (0.99: P99).

        ``disaggregated=True`` (or a ``prefill_hardware``/``prefill_tp_size``) serves prompts on a
        separate prefill pool and moves each KV cache to a decode replica over ``kv_fabric`` (a
        catalog fabric; None: the prefill device's scale-up link)."""
        q = check_percentile(percentile)
        rate = amount("arrival_rate", arrival_rate, "1/s")
        targets = Targets(
            ttft=_seconds("ttft_target", ttft_target),
            itl=_seconds("itl_target", itl_target),
            e2e=_seconds("e2e_target", e2e_target),
            percentile=q,
        )
        setup = _Setup(self, model, hardware, dict(locals()), q)
        if disaggregated or prefill_hardware is not None or prefill_tp_size is not None:
            return CapacityResult(
                self._disaggregated(
                    setup, rate, targets, prefill_hardware, prefill_tp_size, kv_fabric, dict(locals())
                )
            )
        estimate = serving_capacity(
            setup.model,
            setup.replica,
            setup.stats,
            self.catalog.assumptions,
            setup.features,
            arrival_rate=rate,
            targets=targets,
            budget=setup.budget,
            cap=setup.cap,
            hardware_name=setup.device.name,
        )
        return CapacityResult(estimate)

    def _disaggregated(
        self,
        setup: _Setup,
        rate: float,
        targets: Targets,
        prefill_hardware: Any,
        prefill_tp_size: Any,
        kv_fabric: Any,
        kw: dict[str, Any],
    ) -> Any:
        catalog = self.catalog
        a = catalog.assumptions
        device = (
            setup.device
            if prefill_hardware is None
            else catalog.spec("hardware", prefill_hardware, HardwareSpec)
        )
        prefill = replica(
            setup.model,
            device,
            precision_for(device, kw["precision"]),
            a,
            weight_precision=_precision(kw["weight_precision"], "weight_precision"),
            kv_precision=_precision(kw["kv_precision"], "kv_precision"),
            tp=kw["tp_size"] if prefill_tp_size is None else prefill_tp_size,
            pp=kw["pp_size"],
            ep=kw["ep_size"],
        )
        if kv_fabric is None:
            bandwidth = (device.scale_up_bandwidth or math.inf) / 2.0 * a.scale_up_efficiency
            latency = a.scale_up_latency
        else:
            link = catalog.spec("fabric", kv_fabric, FabricSpec)
            bandwidth, latency = link.bandwidth_per_accelerator * a.scale_out_efficiency, link.latency
        return disaggregated_capacity(
            setup.model,
            prefill,
            setup.replica,
            setup.stats,
            a,
            setup.features,
            arrival_rate=rate,
            targets=targets,
            budget=setup.budget,
            cap=setup.cap,
            transfer_bandwidth=bandwidth,
            transfer_latency=latency,
            hardware_name=setup.device.name,
        )


__all__ = ["BatchingResult", "CapacityResult", "ContinuousBatchingModel", "ServingCapacityModel"]
