"""A case's engine estimate, in the unit its source publishes, from the pure solvers.

The same solvers, catalog entries and assumptions every other path uses; the only conversions are
to the published unit (ms, images/s, days) and, for Megatron-LM's throughput, to the paper's own FLOP
count (``megatron.iteration_flops``) divided by the engine's step time and the number of GPUs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from ..assumptions import Assumptions
from ..catalog_loader import Catalog
from ..enums import Precision
from ..errors import CatalogError
from ..models.types import CNNSpec, TransformerSpec
from ..solvers.batching import Features, concurrency_at_rate, cycle_model, load
from ..solvers.capacity import Targets, capacity_core
from ..solvers.decode_step import iteration_time
from ..solvers.distributed import TrainingEstimate, training_step
from ..solvers.ops import SCALAR
from ..solvers.roofline import roofline
from ..solvers.serving import ServingEstimate, serving
from ..solvers.serving_load import continuous_batching
from ..solvers.serving_setup import features, replica
from ..systems.types import FleetSpec
from ..workloads import fixed, length_stats
from .cases import Case, CaseSet
from .megatron import iteration_flops

_SECONDS_PER_DAY = 86400.0


class Estimator:
    """Resolves a case's inputs against a catalog and the paper shapes of a case set."""

    def __init__(self, cases: CaseSet, catalog: Catalog) -> None:
        self.cases = cases
        self.catalog = catalog

    def __call__(self, case: Case, assumptions: Assumptions) -> float:
        """The engine's value for ``case`` under ``assumptions``, in ``case.unit``."""
        return _METRICS[case.metric](self, case, assumptions)

    def model(self, name: str) -> TransformerSpec | CNNSpec:
        if name in self.cases.models:
            return self.cases.models[name].spec
        return self.catalog.get("model", name).spec

    def transformer(self, name: str) -> TransformerSpec:
        spec = self.model(name)
        if not isinstance(spec, TransformerSpec):
            raise CatalogError(self.cases.path, f"model {name!r} is not a transformer")
        return spec

    def serving(self, case: Case, a: Assumptions) -> ServingEstimate:
        i = case.inputs
        hardware = self.catalog.get("hardware", i["hardware"]).spec
        if "scale_up_topology" in i:
            hardware = dataclasses.replace(hardware, scale_up_topology=i["scale_up_topology"])
        return serving(
            self.transformer(i["model"]),
            hardware,
            i["seq_len"],
            1,
            Precision.parse(i["precision"]),
            a,
            output_len=i["output_len"],
            tp=i["tp"],
            runtime=i["runtime"],
        )

    def static_batch(self, case: Case, a: Assumptions) -> ServingEstimate:
        """``batch`` prompts prefilled together, then ``output_len - 1`` decode iterations."""
        i = case.inputs
        hardware = self.catalog.get("hardware", i["hardware"]).spec
        if "scale_up_topology" in i:
            hardware = dataclasses.replace(hardware, scale_up_topology=i["scale_up_topology"])
        return serving(
            self.transformer(i["model"]),
            hardware,
            i["seq_len"],
            i["batch"],
            Precision.parse(i["precision"]),
            a,
            output_len=i["output_len"],
            tp=i["tp"],
            kv_precision=Precision.parse(i["kv_precision"], "kv_precision"),
            runtime=i["runtime"],
        )

    def at_load(self, case: Case, a: Assumptions, f: Features | None = None, concurrency: object = "max"):
        """One replica of the case under continuous batching (``serving_load``)."""
        i = case.inputs
        model = self.transformer(i["model"])
        device = self.catalog.get("hardware", i["hardware"]).spec
        if "scale_up_topology" in i:
            device = dataclasses.replace(device, scale_up_topology=i["scale_up_topology"])
        r = replica(model, device, Precision.parse(i["precision"]), a, tp=i["tp"], runtime=i["runtime"])
        s = length_stats(fixed(i["prompt_len"], i["output_len"]))
        return (
            model,
            r,
            s,
            continuous_batching(
                model,
                r,
                s,
                a,
                f or features(),
                concurrency=concurrency,
                budget=a.prefill_token_budget,
                cap=float(i["max_concurrency"]),
                hardware_name=device.name,
            ),
        )

    def roofline_pass(self, case: Case, a: Assumptions):
        i = case.inputs
        return roofline(
            self.model(i["model"]),
            self.catalog.get("hardware", i["hardware"]).spec,
            i["batch"],
            Precision.parse(i["precision"]),
            a,
        )

    def training(self, case: Case, a: Assumptions) -> TrainingEstimate:
        i = case.inputs
        node = self.catalog.get("node", i["node"]).spec
        fabric = self.catalog.get("fabric", i["fabric"]).spec
        gpus, tp, pp, micro = i["gpus"], i["tp"], i["pp"], i["microbatch_size"]
        if gpus % node.accelerators_per_node:
            raise CatalogError(
                f"{self.cases.path} ({case.id})",
                f"gpus={gpus} is not a whole number of {node.name} nodes ({node.accelerators_per_node} each)",
            )
        fleet = FleetSpec(f"{gpus}x {node.name}", node, gpus // node.accelerators_per_node, fabric)
        data_parallel = gpus // (tp * pp)
        return training_step(
            self.transformer(i["model"]),
            fleet,
            i["batch"],
            Precision.parse(i["precision"]),
            a,
            tp=tp,
            pp=pp,
            microbatches=i["batch"] // (data_parallel * micro),
            seq_len=i["seq_len"],
            zero_stage=i["zero_stage"],
            recompute=i["recompute"],
            interleave=i["interleave"],
        )


def _tflops_per_gpu(e: Estimator, case: Case, a: Assumptions) -> float:
    i = case.inputs
    m = e.transformer(i["model"])
    flops = iteration_flops(i["batch"], i["seq_len"], m.layers, m.hidden_size, m.vocab_size)
    return flops / e.training(case, a).step_latency_total / i["gpus"] / 1e12


def _tokens_per_s_per_gpu(e: Estimator, case: Case, a: Assumptions) -> float:
    """Generated tokens of the whole batch over its prefill and decode time, per GPU."""
    i = case.inputs
    return i["batch"] * i["output_len"] / e.static_batch(case, a).e2e_latency / i["tp"]


def _tpot(e: Estimator, case: Case, a: Assumptions) -> float:
    """Mean time per output token at the case's Poisson arrival rate on one replica: the running
    concurrency at which the replica finishes that rate (Little's law)."""
    model, r, s, at_max = e.at_load(case, a)
    f = features()
    c = cycle_model(model, r, s, a, SCALAR, f)
    n = concurrency_at_rate(
        c,
        s,
        SCALAR,
        f,
        rate=case.inputs["arrival_rate"],
        top=at_max.concurrency,
        budget=a.prefill_token_budget,
    )
    return load(c, s, SCALAR, f, n=n, budget=a.prefill_token_budget).itl * 1e3


def _fleet_tokens_per_s(e: Estimator, case: Case, a: Assumptions) -> float:
    """Input plus output tokens/s of ``replicas`` data-parallel replicas at their maximum
    concurrency, with the case's prefix-cache hit rate."""
    hit = features(prefix_hit=case.inputs["prefix_cache_hit"])
    return e.at_load(case, a, hit)[3].total_tokens_per_s * case.inputs["replicas"]


def _spec_speedup(e: Estimator, case: Case, a: Assumptions) -> float:
    """Output tokens/s with speculative decoding over without, at the case's concurrency."""
    i = case.inputs
    spec = features(draft_tokens=i["draft_tokens"], acceptance=i["acceptance_rate"])
    faster = e.at_load(case, a, spec, i["concurrency"])[3].output_tokens_per_s
    return faster / e.at_load(case, a, None, i["concurrency"])[3].output_tokens_per_s


def _slo_requests_per_s(e: Estimator, case: Case, a: Assumptions) -> float:
    """Requests/s one replica finishes at the largest concurrency whose TTFT and ITL quantiles meet
    the case's targets (``capacity``; no waiting for a slot)."""
    i = case.inputs
    model, r, s, _ = e.at_load(case, a)
    s = length_stats(fixed(i["prompt_len"], i["output_len"]), i["percentile"])
    targets = Targets(ttft=i["ttft_target"], itl=i["itl_target"], e2e=math.inf, percentile=i["percentile"])
    estimate = capacity_core(
        model,
        r,
        s,
        a,
        SCALAR,
        features(),
        arrival_rate=1e-9,
        targets=targets,
        budget=a.prefill_token_budget,
        cap=float(i["max_concurrency"]),
    )
    return estimate.requests_per_s


def _pool_tokens_per_s_per_node(e: Estimator, case: Case, a: Assumptions) -> float:
    """Tokens/s per node of one pool of a prefill/decode-disaggregated deployment, each of its
    ``tp·ep`` devices carrying ``per_device`` prompt tokens per prefill iteration (``phase``
    "prefill"; prompts of ``context`` tokens) or running ``per_device`` sequences at a ``context``-
    token KV cache (``phase`` "decode"): one iteration of ``decode_step``, a node being the
    accelerator's scale-up domain."""
    i = case.inputs
    model = e.transformer(i["model"])
    device = e.catalog.get("hardware", i["hardware"]).spec
    fabric = e.catalog.get("fabric", i["fabric"]).spec
    r = replica(
        model, device, Precision.parse(i["precision"]), a, tp=i["tp"], ep=i["ep"], fabric=fabric,
        runtime=i["runtime"],
    )  # fmt: skip
    tokens = float(i["per_device"] * r.devices)
    if i["phase"] == "prefill":
        context = (i["context"] + 1.0) / 2.0  # causal: the mean position a prompt token attends over
        step = iteration_time(
            model, r, a, SCALAR, decode=0.0, prefill=tokens, context=0.0, prefill_context=context
        )
    else:
        step = iteration_time(
            model, r, a, SCALAR, decode=tokens, prefill=0.0, context=float(i["context"]), prefill_context=0.0
        )
    return tokens / step.total * (device.scale_up_domain or 1) / r.devices


def _training_days(e: Estimator, case: Case, a: Assumptions) -> float:
    return case.inputs["tokens"] / e.training(case, a).tokens_per_s / _SECONDS_PER_DAY


_METRICS: dict[str, Callable[[Estimator, Case, Assumptions], float]] = {
    "ttft": lambda e, c, a: e.serving(c, a).ttft * 1e3,
    "itl": lambda e, c, a: e.serving(c, a).itl * 1e3,
    "e2e": lambda e, c, a: e.serving(c, a).e2e_latency * 1e3,
    "images_per_s": lambda e, c, a: e.roofline_pass(c, a).throughput,
    "latency": lambda e, c, a: e.roofline_pass(c, a).latency * 1e3,
    "tflops_per_gpu": _tflops_per_gpu,
    "training_days": _training_days,
    "tokens_per_s_per_gpu": _tokens_per_s_per_gpu,
    "requests_per_s": lambda e, c, a: e.at_load(c, a)[3].requests_per_s,
    "tpot": _tpot,
    "fleet_tokens_per_s": _fleet_tokens_per_s,
    "pool_tokens_per_s_per_node": _pool_tokens_per_s_per_node,
    "spec_speedup": _spec_speedup,
    "slo_requests_per_s": _slo_requests_per_s,
}
