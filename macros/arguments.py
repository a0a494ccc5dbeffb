"""The arguments the MLSYS_* functions share, with the help text Excel's function wizard shows."""

from __future__ import annotations

from .function import Arg

MODEL = Arg("model", "model", "model id (e.g. Llama3_70B) or a row of the Models sheet")
HW = Arg("hw", "hardware", "accelerator id (e.g. H100) or a row of the Hardware sheet")
FLEET = Arg("fleet", "fleet", "fleet id (e.g. H100_64) or a row of the Fleets sheet")
REGION = Arg(
    "region",
    "region",
    "grid id (e.g. Quebec), facility profile (e.g. colocation) or a row of the Regions sheet; "
    "default US_Average grid in a hyperscale facility",
    optional=True,
)
DATACENTER = Arg(
    "datacenter",
    "region",
    "grid id, facility profile or a row of the Regions sheet; default US_Average, hyperscale",
    optional=True,
)
BATCH = Arg("batch", "number", "batch size (sequences or images), a whole number >= 1")
SEQ = Arg("seq", "number", "prompt length in tokens")
PRECISION = Arg(
    "precision",
    "text",
    "fp16, bf16, fp8, int8, int4, tf32, fp32 or fp64; default the device's (fp16 where it has it)",
    optional=True,
)
TP = Arg("tp", "number", "tensor-parallel degree (devices per model replica); default 1", optional=True)
PP = Arg("pp", "number", "pipeline-parallel stages; default 1", optional=True)
MICROBATCHES = Arg(
    "microbatches", "number", "micro-batches per step; default: one sequence per micro-batch", optional=True
)
ZERO = Arg(
    "zero",
    "number",
    "ZeRO stage 0-3 (optimizer/gradient/weight sharding); default 1, Megatron's distributed optimizer",
    optional=True,
)
TRAIN_BATCH = Arg("batch", "number", "global batch in sequences")
TRAIN_SEQ = Arg("seq", "number", "tokens per sequence; default 2048", optional=True)
DAYS = Arg(
    "days",
    "number",
    "period in days (a cell formatted as a date counts as its serial number of days)",
    dates=True,
)
HOURS = Arg("hours", "number", "job duration in hours")
CKPT = Arg("ckpt_s", "number", "time to write one checkpoint, in seconds")
KWH_PRICE = Arg(
    "kwh_price", "number", "electricity price in USD/kWh; default the grid's industrial price", optional=True
)
UNIT = Arg("unit", "unit", "unit of the result (e.g. s, ms, GB, kWh, %); default as listed", optional=True)
