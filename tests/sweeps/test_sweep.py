"""``mlsysim.sweep``: inputs it accepts, the frame it returns, known answers, per-row errors."""

from __future__ import annotations

import math

import mlsysim
import numpy as np
import pandas as pd
import pytest
from mlsysim.errors import InvalidInputError
from mlsysim.sweeps import evaluate, grid, sweep
from mlsysim.sweeps.columns import COLUMNS, result_names

from tests.sweeps.scalar import assert_matches_scalar

CATALOG = mlsysim.load_catalog()


def test_known_answers_kv_cache_and_weights():
    # Llama 3 70B: 80 layers, 8 KV heads of 128 dims, 70,553,706,496 parameters (catalog).
    # KV cache of 4096 tokens at fp16 (2 B): 2 (K and V) x 80 x 8 x 128 x 4096 x 2 B = 1,342,177,280 B
    # = 1.34217728 GB; batch 4 is four times that. Weights: 70,553,706,496 x 2 B = 141.107412992 GB.
    # Exact to 1e-12.
    out = sweep({"model": "Llama3_70B", "hardware": "H100", "seq_len": 4096, "batch_size": [1, 4]})
    assert out["kv_cache_gb"].tolist() == pytest.approx([1.34217728, 4 * 1.34217728], rel=1e-12)
    assert out["weights_gb"].tolist() == pytest.approx([141.107412992, 141.107412992], rel=1e-12)
    # 141.1 GB of weights cannot fit the 80 GB of one H100: infeasible, bound by memory.
    assert out["feasible"].tolist() == [False, False]
    assert out["constraint"].tolist() == ["memory", "memory"]


def test_known_answer_economics_purchase_and_amortisation():
    # H100_8 is one DGX H100 node at USD 400,000 (catalog). Over 365 days with 4-year straight-line
    # amortisation (catalog assumptions), a quarter of the purchase is CapEx: 100,000 USD.
    assert CATALOG.assumptions.amortization_years == 4.0
    out = sweep({"fleet": "H100_8", "duration_days": 365.0, "kwh_price": 0.08}, "economics")
    assert out["purchase_price_usd"].iloc[0] == pytest.approx(400_000.0, rel=1e-12)
    assert out["amortized_fraction"].iloc[0] == pytest.approx(0.25, rel=1e-12)
    assert out["capex_usd"].iloc[0] == pytest.approx(100_000.0, rel=1e-12)
    # The price comes back in the unit it went in: 0.08 USD/kWh.
    assert out["electricity_price_usd_per_kwh"].iloc[0] == pytest.approx(0.08, rel=1e-12)


def test_one_result_row_per_input_row_with_inputs_and_index_kept():
    frame = pd.DataFrame(
        {"label": ["a", "b", "c"], "model": "Llama3_8B", "hardware": "H100", "seq_len": [128, 512, 2048]},
        index=[10, 20, 30],
    )
    out = sweep(frame, solver="serving")
    assert list(out.index) == [10, 20, 30]
    assert list(out.columns) == [*frame.columns, *result_names("serving")]
    assert out["label"].tolist() == ["a", "b", "c"]
    assert out["error"].isna().all()
    # Longer prompts take longer to prefill.
    assert out["ttft_ms"].is_monotonic_increasing


def test_result_columns_carry_units():
    for solver, columns in COLUMNS.items():
        for column in columns:
            if column.unit in ("ms", "GB", "MWh", "kW", "h", "s"):
                suffix = {"ms": "_ms", "GB": "_gb", "MWh": "_mwh", "kW": "_kw", "h": "_hours", "s": "_s"}
                assert column.name.endswith(suffix[column.unit]), (solver, column.name)


def test_a_bad_row_carries_its_error_and_the_others_compute():
    out = sweep(
        pd.DataFrame(
            {
                "model": ["Llama3_8B", "Lama3_8B", "Llama3_8B", "Llama3_8B"],
                "hardware": ["H100", "H100", "H100", "T4"],
                "seq_len": [1024, 1024, 1024, 1024],
                "tp_size": [1, 1, 3, 2],
            }
        )
    )
    assert pd.isna(out["error"].iloc[0]) and out["ttft_ms"].iloc[0] > 0
    assert out["error"].iloc[1].startswith("unknown model 'Lama3_8B'") and "Llama3_8B" in out["error"].iloc[1]
    assert out["error"].iloc[2] == "invalid tp_size=3: must divide the 32 attention heads"
    assert "has no scale-up link" in out["error"].iloc[3]
    assert out.loc[1:, "ttft_ms"].isna().all()
    assert out.loc[1:, "feasible"].isna().all()


def test_inputs_as_mapping_scalars_records_and_grid():
    one = sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024})
    assert len(one) == 1
    records = sweep([{"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024}] * 2)
    assert records["ttft_ms"].tolist() == [one["ttft_ms"].iloc[0]] * 2
    axes = grid(model=["Llama3_8B", "Llama3_70B"], hardware="H100", seq_len=[512, 1024, 2048])
    assert len(axes) == 6
    assert axes.iloc[0].to_dict() == {"model": "Llama3_8B", "hardware": "H100", "seq_len": 512}
    assert sweep(axes)["error"].isna().all()


def test_catalog_entries_and_specs_work_in_place_of_names():
    h100 = mlsysim.Hardware.Cloud.H100
    by_entry = sweep({"model": [mlsysim.Models.Language.Llama3_8B], "hardware": [h100], "seq_len": [1024]})
    by_name = sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024})
    assert by_entry["ttft_ms"].iloc[0] == by_name["ttft_ms"].iloc[0]
    by_spec = sweep({"model": "Llama3_8B", "hardware": [h100.spec], "seq_len": [1024]})
    assert by_spec["ttft_ms"].iloc[0] == by_name["ttft_ms"].iloc[0]


def test_headers_match_ignoring_case_and_punctuation_and_aliases():
    out = sweep(pd.DataFrame({"Model": ["Llama3_8B"], "HARDWARE": ["H100"], "Seq Len": [1024], "tp": [2]}))
    reference = sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024, "tp_size": 2})
    assert out["ttft_ms"].iloc[0] == reference["ttft_ms"].iloc[0]


def test_numbers_written_as_text_are_read_as_numbers():
    # A CSV read as text gives strings; "1024" is the number 1024, "many" is an error of its row.
    text = sweep(pd.DataFrame({"model": "Llama3_8B", "hardware": "H100", "seq_len": ["1024", "many"]}))
    number = sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024})
    assert text["ttft_ms"].iloc[0] == number["ttft_ms"].iloc[0]
    assert text["error"].iloc[1] == "invalid seq_len='many': expected a whole number >= 1"


def test_missing_optional_values_take_the_facade_default():
    # An empty tp_size cell is "not given": tp_size=1, as ServingModel().solve's default.
    out = sweep(
        pd.DataFrame(
            {"model": "Llama3_8B", "hardware": "H100", "seq_len": [1024, 1024], "tp_size": [np.nan, 1]}
        )
    )
    assert out["ttft_ms"].iloc[0] == out["ttft_ms"].iloc[1]


def test_frame_level_mistakes_raise_naming_the_column():
    with pytest.raises(InvalidInputError, match=r"needs column.* seq_len"):
        sweep({"model": "Llama3_8B", "hardware": "H100"})
    with pytest.raises(InvalidInputError, match=r"seq_length.*did you mean seq_len"):
        sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1, "seq_length": 1024})
    with pytest.raises(InvalidInputError, match="closest: serving"):
        sweep({"model": "Llama3_8B"}, solver="servng")
    with pytest.raises(InvalidInputError, match="already gives tp_size"):
        sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1, "tp": 1, "tp_size": 2})


def test_empty_frame_gives_empty_result_with_all_columns():
    empty = pd.DataFrame({"model": pd.Series(dtype=str), "hardware": pd.Series(dtype=str), "seq_len": []})
    out = sweep(empty)
    assert len(out) == 0
    assert list(out.columns) == ["model", "hardware", "seq_len", *result_names("serving")]


def test_roofline_mixes_cnns_and_transformers():
    out = sweep({"model": ["ResNet50", "Llama3_8B"], "hardware": "A100", "batch_size": [32, 1]}, "roofline")
    assert out["error"].isna().all()
    assert set(out["bottleneck"]) <= {"Compute", "Memory"}
    # ResNet-50's forward pass is 8.18 GFLOP per image (catalog): 32 images are 0.26176 TFLOP.
    assert out["flops_tflop"].iloc[0] == pytest.approx(32 * 8.18e9 / 1e12, rel=1e-12)


def test_results_render_as_html_tables_in_notebooks():
    out = sweep({"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024})
    html = out._repr_html_()
    assert "<table" in html and "ttft_ms" in html
    result = mlsysim.ServingModel().solve("Llama3_8B", "H100", seq_len=1024)
    assert "<table" in result._repr_html_() and "ttft" in result._repr_html_()


def test_training_sweep_loops_the_facade():
    out = sweep(
        {"model": "Llama3_70B", "fleet": "H100_64", "batch_size": 512, "tp_size": 8, "pp_size": [4, 3]},
        solver="distributed",
    )
    facade = mlsysim.DistributedModel().solve("Llama3_70B", "H100_64", batch_size=512, tp_size=8, pp_size=4)
    assert math.isclose(out["step_latency_total_ms"].iloc[0], facade["step_latency_total"].to("ms").magnitude)
    assert "tp_size × pp_size × cp_size = 24 must divide" in out["error"].iloc[1]


def test_run_and_layout_sweeps_equal_their_facades():
    frame = {
        "model": ["Llama3_8B", "Llama3_70B", "Llama3_70B", "Llama3_70B"],
        "fleet": ["H100_64", "DGX_H100:256:IB_NDR", "H100_64", "H100_64"],
        "batch_size": [256, 512, 64, 512],
        "seq_len": 4096,
        "tokens": [1e11, 2e11, 1e11, -5],
        "tp": [None, 8, 1, None],
        "pp": [None, 4, 1, None],
        "datacenter": ["Quebec", None, None, None],
    }
    out = sweep(frame, solver="run")
    runs = mlsysim.TrainingRunModel()
    first = runs.solve("Llama3_8B", "H100_64", 256, 4096, tokens=1e11, datacenter="Quebec").estimate
    second = runs.solve("Llama3_70B", "DGX_H100:256:IB_NDR", 512, 4096, tokens=2e11, tp_size=8, pp_size=4)
    for row, facade in ((0, first), (1, second.estimate)):
        assert out["run_days"].iloc[row] == facade.run_days
        assert out["cost_usd"].iloc[row] == facade.cost_usd
        assert out["carbon_t"].iloc[row] == facade.carbon_kg * 1e-3
        assert out["layout"].iloc[row] == facade.layout
    assert not out["feasible"].iloc[2] and math.isnan(out["run_days"].iloc[2])  # does not fit
    assert "invalid tokens=-5" in out["error"].iloc[3]
    found = sweep({"model": "Llama3_70B", "fleet": "H100_64", "batch_size": [512, 7]}, solver="layout")
    best = mlsysim.ParallelismOptimizer().solve("Llama3_70B", "H100_64", 512)
    assert found["best_layout"].iloc[0] == best.best_layout
    assert found["tokens_per_s"].iloc[0] == best.tokens_per_s
    assert found["layouts_evaluated"].iloc[0] == best.evaluated


def test_blocks_of_rows_join_seamlessly(monkeypatch):
    # A sweep evaluates BLOCK_ROWS rows at a time; with blocks of 4, errors and categories from
    # different blocks must land on the right rows, and every row still equal the facade.
    frame = grid(
        model=["Llama3_8B", "Nope", "Mixtral_8x7B"],
        hardware=["H100", "T4"],
        seq_len=[512, 40_000],
        tp_size=[1, 2],
    )
    whole = sweep(frame, "serving")
    monkeypatch.setattr(evaluate, "BLOCK_ROWS", 4)
    blocks = sweep(frame, "serving")
    pd.testing.assert_frame_equal(
        blocks.astype({"error": object}), whole.astype({"error": object}), check_exact=True
    )
    assert_matches_scalar(frame, blocks, "serving")


def test_training_rows_missing_a_required_value_name_it():
    frame = pd.DataFrame(
        {"model": ["Llama3_8B", None, "Llama3_8B"], "fleet": "H100_8", "batch_size": [64, 64, np.nan]}
    )
    out = sweep(frame, "training")
    assert pd.isna(out["error"].iloc[0]) and out["step_latency_total_ms"].iloc[0] > 0
    assert out["error"].iloc[1] == "invalid model=None: DistributedModel needs a transformer"
    assert out["error"].iloc[2] == "invalid batch_size=None: expected a whole number >= 1"
