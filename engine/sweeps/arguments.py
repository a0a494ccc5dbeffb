"""The arguments of each solver, named as the facades name them (``ServingModel().solve(seq_len=...)``).

One table serves the sweep (a column per argument) and the command line (a ``--flag`` per argument),
so a name means the same thing in Python, in a scenarios file and on the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError
from ..names import closest, normalize

# Kinds of argument: catalog look-ups, enumerations, and numbers.
ENTRY_KINDS = ("model", "hardware", "fleet", "site", "node", "offer")
TEXT_KINDS = (*ENTRY_KINDS, "precision", "choice", "text")
NUMBER_KINDS = ("whole", "number")


@dataclass(frozen=True, slots=True)
class Argument:
    """One keyword argument of a solver's facade.

    ``default`` is the facade's default (``None``: not passed, the facade decides); ``unit`` is the
    unit a plain number is read in; ``aliases`` are extra column names and command-line flags.
    """

    name: str
    kind: str
    help: str
    required: bool = False
    default: Any = None
    unit: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[Any, ...] = ()


_MODEL = Argument("model", "model", "catalog model id, name or alias (e.g. Llama3_70B)", required=True)
_HARDWARE = Argument("hardware", "hardware", "catalog accelerator (e.g. H100)", required=True)
_FLEET = Argument("fleet", "fleet", "catalog cluster (e.g. H100_64)", required=True)
_PRECISION = Argument(
    "precision", "precision", "numeric format (fp16, bf16, fp8, int8, ...; default: the device's own)"
)
_DATACENTER = Argument(
    "datacenter", "site", "grid (e.g. Quebec) or facility profile (e.g. hyperscale); default US_Average"
)
_GRID = Argument("grid", "site", "electricity grid, when datacenter names a facility profile")
_DURATION = Argument("duration_days", "number", "period of operation", required=True, unit="day")
# Layout degrees a run and the layout search take (None: searched or defaulted, as the facade says).
_DEGREES = (
    Argument("tp_size", "whole", "tensor-parallel degree", aliases=("tp",)),
    Argument("pp_size", "whole", "pipeline stages", aliases=("pp",)),
    Argument("cp_size", "whole", "context-parallel degree", aliases=("cp",)),
    Argument("ep_size", "whole", "expert-parallel degree (MoE)", aliases=("ep",)),
    Argument("microbatch_size", "whole", "sequences per micro-batch", aliases=("mbs",)),
    Argument("interleave", "whole", "virtual pipeline stages (model chunks) per device"),
    Argument("recompute", "choice", "activation recomputation", choices=("none", "selective", "full")),
    Argument("zero_stage", "whole", "ZeRO stage (1: Megatron's distributed optimizer)", choices=(0, 1, 2, 3)),
    Argument("overlap_grad_reduce", "flag", "overlap the data-parallel traffic with the passes"),
)
_SEQ = Argument("seq_len", "whole", "tokens per sequence", default=2048)
# Layout arguments a training step, a run and the layout search share, named as the facades name them.
_LAYOUT = (
    Argument("microbatch_size", "whole", "sequences per micro-batch (default 1)", aliases=("mbs",)),
    Argument("cp_size", "whole", "context-parallel degree", default=1, aliases=("cp",)),
    Argument("ep_size", "whole", "expert-parallel degree (MoE)", default=1, aliases=("ep",)),
    Argument("seq_len", "whole", "tokens per sequence", default=2048),
    Argument(
        "zero_stage",
        "whole",
        "ZeRO stage (1: Megatron's distributed optimizer)",
        default=1,
        choices=(0, 1, 2, 3),
    ),
    Argument(
        "recompute",
        "choice",
        "activation recomputation",
        default="selective",
        choices=("none", "selective", "full"),
    ),
    Argument("interleave", "whole", "virtual pipeline stages (model chunks) per device", default=1),
)
# Finance: how accelerators are priced (owned node share, or a catalog rental offer).
_TERMS = ("on_demand", "reserved_1yr", "reserved_3yr", "spot")
_TERM = Argument("term", "choice", "rental commitment term", default="on_demand", choices=_TERMS)
_UTILIZATION = Argument(
    "utilization", "number", "fraction of time the accelerators are busy, in (0, 1]", default=1.0
)
_NODE = Argument(
    "node", "node", "catalog node to price owned accelerators as a share of (default: first holding it)"
)
_NODE_PRICE = Argument("node_price", "number", "price of one node (default: the catalog's)", unit="USD")
_KWH_PRICE = Argument("kwh_price", "number", "electricity price (default: the grid's)", unit="USD/kWh")
_SERVING = (
    _MODEL,
    _HARDWARE,
    Argument("seq_len", "whole", "prompt tokens per request", required=True),
    Argument("batch_size", "whole", "concurrent requests", default=1, aliases=("batch",)),
    _PRECISION,
    Argument("output_len", "whole", "generated tokens per request", default=128),
    Argument("tp_size", "whole", "tensor-parallel devices", default=1, aliases=("tp",)),
    Argument("kv_precision", "precision", "KV-cache format (default: precision)"),
)

# Serving at load (ContinuousBatchingModel, ServingCapacityModel): the replica, lengths and features.
_LOAD = (
    _MODEL,
    _HARDWARE,
    Argument("prompt_len", "whole", "prompt tokens per request (or give a workload)"),
    Argument("output_len", "whole", "generated tokens per request (or give a workload)"),
    Argument("workload", "choice", "length profile: chat, code, summarization or sharegpt"),
    _PRECISION,
    Argument("weight_precision", "precision", "weight storage (int8/int4: weight-only quantisation)"),
    Argument("kv_precision", "precision", "KV-cache format (default: the activations', fp16/bf16)"),
    Argument("tp_size", "whole", "tensor-parallel devices per replica", default=1, aliases=("tp",)),
    Argument("pp_size", "whole", "pipeline stages per replica", default=1, aliases=("pp",)),
    Argument("ep_size", "whole", "expert-parallel groups per replica (MoE)", default=1, aliases=("ep",)),
    Argument("fabric", "fabric", "fabric of an expert-parallel all-to-all across nodes (e.g. IB_NDR)"),
    Argument("token_budget", "whole", "tokens per engine iteration (default: assumptions, 8192)"),
    Argument("max_concurrency", "whole", "the engine's cap on running requests (max_num_seqs)"),
    Argument("prefix_cache_hit", "number", "cached share of each prompt", default=0.0),
    Argument("draft_model", "model", "draft model for speculative decoding"),
    Argument("draft_tokens", "whole", "tokens drafted per step", default=0),
    Argument("acceptance_rate", "number", "probability a drafted token is accepted"),
)

SOLVERS: dict[str, tuple[Argument, ...]] = {
    "roofline": (
        _MODEL,
        _HARDWARE,
        Argument("batch_size", "whole", "samples per pass", default=1, aliases=("batch",)),
        _PRECISION,
        Argument("seq_len", "whole", "tokens per sample (transformers; default min(2048, context))"),
        Argument("training", "flag", "a training pass (forward + backward) instead of inference"),
    ),
    "serving": _SERVING,
    "batching": (
        *_LOAD[:3],
        Argument("concurrency", "count", "running requests per replica, or max (the most that fit; default)"),
        *_LOAD[3:],
    ),
    "capacity": (
        _MODEL,
        _HARDWARE,
        Argument("arrival_rate", "number", "peak requests per second", required=True, unit="1/s"),
        *_LOAD[2:],
        Argument("ttft_target", "number", "time-to-first-token target", unit="s"),
        Argument("itl_target", "number", "inter-token latency target", unit="s"),
        Argument("e2e_target", "number", "end-to-end latency target", unit="s"),
        Argument("percentile", "number", "percentile of the targets (0.99: P99)", default=0.99),
        Argument("disaggregated", "flag", "separate prefill and decode pools"),
        Argument("prefill_hardware", "hardware", "prefill pool's accelerator (default: hardware)"),
        Argument("prefill_tp_size", "whole", "prefill pool's tensor-parallel devices (default: tp_size)"),
        Argument("kv_fabric", "fabric", "fabric the KV cache crosses to the decode pool"),
    ),
    "training": (
        _MODEL,
        _FLEET,
        Argument("batch_size", "whole", "global batch in sequences", required=True, aliases=("batch",)),
        _PRECISION,
        Argument("tp_size", "whole", "tensor-parallel degree", default=1, aliases=("tp",)),
        Argument("pp_size", "whole", "pipeline stages", default=1, aliases=("pp",)),
        Argument(
            "microbatch_count",
            "whole",
            "micro-batches per step (or give microbatch_size)",
            aliases=("microbatches",),
        ),
        *_LAYOUT,
    ),
    "run": (
        _MODEL,
        _FLEET,
        Argument("batch_size", "whole", "global batch in sequences", required=True, aliases=("batch",)),
        _SEQ,
        _PRECISION,
        Argument("tokens", "number", "tokens to train on (or steps, or wall_days)"),
        Argument("steps", "whole", "optimizer steps (instead of tokens)"),
        Argument("wall_days", "number", "wall time to train for (instead of tokens)", unit="day"),
        Argument(
            "layout", "text", "a layout text (TP8 PP4 DP64 mbs1 selective) or best; default: the degrees"
        ),
        *_DEGREES,
        _DATACENTER,
        _GRID,
        Argument("kwh_price", "number", "electricity price (default: the grid's)", unit="USD/kWh"),
        Argument("node_price", "number", "price of one node (default: the catalog's)", unit="USD"),
        Argument(
            "restart_time_s", "number", "time to restart after a failure (default: assumptions)", unit="s"
        ),
        Argument(
            "checkpoint_time_s", "number", "time to write a checkpoint (default: from storage)", unit="s"
        ),
    ),
    "layout": (
        _MODEL,
        _FLEET,
        Argument("batch_size", "whole", "global batch in sequences", required=True, aliases=("batch",)),
        _SEQ,
        _PRECISION,
        Argument("top_k", "whole", "layouts to rank", default=10),
        *_DEGREES,
    ),
    "economics": (
        _FLEET,
        _DURATION,
        Argument("kwh_price", "number", "electricity price (default: the grid's)", unit="USD/kWh"),
        _DATACENTER,
        _GRID,
        Argument("node_price", "number", "price of one node (default: the catalog's)", unit="USD"),
        _UTILIZATION,
    ),
    "sustainability": (
        _FLEET,
        _DURATION,
        _DATACENTER,
        _GRID,
        Argument("include_embodied", "flag", "add the accelerators' amortised embodied carbon"),
        _UTILIZATION,
    ),
    "reliability": (
        _FLEET,
        Argument("job_duration_hours", "number", "length of the job", required=True, unit="hour"),
        Argument("checkpoint_time_s", "number", "time to write one checkpoint", required=True, unit="s"),
        Argument(
            "restart_time_s", "number", "time to restart after a failure (default: assumptions)", unit="s"
        ),
    ),
}

SOLVERS |= {
    "token_cost": (
        *_SERVING,
        Argument("replicas", "whole", "model replicas (each tp_size accelerators)", default=1),
        _UTILIZATION,
        Argument("offer", "offer", "catalog rental price id or 'cheapest' (default: owned, node share)"),
        _TERM,
        _NODE,
        _NODE_PRICE,
        _DATACENTER,
        _GRID,
        _KWH_PRICE,
    ),
    "rent_vs_own": (
        _HARDWARE,
        Argument("offer", "offer", "catalog rental price id or 'cheapest'", default="cheapest"),
        _TERM,
        _UTILIZATION,
        Argument("accelerators", "whole", "accelerators bought or rented", default=1),
        _NODE,
        _NODE_PRICE,
        _DATACENTER,
        _GRID,
        _KWH_PRICE,
        Argument("years", "number", "depreciation period (default: the amortisation period)", unit="year"),
        Argument("discount_rate", "number", "WACC as a fraction, e.g. 0.08 (default: assumptions)"),
        Argument("residual_value", "number", "resale value at the end as a fraction of the price"),
        Argument(
            "financing_rate", "number", "annual loan rate when the purchase is financed (default: cash)"
        ),
    ),
    "run_cost": (
        _FLEET,
        Argument("hours", "number", "wall time of the run", required=True, unit="hour"),
        Argument("offer", "offer", "catalog rental price id or 'cheapest' (default: owned, node share)"),
        _TERM,
        _NODE_PRICE,
        _DATACENTER,
        _GRID,
        _KWH_PRICE,
    ),
}

# Other spellings of the solver names.
SOLVER_ALIASES = {
    "distributed": "training",
    "engine": "roofline",
    "trainingrun": "run",
    "parallelism": "layout",
    "layoutsearch": "layout",
    "tokencost": "token_cost",
    "costpertoken": "token_cost",
    "rentvsown": "rent_vs_own",
    "runcost": "run_cost",
}


def solver_name(name: str) -> str:
    """The canonical solver name for ``name`` (``"Serving"``, ``"distributed"``...)."""
    key = normalize(str(name))
    for canonical in SOLVERS:
        if key == canonical:
            return canonical
    if key in SOLVER_ALIASES:
        return SOLVER_ALIASES[key]
    hint = closest(str(name), SOLVERS)
    near = f" (closest: {', '.join(hint)})" if hint else ""
    raise InvalidInputError("solver", name, f"expected one of {', '.join(SOLVERS)}{near}")


def arguments(solver: str) -> tuple[Argument, ...]:
    return SOLVERS[solver_name(solver)]
