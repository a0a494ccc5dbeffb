"""Every MLSYS_* function, called as plain Python, equals the seed facade in its default unit.

Grid: catalog entries of every kind, precisions and parallel layouts, including configurations that
do not fit and inputs the engine rejects. Expected values come from the spec's facades
(``Engine.solve``, ``ServingModel().solve`` ...); tolerance 1e-12 relative. Where the facade raises,
the cell must show ``#MLSYS! <the same message>``; where the configuration does not fit, gated
functions show ``#MLSYS! does not fit: <the facade's constraint>``.
"""

from __future__ import annotations

import itertools
import math
from functools import partial

import mlsysim
import pytest
from mlsysim.errors import MlsysimError
from mlsysim.macros import REGISTRY

CATALOG = mlsysim.load_catalog()
REL = 1e-12

HARDWARE = ("H100", "A100", "B200", "T4", "L4", "TPUv5e", "JetsonAGX", "CoralEdgeTPU", "MI300X")
TRANSFORMERS = ("GPT2", "BERT_Base", "Llama3_8B", "Llama2_13B", "Llama3_70B", "Mixtral_8x7B", "DeepSeek_V3")
MODELS = (*TRANSFORMERS, "ResNet50", "MobileNetV2")
FLEETS = CATALOG.ids("fleet")
SITES = (None, "Quebec", "Poland", "colocation", "enterprise")


def _precisions(hw: str) -> tuple[str | None, ...]:
    """The device default (omitted), one it has besides, and fp8 (which some lack)."""
    spec = CATALOG.get("hardware", hw).spec
    others = [p.value for p in spec.peak_flops if p != spec.default_precision][:1]
    return (None, *others, "fp8")


def _facade_precision(hw_spec, precision):
    return precision or hw_spec.default_precision.value


# name -> how to read the facade's result in the function's default unit
ROOFLINE = {
    "MLSYS_LATENCY": lambda r: r.latency.to("ms").magnitude,
    "MLSYS_THROUGHPUT": lambda r: r.throughput,
    "MLSYS_BOTTLENECK": lambda r: r.bottleneck.value,
    "MLSYS_MFU": lambda r: r.mfu,
    "MLSYS_INTENSITY": lambda r: r.arithmetic_intensity.to("FLOP/B").magnitude,
    "MLSYS_ENERGY": lambda r: r.energy.to("J").magnitude,
}
SERVING = {
    "MLSYS_TTFT": lambda r: r.ttft.to("ms").magnitude,
    "MLSYS_ITL": lambda r: r.itl.to("ms").magnitude,
    "MLSYS_KV_CACHE": lambda r: r.kv_cache_size.to("GB").magnitude,
    "MLSYS_FITS": lambda r: r.feasible,
    "MLSYS_MEM_UTIL": lambda r: r.memory_utilization,
    "MLSYS_MEMORY": lambda r: r.memory_per_device.to("GB").magnitude,
    "MLSYS_TOKENS_PER_S": lambda r: r.decode_tokens_per_s,
}
TRAINING = {
    "MLSYS_STEP_TIME": lambda r: r.step_latency_total.to("ms").magnitude,
    "MLSYS_SCALING_EFF": lambda r: r.scaling_efficiency,
    "MLSYS_BUBBLE": lambda r: r.bubble_fraction,
    "MLSYS_TRAIN_MFU": lambda r: r.mfu,
    "MLSYS_TRAIN_TOKENS_PER_S": lambda r: r.tokens_per_s,
    "MLSYS_TRAIN_MEMORY": lambda r: r.memory_per_device.to("GB").magnitude,
    "MLSYS_TRAIN_FITS": lambda r: r.feasible,
}
ECONOMICS = {
    "MLSYS_TCO": lambda r: r.tco_usd,
    "MLSYS_CAPEX": lambda r: r.capex_usd,
    "MLSYS_OPEX": lambda r: r.total_opex_usd,
    "MLSYS_ENERGY_COST": lambda r: r.energy_cost_usd,
    "MLSYS_COST_PER_GPU_HOUR": lambda r: r.cost_per_accelerator_hour,
}
SUSTAINABILITY = {
    "MLSYS_CARBON": lambda r: r.carbon_footprint_kg.to("kg").magnitude,
    "MLSYS_WATER": lambda r: r.water_usage_liters,
    "MLSYS_ENERGY_KWH": lambda r: r.energy.to("kWh").magnitude,
}
RELIABILITY = {
    "MLSYS_MTBF": lambda r: r.fleet_mtbf.to("h").magnitude,
    "MLSYS_FAIL_PROB": lambda r: r.failure_probability,
    "MLSYS_EXPECTED_FAILURES": lambda r: r.expected_failures,
    "MLSYS_CKPT_INTERVAL": lambda r: r.optimal_checkpoint_interval.to("min").magnitude,
    "MLSYS_GOODPUT": lambda r: r.goodput,
}
BATCHING = {
    "MLSYS_CONCURRENCY": lambda r: r.max_concurrency,
    "MLSYS_THROUGHPUT_AT_LOAD": lambda r: r.output_tokens_per_s.to("1/s").magnitude,
}
CAPACITY = {
    "MLSYS_REPLICAS": lambda r: r.replicas,
    "MLSYS_TTFT_P": lambda r: r.ttft_percentile.to("ms").magnitude,
    "MLSYS_ITL_P": lambda r: r.itl_percentile.to("ms").magnitude,
    "MLSYS_UTILIZATION": lambda r: r.utilization,
    "MLSYS_TOKENS_PER_REPLICA": lambda r: r.output_tokens_per_s.to("1/s").magnitude,
    "MLSYS_LIMIT": lambda r: r.binding,
    "MLSYS_MEETS_TARGETS": lambda r: r.feasible,
}
RUN = {
    "MLSYS_RUN_DAYS": lambda r: r.wall_time.to("day").magnitude,
    "MLSYS_RUN_GPU_HOURS": lambda r: r.accelerator_hours.to("h").magnitude,
    "MLSYS_RUN_COST": lambda r: r.cost_usd,
    "MLSYS_RUN_ENERGY": lambda r: r.facility_energy.to("MWh").magnitude,
    "MLSYS_RUN_CARBON": lambda r: r.carbon_kg.to("t").magnitude,
    "MLSYS_RUN_FAILURES": lambda r: r.expected_failures,
}
CATALOG_FUNCTIONS = {"MLSYS_SPEC", "MLSYS_VERSION", "MLSYS_HELP"}  # tested in test_macros_catalog
FINANCE_FUNCTIONS = {name for name, fn in REGISTRY.items() if fn.family == "Finance"}  # test_macros_finance
RANGE_FUNCTIONS = {name for name, fn in REGISTRY.items() if fn.family == "Ranges"}  # tests/ranges
# equal, cell by cell, to the per-cell functions above: tested in test_macros_blocks
BLOCK_FUNCTIONS = {name for name, fn in REGISTRY.items() if fn.returns == "block"}


def _check(name: str, got, facade_call, read) -> str:
    """Compare one call with the facade; returns the kind of case for coverage accounting."""
    try:
        result = facade_call()
    except MlsysimError as exc:
        assert got == f"#MLSYS! {exc}", (name, got)
        return "error"
    if REGISTRY[name].infeasible == "error" and not result.feasible:
        assert got == f"#MLSYS! does not fit: {result.constraint}", (name, got)
        return "infeasible"
    want = read(result)
    if isinstance(want, bool | str):
        assert got == want, (name, got, want)
    else:
        assert isinstance(got, float), (name, got)
        assert math.isclose(got, want, rel_tol=REL, abs_tol=0.0), (name, got, want)
    return "value"


def test_every_function_is_covered():
    tested = set(ROOFLINE) | set(SERVING) | set(TRAINING) | set(ECONOMICS) | set(SUSTAINABILITY)
    tested |= set(RELIABILITY) | set(RUN) | {"MLSYS_BEST_LAYOUT"} | set(BATCHING) | set(CAPACITY)
    tested |= CATALOG_FUNCTIONS | BLOCK_FUNCTIONS
    tested |= FINANCE_FUNCTIONS | RANGE_FUNCTIONS
    assert tested == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(ROOFLINE))
def test_roofline_functions_equal_engine_solve(name):
    fn, read, cases = REGISTRY[name].python, ROOFLINE[name], set()
    for model, hw in itertools.product(MODELS, HARDWARE):
        hw_spec = CATALOG.get("hardware", hw).spec
        for batch, precision in itertools.product((1, 16), _precisions(hw)):
            got = fn(model, hw, batch, precision)
            p = _facade_precision(hw_spec, precision)
            call = partial(mlsysim.Engine.solve, model, hw, batch, p)
            cases.add(_check(name, got, call, read))
    expected = {"value", "error"} | ({"infeasible"} if REGISTRY[name].infeasible == "error" else set())
    assert cases == expected


@pytest.mark.parametrize("name", sorted(SERVING))
def test_serving_functions_equal_serving_model(name):
    fn, read, cases = REGISTRY[name].python, SERVING[name], set()
    serving = mlsysim.ServingModel()
    for model, hw in itertools.product(TRANSFORMERS, HARDWARE[:6]):
        hw_spec = CATALOG.get("hardware", hw).spec
        for seq, batch, tp, precision in itertools.product(
            (128, 2048), (1, 8), (None, 2, 8), _precisions(hw)
        ):
            got = fn(model, hw, seq, batch, precision, tp)
            p = _facade_precision(hw_spec, precision)

            def call(model=model, hw=hw, seq=seq, batch=batch, p=p, tp=tp):
                return serving.solve(model, hw, seq, batch, p, tp_size=tp or 1)

            cases.add(_check(name, got, call, read))
    expected = {"value", "error"} | ({"infeasible"} if REGISTRY[name].infeasible == "error" else set())
    assert cases == expected


@pytest.mark.parametrize("name", sorted(BATCHING))
def test_batching_functions_equal_continuous_batching_model(name):
    fn, read, cases = REGISTRY[name].python, BATCHING[name], set()
    batching = mlsysim.ContinuousBatchingModel()
    for model, hw in itertools.product(("Llama3_8B", "Llama3_70B", "Mixtral_8x7B"), HARDWARE[:5]):
        hw_spec = CATALOG.get("hardware", hw).spec
        for (prompt, output), concurrency, tp, precision in itertools.product(
            ((2000, 200), (100, 1)), (None, 16), (None, 8), _precisions(hw)[:2]
        ):
            got = fn(model, hw, prompt, output, concurrency, precision, tp)
            p = _facade_precision(hw_spec, precision)

            def call(model=model, hw=hw, prompt=prompt, output=output, c=concurrency, p=p, tp=tp):
                return batching.solve(
                    model, hw, prompt, output, concurrency=c or "max", precision=p, tp_size=tp or 1
                )

            cases.add(_check(name, got, call, read))
    assert cases == {"value", "error", "infeasible"}


@pytest.mark.parametrize("name", sorted(CAPACITY))
def test_capacity_functions_equal_serving_capacity_model(name):
    fn, read, cases = REGISTRY[name].python, CAPACITY[name], set()
    capacity = mlsysim.ServingCapacityModel()
    for model, hw in itertools.product(("Llama3_8B", "Llama3_70B"), HARDWARE[:5]):
        hw_spec = CATALOG.get("hardware", hw).spec
        for rate, (ttft, itl), percentile, tp in itertools.product(
            (0, 50), ((2000.0, 40.0), (None, 4.0), (500.0, None)), (None, 0.9), (None, 8)
        ):
            got = fn(model, hw, rate, 3000, 400, ttft, itl, percentile, None, tp)
            p = _facade_precision(hw_spec, None)

            def call(model=model, hw=hw, rate=rate, ttft=ttft, itl=itl, q=percentile, p=p, tp=tp):
                return capacity.solve(
                    model,
                    hw,
                    rate,
                    3000,
                    400,
                    ttft_target=None if ttft is None else ttft / 1e3,
                    itl_target=None if itl is None else itl / 1e3,
                    percentile=0.99 if q is None else q,
                    precision=p,
                    tp_size=tp or 1,
                )

            cases.add(_check(name, got, call, read))
    expected = {"value", "error"} | ({"infeasible"} if REGISTRY[name].infeasible == "error" else set())
    assert cases == expected


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_training_functions_equal_distributed_model(name):
    fn, read, cases = REGISTRY[name].python, TRAINING[name], set()
    distributed = mlsysim.DistributedModel()
    layouts = (
        (None, None, None, None),
        (8, 1, 8, 1),
        (8, 8, 8, 0),
        (4, 4, 16, 3),
        (8, 2, 4, 2),
        (3, 1, 1, 0),
    )
    for model, fleet in itertools.product(("GPT2", "Llama3_8B", "Llama3_70B", "Mixtral_8x7B"), FLEETS):
        for (tp, pp, micro, zero), precision in itertools.product(layouts, (None, "bf16")):
            got = fn(model, fleet, 1024, tp, pp, micro, precision, zero)

            # An omitted precision is the device's default in a cell (bf16 on a TPU); say it here.
            default = CATALOG.get("fleet", fleet).spec.accelerator.default_precision.value

            def call(model=model, fleet=fleet, tp=tp, pp=pp, micro=micro, zero=zero, p=precision or default):
                # Omitted cells take the facade's defaults: one sequence per micro-batch and ZeRO
                # stage 1 (Megatron-LM's distributed optimizer).
                stage = {} if zero is None else {"zero_stage": zero}
                return distributed.solve(model, fleet, 1024, p, tp or 1, pp or 1, micro, **stage)

            cases.add(_check(name, got, call, read))
    expected = {"value", "error"} | ({"infeasible"} if REGISTRY[name].infeasible == "error" else set())
    assert cases == expected


@pytest.mark.parametrize("name", sorted(ECONOMICS))
def test_economics_functions_equal_economics_model(name):
    fn, read, cases = REGISTRY[name].python, ECONOMICS[name], set()
    economics = mlsysim.EconomicsModel()
    for fleet, days, price, site in itertools.product(
        FLEETS, (1, 30, 365, 2000), (None, 0.12), (*SITES, "India")
    ):
        got = fn(fleet, days, price, site)
        cases.add(
            _check(
                name,
                got,
                lambda f=fleet, d=days, k=price, s=site: economics.solve(f, d, k, datacenter=s),
                read,
            )
        )
    # A fleet whose node has no sourced price (a TPU host, an NVL72 rack) is the same error both ways.
    unpriced = any(CATALOG.get("fleet", f).spec.node.price is None for f in FLEETS)
    assert cases == ({"value", "error"} if unpriced else {"value"})
    assert fn("H100_64", -3)[:7] == "#MLSYS!"


@pytest.mark.parametrize("name", sorted(SUSTAINABILITY))
def test_sustainability_functions_equal_sustainability_model(name):
    fn, read = REGISTRY[name].python, SUSTAINABILITY[name]
    sustainability = mlsysim.SustainabilityModel()
    for fleet, days, site in itertools.product(FLEETS, (1, 30, 365), SITES):
        got = fn(fleet, days, site)
        assert (
            _check(name, got, lambda f=fleet, d=days, s=site: sustainability.solve(f, d, s), read) == "value"
        )


@pytest.mark.parametrize("name", sorted(RELIABILITY))
def test_reliability_functions_equal_reliability_model(name):
    fn, read = REGISTRY[name].python, RELIABILITY[name]
    reliability = mlsysim.ReliabilityModel()
    for fleet, hours, ckpt in itertools.product(FLEETS, (1, 24, 720), (10, 120, 600)):
        args = {
            "MLSYS_MTBF": (fleet,),
            "MLSYS_FAIL_PROB": (fleet, hours),
            "MLSYS_EXPECTED_FAILURES": (fleet, hours),
            "MLSYS_CKPT_INTERVAL": (fleet, ckpt),
            "MLSYS_GOODPUT": (fleet, hours, ckpt),
        }[name]
        got = fn(*args)
        assert _check(name, got, lambda f=fleet, h=hours, c=ckpt: reliability.solve(f, h, c), read) == "value"


# Run grid: a layout searched (nothing given), given by degrees, one that does not fit, one that
# does not divide; a priced and an unpriced fleet; two regions.
RUN_MODELS = ("Llama3_8B", "Llama3_70B", "Mixtral_8x7B")
RUN_FLEETS = ("H100_64", "A100_64", "DGX_H100:256:IB_NDR", "HGX_B300:64:IB_NDR")
RUN_LAYOUTS = ((None, None, None, None), (None, 8, 2, 1), (None, 1, 1, 1), (None, 3, 1, None))


@pytest.mark.parametrize("name", sorted(RUN))
def test_run_functions_equal_training_run_model(name):
    fn, read, cases = REGISTRY[name].python, RUN[name], set()
    runs = mlsysim.TrainingRunModel()
    for model, fleet, (layout, tp, pp, mbs), site in itertools.product(
        RUN_MODELS, RUN_FLEETS, RUN_LAYOUTS, (None, "Quebec")
    ):
        got = fn(model, fleet, 1e11, 256, 4096, layout, tp, pp, mbs, "bf16", site)

        def call(model=model, fleet=fleet, layout=layout, tp=tp, pp=pp, mbs=mbs, site=site):
            return runs.solve(
                model,
                fleet,
                256,
                4096,
                "bf16",
                tokens=1e11,
                layout=layout,
                tp_size=tp,
                pp_size=pp,
                microbatch_size=mbs,
                datacenter=site,
            )

        result = None if tp == 3 else call()
        if name == "MLSYS_RUN_COST" and result is not None and result.feasible and "B300" in fleet:
            # An unpriced node is an error naming what is missing, never a zero.
            assert got.startswith("#MLSYS! invalid node_price=None: not priced"), got
            cases.add("unpriced")
            continue
        cases.add(_check(name, got, call, read))
    assert {"value", "error", "infeasible"} | ({"unpriced"} if name == "MLSYS_RUN_COST" else set()) == cases


def test_best_layout_equals_the_parallelism_optimizer():
    fn = REGISTRY["MLSYS_BEST_LAYOUT"].python
    for model, fleet in itertools.product(RUN_MODELS, RUN_FLEETS):
        found = mlsysim.ParallelismOptimizer().solve(model, fleet, 256, 4096, "bf16")
        got = fn(model, fleet, 256, 4096, "bf16")
        assert got == (found.best_layout if found.feasible else f"#MLSYS! {found.constraint}")
    assert fn("Llama3_1_405B", "H100_8", 8, 8192).startswith("#MLSYS! no layout fits in memory")
