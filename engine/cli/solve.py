"""``mlsysim solve SOLVER``: one estimate from the command line, as a table or as JSON.

The flags are the facade's keyword arguments with dashes (``--seq-len`` for ``seq_len``); a flag
left out takes the facade's default. The result prints as a table of value and unit, or with
``--json`` as ``{"solver", "inputs", "results"}`` whose result keys carry their unit
(``ttft_ms``), the same columns ``mlsysim sweep`` writes.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from ..sweeps.arguments import SOLVERS, Argument
from ..sweeps.columns import COLUMNS
from ..sweeps.facades import facade
from . import _ranges
from ._catalog import add_catalog_option, chosen_catalog
from ._table import render

SUMMARIES = {
    "roofline": "latency, bottleneck and utilisation of one pass on one device (Engine.solve)",
    "serving": "TTFT, ITL, KV cache and fit of LLM serving (ServingModel)",
    "batching": "TTFT/ITL percentiles, throughput and KV memory of one replica under continuous batching "
    "(ContinuousBatchingModel)",
    "capacity": "replicas and accelerators for a traffic forecast within latency targets "
    "(ServingCapacityModel)",
    "training": "step time and memory of parallel training on a fleet (DistributedModel)",
    "run": "a whole training run: days, GPU-hours, cost, energy, carbon, failures (TrainingRunModel)",
    "layout": "the fastest parallel layouts, ranked, with rejections by reason (ParallelismOptimizer)",
    "economics": "CapEx, OpEx and TCO of a fleet (EconomicsModel)",
    "sustainability": "energy, carbon and water of a fleet (SustainabilityModel)",
    "reliability": "fleet MTBF, failure odds and checkpoint interval (ReliabilityModel)",
    "token_cost": "cost per million tokens, input and output apart, owned or rented (CostPerTokenModel)",
    "rent_vs_own": "rent versus own: NPV, break-even utilisation, crossover (RentVsOwnModel)",
    "run_cost": "cost of a run keeping a fleet busy for a wall time, owned or rented (RunCostModel)",
}

EXAMPLES = {
    "roofline": [
        "mlsysim solve roofline --model ResNet50 --hardware A100 --batch-size 32",
        "mlsysim solve roofline --model Llama3_8B --hardware H100 --seq-len 4096 --training",
    ],
    "serving": [
        "mlsysim solve serving --model Llama3_70B --hardware H100 --seq-len 4096 --batch-size 1 --tp 8",
        "mlsysim solve serving --model Llama3_8B --hardware L4 --seq-len 2048 --precision fp8 --json",
    ],
    "batching": [
        "mlsysim solve batching --model Llama3_70B --hardware H100 --tp 8 --workload chat",
        "mlsysim solve batching --model Llama3_8B --hardware H100 --prompt-len 2000 --output-len 200 "
        "--concurrency 64 --json",
    ],
    "capacity": [
        "mlsysim solve capacity --model Llama3_70B --hardware H100 --tp 8 --arrival-rate 50 "
        "--prompt-len 3000 --output-len 400 --ttft-target 2 --itl-target 0.04 --percentile 0.99",
        "mlsysim solve capacity --model Llama3_70B --hardware H100 --tp 8 --arrival-rate 50 --workload chat "
        "--itl-target 0.04 --disaggregated --json",
    ],
    "training": [
        "mlsysim solve training --model Llama3_70B --fleet H100_64 --batch-size 512 --tp 8 --pp 4 "
        "--microbatch-count 16",
        "mlsysim solve training --model Mixtral_8x7B --fleet DGX_H100:64:IB_NDR --batch-size 256 --ep 8 "
        "--mbs 1 --seq-len 4096",
    ],
    "run": [
        "mlsysim solve run --model Llama3_70B --fleet DGX_H100:2048:IB_NDR --batch-size 1024 --seq-len 4096 "
        "--tokens 15e12",
        "mlsysim solve run --model Llama3_8B --fleet H100_64 --batch-size 256 --wall-days 7 --tp 1 --pp 1",
    ],
    "layout": [
        "mlsysim solve layout --model Llama3_70B --fleet DGX_H100:2048:IB_NDR --batch-size 1024 "
        "--seq-len 4096 --top-k 10",
    ],
    "economics": [
        "mlsysim solve economics --fleet H100_8 --duration-days 365 --kwh-price 0.08",
        "mlsysim solve economics --fleet A100_64 --duration-days 1095 --datacenter Quebec",
    ],
    "sustainability": [
        "mlsysim solve sustainability --fleet H100_256 --duration-days 30 --datacenter Quebec",
    ],
    "reliability": [
        "mlsysim solve reliability --fleet H100_256 --job-duration-hours 720 --checkpoint-time-s 120",
    ],
    "token_cost": [
        "mlsysim solve token_cost --model Llama3_70B --hardware H100 --seq-len 4096 --batch-size 16 "
        "--output-len 256 --tp 8 --replicas 4 --utilization 0.6",
        "mlsysim solve token_cost --model Llama3_8B --hardware H100 --seq-len 2048 --batch-size 64 "
        "--offer cheapest --term on_demand --json",
    ],
    "rent_vs_own": [
        "mlsysim solve rent_vs_own --hardware H100 --utilization 0.7 --accelerators 64",
        "mlsysim solve rent_vs_own --hardware H100 --offer GCP_a3_highgpu_8g --term reserved_3yr "
        "--utilization 0.5 --discount-rate 0.1 --financing-rate 0.07",
    ],
    "run_cost": [
        "mlsysim solve run_cost --fleet H100_256 --hours 720",
        "mlsysim solve run_cost --fleet H100_256 --hours 720 --offer cheapest",
    ],
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "solve",
        help="one estimate: roofline, serving, batching, capacity, training, run, layout, economics, "
        "sustainability, reliability, token_cost, rent_vs_own, run_cost",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
        epilog=_examples(*EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    solvers = parser.add_subparsers(dest="solver", metavar="SOLVER", required=True)
    for name, args in SOLVERS.items():
        sub = solvers.add_parser(
            name,
            help=SUMMARIES[name],
            description=f"{name}: {SUMMARIES[name]}.",
            epilog=_examples(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for argument in args:
            _add_flag(sub, argument)
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        add_catalog_option(sub)
        if name in RANGED:
            _ranges.add_ranges_options(sub)
        sub.set_defaults(run=run)


# solvers whose results carry ranges (``--ranges``)
RANGED = (
    "serving",
    "training",
    "run",
    "economics",
    "sustainability",
    "token_cost",
    "run_cost",
    "batching",
    "capacity",
)


def _add_flag(parser: argparse.ArgumentParser, argument: Argument) -> None:
    flags = [f"--{n.replace('_', '-')}" for n in (argument.name, *argument.aliases)]
    help_text = argument.help + (f" [{argument.unit}]" if argument.unit else "")
    if argument.default is not None:
        help_text += f" (default: {argument.default})"
    if argument.kind == "flag":
        parser.add_argument(*flags, dest=argument.name, action="store_true", help=help_text)
        return
    options: dict[str, Any] = {"dest": argument.name, "required": argument.required, "help": help_text}
    if argument.kind in ("whole", "number"):
        options["type"] = number
        options["metavar"] = "N"
    else:
        options["metavar"] = argument.kind.upper()
    if argument.choices:
        options["choices"] = argument.choices
    parser.add_argument(*flags, **options)


def number(text: str) -> int | float:
    """A command-line number: an integer when written as one, otherwise a float."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def run(args: argparse.Namespace) -> int:
    solver = args.solver
    inputs = {
        a.name: getattr(args, a.name)
        for a in SOLVERS[solver]
        if getattr(args, a.name) is not None and getattr(args, a.name) is not False
    }
    catalog = chosen_catalog(args)
    ranged = _ranges.report(solver, inputs, catalog, args) if getattr(args, "ranges", False) else None
    result = ranged.result if ranged is not None else facade(solver, catalog)(**inputs)
    estimate = result.estimate
    values = {c.name: _shown(getattr(estimate, c.field), c.scale, c.kind) for c in COLUMNS[solver]}
    if "constraint" in values:
        values["constraint"] = estimate.constraint
    if "constraint" not in values and not getattr(estimate, "feasible", True):
        values["constraint"] = estimate.constraint  # a run or a search that found nothing says why
    extra = ranking(estimate) if solver == "layout" else {}
    if args.json:
        body = {"solver": solver, "inputs": inputs, "results": values} | extra
        if getattr(estimate, "summary", ""):
            body["summary"] = estimate.summary
        if ranged is not None:
            body["ranges"] = _ranges.ranges_body(ranged)
        print(json.dumps(body, indent=2))
        return 0
    print(f"{solver}: " + ", ".join(f"{k}={v}" for k, v in inputs.items()))
    rows = [(c.field, values[c.name], c.unit) for c in COLUMNS[solver] if c.field != "constraint"]
    print(render(("result", "value", "unit"), rows))
    if values.get("constraint"):
        print(f"constraint: {values['constraint']}")
    if getattr(estimate, "summary", ""):
        print(estimate.summary)
    if extra:
        print(ranked_table(extra))
    if ranged is not None:
        print(_ranges.ranges_text(ranged))
    return 0


_RANKED = (
    ("rank", "rank", 1.0),
    ("layout", "layout", 1.0),
    ("step_time", "step ms", 1e3),
    ("tokens_per_s_per_gpu", "tokens/s/GPU", 1.0),
    ("mfu", "MFU", 1.0),
    ("bubble_fraction", "bubble", 1.0),
    ("memory_per_device", "memory GB", 1e-9),
)


def ranking(estimate: Any) -> dict[str, Any]:
    """A layout search's ranked table and rejection counts, in the units the table shows."""
    ranked = [row._asdict() for row in estimate.ranked]
    return {"ranked": ranked, "rejected": dict(estimate.rejected)}


def ranked_table(extra: dict[str, Any]) -> str:
    rows = [
        tuple(row[key] * scale if isinstance(row[key], float) else row[key] for key, _, scale in _RANKED)
        for row in extra["ranked"]
    ]
    lines = ["", render(tuple(header for _, header, _ in _RANKED), rows)] if rows else []
    lines += [
        "",
        "rejected: " + "; ".join(f"{reason}: {count:,}" for reason, count in extra["rejected"].items()),
    ]
    return "\n".join(lines)


def _shown(value: Any, scale: float, kind: str) -> Any:
    """A result as printed: numbers in the column's unit (non-finite as null), text as text."""
    if kind == "flag":
        return bool(value)
    if kind == "text":
        return str(value)
    shown = float(value) * scale
    return shown if math.isfinite(shown) else None


def _examples(*solvers: str) -> str:
    lines = [example for name in solvers for example in EXAMPLES[name]]
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)
