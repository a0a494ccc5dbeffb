"""Result columns of each solver: which estimate field, under which name, in which unit.

The solvers return SI floats; sweeps and the command line show them in the units engineers read
(ms, GB, MWh), with the unit in the column name (``ttft_ms``) so a CSV or Parquet file is
self-describing. ``value = SI value × scale``.
"""

from __future__ import annotations

from dataclasses import dataclass

MS, GB, MWH, KWH = 1e3, 1e-9, 1.0 / 3.6e9, 3.6e6
_COMPONENTS = ("gpu", "memory", "nic", "host", "network", "software")  # solvers.reliability.COMPONENTS


@dataclass(frozen=True, slots=True)
class Column:
    """``field`` of the solver's estimate shown as ``name`` in ``unit`` (``kind``: number, flag, text)."""

    field: str
    name: str
    unit: str = ""
    scale: float = 1.0
    kind: str = "number"


FEASIBLE = Column("feasible", "feasible", kind="flag")
CONSTRAINT = Column("constraint", "constraint", kind="text")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "roofline": (
        Column("latency", "latency_ms", "ms", MS),
        Column("compute_latency", "compute_latency_ms", "ms", MS),
        Column("memory_latency", "memory_latency_ms", "ms", MS),
        Column("overhead_latency", "overhead_latency_ms", "ms", MS),
        Column("throughput", "throughput_per_s", "samples/s"),
        Column("bottleneck", "bottleneck", kind="text"),
        Column("mfu", "mfu"),
        Column("arithmetic_intensity", "arithmetic_intensity_flop_per_byte", "FLOP/B"),
        Column("flops", "flops_tflop", "TFLOP", 1e-12),
        Column("memory_traffic", "memory_traffic_gb", "GB", GB),
        Column("energy", "energy_j", "J"),
        Column("memory_footprint", "memory_footprint_gb", "GB", GB),
        FEASIBLE,
        CONSTRAINT,
    ),
    "serving": (
        Column("ttft", "ttft_ms", "ms", MS),
        Column("itl", "itl_ms", "ms", MS),
        Column("e2e_latency", "e2e_latency_ms", "ms", MS),
        Column("decode_tokens_per_s", "decode_tokens_per_s", "tokens/s"),
        Column("kv_cache_size", "kv_cache_gb", "GB", GB),
        Column("kv_cache_peak", "kv_cache_peak_gb", "GB", GB),
        Column("weights_size", "weights_gb", "GB", GB),
        Column("memory_per_device", "memory_per_device_gb", "GB", GB),
        Column("total_memory", "total_memory_gb", "GB", GB),
        Column("memory_utilization", "memory_utilization"),
        Column("prefill_compute_latency", "prefill_compute_ms", "ms", MS),
        Column("prefill_memory_latency", "prefill_memory_ms", "ms", MS),
        Column("decode_compute_latency", "decode_compute_ms", "ms", MS),
        Column("decode_memory_latency", "decode_memory_ms", "ms", MS),
        Column("tp_communication_latency", "tp_communication_ms", "ms", MS),
        FEASIBLE,
        CONSTRAINT,
    ),
    "batching": (
        Column("concurrency", "concurrency"),
        Column("max_concurrency", "max_concurrency"),
        *(
            Column(f"{name}{q}", f"{name}{q}_ms", "ms", MS)
            for name in ("ttft", "itl")
            for q in ("", "_p50", "_p90", "_p99")
        ),
        Column("e2e_latency", "e2e_latency_s", "s"),
        *(Column(f"e2e_{q}", f"e2e_{q}_s", "s") for q in ("p50", "p90", "p99")),
        Column("requests_per_s", "requests_per_s", "requests/s"),
        Column("output_tokens_per_s", "output_tokens_per_s", "tokens/s"),
        Column("input_tokens_per_s", "input_tokens_per_s", "tokens/s"),
        Column("total_tokens_per_s", "total_tokens_per_s", "tokens/s"),
        Column("output_tokens_per_s_per_accelerator", "output_tokens_per_s_per_accelerator", "tokens/s"),
        Column("total_tokens_per_s_per_accelerator", "total_tokens_per_s_per_accelerator", "tokens/s"),
        Column("accelerators", "accelerators"),
        Column("kv_blocks", "kv_blocks"),
        Column("kv_cache_memory", "kv_cache_gb", "GB", GB),
        Column("weights_memory", "weights_gb", "GB", GB),
        Column("memory_per_device", "memory_per_device_gb", "GB", GB),
        Column("prefill_share", "prefill_share"),
        FEASIBLE,
        CONSTRAINT,
    ),
    "capacity": (
        Column("replicas", "replicas"),
        Column("accelerators", "accelerators"),
        Column("prefill_replicas", "prefill_replicas"),
        Column("decode_replicas", "decode_replicas"),
        Column("prefill_accelerators", "prefill_accelerators"),
        Column("decode_accelerators", "decode_accelerators"),
        Column("concurrency", "concurrency"),
        Column("max_concurrency", "max_concurrency"),
        Column("utilization", "utilization"),
        Column("requests_per_s", "requests_per_s", "requests/s"),
        Column("output_tokens_per_s", "output_tokens_per_s", "tokens/s"),
        Column("input_tokens_per_s", "input_tokens_per_s", "tokens/s"),
        Column("ttft", "ttft_ms", "ms", MS),
        Column("ttft_percentile", "ttft_percentile_ms", "ms", MS),
        Column("itl", "itl_ms", "ms", MS),
        Column("itl_percentile", "itl_percentile_ms", "ms", MS),
        Column("e2e_latency", "e2e_latency_s", "s"),
        Column("e2e_percentile", "e2e_percentile_s", "s"),
        Column("queue_wait_percentile", "queue_wait_percentile_ms", "ms", MS),
        Column("kv_transfer", "kv_transfer_ms", "ms", MS),
        Column("token_budget", "token_budget"),
        Column("binding", "binding", kind="text"),
        FEASIBLE,
        CONSTRAINT,
    ),
    "training": (
        Column("step_latency_total", "step_latency_total_ms", "ms", MS),
        Column("compute_latency", "compute_ms", "ms", MS),
        Column("tp_communication_latency", "tp_communication_ms", "ms", MS),
        Column("pp_communication_latency", "pp_communication_ms", "ms", MS),
        Column("dp_communication_latency", "dp_communication_ms", "ms", MS),
        Column("cp_communication_latency", "cp_communication_ms", "ms", MS),
        Column("ep_communication_latency", "ep_communication_ms", "ms", MS),
        Column("bubble_latency", "bubble_ms", "ms", MS),
        Column("optimizer_latency", "optimizer_ms", "ms", MS),
        Column("bubble_fraction", "bubble_fraction"),
        Column("scaling_efficiency", "scaling_efficiency"),
        Column("mfu", "mfu"),
        Column("hfu", "hfu"),
        Column("flops_per_gpu", "tflops_per_gpu", "TFLOP/s", 1e-12),
        Column("tokens_per_s", "tokens_per_s", "tokens/s"),
        Column("tokens_per_s_per_gpu", "tokens_per_s_per_gpu", "tokens/s"),
        Column("memory_per_device", "memory_per_device_gb", "GB", GB),
        Column("weights_memory", "weights_memory_gb", "GB", GB),
        Column("gradient_memory", "gradient_memory_gb", "GB", GB),
        Column("optimizer_memory", "optimizer_memory_gb", "GB", GB),
        Column("activation_memory", "activation_memory_gb", "GB", GB),
        Column("data_parallel", "data_parallel"),
        Column("microbatch_size", "microbatch_size"),
        Column("microbatches", "microbatches"),
        FEASIBLE,
        CONSTRAINT,
    ),
    "run": (
        Column("run_days", "run_days", "days"),
        Column("accelerator_hours", "accelerator_hours", "h"),
        Column("cost_usd", "cost_usd", "USD"),
        Column("facility_energy", "facility_energy_mwh", "MWh", MWH),
        Column("it_energy", "it_energy_mwh", "MWh", MWH),
        Column("accelerator_energy", "accelerator_energy_mwh", "MWh", MWH),
        Column("carbon_kg", "carbon_t", "t CO2e", 1e-3),
        Column("expected_failures", "expected_failures"),
        *(Column(f"failures_{c}", f"failures_{c}") for c in _COMPONENTS),
        Column("tokens", "tokens"),
        Column("steps", "steps"),
        Column("step_time", "step_time_s", "s"),
        Column("ideal_time", "ideal_time_days", "days", 1.0 / 86400.0),
        Column("goodput", "goodput"),
        Column("tokens_per_s", "tokens_per_s", "tokens/s"),
        Column("tokens_per_s_per_gpu", "tokens_per_s_per_gpu", "tokens/s"),
        Column("flops_per_gpu", "tflops_per_gpu", "TFLOP/s", 1e-12),
        Column("mfu", "mfu"),
        Column("fleet_mtbf", "fleet_mtbf_hours", "h", 1.0 / 3600.0),
        Column("checkpoint_size", "checkpoint_size_gb", "GB", GB),
        Column("checkpoint_write_time", "checkpoint_write_time_s", "s"),
        Column("checkpoint_interval", "checkpoint_interval_s", "s"),
        Column("cost_per_accelerator_hour", "cost_per_accelerator_hour_usd", "USD"),
        Column("memory_per_device", "memory_per_device_gb", "GB", GB),
        Column("accelerators", "accelerators"),
        Column("layout", "layout", kind="text"),
        FEASIBLE,
    ),
    "layout": (
        Column("best_layout", "best_layout", kind="text"),
        Column("step_latency_total", "step_latency_total_ms", "ms", MS),
        Column("tokens_per_s", "tokens_per_s", "tokens/s"),
        Column("tokens_per_s_per_gpu", "tokens_per_s_per_gpu", "tokens/s"),
        Column("mfu", "mfu"),
        Column("memory_per_device", "memory_per_device_gb", "GB", GB),
        Column("evaluated", "layouts_evaluated"),
        Column("divisible", "layouts_divisible"),
        Column("feasible_layouts", "layouts_feasible"),
        FEASIBLE,
    ),
    "economics": (
        Column("tco_usd", "tco_usd", "USD"),
        Column("capex_usd", "capex_usd", "USD"),
        Column("total_opex_usd", "total_opex_usd", "USD"),
        Column("energy_cost_usd", "energy_cost_usd", "USD"),
        Column("maintenance_usd", "maintenance_usd", "USD"),
        Column("purchase_price_usd", "purchase_price_usd", "USD"),
        Column("facility_energy", "facility_energy_mwh", "MWh", MWH),
        Column("it_energy", "it_energy_mwh", "MWh", MWH),
        Column("accelerator_energy", "accelerator_energy_mwh", "MWh", MWH),
        Column("average_facility_power", "average_facility_power_kw", "kW", 1e-3),
        Column("average_it_power", "average_it_power_kw", "kW", 1e-3),
        Column("electricity_price", "electricity_price_usd_per_kwh", "USD/kWh", KWH),
        Column("pue", "pue"),
        Column("cost_per_accelerator_hour", "cost_per_accelerator_hour_usd", "USD"),
        Column("amortized_fraction", "amortized_fraction"),
    ),
    "sustainability": (
        Column("carbon_footprint_kg", "carbon_footprint_kg", "kg CO2e"),
        Column("operational_carbon_kg", "operational_carbon_kg", "kg CO2e"),
        Column("embodied_carbon_kg", "embodied_carbon_kg", "kg CO2e"),
        Column("facility_energy", "facility_energy_mwh", "MWh", MWH),
        Column("it_energy", "it_energy_mwh", "MWh", MWH),
        Column("accelerator_energy", "accelerator_energy_mwh", "MWh", MWH),
        Column("water_usage_liters", "water_usage_liters", "L"),
        Column("pue", "pue"),
        Column("wue", "wue_l_per_kwh", "L/kWh", KWH),
        Column("carbon_intensity", "carbon_intensity_g_per_kwh", "gCO2e/kWh", 1e3 * KWH),
        Column("embodied_basis", "embodied_basis", kind="text"),
    ),
    "reliability": (
        Column("fleet_mtbf", "fleet_mtbf_hours", "h", 1.0 / 3600.0),
        Column("failure_probability", "failure_probability"),
        Column("expected_failures", "expected_failures"),
        Column("optimal_checkpoint_interval", "optimal_checkpoint_interval_s", "s"),
        Column("young_checkpoint_interval", "young_checkpoint_interval_s", "s"),
        Column("goodput", "goodput"),
        Column("expected_wall_time", "expected_wall_time_hours", "h", 1.0 / 3600.0),
        *(
            Column(f"failures_{c}", f"failures_{c}")
            for c in ("gpu", "memory", "nic", "host", "network", "software")
        ),
    ),
    "token_cost": (
        Column("cost_per_million_tokens_usd", "cost_per_million_tokens_usd", "USD/Mtok"),
        Column("input_cost_per_million_tokens_usd", "input_cost_per_million_tokens_usd", "USD/Mtok"),
        Column("output_cost_per_million_tokens_usd", "output_cost_per_million_tokens_usd", "USD/Mtok"),
        Column("cost_per_hour_usd", "cost_per_hour_usd", "USD/h"),
        Column("accelerator_hour_usd", "accelerator_hour_usd", "USD/h"),
        Column("tokens_per_s", "tokens_per_s", "tokens/s"),
        Column("input_tokens_per_s", "input_tokens_per_s", "tokens/s"),
        Column("output_tokens_per_s", "output_tokens_per_s", "tokens/s"),
        Column("prefill_share", "prefill_share"),
        Column("utilization", "utilization"),
        Column("accelerators", "accelerators"),
        Column("pricing", "pricing", kind="text"),
        Column("price_date", "price_date", kind="text"),
        FEASIBLE,
        CONSTRAINT,
    ),
    "rent_vs_own": (
        Column("own_npv_usd", "own_npv_usd", "USD"),
        Column("rent_npv_usd", "rent_npv_usd", "USD"),
        Column("owning_saves_usd", "owning_saves_usd", "USD"),
        Column("breakeven_utilization", "breakeven_utilization"),
        Column("crossover_months", "crossover_months", "months"),
        Column("own_monthly_usd", "own_monthly_usd", "USD"),
        Column("rent_monthly_usd", "rent_monthly_usd", "USD"),
        Column("purchase_usd", "purchase_usd", "USD"),
        Column("residual_usd", "residual_usd", "USD"),
        Column("owned_busy_hour_usd", "owned_busy_hour_usd", "USD/h"),
        Column("rental_hour_usd", "rental_hour_usd", "USD/h"),
        Column("utilization", "utilization"),
        Column("accelerators", "accelerators"),
        Column("years", "years", "years"),
        Column("discount_rate", "discount_rate"),
        Column("cheaper", "cheaper", kind="text"),
        Column("offer", "offer", kind="text"),
        Column("term", "term", kind="text"),
        Column("price_date", "price_date", kind="text"),
        Column("pricing", "pricing", kind="text"),
    ),
    "run_cost": (
        Column("cost_usd", "cost_usd", "USD"),
        Column("accelerator_hour_usd", "accelerator_hour_usd", "USD/h"),
        Column("accelerator_hours", "accelerator_hours", "h"),
        Column("accelerators", "accelerators"),
        Column("wall_time_hours", "wall_time_hours", "h"),
        Column("pricing", "pricing", kind="text"),
        Column("price_date", "price_date", kind="text"),
    ),
}

# A sweep names the binding constraint of an infeasible row in one word; the facade's sentence
# repeats numbers that the row's other columns already hold.
CONSTRAINT_MEMORY = "memory"
ERROR = "error"


def result_names(solver: str) -> tuple[str, ...]:
    """The result columns a sweep of ``solver`` appends, ``error`` last."""
    return (*(c.name for c in COLUMNS[solver]), ERROR)
