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


def test_a_user_catalog_replaces_the_spreads_and_the_tornado_follows(tmp_path):
    from mlsysim.api.ranges import RangesModel

    folder = tmp_path / "mine"
    (folder / "sources").mkdir(parents=True)
    (folder / "assumptions.toml").write_text(
        "[spreads]\noverride = true\n"
        'pue = { low = 0.5, high = 2.0, basis = "factor", source = "uptime-survey-2024", '
        'estimate = "a deliberately wide PUE spread" }\n',
        "utf-8",
    )
    catalog = mlsysim.load_catalog(str(folder))
    assert set(catalog.assumptions.spreads) == {"pue"}
    report = RangesModel(catalog).solve("economics", fleet="H100_8", duration_days=365, kwh_price=0.08)
    assert [b.driver for b in report.tornado] == ["pue"]
    e = report.result.estimate
    # only the energy part scales with PUE: at x2 the TCO is capex + maintenance + 2 x energy cost
    assert report.tornado[0].at_high == pytest.approx(e.capex_usd + e.maintenance_usd + 2 * e.energy_cost_usd)
    broken = tmp_path / "broken"
    (broken / "sources").mkdir(parents=True)
    (broken / "assumptions.toml").write_text(
        "[spreads]\noverride = true\n"
        'pue = { low = 2.0, high = 0.5, basis = "factor", source = "uptime-survey-2024" }\n',
        "utf-8",
    )
    with pytest.raises(CatalogError, match=r"spreads\.pue.*low must not exceed"):
        mlsysim.load_catalog(str(broken))
