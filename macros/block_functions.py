"""The block functions: one per family, each a list of that family's per-cell functions.

To give a new family a block function, add one ``block(...)`` line naming its per-cell functions
(they must be in ``per_cell``, i.e. in the registry); ``mlsysim.macros.blocks`` derives the
arguments, the headers, the units and every cell's value from them.
"""

from __future__ import annotations

from collections.abc import Mapping

from .blocks import BlockFunction, block
from .function import ExcelFunction

FAMILY = "Blocks"  # where the function list shows them


def make(per_cell: Mapping[str, ExcelFunction]) -> tuple[BlockFunction, ...]:
    def columns(*names: str) -> tuple[ExcelFunction, ...]:
        return tuple(per_cell[n] for n in names)

    return (
        block(
            "MLSYS_ROOFLINE_BLOCK",
            FAMILY,
            columns(
                "MLSYS_LATENCY",
                "MLSYS_THROUGHPUT",
                "MLSYS_BOTTLENECK",
                "MLSYS_MFU",
                "MLSYS_INTENSITY",
                "MLSYS_ENERGY",
            ),
            "One forward pass per scenario row: latency, throughput, bottleneck, MFU, intensity, energy.",
        ),
        block(
            "MLSYS_SERVING_BLOCK",
            FAMILY,
            columns(
                "MLSYS_FITS",
                "MLSYS_MEM_UTIL",
                "MLSYS_KV_CACHE",
                "MLSYS_TTFT",
                "MLSYS_ITL",
                "MLSYS_TOKENS_PER_S",
                "MLSYS_MEMORY",
            ),
            "LLM serving per scenario row: fits, memory use, KV cache, TTFT, ITL, tokens/s, memory per "
            "device.",
        ),
        block(
            "MLSYS_CAPACITY_BLOCK",
            FAMILY,
            columns(
                "MLSYS_REPLICAS",
                "MLSYS_MEETS_TARGETS",
                "MLSYS_LIMIT",
                "MLSYS_TTFT_P",
                "MLSYS_ITL_P",
                "MLSYS_UTILIZATION",
                "MLSYS_TOKENS_PER_REPLICA",
            ),
            "Replicas a traffic forecast needs per scenario row: replicas, targets met, binding limit, "
            "TTFT and ITL at the percentile, utilisation, output tokens/s per replica.",
        ),
        block(
            "MLSYS_TRAINING_BLOCK",
            FAMILY,
            columns(
                "MLSYS_TRAIN_FITS",
                "MLSYS_STEP_TIME",
                "MLSYS_SCALING_EFF",
                "MLSYS_BUBBLE",
                "MLSYS_TRAIN_MFU",
                "MLSYS_TRAIN_TOKENS_PER_S",
                "MLSYS_TRAIN_MEMORY",
            ),
            "One training step per scenario row: fits, step time, scaling efficiency, bubble, MFU, "
            "tokens/s, memory.",
        ),
        block(
            "MLSYS_RUN_BLOCK",
            FAMILY,
            columns(
                "MLSYS_RUN_DAYS",
                "MLSYS_RUN_GPU_HOURS",
                "MLSYS_RUN_COST",
                "MLSYS_RUN_ENERGY",
                "MLSYS_RUN_CARBON",
                "MLSYS_RUN_FAILURES",
                "MLSYS_BEST_LAYOUT",
            ),
            "A whole training run per scenario row: days, GPU-hours, cost, facility energy, carbon, "
            "expected failures, and the fastest layout found.",
        ),
        block(
            "MLSYS_TCO_BLOCK",
            FAMILY,
            columns("MLSYS_TCO", "MLSYS_CAPEX", "MLSYS_OPEX", "MLSYS_ENERGY_COST", "MLSYS_COST_PER_GPU_HOUR"),
            "Cost of a fleet per scenario row: TCO, CapEx, OpEx, energy cost, cost per GPU-hour.",
        ),
        block(
            "MLSYS_CARBON_BLOCK",
            FAMILY,
            columns("MLSYS_CARBON", "MLSYS_WATER", "MLSYS_ENERGY_KWH"),
            "Energy, operational carbon and water of a fleet per scenario row.",
        ),
        block(
            "MLSYS_TOKEN_COST_BLOCK",
            FAMILY,
            columns("MLSYS_COST_PER_MTOK", "MLSYS_INPUT_COST_PER_MTOK", "MLSYS_OUTPUT_COST_PER_MTOK"),
            "Serving cost per million tokens per scenario row: all, input (prompt) and output tokens, "
            "owned (node share) or rented.",
        ),
        block(
            "MLSYS_RENT_VS_OWN_BLOCK",
            FAMILY,
            columns("MLSYS_CHEAPER", "MLSYS_OWN_SAVES", "MLSYS_BREAKEVEN_UTIL", "MLSYS_CROSSOVER_MONTHS"),
            "Rent versus own per scenario row: which is cheaper (NPV), what owning saves, break-even "
            "utilisation, crossover month.",
        ),
        block(
            "MLSYS_RELIABILITY_BLOCK",
            FAMILY,
            columns(
                "MLSYS_MTBF",
                "MLSYS_FAIL_PROB",
                "MLSYS_EXPECTED_FAILURES",
                "MLSYS_CKPT_INTERVAL",
                "MLSYS_GOODPUT",
            ),
            "Failures and checkpointing of a job per scenario row: MTBF, P(failure), expected failures, "
            "checkpoint interval, goodput.",
        ),
    )


__all__ = ["make"]
