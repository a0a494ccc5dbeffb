"""Property: the finance sweeps (token_cost, rent_vs_own, run_cost) and economics/sustainability at
a utilisation equal their facades row by row, to 1e-12 relative, messages included: owned or
rented, every term, offers for other accelerators, missing prices, utilisation and rates outside
their ranges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from mlsysim.sweeps import sweep

from tests.sweeps.scalar import assert_matches_scalar
from tests.sweeps.test_equivalence import FLEETS, PROPERTY, SITES, frames, optional

HARDWARE = ["H100", "A100", "H200", "B200", "MI300X", "RTX4090", "TPUv5e", "TPUv6e", "L4", "NoSuchGPU"]
MODELS = ["Llama3_8B", "Llama3_70B", "Mixtral_8x7B", "ResNet50", "NotAModel"]
OFFERS = ["cheapest", "RunPod_H100_SXM", "AWS_p5_48xlarge", "GCP_TPU_v6e", "RunPod_A100_SXM", "NoSuchOffer"]
TERMS = ["on_demand", "reserved_1yr", "reserved_3yr", "spot", "1yr", "weekly"]
NODES = ["DGX_H100", "DGX_A100", "PCIe_H100_Server", "NoSuchNode"]
UTILIZATION = st.one_of(st.floats(0.01, 1.0), st.sampled_from([0.0, 1.0, 1.5, -0.2]))
PRICE = st.one_of(st.floats(1e3, 1e6), st.sampled_from([0.0, -1.0]))
KWH = st.one_of(st.floats(0.01, 0.5), st.sampled_from([0.0, -0.1]))
AMOUNT = st.one_of(st.floats(0.5, 2000.0), st.sampled_from([0.0, -1.0]))


@PROPERTY
@given(
    frames(
        {
            "model": st.sampled_from(MODELS),
            "hardware": st.sampled_from(HARDWARE),
            "seq_len": st.one_of(st.integers(1, 8192), st.just(0)),
            "batch_size": optional(st.integers(1, 64)),
            "output_len": optional(st.integers(1, 1024)),
            "tp_size": optional(st.sampled_from([1, 2, 4, 8])),
            "replicas": optional(st.one_of(st.integers(1, 8), st.just(0))),
            "utilization": optional(UTILIZATION),
            "offer": optional(st.sampled_from(OFFERS)),
            "term": optional(st.sampled_from(TERMS)),
            "node": optional(st.sampled_from(NODES)),
            "node_price": optional(PRICE),
            "datacenter": optional(st.sampled_from(SITES)),
            "kwh_price": optional(KWH),
        },
        {
            "seq_len": "Int64",
            "batch_size": "Int64",
            "output_len": "Int64",
            "tp_size": "Int64",
            "replicas": "Int64",
        },
    )
)
def test_token_cost_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "token_cost"), "token_cost")


@PROPERTY
@given(
    frames(
        {
            "hardware": st.sampled_from(HARDWARE),
            "offer": optional(st.sampled_from(OFFERS)),
            "term": optional(st.sampled_from(TERMS)),
            "utilization": optional(UTILIZATION),
            "accelerators": optional(st.one_of(st.integers(1, 512), st.just(0))),
            "node": optional(st.sampled_from(NODES)),
            "node_price": optional(PRICE),
            "datacenter": optional(st.sampled_from(SITES)),
            "kwh_price": optional(KWH),
            "years": optional(st.one_of(st.floats(0.5, 8.0), st.sampled_from([0.0, 4.0]))),
            "discount_rate": optional(st.one_of(st.floats(-0.5, 0.4), st.sampled_from([0.0, -1.0, -2.0]))),
            "residual_value": optional(st.one_of(st.floats(0.0, 0.9), st.sampled_from([1.0, -0.1]))),
            "financing_rate": optional(st.one_of(st.floats(0.0, 0.2), st.sampled_from([0.0, -0.1]))),
        },
        {"accelerators": "Int64"},
    )
)
def test_rent_vs_own_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "rent_vs_own"), "rent_vs_own")


@PROPERTY
@given(
    frames(
        {
            "fleet": st.sampled_from(FLEETS),
            "hours": AMOUNT,
            "offer": optional(st.sampled_from(OFFERS)),
            "term": optional(st.sampled_from(TERMS)),
            "node_price": optional(PRICE),
            "datacenter": optional(st.sampled_from(SITES)),
            "kwh_price": optional(KWH),
        },
        {"hours": "float64"},
    )
)
def test_run_cost_sweep_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "run_cost"), "run_cost")


@PROPERTY
@given(
    frames(
        {
            "fleet": st.sampled_from(FLEETS),
            "duration_days": AMOUNT,
            "datacenter": optional(st.sampled_from(SITES)),
            "utilization": optional(UTILIZATION),
            "include_embodied": optional(st.booleans()),
        },
        {"duration_days": "float64", "include_embodied": "boolean"},
    )
)
def test_sustainability_at_a_utilization_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "sustainability"), "sustainability")


@PROPERTY
@given(
    frames(
        {
            "fleet": st.sampled_from(FLEETS),
            "duration_days": AMOUNT,
            "kwh_price": optional(KWH),
            "node_price": optional(PRICE),
            "utilization": optional(UTILIZATION),
        },
        {"duration_days": "float64"},
    )
)
def test_economics_at_a_utilization_equals_facade(frame):
    assert_matches_scalar(frame, sweep(frame, "economics"), "economics")
