"""Section: a whole training run and the parallel-layout search.

What (ours, in a fresh interpreter, ``timing.time_calls`` after warm-up):

- one run estimate on plain numbers: ``training_run`` of Llama-3-70B on 2,048 H100 (256 DGX H100,
  NDR), 15T tokens, batch 1024 x 4096, bf16, layout TP8 PP4 mbs1 (checked, stepped, stretched by
  failures, priced and its carbon counted); the target is <= 20 us;
- the same through the facade, ``TrainingRunModel().solve(...)`` (pint quantities in and out);
- the layout search of the same job over its whole default grid (``layout_search``): time per
  search and layouts evaluated per second (the grid size / the time); the target is >= 100,000.

The reference (mlsysim 0.3.0) has ``TrainingRunModel`` (tokens x 6N FLOPs over the fleet at given
efficiencies; no layout, failures or cost) and ``ParallelismOptimizer`` (powers of two TP <= 8 and
PP, one ``DistributedModel`` call per candidate): both are timed in the same run, on the same model
and fleet; the optimizer's layouts per second count the (TP, PP) pairs it prices.
"""

from __future__ import annotations

import time

import hooks
import timing

TITLE = "Training runs and layout search"
NOTE = (
    "Llama-3-70B on 2,048 H100 (NDR), batch 1024 x 4096, bf16, 15T tokens; reference: "
    "TrainingRunModel (6N FLOPs at given efficiencies) and ParallelismOptimizer (TP x PP) timed in "
    "the same run"
)
HAS_REFERENCE = True
NODES, BATCH, SEQ, TOKENS = 256, 1024, 4096, 15e12

RUN_ROW = "run estimate, one layout (solver)"
FACADE_ROW = "run estimate, one layout (facade, pint)"
SEARCH_ROW = "layout search, whole grid (time per search)"
RATE_ROW = "layout search (layouts per second)"


def _min_calls(quick: bool) -> int:
    return 200 if quick else 2000


def run_ours(quick: bool) -> dict:
    try:
        _, (training_run, Site, check_budget) = hooks.require(
            "mlsysim.solvers.training_run", "training_run", "Site", "check_budget"
        )
        _, (search_layouts, default_space) = hooks.require(
            "mlsysim.solvers.layout_search", "search_layouts", "default_space"
        )
        _, (TrainingRunModel,) = hooks.require("mlsysim", "TrainingRunModel")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    import mlsysim
    from mlsysim.enums import Precision

    catalog = mlsysim.load_catalog()
    a = catalog.assumptions
    model = catalog.get("model", "Llama3_70B").spec
    fleet = catalog.spec("fleet", f"DGX_H100:{NODES * 8}:IB_NDR")
    site = Site(
        catalog.get("grid", "US_Average").spec, catalog.get("datacenter", "Hyperscale").spec
    )
    bf16, budget = Precision.BF16, check_budget(tokens=TOKENS)
    fixed = {"tp": 8, "pp": 4, "microbatch_size": 1}

    def run():
        return training_run(model, fleet, BATCH, SEQ, bf16, budget, site, a, fixed=fixed)

    if not run().feasible:
        raise AssertionError("the benchmark's run does not fit")
    solver = timing.time_calls(run, min_calls=_min_calls(quick))
    facade_model = TrainingRunModel()

    def facade():
        return facade_model.solve(
            "Llama3_70B",
            fleet,
            BATCH,
            SEQ,
            "bf16",
            tokens=TOKENS,
            tp_size=8,
            pp_size=4,
            microbatch_size=1,
        )

    through = timing.time_calls(facade, min_calls=_min_calls(quick) // 4)
    space = default_space(model, fleet)

    def search():
        return search_layouts(model, fleet, BATCH, SEQ, bf16, a, space=space)

    found = search()
    if not found.feasible:
        raise AssertionError(f"the search found nothing: {found.constraint}")
    searched = timing.time_calls(search, min_calls=5 if quick else 20, warmup_calls=2, warmup_s=0.5)
    per_search_s = searched["median_us"] / 1e6
    return hooks.rows(
        _row(
            RUN_ROW,
            solver,
            "training_run(model, fleet, 1024, 4096, BF16, Budget(15e12), site, a, "
            "fixed={'tp': 8, 'pp': 4, 'microbatch_size': 1})",
        ),
        _row(
            FACADE_ROW,
            through,
            "TrainingRunModel().solve('Llama3_70B', fleet, 1024, 4096, 'bf16', "
            "tokens=15e12, tp_size=8, pp_size=4, microbatch_size=1)",
        ),
        _row(
            SEARCH_ROW,
            searched,
            f"search_layouts(..., space=default_space(model, fleet))  # "
            f"{found.evaluated:,} layouts, best {found.best_layout}",
        ),
        {
            "row": RATE_ROW,
            "status": "ok",
            "value": found.evaluated / per_search_s,
            "unit": "layouts/s",
            "called": "grid size / median time per search",
            "detail": {"evaluated": found.evaluated, "per_search_s": per_search_s},
        },
    )


def run_reference(quick: bool) -> dict:
    import mlsysim
    from mlsysim import ureg
    from mlsysim.solvers import ParallelismOptimizer, TrainingRunModel
    from mlsysim.systems.types import Fleet

    model = mlsysim.Models.Language.Llama3_70B
    node, ndr = mlsysim.Systems.Nodes.DGX_H100, mlsysim.Systems.Fabrics.InfiniBand_NDR
    fleet = Fleet(name="H100_2048", node=node, count=NODES, fabric=ndr)
    tokens = TOKENS * ureg.count

    def run():
        return TrainingRunModel().solve(model, fleet, 0.5, 0.9, {"failures": 0.05}, "fp16", tokens)

    solver = timing.time_calls(run, min_calls=_min_calls(quick))
    optimizer = ParallelismOptimizer()

    def search():
        return optimizer.solve(model, fleet, BATCH, precision="fp16", seq_len=SEQ)

    search()
    t0 = time.perf_counter()
    repeats = 2 if quick else 5
    for _ in range(repeats):
        search()
    per_search_s = (time.perf_counter() - t0) / repeats
    n, per_node = fleet.total_accelerators, node.accelerators_per_node
    pairs = sum(
        1
        for tp in (2**i for i in range(10) if 2**i <= per_node)
        for pp in (2**i for i in range(10) if 2**i <= n)
        if tp * pp <= n and n % (tp * pp) == 0
    )
    return hooks.rows(
        _row(
            RUN_ROW,
            solver,
            "TrainingRunModel().solve(model, fleet, 0.5, 0.9, {'failures': 0.05}, "
            "'fp16', 15e12 tokens)  # no layout, failures or cost",
        ),
        {
            "row": SEARCH_ROW,
            "status": "ok",
            "value": per_search_s * 1e6,
            "unit": "us",
            "called": "ParallelismOptimizer().solve(model, fleet, 1024, precision='fp16', "
            f"seq_len=4096)  # {pairs} (TP, PP) candidates",
            "detail": {"repeats": repeats},
        },
        {
            "row": RATE_ROW,
            "status": "ok",
            "value": pairs / per_search_s,
            "unit": "layouts/s",
            "called": "(TP, PP) candidates priced / time per search",
            "detail": {"candidates": pairs, "per_search_s": per_search_s},
        },
    )


def _row(name: str, stats: dict, called: str) -> dict:
    return {
        "row": name,
        "status": "ok",
        "value": stats["median_us"],
        "unit": "us",
        "called": called,
        "detail": stats,
    }
