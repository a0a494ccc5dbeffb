"""Property: a vectorised sweep equals the scalar facade row by row, to 1e-12 relative.

Hypothesis draws frames of random scenarios: every catalog model and device, a made-up device, valid
and invalid numbers (zero, negative, fractional, beyond the model's context), unknown names,
precisions a device lacks, missing optional values. Each row is compared with the facade called on
the same values (``scalar.py``); where the facade raises, the row must carry its message.
"""

from __future__ import annotations

import dataclasses

import mlsysim
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlsysim.sweeps import sweep

from tests.sweeps.scalar import assert_matches_scalar

CATALOG = mlsysim.load_catalog()
MODELS = [*CATALOG.ids("model"), "Llama-3-70B", "NotAModel"]
HARDWARE = [*CATALOG.ids("hardware"), "h100 sxm", "NoSuchGPU"]
FLEETS = [*CATALOG.ids("fleet"), "NoSuchCluster"]
SITES = [*CATALOG.ids("grid"), *CATALOG.ids("datacenter"), "Atlantis"]
PRECISIONS = ["fp16", "bf16", "fp8", "int8", "int4", "fp32", "half", "fp9"]

# A device the catalog does not have, passed as a spec (a what-if row): no scale-up link.
HYPOTHETICAL = dataclasses.replace(CATALOG.get("hardware", "H100").spec, name="H100 without NVLink")
HYPOTHETICAL = dataclasses.replace(HYPOTHETICAL, scale_up_bandwidth=None)
# A fleet whose accelerators carry an embodied-carbon figure and whose node has no price.
_FLEET = CATALOG.get("fleet", "H100_64").spec
GREEN_FLEET = dataclasses.replace(
    _FLEET,
    name="H100 fleet with embodied carbon, unpriced",
    node=dataclasses.replace(
        _FLEET.node,
        price=None,
        accelerator=dataclasses.replace(_FLEET.accelerator, embodied_carbon=2500.0),
    ),
)

MISSING = None
PROPERTY = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.just(MISSING), strategy)


def frames(columns: dict[str, st.SearchStrategy], dtypes: dict[str, str]) -> st.SearchStrategy:
    """Frames of 1-12 rows; each column with its dtype (``Int64`` and ``str`` keep empty cells)."""
    rows = st.lists(st.fixed_dictionaries(columns), min_size=1, max_size=12)
    return rows.map(lambda r: pd.DataFrame(r).astype(dtypes))


WHOLE = st.one_of(st.integers(1, 64), st.integers(-2, 0))


@PROPERTY
@given(
    frames(
        {
            "model": st.sampled_from(MODELS),
            "hardware": st.sampled_from([*HARDWARE, HYPOTHETICAL]),
            "seq_len": st.one_of(st.integers(1, 40_000), st.integers(-1, 0), st.sampled_from([8065, 8064])),
            "batch_size": optional(WHOLE),
            "precision": optional(st.sampled_from(PRECISIONS)),
            "output_len": optional(st.one_of(st.integers(1, 4096), st.just(128), st.just(0))),
            "tp_size": optional(st.sampled_from([1, 2, 3, 4, 8, 16, 0])),
            "kv_precision": optional(st.sampled_from(["fp8", "int4", "fp16", "bogus"])),
        },
        {"seq_len": "Int64", "batch_size": "Int64", "output_len": "Int64", "tp_size": "Int64"},
    )
)
def test_serving_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "serving"), "serving")


@PROPERTY
@given(
    frames(
        {
            "model": st.sampled_from(MODELS),
            "hardware": st.sampled_from(HARDWARE),
            "batch_size": optional(WHOLE),
            "precision": optional(st.sampled_from(PRECISIONS)),
            "seq_len": optional(st.one_of(st.integers(1, 8192), st.just(0))),
            "training": optional(st.booleans()),
        },
        {"batch_size": "Int64", "seq_len": "Int64", "training": "boolean"},
    )
)
def test_roofline_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "roofline"), "roofline")


POSITIVE = st.floats(0.01, 5000.0, allow_nan=False)
AMOUNT = st.one_of(POSITIVE, st.floats(-10.0, 0.0))


@PROPERTY
@given(
    frames(
        {
            "fleet": st.sampled_from([*FLEETS, GREEN_FLEET]),
            "duration_days": AMOUNT,
            "kwh_price": optional(st.one_of(st.floats(0.01, 0.5), st.just(0.0))),
            "datacenter": optional(st.sampled_from(SITES)),
            "grid": optional(st.sampled_from(SITES)),
            "node_price": optional(st.one_of(st.floats(1e3, 1e6), st.just(-1.0))),
        },
        {"duration_days": "float64", "kwh_price": "float64", "node_price": "float64"},
    )
)
def test_economics_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "economics"), "economics")


@PROPERTY
@given(
    frames(
        {
            "fleet": st.sampled_from([*FLEETS, GREEN_FLEET]),
            "duration_days": AMOUNT,
            "datacenter": optional(st.sampled_from(SITES)),
            "grid": optional(st.sampled_from(SITES)),
            "include_embodied": optional(st.booleans()),
        },
        {"duration_days": "float64", "include_embodied": "boolean"},
    )
)
def test_sustainability_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "sustainability"), "sustainability")


@PROPERTY
@given(
    frames(
        {
            "fleet": st.sampled_from([*FLEETS, GREEN_FLEET]),
            "job_duration_hours": st.one_of(st.floats(0.1, 20_000.0), st.floats(-5.0, 0.0)),
            "checkpoint_time_s": st.one_of(st.floats(0.1, 50_000.0), st.just(0.0)),
            "restart_time_s": optional(st.one_of(st.floats(0.0, 3600.0), st.just(-1.0))),
        },
        {"job_duration_hours": "float64", "checkpoint_time_s": "float64", "restart_time_s": "float64"},
    )
)
def test_reliability_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "reliability"), "reliability")


@settings(max_examples=15, deadline=None, database=None)
@given(
    frames(
        {
            "model": st.sampled_from(["Llama3_8B", "Llama3_70B", "GPT3_175B", "ResNet50"]),
            "fleet": st.sampled_from(FLEETS),
            "batch_size": st.sampled_from([64, 256, 512, 100]),
            "tp_size": optional(st.sampled_from([1, 2, 8, 3])),
            "pp_size": optional(st.sampled_from([1, 2, 4])),
            "microbatch_count": optional(st.sampled_from([1, 4, 8])),
            "zero_stage": optional(st.sampled_from([0, 1, 3, 5])),
            "recompute": optional(st.sampled_from(["none", "selective", "full", "most"])),
        },
        {
            "batch_size": "Int64",
            "tp_size": "Int64",
            "pp_size": "Int64",
            "microbatch_count": "Int64",
            "zero_stage": "Int64",
        },
    )
)
def test_training_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "training"), "training")
