"""Modelling constants (efficiencies, overheads, failure rates), each read from
``catalog/assumptions.toml`` with its source: no formula carries such a number as a literal.
The serving runtimes' profiles (``[runtimes.*]``, ``default_runtime``) are read beside them
(``mlsysim.runtimes``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .catalog_reader import measured_value
from .entry import Measured, Source
from .errors import CatalogError
from .ranges.spreads import Spread, read_spreads
from .runtimes import RuntimeCosts, RuntimeProfile, default_runtime, profile_of, read_runtimes

# field -> dimension of its catalog unit
_DIMENSIONS = {
    "prefill_compute_efficiency": "count",
    "decode_bandwidth_efficiency": "count",
    "cnn_compute_efficiency": "count",
    "training_compute_efficiency": "count",
    "kernel_overhead": "time",
    "scale_up_efficiency": "count",
    "scale_up_latency": "time",
    "scale_out_efficiency": "count",
    "memory_reserved_fraction": "count",
    "optimizer_state_bytes_per_parameter": "count",
    "amortization_years": "count",
    "maintenance_fraction_per_year": "count",
    "average_power_fraction": "count",
    "gpu_mtbf": "time",
    "nic_mtbf": "time",
    "host_mtbf": "time",
    "network_mtbf_per_accelerator": "time",
    "software_mtbf_per_accelerator": "time",
    "restart_time": "time",
    # Collectives (engine/solvers/collectives) and serving runtimes (engine/runtimes.py)
    "collective_launch_latency": "time",
    "ll_hop_latency": "time",
    "ll_bandwidth_fraction": "count",
    "ll128_hop_latency": "time",
    "ll128_bandwidth_fraction": "count",
    "nvls_latency": "time",
    "nvls_efficiency": "count",
    "oneshot_latency": "time",
    "custom_allreduce_max_bytes": "data",
    "prefill_comm_overlap_fraction": "count",
    "graph_kernel_overhead": "time",
    # Serving at load (engine/solvers/decode_step.py, batching.py, queueing.py, capacity.py)
    "kv_read_efficiency": "count",
    "serving_iteration_overhead": "time",
    "kv_block_tokens": "count",
    "kv_block_waste": "count",
    "prefill_token_budget": "count",
    "expert_routing_imbalance": "count",
    # training runs, parallel layouts and run reliability
    "hbm_mtbf_per_gb": "time",
    "moe_capacity_factor": "count",
    "gradient_bytes_per_parameter": "count",
    "fp8_training_compute_efficiency": "count",
    "training_attention_efficiency": "count",
    "cnn_training_compute_efficiency": "count",
    "storage_bandwidth_per_node": "bandwidth",
    "chinchilla_tokens_per_parameter": "count",
    # finance
    "discount_rate": "count",
    "residual_value_fraction": "count",
    "idle_power_fraction": "count",
    "host_price_per_accelerator": "money",
    "host_power_per_accelerator": "power",
}


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Engine constants in SI (fractions, seconds, bytes per parameter, years)."""

    prefill_compute_efficiency: float
    decode_bandwidth_efficiency: float
    cnn_compute_efficiency: float
    training_compute_efficiency: float
    kernel_overhead: float
    scale_up_efficiency: float
    scale_up_latency: float
    scale_out_efficiency: float
    memory_reserved_fraction: float
    optimizer_state_bytes_per_parameter: float
    amortization_years: float
    maintenance_fraction_per_year: float
    average_power_fraction: float
    gpu_mtbf: float
    nic_mtbf: float
    host_mtbf: float
    network_mtbf_per_accelerator: float
    software_mtbf_per_accelerator: float
    restart_time: float
    collective_launch_latency: float
    ll_hop_latency: float
    ll_bandwidth_fraction: float
    ll128_hop_latency: float
    ll128_bandwidth_fraction: float
    nvls_latency: float
    nvls_efficiency: float
    oneshot_latency: float
    custom_allreduce_max_bytes: float
    prefill_comm_overlap_fraction: float
    graph_kernel_overhead: float
    kv_read_efficiency: float
    serving_iteration_overhead: float
    kv_block_tokens: float
    kv_block_waste: float
    prefill_token_budget: float
    expert_routing_imbalance: float
    hbm_mtbf_per_gb: float
    moe_capacity_factor: float
    gradient_bytes_per_parameter: float
    fp8_training_compute_efficiency: float
    training_attention_efficiency: float
    cnn_training_compute_efficiency: float
    storage_bandwidth_per_node: float
    chinchilla_tokens_per_parameter: float
    # finance: owned-vs-rented cost, rent vs own
    discount_rate: float
    residual_value_fraction: float
    idle_power_fraction: float
    host_price_per_accelerator: float
    host_power_per_accelerator: float
    provenance: Mapping[str, Measured]
    runtimes: Mapping[str, RuntimeProfile]
    default_runtime: str
    # ranges: sourced low/high of the inputs finance stresses (mlsysim.ranges.spreads)
    spreads: Mapping[str, Spread] = field(default_factory=dict)

    def source_of(self, name: str) -> Measured:
        return self.provenance[name]

    def runtime(self, name: str | None = None) -> RuntimeCosts:
        """The serving runtime ``name`` (``default_runtime`` when None) as the serving core's numbers."""
        profile = profile_of(self.runtimes, name or self.default_runtime)
        return RuntimeCosts(
            decode_graphs=1.0 if profile.cuda_graph_decode else 0.0,
            custom_allreduce_max=self.custom_allreduce_max_bytes if profile.custom_allreduce else 0.0,
            nvls=1.0 if profile.nccl_nvls else 0.0,
            prefill_comm_exposed=1.0 - self.prefill_comm_overlap_fraction
            if profile.prefill_comm_overlap
            else 1.0,
            iteration_overhead=self.serving_iteration_overhead if profile.host_scheduler else 0.0,
        )


_FRACTIONS = {
    "prefill_compute_efficiency",
    "decode_bandwidth_efficiency",
    "cnn_compute_efficiency",
    "training_compute_efficiency",
    "scale_up_efficiency",
    "scale_out_efficiency",
    "memory_reserved_fraction",
    "maintenance_fraction_per_year",
    "average_power_fraction",
    "ll_bandwidth_fraction",
    "ll128_bandwidth_fraction",
    "nvls_efficiency",
    "prefill_comm_overlap_fraction",
    "kv_read_efficiency",
    "kv_block_waste",
    "fp8_training_compute_efficiency",
    "training_attention_efficiency",
    "cnn_training_compute_efficiency",
    "residual_value_fraction",
    "idle_power_fraction",
}


_NOT_MEASURED = {"provenance", "runtimes", "default_runtime", "spreads"}


def read_assumptions(where: str, raw: Mapping[str, Any], sources: Mapping[str, Source]) -> Assumptions:
    names = [f.name for f in fields(Assumptions) if f.name not in _NOT_MEASURED]
    missing = sorted(set(names) - set(raw))
    extra = sorted(set(raw) - set(names) - {"runtimes", "default_runtime", "spreads"})
    if missing or extra:
        raise CatalogError(where, f"missing {missing or 'none'}; unknown {extra or 'none'}")
    provenance = {
        name: measured_value(f"{where}.{name}", raw[name], _DIMENSIONS[name], sources) for name in names
    }
    for name in _FRACTIONS:
        if provenance[name].si_value > 1:
            raise CatalogError(f"{where}.{name}", "a fraction must not exceed 1")
    if provenance["moe_capacity_factor"].si_value < 1:
        raise CatalogError(f"{where}.moe_capacity_factor", "a capacity factor is at least 1")
    values = {name: m.si_value for name, m in provenance.items()}
    runtimes = read_runtimes(f"{where}.runtimes", raw.get("runtimes"), sources)
    default = default_runtime(f"{where}.default_runtime", raw.get("default_runtime"), runtimes, sources)
    spreads = read_spreads(f"{where}.spreads", raw.get("spreads"), sources, values)
    return Assumptions(
        **values, provenance=provenance, runtimes=runtimes, default_runtime=default, spreads=spreads
    )
