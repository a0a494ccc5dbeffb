"""Assumption spreads: sourced, checked, and their bad inputs named."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlsysim
import pytest
from mlsysim import CatalogError, InvalidInputError
from mlsysim.catalog_loader import load_catalog_from
from mlsysim.ranges.spreads import FACTOR, SPREAD_INPUTS, VALUE, Spread

CATALOG = Path(mlsysim.__file__).resolve().parent.parent / "catalog"
# The inputs the issue names for finance to stress
STRESSED = {
    "utilization",
    "node_price",
    "rental_rate",
    "electricity_price",
    "pue",
    "carbon_intensity",
    "failure_rate",
    "average_power_fraction",
}


def test_the_packaged_spreads_cover_the_stressed_inputs_with_sources():
    catalog = mlsysim.load_catalog()
    spreads = catalog.assumptions.spreads
    assert STRESSED <= set(spreads) <= set(SPREAD_INPUTS)
    for s in spreads.values():
        assert s.source in catalog.sources and s.estimate, s.name
        assert s.low <= s.base <= s.high
        if s.basis == VALUE:  # the base of a value spread is the assumption itself
            assert s.base == getattr(catalog.assumptions, s.name)
        else:
            assert s.base == 1.0


def _copy_with(tmp_path, old, new):
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    target = root / "assumptions.toml"
    text = target.read_text("utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), "utf-8")
    return root


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "pue = { low = 0.95, high = 1.1",
            "pue = { low = 1.2, high = 1.1",
            r"spreads\.pue.*low must not exceed",
        ),
        (
            "average_power_fraction = { low = 0.65, high = 0.9",
            "average_power_fraction = { low = 0.85, high = 0.9",
            r"base must lie between low 0\.85 and high 0\.9",
        ),
        (
            'pue = { low = 0.95, high = 1.1, basis = "factor", source = "uptime-survey-2024"',
            'pue = { low = 0.95, high = 1.1, basis = "factor", source = "nowhere"',
            "unknown source id",
        ),
        ("pue = { low = 0.95", "pew = { low = 0.95", "unknown spread"),
        ("pue = { low = 0.95", "pue = { low = -0.95", "positive"),
    ],
)
def test_a_broken_spread_is_a_catalog_error_naming_it(tmp_path, old, new, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog_from(_copy_with(tmp_path, old, new))


def test_a_spread_built_in_python_checks_its_ends():
    with pytest.raises(InvalidInputError, match=r"pue\.low.*must not exceed its high"):
        Spread("pue", 1.2, 1.1, 1.0, FACTOR)
    with pytest.raises(InvalidInputError, match="basis"):
        Spread("pue", 0.9, 1.1, 1.0, "percent")
