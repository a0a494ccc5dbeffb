"""Block functions: every cell equals the per-cell function's value for that row (numbers exactly,
texts and booleans alike), whatever the row holds, and the call-level rules (shapes, columns,
headers, catalog tables) give one readable cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from mlsysim.macros import REGISTRY
from mlsysim.macros.blocks import BlockFunction
from mlsysim.macros.sheet_schema import catalog_rows, schema

F = {name: fn.python for name, fn in REGISTRY.items()}
BLOCKS = {name: fn for name, fn in REGISTRY.items() if isinstance(fn, BlockFunction)}

# Per family: rows of inputs in the block's input order (valid, infeasible, invalid in each way a
# cell can be, Currency/numpy/int values), each evaluated by the block and by every per-cell function.
ROWS = {
    "MLSYS_ROOFLINE_BLOCK": [
        ("Llama3_8B", "H100", 1.0, None),
        ("ResNet50", "A100", 64.0, "int8"),
        ("Llama3_70B", "T4", 1.0, None),  # does not fit in 16 GB
        ("Llama3_8B", "H10", 1.0, None),  # unknown id
        ("Llama3_8B", "H100", 1.5, None),  # not whole
        ("Llama3_8B", "H100", Decimal("4.0000"), "fp8"),  # Currency value
        ("Llama3_8B", "A100", np.int64(2), "fp8"),  # precision the device lacks
    ],
    "MLSYS_SERVING_BLOCK": [
        ("Llama3_70B", "H100", 4096.0, 1.0, None, 2.0),
        ("Llama3_70B", "H100", 4096.0, 1.0, None, None),  # does not fit
        ("Llama3_8B", "H100", 1024, 8, "fp8", 1),  # ints, as xlwings Lite passes them
        ("Llama3_8B", "H100", -2146826243, 1.0, None, None),  # #SPILL! from the classic add-in
        ("Llama3_8B", "H100", 1024.0, True, None, None),  # a boolean is not a number
        ("ResNet50", "H100", 1024.0, 1.0, None, None),  # not a transformer
        ("Llama3_8B", "H100", dt.datetime(2025, 1, 1), 1.0, None, None),  # a date in a count
        ("Llama3_8B", "H100", 1024.0, 1.0, None, 3.0),  # tp does not divide the heads
    ],
    "MLSYS_CAPACITY_BLOCK": [
        ("Llama3_70B", "H100", 50.0, 3000.0, 400.0, 2000.0, 40.0, 0.99, None, 8.0),
        ("Llama3_8B", "H100", 10, 1024, 256, None, None, None, "fp8", 1),  # ints, no targets
        ("Llama3_70B", "H100", 5.0, 1000.0, 200.0, None, 5.0, 0.99, None, 8.0),  # ITL target unmeetable
        ("Llama3_8B", "H100", 10.0, 1024.0, 1.0, None, None, None, None, None),  # one output token
        ("Llama3_8B", "H10", 10.0, 1024.0, 256.0, None, None, None, None, None),  # unknown id
        ("Llama3_8B", "H100", 10.0, 1024.0, 256.0, None, None, 1.5, None, None),  # not a percentile
    ],
    "MLSYS_TRAINING_BLOCK": [
        ("Llama3_70B", "H100_64", 512.0, 8.0, 8.0, 8.0, None, None, None),
        ("Llama3_8B", "H100_64", 512.0, 1.0, 1.0, 1.0, None, 1.0, 4096.0),
        ("Llama3_70B", "H100_8", 64.0, 1.0, 1.0, 1.0, None, None, None),  # does not fit
        ("Llama3_8B", "H100_64", 100.0, 8.0, None, None, None, None, None),  # batch not a multiple
        ("Llama3_8B", "H100_64", 512.0, 1.0, 1.0, 1.0, None, 5.0, None),  # ZeRO stage 5
        ("Llama3_8B", "H100_64", 512.0, 1.0, 1.0, 1.0, None, None, 0.0),  # no tokens per sequence
    ],
    "MLSYS_RUN_BLOCK": [
        # model, fleet, tokens, batch, seq, layout, tp, pp, mbs, precision, region
        ("Llama3_8B", "H100_64", 1e11, 512.0, 4096.0, None, 1.0, 1.0, 1.0, None, None),
        ("Llama3_8B", "H100_64", 1e11, 512.0, None, "TP2 DP32 mbs2", None, None, None, None, None),
        ("Llama3_70B", "H100_8", 1e10, 64.0, 2048.0, None, 1.0, 1.0, 1.0, None, None),  # does not fit
        ("Llama3_8B", "H100_64", -1.0, 512.0, 2048.0, None, 1.0, 1.0, 1.0, None, None),  # negative tokens
        ("Llama3_8B", "H100_64", 1e11, 512.0, 2048.0, "TP3", None, None, None, None, "Quebek"),  # bad texts
    ],
    "MLSYS_TCO_BLOCK": [
        ("H100_64", 365.0, None, None),
        ("H100_8", Decimal("30.0000"), Decimal("0.1200"), "colocation"),  # Currency cells
        ("H100_64", dt.datetime(1900, 12, 30), None, "Quebec"),  # =End-Start shown as a date: 365 days
        ("H100_64", -1.0, None, None),
        ("H100_64", 365.0, "#N/A", None),
    ],
    "MLSYS_CARBON_BLOCK": [
        ("H100_64", 365.0, None),
        ("H100_8", 30.0, "Quebec"),
        ("H100_64", 365.0, "Quebek"),
        ("H100_64", "#CALC!", None),
    ],
    "MLSYS_TOKEN_COST_BLOCK": [
        # model, hw, seq, batch, precision, tp, output, replicas, utilization, offer, term, region
        ("Llama3_70B", "H100", 4096.0, 16.0, None, 8.0, 256.0, 4.0, None, None, None, None),
        ("Llama3_8B", "H100", 2048.0, 8.0, "fp8", 1.0, None, None, 0.6, "cheapest", None, "Quebec"),
        ("Llama3_8B", "A100", 1024.0, 8.0, None, 1.0, 128.0, 2.0, 0.5, "RunPod_A100_SXM", "spot", None),
        ("Llama3_70B", "H100", 4096.0, 1.0, None, None, None, None, None, None, None, None),  # does not fit
        ("Llama3_8B", "H100", 1024.0, 1.0, None, None, None, None, 1.5, None, None, None),  # utilisation
        ("Llama3_8B", "H100", 1024.0, 1.0, None, None, None, None, None, "RunPod_A100_SXM", None, None),
    ],
    "MLSYS_RENT_VS_OWN_BLOCK": [
        # hw, offer, term, utilization, accelerators, region
        ("H100", "cheapest", None, 0.7, 64.0, None),
        ("H100", "AWS_p5_48xlarge", "reserved_1yr", 0.3, 8.0, "Quebec"),
        ("A100", "RunPod_A100_SXM", None, 0.05, None, None),
        ("H100", "cheapest", "weekly", None, None, None),  # no such term
        ("TPUv5e", "cheapest", None, None, None, None),  # no owned price for a TPU
    ],
    "MLSYS_RELIABILITY_BLOCK": [
        ("H100_64", 24.0, 60.0),
        ("H100_8", 720.0, 300.0),
        ("H100_64", 0.0, 60.0),  # MTBF and the checkpoint interval still numbers
        ("H100_64", 24.0, "x"),  # only the columns that take ckpt_s fail
        ("H100_1024", 24.0, 60.0),
    ],
}


def _per_cell(block: BlockFunction, row: tuple) -> list:
    return [F[o.function.name](*[row[p] for p in o.positions]) for o in block.outputs]


def test_every_block_function_is_covered():
    assert set(ROWS) == set(BLOCKS)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_each_cell_is_the_per_cell_value(name):
    block, rows = BLOCKS[name], ROWS[name]
    columns = [[row[j] for row in rows] for j in range(len(block.inputs))]
    got = F[name](*columns)
    want = [_per_cell(block, row) for row in rows]
    assert got == want  # exact: same parsing, same estimate, same unit factor
    kinds = {type(v).__name__ for row in want for v in row}
    assert "float" in kinds and "str" in kinds  # numbers and #MLSYS! texts both exercised


def test_a_single_value_applies_to_every_row_and_empty_rows_stay_empty():
    got = F["MLSYS_SERVING_BLOCK"]("Llama3_8B", "H100", [[1024.0], [None], [4096.0]], 1.0)
    assert got[1] == [""] * 7
    assert got[0] == _per_cell(BLOCKS["MLSYS_SERVING_BLOCK"], ("Llama3_8B", "H100", 1024.0, 1.0, None, None))
    assert got[2] == _per_cell(BLOCKS["MLSYS_SERVING_BLOCK"], ("Llama3_8B", "H100", 4096.0, 1.0, None, None))


def test_a_missing_input_is_each_row_s_error_as_in_a_cell():
    got = F["MLSYS_SERVING_BLOCK"]("Llama3_8B", None, [1024.0, 2048.0], 1.0, columns="TTFT")
    assert got == [[F["MLSYS_TTFT"]("Llama3_8B", None, 1024, 1)]] * 2
    assert got[0][0].startswith("#MLSYS! invalid hw=None: expected a hardware id")


def test_columns_and_headers():
    got = F["MLSYS_SERVING_BLOCK"](
        ["Llama3_8B"], "H100", 1024.0, 8.0, columns="itl, MLSYS_TTFT", headers=True
    )
    assert got[0] == ["ITL (ms)", "TTFT (ms)"]
    assert got[1] == [
        F["MLSYS_ITL"]("Llama3_8B", "H100", 1024, 8),
        F["MLSYS_TTFT"]("Llama3_8B", "H100", 1024, 8),
    ]
    as_range = F["MLSYS_SERVING_BLOCK"]("Llama3_8B", "H100", 1024.0, 8.0, columns=[["TTFT", "FITS"]])
    assert as_range == [[F["MLSYS_TTFT"]("Llama3_8B", "H100", 1024, 8), True]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: F["MLSYS_SERVING_BLOCK"]("Llama3_8B", "H100", [1.0, 2.0], [1.0, 2.0, 3.0]),
            "#MLSYS! invalid seq='2 rows': one value or 3 rows, as the other inputs",
        ),
        (
            lambda: F["MLSYS_SERVING_BLOCK"]("Llama3_8B", "H100", 1.0, 1.0, columns="TTFT, TFFT"),
            "#MLSYS! invalid columns=' TFFT': expected names among FITS, MEM_UTIL",
        ),
        (
            lambda: F["MLSYS_SERVING_BLOCK"]("Llama3_8B", "H100", [[1.0, 2.0]], 1.0),
            "#MLSYS! invalid seq='a 1×2 range': one column, or one value for every row",
        ),
        (
            lambda: F["MLSYS_SERVING_BLOCK"]("Llama3_8B", "H100", 1.0, 1.0, headers="yes"),
            "#MLSYS! invalid headers='yes': TRUE or FALSE",
        ),
        (lambda: F["MLSYS_SERVING_BLOCK"]("Llama3_8B", nope=1), "#MLSYS! invalid MLSYS_SERVING_BLOCK="),
    ],
)
def test_a_problem_with_the_whole_call_is_one_cell(call, message):
    got = call()
    assert len(got) == 1 and len(got[0]) == 1
    assert got[0][0].startswith(message), got


def _rows(kind: str) -> dict[str, list]:
    return {row[0]: list(row) for row in catalog_rows(kind)}


def test_ids_are_looked_up_in_the_catalog_rows_given():
    models, hardware = _rows("model"), _rows("hardware")
    faster = list(hardware["H100"])
    faster[0] = "H100_FAST"
    bandwidth = schema("hardware").index("memory_bandwidth")
    faster[bandwidth] = 2 * faster[bandwidth]  # twice the memory bandwidth (GB/s)
    table = [*hardware.values(), faster]
    got = F["MLSYS_SERVING_BLOCK"](
        ["Llama3_8B", "Llama3_8B", "Llama3_8B"],
        ["H100", "h100_fast", "H100_SLOW"],
        1024.0,
        1.0,
        models=list(models.values()),
        hardware=table,
        columns="ITL",
    )
    assert got[0] == [F["MLSYS_ITL"]("Llama3_8B", [hardware["H100"]], 1024, 1)]
    assert got[1] == [F["MLSYS_ITL"]("Llama3_8B", [faster], 1024, 1)]
    assert got[1][0] < got[0][0]  # the edited row is the one used
    assert got[2][0].startswith("#MLSYS! invalid hw='H100_SLOW': not an ID of the Hardware rows given")


def test_catalog_rows_as_inputs_and_a_bad_table():
    row = [_rows("fleet")["H100_64"]]
    got = F["MLSYS_RELIABILITY_BLOCK"](row, [24.0, 48.0], 60.0, columns="GOODPUT")
    assert got == [[F["MLSYS_GOODPUT"](row, 24, 60)], [F["MLSYS_GOODPUT"](row, 48, 60)]]
    bad = F["MLSYS_TCO_BLOCK"]("H100_64", 365.0, fleets=[["H100_64", 1.0]])
    assert bad[0][0].startswith("#MLSYS! invalid fleets='a range 2 columns wide'")


def test_signatures_list_inputs_tables_then_options():
    assert REGISTRY["MLSYS_SERVING_BLOCK"].signature == (
        "MLSYS_SERVING_BLOCK(model, hw, seq, batch, [precision], [tp], [models], [hardware], "
        "[columns], [headers])"
    )
    assert REGISTRY["MLSYS_RELIABILITY_BLOCK"].signature == (
        "MLSYS_RELIABILITY_BLOCK(fleet, hours, ckpt_s, [fleets], [columns], [headers])"
    )
