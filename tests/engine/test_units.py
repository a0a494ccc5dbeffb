"""The unit registry: FLOP, byte and USD are distinct dimensions; prefixes and formats are right."""

from __future__ import annotations

import mlsysim
import pint
import pytest
from mlsysim.catalog_units import CATALOG_UNITS, ENGINE_UNITS, PINT_SPELLING
from mlsysim.units import Q_


@pytest.mark.parametrize(
    ("quantity", "target"),
    [
        (lambda: mlsysim.Hardware.Cloud.A100.memory.bandwidth, "FLOP/s"),
        (lambda: Q_(1, "TB/s"), "1/s"),
        (lambda: Q_(1, "GB"), "USD"),
        (lambda: Q_(1, "FLOP"), "B"),
    ],
)
def test_distinct_dimensions_do_not_convert(quantity, target):
    with pytest.raises(pint.DimensionalityError):
        quantity().to(target)


def test_bytes_and_dollars_do_not_add():
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "GB") + Q_(1, "USD")


def test_decimal_and_binary_prefixes_differ():
    # 80 GiB = 80 * 2**30 B = 85.899 GB
    assert Q_(80, "GiB").to("GB").magnitude == pytest.approx(85.89934592, rel=1e-12)
    assert Q_(1, "TB/s").to("GB/s").magnitude == pytest.approx(1000, rel=1e-12)


@pytest.mark.parametrize(
    "unit",
    ["ms", "TFLOPs/s", "TB/s", "GB", "GiB", "metric_ton", "hour", "minute", "kg", "W", "kW", "kWh", "L"],
)
def test_every_unit_of_the_spec_parses(unit):
    assert Q_(1, unit).magnitude == 1


def test_short_formats_print_compact_symbols():
    assert f"{Q_(312e12, 'FLOP/s').to('TFLOPs/s')}" == "312.0 TFLOPs/s"
    assert f"{Q_(312e12, 'FLOP/s').to('TFLOPs/s'):~.2f}" == "312.00 TFLOPs/s"
    assert f"{Q_(1.2, 'metric_ton'):>8.1f~}" == "     1.2 t"
    assert f"{Q_(3.2e-3, 's').to('ms'):~.2f}" == "3.20 ms"


def test_catalog_unit_table_agrees_with_pint():
    for unit, (dimension, factor) in CATALOG_UNITS.items():
        engine_unit = ENGINE_UNITS[dimension]
        pint_unit = PINT_SPELLING.get(unit, unit)
        assert Q_(1, pint_unit).to(engine_unit).magnitude == pytest.approx(factor, rel=1e-12), unit
