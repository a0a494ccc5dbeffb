"""Ranges on every surface: Python results, the CLI, MLSYS_* cells and sweeps agree."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import mlsysim
import pytest
from mlsysim import InvalidInputError
from mlsysim.api.ranges import RangesModel
from mlsysim.macros.registry import CALLABLES
from mlsysim.ranges.bands import band
from mlsysim.ranges.sweep_bands import with_bands

CATALOG = mlsysim.load_catalog()
SERVING = {"model": "Llama3_8B", "hardware": "H100", "seq_len": 2048, "batch_size": 4}
TOKEN = {**SERVING, "utilization": 0.6}


def test_result_range_is_the_point_times_the_band_in_its_unit():
    result = mlsysim.ServingModel().solve("Llama3_8B", "H100", 2048, 4)
    r = result.range("ttft")
    ttft = band("ttft")
    # the band's P10 and P90 are order statistics of the ttft family's leave-one-out ratios
    assert r.low.to("s").magnitude == pytest.approx(
        result.ttft.to("s").magnitude * ttft.ratio(0.1), rel=1e-12
    )
    assert r.high.to("ms").magnitude == pytest.approx(
        result.ttft.to("ms").magnitude * ttft.ratio(0.9), rel=1e-12
    )
    assert r.validated and r.cases == ttft.cases and "leave-one-out" in r.provenance
    # a rate's band is the reciprocal of the duration's, ends swapped
    tps = result.range("decode_tokens_per_s")
    assert tps.low == pytest.approx(result.decode_tokens_per_s / band("itl").ratio(0.9), rel=1e-12)


def test_a_family_without_enough_cases_says_so_and_invents_nothing():
    run = mlsysim.TrainingRunModel().solve(
        "Llama3_8B", "H100_64", 256, 4096, tokens=1e11, tp_size=1, pp_size=1
    )
    r = run.range("run_days")
    assert not r.validated and r.low is None and r.high is None
    assert r.provenance.startswith("no validated range")
    assert run.range("mfu").validated


def test_bad_quantiles_and_fields_are_errors_naming_them():
    result = mlsysim.ServingModel().solve("Llama3_8B", "H100", 2048, 4)
    with pytest.raises(InvalidInputError, match="quantile"):
        result.range("ttft", (0.0, 0.9))
    with pytest.raises(InvalidInputError, match="quantiles"):
        result.range("ttft", (0.9, 0.1))
    with pytest.raises(InvalidInputError, match="field"):
        result.range("kv_cache_size")


def test_cli_ranges_json_equals_the_python_report():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlsysim.cli.main",
            "solve",
            "token_cost",
            "--model",
            "Llama3_8B",
            "--hardware",
            "H100",
            "--seq-len",
            "2048",
            "--batch-size",
            "4",
            "--utilization",
            "0.6",
            "--ranges",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    body = json.loads(done.stdout)["ranges"]
    report = RangesModel(CATALOG).solve("token_cost", **TOKEN)
    (column,) = [c for c in body["columns"] if c["field"] == "cost_per_million_tokens_usd"]
    assert column["low"] == pytest.approx(report.composite.low, rel=1e-9)
    assert column["high"] == pytest.approx(report.composite.high, rel=1e-9)
    assert [b["driver"] for b in body["tornado"]] == [b.driver for b in report.tornado]
    assert body["two_way"]["rows"] == report.tornado[0].driver


def test_cli_ranges_table_and_a_bad_seed():
    base = [
        sys.executable,
        "-m",
        "mlsysim.cli.main",
        "solve",
        "serving",
        "--model",
        "Llama3_8B",
        "--hardware",
        "H100",
        "--seq-len",
        "2048",
    ]
    done = subprocess.run([*base, "--ranges"], capture_output=True, text=True, check=True)
    assert "P10" in done.stdout and "ttft" in done.stdout and "no validated range" in done.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlsysim.cli.main",
            "solve",
            "economics",
            "--fleet",
            "H100_8",
            "--duration-days",
            "365",
            "--kwh-price",
            "0.08",
            "--ranges",
            "--seed",
            "-1",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "seed" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_cells_equal_the_python_ranges():
    result = mlsysim.ServingModel().solve("Llama3_8B", "H100", 2048, 4)
    for q, bound in ((0.1, "low"), (0.9, "high")):
        ms = CALLABLES["MLSYS_TTFT_Q"](q, "Llama3_8B", "H100", 2048, 4)
        assert ms == pytest.approx(getattr(result.range("ttft"), bound).to("ms").magnitude, rel=1e-9)
    itl = CALLABLES["MLSYS_ITL_Q"](0.1, "Llama3_8B", "H100", 2048, 4)
    assert itl == pytest.approx(result.range("itl").low.to("ms").magnitude, rel=1e-9)
    report = RangesModel(CATALOG).solve("token_cost", **TOKEN)
    cell = CALLABLES["MLSYS_COST_PER_MTOK_Q"](0.9, "Llama3_8B", "H100", 2048, 4, None, None, None, None, 0.6)
    assert cell == pytest.approx(report.composite.high, rel=1e-9)
    tco = RangesModel(CATALOG).solve("economics", fleet="H100_8", duration_days=365, kwh_price=0.08)
    assert CALLABLES["MLSYS_TCO_Q"](0.1, "H100_8", 365, 0.08) == pytest.approx(tco.composite.low, rel=1e-9)
    assert CALLABLES["MLSYS_TTFT_Q"](1.5, "Llama3_8B", "H100", 2048, 4).startswith("#MLSYS! invalid quantile")


def test_sweep_band_columns_equal_the_facade_ranges():
    rows = [
        {"fleet": "H100_8", "duration_days": 365, "kwh_price": 0.08},
        {"fleet": "A100_64", "duration_days": 90, "kwh_price": 0.12},
    ]
    out = with_bands(rows, "economics", catalog=CATALOG)
    for i, row in enumerate(rows):
        c = RangesModel(CATALOG).solve("economics", **row).composite
        assert out["tco_usd_p10"][i] == pytest.approx(c.low, rel=1e-9)
        assert out["tco_usd_p90"][i] == pytest.approx(c.high, rel=1e-9)
    serving = with_bands([SERVING], "serving", catalog=CATALOG)
    assert serving["ttft_ms_p90"][0] == pytest.approx(
        serving["ttft_ms"][0] * band("ttft").ratio(0.9), rel=1e-12
    )
    assert serving["e2e_latency_ms_p10"].isna().all()  # no validated range: empty, not invented


CAPACITY = {
    "model": "Llama3_8B",
    "hardware": "H100",
    "arrival_rate": 50,
    "prompt_len": 1024,
    "output_len": 256,
    "ttft_target": 0.5,
    "itl_target": 0.05,
}


def test_replicas_range_is_the_plan_of_the_traffic_scaled_by_the_throughput_band():
    from mlsysim.ranges.load import demand_factor

    report = RangesModel(CATALOG).solve("capacity", **CAPACITY)
    r = report.range("replicas")
    t = band("throughput_at_load")
    # P90 of replicas plans for the P10 of throughput: traffic / t(0.1), t(0.1) = 1 / ratio(0.9)
    assert demand_factor(0.9) == pytest.approx(t.ratio(0.9), rel=1e-12)
    slow = mlsysim.ServingCapacityModel(CATALOG).solve(**{**CAPACITY, "arrival_rate": 50 * t.ratio(0.9)})
    fast = mlsysim.ServingCapacityModel(CATALOG).solve(**{**CAPACITY, "arrival_rate": 50 * t.ratio(0.1)})
    assert (r.low, r.value, r.high) == (fast.replicas, report.result.replicas, slow.replicas)
    assert r.low <= r.value <= r.high and r.validated and r.cases == t.cases
    assert not report.range("itl_percentile").validated  # 6 cases at load: no validated range
    cell = CALLABLES["MLSYS_REPLICAS_Q"](0.9, "Llama3_8B", "H100", 50, 1024, 256, 500, 50)
    assert cell == r.high


def test_throughput_at_load_carries_its_validated_band():
    result = mlsysim.ContinuousBatchingModel(CATALOG).solve("Llama3_8B", "H100", 1024, 256)
    r = result.range("output_tokens_per_s")
    t = band("throughput_at_load")
    assert r.low.magnitude == pytest.approx(result.output_tokens_per_s.magnitude / t.ratio(0.9), rel=1e-12)
    assert not result.range("ttft").validated  # no case measures TTFT at load yet


def test_cli_capacity_ranges():
    done = subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "solve", "capacity", "--model", "Llama3_8B",
         "--hardware", "H100", "--arrival-rate", "50", "--prompt-len", "1024", "--output-len", "256",
         "--ttft-target", "0.5", "--itl-target", "0.05", "--ranges", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    (replicas,) = [c for c in json.loads(done.stdout)["ranges"]["columns"] if c["field"] == "replicas"]
    r = RangesModel(CATALOG).solve("capacity", **CAPACITY).range("replicas")
    assert (replicas["low"], replicas["high"]) == (r.low, r.high)


def test_capacity_sweep_gets_replicas_band_columns():
    out = with_bands([CAPACITY, {**CAPACITY, "arrival_rate": 5}], "capacity", catalog=CATALOG)
    for i, rate in enumerate((50, 5)):
        r = RangesModel(CATALOG).solve("capacity", **{**CAPACITY, "arrival_rate": rate}).range("replicas")
        assert (out["replicas_p10"][i], out["replicas_p90"][i]) == (r.low, r.high)


def test_band_columns_read_rows_the_way_the_sweep_does():
    """A CSV gives text cells, and a user's columns may be spelled like the flags or carry extra
    columns: the bands must be those of the same row typed as numbers under the arguments' names
    (before, text cells gave empty bounds and an extra column raised a TypeError)."""
    typed = with_bands([{"fleet": "H100_8", "duration_days": 365, "kwh_price": 0.08}], "economics")
    as_text = with_bands(
        [{"Fleet": "H100_8", "duration-days": "365", "kwh_price": "0.08", "label": "rack A"}], "economics"
    )
    for column in ("tco_usd", "tco_usd_p10", "tco_usd_p90"):
        assert as_text[column][0] == typed[column][0]
    assert as_text["label"][0] == "rack A"
    text_capacity = {k: str(v) for k, v in CAPACITY.items()}
    out = with_bands([text_capacity], "capacity", catalog=CATALOG)
    r = RangesModel(CATALOG).solve("capacity", **CAPACITY).range("replicas")
    assert (out["replicas_p10"][0], out["replicas_p90"][0]) == (r.low, r.high)


def test_a_row_with_an_error_gets_empty_bounds_and_keeps_its_message():
    out = with_bands(
        [
            {"fleet": "H100_8", "duration_days": 365, "kwh_price": 0.08},
            {"fleet": "H100_8x", "duration_days": 365, "kwh_price": 0.08},
        ],
        "economics",
    )
    assert out["tco_usd_p10"][0] > 0 and out["error"].isna()[0]
    assert math.isnan(out["tco_usd_p10"][1]) and math.isnan(out["tco_usd_p90"][1])
    assert "H100_8x" in out["error"][1]
