"""The catalog-sheet layout and its rows: packaged catalog -> rows -> specs round-trips exactly."""

from __future__ import annotations

import dataclasses

import mlsysim
import numpy as np
import pytest
from mlsysim.errors import InvalidInputError, UnknownEntryError
from mlsysim.macros import sheet_schema as ss

CATALOG = mlsysim.load_catalog()
CATALOG_KIND = {"hardware": "hardware", "model": "model", "fleet": "fleet", "region": "grid"}


def _numbers(spec):
    """A spec's fields without display names (a Fleets row names its accelerator by id)."""
    if dataclasses.is_dataclass(spec):
        return {f.name: _numbers(getattr(spec, f.name)) for f in dataclasses.fields(spec) if f.name != "name"}
    return spec


@pytest.mark.parametrize("kind", ss.KINDS)
def test_catalog_rows_round_trip_to_the_catalog_specs_exactly(kind):
    rows = ss.catalog_rows(kind)
    assert [r[0] for r in rows] == list(CATALOG.ids(CATALOG_KIND[kind]))
    for row in rows:
        assert len(row) == len(ss.headers(kind))
        spec = ss.row_to_spec(kind, row)
        entry = CATALOG.get(CATALOG_KIND[kind], row[0])
        if kind == "region":
            grid, facility = spec
            assert _numbers(grid) == _numbers(entry.spec)
            assert _numbers(facility) == _numbers(CATALOG.get("datacenter", "hyperscale").spec)
        else:
            assert _numbers(spec) == _numbers(entry.spec)  # exact: values are written to round-trip
        assert row[-1], "every row names its sources"


def test_hardware_row_values_are_in_the_header_units():
    row = dict(
        zip(
            ss.headers("hardware"),
            next(r for r in ss.catalog_rows("hardware") if r[0] == "H100"),
            strict=True,
        )
    )
    # H100 SXM datasheet: 3.35 TB/s, 80 GB, 989.4 dense FP16 TFLOP/s, 700 W, NVLink 900 GB/s.
    assert row["Memory bandwidth (GB/s)"] == 3350.0
    assert row["Memory capacity (GB)"] == 80.0
    assert row["Peak FP16 (TFLOP/s)"] == 989.4
    assert row["TDP (W)"] == 700.0
    assert row["Scale-up bandwidth (GB/s)"] == 900.0
    assert row["Peak INT4 (TOPS)"] is None  # the H100 has no int4 tensor-core rate in the catalog


def test_headers_are_unique_and_carry_units():
    for kind in ss.KINDS:
        sheet = ss.schema(kind)
        assert len(set(sheet.headers)) == len(sheet.headers)
        assert sheet.columns[0].key == "id" and sheet.columns[-1].key == "source"
        for column in sheet.columns:
            if column.unit and column.unit not in ss.COUNT_UNITS:
                assert f"({column.unit})" in column.header, column.header


def test_fleet_accelerator_columns_name_hardware_columns():
    hardware = {c.key for c in ss.schema("hardware").columns}
    looked_up = [c for c in ss.schema("Fleets").columns if c.lookup]
    # 9 precisions, capacity, bandwidth, TDP, scale-up bandwidth/topology/domain, price, embodied carbon
    assert len(looked_up) == 17
    for column in looked_up:
        assert column.lookup == "Hardware" and column.key in hardware


def test_schema_accepts_sheet_names_and_rejects_others():
    assert ss.schema("Models") is ss.schema("model")
    assert ss.schema("regions").sheet == "Regions"
    with pytest.raises(UnknownEntryError, match="Hardware"):
        ss.schema("Hardwares ")
    assert ss.schema("fleet").index("nodes") == ss.headers("fleet").index("Nodes")


def _h100():
    return list(next(r for r in ss.catalog_rows("hardware") if r[0] == "H100"))


def test_row_shapes_excel_and_formulas_pass():
    row = _h100()
    want = ss.row_to_spec("hardware", tuple(row))
    for shaped in (
        row,
        [row],
        np.array(row, dtype=object),
        np.array([row], dtype=object),
        [[v] for v in row],
    ):
        assert ss.row_to_spec("hardware", shaped) == want
    with pytest.raises(InvalidInputError, match="one row of the Hardware sheet: 21 cells"):
        ss.row_to_spec("hardware", row[:-1])
    with pytest.raises(InvalidInputError, match="2×21 range"):
        ss.row_to_spec("hardware", np.array([row, row], dtype=object))
    with pytest.raises(InvalidInputError, match="one row"):
        ss.row_to_spec("hardware", "H100")


def _with(row, header, value, kind="hardware"):
    row = list(row)
    row[ss.headers(kind).index(header)] = value
    return row


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("Memory bandwidth (GB/s)", "fast", "expected a number in GB/s"),
        ("Memory bandwidth (GB/s)", -5.0, r"=-5\.0: expected a positive"),
        ("Memory bandwidth (GB/s)", None, "a value is required"),
        ("Memory bandwidth (GB/s)", True, "expected a number in GB/s"),
        ("TDP (W)", "#N/A", "the cell holds an Excel error"),
        ("ID", "", "a value is required"),
    ],
)
def test_bad_hardware_cells_name_sheet_column_and_value(header, value, message):
    with pytest.raises(InvalidInputError, match=message) as info:
        ss.row_to_spec("hardware", _with(_h100(), header, value))
    assert f"Hardware column '{header}'" in str(info.value)


def test_a_device_needs_at_least_one_peak_rate():
    row = _h100()
    for header in ss.headers("hardware"):
        if header.startswith("Peak"):
            row = _with(row, header, None)
    with pytest.raises(InvalidInputError, match="at least one peak rate"):
        ss.row_to_spec("hardware", row)


def test_true_is_not_one_even_after_the_same_row_with_one_was_cached():
    # A cache keyed on the row must not confuse TRUE with 1 (Python: True == 1).
    fleet = list(next(r for r in ss.catalog_rows("fleet") if r[0] == "H100_8"))
    assert ss.row_to_spec("fleet", _with(fleet, "Nodes", 1.0, "fleet")).nodes == 1
    with pytest.raises(InvalidInputError, match="Nodes"):
        ss.row_to_spec("fleet", _with(fleet, "Nodes", True, "fleet"))


def test_model_rows_check_the_fields_of_their_kind():
    resnet = list(next(r for r in ss.catalog_rows("model") if r[0] == "ResNet50"))
    with pytest.raises(InvalidInputError, match="required for a cnn"):
        ss.row_to_spec("model", _with(resnet, "FLOPs per inference (GFLOP)", None, "model"))
    llama = list(next(r for r in ss.catalog_rows("model") if r[0] == "Llama3_8B"))
    with pytest.raises(InvalidInputError, match="required for a transformer"):
        ss.row_to_spec("model", _with(llama, "KV heads", None, "model"))
    with pytest.raises(InvalidInputError, match="expected transformer or cnn"):
        ss.row_to_spec("model", _with(llama, "Kind (transformer/cnn)", "rnn", "model"))
    with pytest.raises(InvalidInputError, match="expected TRUE or FALSE"):
        ss.row_to_spec("model", _with(llama, "Gated FFN (TRUE/FALSE)", "maybe", "model"))
    # 8.030261248 billion parameters is the whole number 8,030,261,248 although 8.030261248 × 1e9
    # is not.
    assert ss.row_to_spec("model", llama).parameters == 8_030_261_248.0


def test_region_rows_carry_grid_and_facility():
    quebec = list(next(r for r in ss.catalog_rows("region") if r[0] == "Quebec"))
    grid, facility = ss.row_to_spec("region", quebec)
    # 1.7 gCO2e/kWh = 1.7e-3 kg / 3.6e6 J; PUE 1.10 and WUE 0.30 L/kWh of the hyperscale profile.
    assert grid.carbon_intensity == pytest.approx(1.7e-3 / 3.6e6, rel=1e-15)
    assert (facility.pue, facility.wue) == (1.1, pytest.approx(0.3 / 3.6e6, rel=1e-15))
    assert ss.row_to_spec("region", _with(quebec, "WUE (L/kWh)", 0, "region"))[1].wue == 0.0
    with pytest.raises(InvalidInputError, match=r"=0\.9: PUE is total over IT energy, a number >= 1\.0"):
        ss.row_to_spec("region", _with(quebec, "PUE", 0.9, "region"))
