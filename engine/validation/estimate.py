"""A case's engine estimate, in the unit its source publishes, from the pure solvers.

The same solvers, catalog entries and assumptions every other path uses; the only conversions are
to the published unit (ms, images/s, days) and, for Megatron-LM's throughput, to the paper's own FLOP
count (``megatron.iteration_flops``) divided by the engine's step time and the number of GPUs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..assumptions import Assumptions
from ..catalog_loader import Catalog
from ..enums import Precision
from ..errors import CatalogError
from ..models.types import CNNSpec, TransformerSpec
from ..solvers.distributed import TrainingEstimate
from ..solvers.roofline import roofline
from ..solvers.serving import ServingEstimate, serving
from .cases import Case, CaseSet
from .megatron import iteration_flops
from .serving_load_cases import ESTIMATES as _SERVING_LOAD_ESTIMATES
from .training_cases import ESTIMATES as _TRAINING_ESTIMATES
from .training_cases import step

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
        return step(self, case, a)


def _tflops_per_gpu(e: Estimator, case: Case, a: Assumptions) -> float:
    i = case.inputs
    m = e.transformer(i["model"])
    flops = iteration_flops(i["batch"], i["seq_len"], m.layers, m.hidden_size, m.vocab_size)
    return flops / e.training(case, a).step_latency_total / i["gpus"] / 1e12


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
    **_TRAINING_ESTIMATES,
    **_SERVING_LOAD_ESTIMATES,
}
