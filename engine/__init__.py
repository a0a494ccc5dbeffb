"""MLSYSIM Workbook: back-of-envelope ML-systems estimates from specifications alone.

Heavy parts (pint, the catalog) load on first use, so ``import mlsysim`` is quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .enums import Bottleneck, Precision
from .errors import CatalogError, InvalidInputError, MlsysimError, UnknownEntryError

__version__ = "0.1.0"

_LAZY = {
    "Engine": ("mlsysim.api.roofline", "Engine"),
    "SingleNodeModel": ("mlsysim.api.roofline", "SingleNodeModel"),
    "PerformanceProfile": ("mlsysim.api.roofline", "PerformanceProfile"),
    "ServingModel": ("mlsysim.api.serving", "ServingModel"),
    "ContinuousBatchingModel": ("mlsysim.api.serving_load", "ContinuousBatchingModel"),
    "ServingCapacityModel": ("mlsysim.api.serving_load", "ServingCapacityModel"),
    "DistributedModel": ("mlsysim.api.distributed", "DistributedModel"),
    "EconomicsModel": ("mlsysim.api.economics", "EconomicsModel"),
    "SustainabilityModel": ("mlsysim.api.sustainability", "SustainabilityModel"),
    "ReliabilityModel": ("mlsysim.api.reliability", "ReliabilityModel"),
    "TrainingRunModel": ("mlsysim.api.training_run", "TrainingRunModel"),
    "ParallelismOptimizer": ("mlsysim.api.training_run", "ParallelismOptimizer"),
    "CostPerTokenModel": ("mlsysim.api.token_cost", "CostPerTokenModel"),
    "RentVsOwnModel": ("mlsysim.api.rent_vs_own", "RentVsOwnModel"),
    "RunCostModel": ("mlsysim.api.run_cost", "RunCostModel"),
    "Q_": ("mlsysim.units", "Q_"),
    "load_catalog": ("mlsysim.catalog_loader", "load_catalog"),
    "Catalog": ("mlsysim.catalog_loader", "Catalog"),
    # Specs: SI floats, for hypothetical hardware and models (README, "Your own hardware and models").
    "HardwareSpec": ("mlsysim.hardware.types", "HardwareSpec"),
    "TransformerSpec": ("mlsysim.models.types", "TransformerSpec"),
    "CNNSpec": ("mlsysim.models.types", "CNNSpec"),
    "NodeSpec": ("mlsysim.systems.types", "NodeSpec"),
    "FabricSpec": ("mlsysim.systems.types", "FabricSpec"),
    "FleetSpec": ("mlsysim.systems.types", "FleetSpec"),
    "GridSpec": ("mlsysim.infra.types", "GridSpec"),
    "DatacenterSpec": ("mlsysim.infra.types", "DatacenterSpec"),
    "sweep": ("mlsysim.sweeps", "sweep"),
}
_REGISTRIES = ("Hardware", "Models", "Systems", "Infra")

__all__ = [
    "Q_",
    "Bottleneck",
    "CNNSpec",
    "Catalog",
    "CatalogError",
    "ContinuousBatchingModel",
    "CostPerTokenModel",
    "DatacenterSpec",
    "DistributedModel",
    "EconomicsModel",
    "Engine",
    "FabricSpec",
    "FleetSpec",
    "GridSpec",
    "Hardware",
    "HardwareSpec",
    "Infra",
    "InvalidInputError",
    "MlsysimError",
    "Models",
    "NodeSpec",
    "ParallelismOptimizer",
    "PerformanceProfile",
    "Precision",
    "ReliabilityModel",
    "RentVsOwnModel",
    "RunCostModel",
    "ServingCapacityModel",
    "ServingModel",
    "SingleNodeModel",
    "SustainabilityModel",
    "Systems",
    "TrainingRunModel",
    "TransformerSpec",
    "UnknownEntryError",
    "__version__",
    "load_catalog",
    "sweep",
    "ureg",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(import_module(module), attribute)
    elif name in _REGISTRIES:
        from .catalog_loader import default_catalog

        value = default_catalog().registry(name)
    elif name == "ureg":
        from .units import registry

        value = registry()
    else:
        raise AttributeError(f"module 'mlsysim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
