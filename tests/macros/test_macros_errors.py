"""Every way a cell can go wrong gives a readable #MLSYS! value, never an exception or a number."""

from __future__ import annotations

import pytest
from mlsysim.macros import REGISTRY
from mlsysim.macros.cells import error_text, is_error
from mlsysim.macros.sheet_schema import catalog_rows

F = {name: fn.python for name, fn in REGISTRY.items()}


@pytest.mark.parametrize(
    ("call", "text"),
    [
        # unknown ids, with the closest catalog names
        (
            lambda: F["MLSYS_TTFT"]("Llama3_70B", "H10", 4096, 1),
            "#MLSYS! unknown hardware 'H10' — did you mean H100",
        ),
        (
            lambda: F["MLSYS_LATENCY"]("Lama3_8B", "H100", 1),
            "#MLSYS! unknown model 'Lama3_8B' — did you mean Llama3_8B",
        ),
        (lambda: F["MLSYS_TCO"]("H100_1024", 365), "#MLSYS! unknown fleet 'H100_1024' — did you mean"),
        (
            lambda: F["MLSYS_CARBON"]("H100_64", 30, "Quebek"),
            "#MLSYS! unknown grid 'Quebek' — did you mean Quebec",
        ),
        # bad numbers
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1.5),
            "#MLSYS! invalid batch_size=1.5: expected a whole",
        ),
        (lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 0, 1), "#MLSYS! invalid seq_len=0"),
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", "many", 1),
            "#MLSYS! invalid seq='many': expected a number",
        ),
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", True, 1),
            "#MLSYS! invalid seq=True: expected a number",
        ),
        (lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 9000, 1), "#MLSYS! invalid seq_len=9000"),
        (lambda: F["MLSYS_TCO"]("H100_64", -1), "#MLSYS! invalid duration_days=-1.0"),
        (lambda: F["MLSYS_TCO"]("H100_64", 365, -0.1), "#MLSYS! invalid kwh_price"),
        (lambda: F["MLSYS_FAIL_PROB"]("H100_64", 0), "#MLSYS! invalid job_duration_hours=0.0"),
        (lambda: F["MLSYS_CKPT_INTERVAL"]("H100_64", -60), "#MLSYS! invalid checkpoint_time_s=-60.0"),
        # missing required arguments (an empty cell)
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", None, 1),
            "#MLSYS! invalid seq=None: a value is required",
        ),
        (lambda: F["MLSYS_TTFT"]("", "H100", 4096, 1), "#MLSYS! invalid model=None: expected a model id"),
        (lambda: F["MLSYS_MTBF"](42.0), "#MLSYS! invalid fleet=42.0: expected a fleet id such as H100_64"),
        # precision and parallelism the device or model cannot do
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "A100", 4096, 1, "fp8"),
            "#MLSYS! invalid precision='fp8': NVIDIA A100",
        ),
        (lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1, "fp12"), "#MLSYS! invalid precision='fp12'"),
        (lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1, None, 3), "#MLSYS! invalid tp_size=3"),
        (lambda: F["MLSYS_TTFT"]("Llama3_8B", "T4", 512, 1, None, 2), "#MLSYS! invalid tp_size=2: "),
        (
            lambda: F["MLSYS_TTFT"]("ResNet50", "H100", 512, 1),
            "#MLSYS! invalid model='ResNet-50 v1.5': serving needs a",
        ),
        (lambda: F["MLSYS_STEP_TIME"]("Llama3_8B", "H100_64", 100, 8), "#MLSYS! invalid batch_size=100"),
        (
            lambda: F["MLSYS_STEP_TIME"]("Llama3_8B", "H100_64", 512, 8, 1, 1, None, 5),
            "#MLSYS! invalid zero_stage=5",
        ),
        # Excel error values in input cells
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "#N/A", 4096, 1),
            "#MLSYS! invalid hw='#N/A': the cell holds an Excel",
        ),
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", "#REF!", 1),
            "#MLSYS! invalid seq='#REF!': the cell holds",
        ),
        # units
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1, None, None, "kg"),
            "#MLSYS! invalid unit='kg': this result is a time",
        ),
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1, None, None, "parsecs/"),
            "#MLSYS! invalid unit='parsecs/': not a unit",
        ),
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1, None, None, "1/0"),
            "#MLSYS! invalid unit='1/0': not",
        ),
        (
            lambda: F["MLSYS_TTFT"]("Llama3_8B", "H100", 4096, 1, None, None, "ms)"),
            "#MLSYS! invalid unit='ms)': not",
        ),
        (
            lambda: F["MLSYS_TCO"]("H100_64", 365, None, None, "kWh"),
            "#MLSYS! invalid unit='kWh': this result is money",
        ),
        # arguments from Python that Excel cannot send
        (lambda: F["MLSYS_MTBF"]("H100_64", "h", "extra"), "#MLSYS! invalid MLSYS_MTBF="),
        (lambda: F["MLSYS_MTBF"](fleet="H100_64", colour="red"), "#MLSYS! invalid MLSYS_MTBF="),
        # catalog look-ups
        (lambda: F["MLSYS_SPEC"]("gpu", "H100", "tdp"), "#MLSYS! unknown catalog sheet 'gpu'"),
        (
            lambda: F["MLSYS_SPEC"]("hardware", "H100", "bandwith"),
            "#MLSYS! unknown Hardware field 'bandwith'",
        ),
        (
            lambda: F["MLSYS_SPEC"]("hardware", "H100", "Peak INT4 (TOPS)"),
            "#MLSYS! invalid field='Peak INT4 (TOPS)': this entry has no",
        ),
        (
            lambda: F["MLSYS_SPEC"]("hardware", "H100", "name", "GB"),
            "#MLSYS! invalid unit='GB': column 'Name' holds text",
        ),
        (
            lambda: F["MLSYS_HELP"]("MLSYS_TTTF"),
            "#MLSYS! unknown function 'MLSYS_TTTF' — did you mean MLSYS_TTFT",
        ),
    ],
)
def test_error_values(call, text):
    got = call()
    assert isinstance(got, str) and got.startswith(text), got
    assert is_error(got)


def test_a_grid_without_a_price_needs_kwh_price():
    # Every packaged grid has a price, so use a Regions row whose price cell is empty.
    row = list(next(r for r in catalog_rows("region") if r[0] == "Quebec"))
    row[3] = None  # Electricity price (USD/kWh)
    assert F["MLSYS_TCO"]("H100_64", 365, None, row).startswith(
        "#MLSYS! invalid kwh_price=None: the catalog has no"
    )
    assert isinstance(F["MLSYS_TCO"]("H100_64", 365, 0.1, row), float)


def test_a_fleet_row_without_a_node_price_has_no_tco():
    row = list(next(r for r in catalog_rows("fleet") if r[0] == "H100_64"))
    row[23] = None  # Node price (USD)
    assert F["MLSYS_TCO"]("H100_64", 365) > 0
    assert F["MLSYS_TCO"](row, 365).startswith("#MLSYS! invalid fleet='64x H100")
    assert isinstance(F["MLSYS_CARBON"](row, 365), float)  # carbon needs no price


@pytest.mark.parametrize("name", ["MLSYS_TTFT", "MLSYS_ITL", "MLSYS_TOKENS_PER_S"])
def test_infeasible_serving_names_the_binding_constraint(name):
    # Llama 3 70B in fp16: 70,553,706,496 × 2 B = 141.1 GB of weights; an H100 has 80 GB, 72 GB usable
    # (10 % reserved).
    got = F[name]("Llama3_70B", "H100", 4096, 1)
    assert got.startswith("#MLSYS! does not fit: needs 143.7 GB per device (weights 141.1 GB")
    assert "72.0 GB usable of 80.0 GB" in got
    assert F["MLSYS_FITS"]("Llama3_70B", "H100", 4096, 1) is False
    # With tp=2 each device holds 70.55 GB of weights, half the KV cache after 128 output tokens
    # (327,680 B/token × 4,224 tokens / 2 = 0.692 GB) and half the prefill workspace (153,600 elements
    # per token and layer × 4,096 × 2 B / 2 = 0.629 GB): 71.87 GB, just under the 72 GB usable.
    assert isinstance(F[name]("Llama3_70B", "H100", 4096, 1, None, 2), float)
    assert F["MLSYS_FITS"]("Llama3_70B", "H100", 4096, 1, None, 2) is True
    assert F["MLSYS_MEMORY"]("Llama3_70B", "H100", 4096, 1, None, 2) == pytest.approx(71.875, abs=0.005)


def test_infeasible_configurations_still_report_memory():
    # 143.75 GB needed on one 80 GB device: utilisation 1.797...; the KV cache of 4096 tokens is
    # 80 layers × 2 × 8 KV heads × 128 × 4096 × 2 B = 1.34217728 GB.
    assert F["MLSYS_MEM_UTIL"]("Llama3_70B", "H100", 4096, 1) == pytest.approx(143.75 / 80, abs=0.001)
    assert F["MLSYS_KV_CACHE"]("Llama3_70B", "H100", 4096, 1) == pytest.approx(1.34217728, rel=1e-12)
    assert F["MLSYS_MEMORY"]("Llama3_70B", "H100", 4096, 1) == pytest.approx(143.75, abs=0.05)


def test_unexpected_failures_are_reported_not_raised():
    assert error_text(ZeroDivisionError("float division by zero")) == (
        "#MLSYS! internal error (ZeroDivisionError: float division by zero); please report it"
    )


def test_results_beyond_float_range_are_errors_not_infinities():
    # 1e308 days of a 10 kW fleet is about 1e321 J: beyond a float, so no number is shown.
    assert F["MLSYS_ENERGY_KWH"]("H100_64", 1e308) == (
        "#MLSYS! out of range: the result is not a finite number; check the inputs' magnitudes"
    )
    assert F["MLSYS_TTFT"]("Llama3_8B", "H100", 128, 1e308).startswith("#MLSYS! out of range")
    assert F["MLSYS_TCO"]("H100_64", float("inf")) == "#MLSYS! invalid days=inf: expected a finite number"
