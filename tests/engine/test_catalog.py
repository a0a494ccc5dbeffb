"""The catalog: every number has a known source, a positive value and the right dimension."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import mlsysim
import pytest
from mlsysim.catalog_loader import load_catalog, load_catalog_from
from mlsysim.catalog_units import CATALOG_UNITS
from mlsysim.errors import CatalogError

CATALOG = Path(__file__).resolve().parents[2] / "catalog"


def _measured_tables(node, path=""):
    """Yield (path, table) for every {value, ...} table anywhere in a parsed TOML document."""
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
            return
        for key, child in node.items():
            yield from _measured_tables(child, f"{path}.{key}" if path else key)


def _is_spread(node) -> bool:
    """A sourced range of assumptions.toml [spreads]: {low, high, source, ...} (mlsysim.ranges)."""
    return {"low", "high", "source"} <= set(node)


def _numbers_outside_measured(node, path=""):
    if isinstance(node, dict):
        if "value" in node or _is_spread(node):
            return
        for key, child in node.items():
            yield from _numbers_outside_measured(child, f"{path}.{key}")
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path


def test_every_number_in_every_file_has_a_known_source_and_positive_value():
    sources = set()
    for path in sorted((CATALOG / "sources").glob("*.toml")):
        ids = tomllib.loads(path.read_text("utf-8"))
        assert not sources & set(ids), f"source defined twice: {sources & set(ids)}"
        sources |= set(ids)
    files = [p for p in CATALOG.rglob("*.toml") if p.parent.name != "sources"]
    assert len(files) >= 10
    count = 0
    for path in files:
        document = tomllib.loads(path.read_text("utf-8"))
        assert not list(_numbers_outside_measured(document)), f"{path}: bare number"
        for where, spread in document.get("spreads", {}).items():
            assert _is_spread(spread) and spread["source"] in sources, f"{path}: spreads.{where}"
            assert 0 < spread["low"] <= spread["high"], f"{path}: spreads.{where}"
        for where, table in _measured_tables(document):
            count += 1
            assert table.get("source") in sources, f"{path}:{where} source {table.get('source')!r}"
            assert table["value"] > 0, f"{path}:{where}"
            assert table.get("unit", "") in CATALOG_UNITS, f"{path}:{where}"
    assert count > 400


def test_catalog_breadth_from_the_issue():
    catalog = load_catalog()
    hardware = set(catalog.ids("hardware"))
    for name in [
        "V100",
        "A100",
        "A100_40GB",
        "H100",
        "H100_PCIe",
        "H200",
        "B200",
        "L4",
        "L40S",
        "T4",
        "A10G",
        "MI250X",
        "MI300X",
        "TPUv4",
        "TPUv5e",
        "TPUv5p",
        "Gaudi3",
        "RTX4090",
        "JetsonAGX",
        "JetsonOrinNano",
        "CoralEdgeTPU",
    ]:
        assert name in hardware
    assert len(catalog.group("hardware", "mobile")) >= 2 and len(catalog.group("hardware", "tiny")) >= 1
    models = set(catalog.ids("model"))
    for name in [
        "ResNet50",
        "MobileNetV2",
        "BERT_Base",
        "BERT_Large",
        "GPT2",
        "GPT3_175B",
        "Llama2_7B",
        "Llama2_13B",
        "Llama2_70B",
        "Llama3_8B",
        "Llama3_70B",
        "Llama3_1_405B",
        "Mixtral_8x7B",
        "DeepSeek_V3",
    ]:
        assert name in models
    assert {"H100_8", "H100_64", "H100_256"} <= set(catalog.ids("fleet"))
    assert {"DGX_A100", "DGX_H100", "DGX_B200"} <= set(catalog.ids("node"))
    grids = set(catalog.ids("grid"))
    assert {
        "Quebec",
        "US_Average",
        "Poland",
        "France",
        "Norway",
        "Sweden",
        "Germany",
        "UK",
        "California",
        "Texas",
        "Virginia",
        "China",
        "India",
        "Japan",
        "Australia",
    } <= grids
    assert {"hyperscale", "colocation", "enterprise"} <= set(catalog.ids("datacenter"))


def test_datasheet_values_that_the_spec_relies_on():
    h100, a100 = mlsysim.Hardware.Cloud.H100.spec, mlsysim.Hardware.Cloud.A100.spec
    assert a100.flops(mlsysim.Precision.FP16) == 312e12  # dense, not the 624 sparse figure
    assert h100.flops(mlsysim.Precision.FP16) == pytest.approx(989.4e12, rel=1e-3)
    assert a100.memory_bandwidth == 2039e9
    assert h100.memory_capacity == 80e9  # NVIDIA's "80GB" is decimal
    llama = mlsysim.Models.Language.Llama3_70B.spec
    assert (llama.layers, llama.kv_heads, llama.head_dim, llama.hidden_size) == (80, 8, 128, 8192)
    assert mlsysim.Systems.Clusters.H100_64.spec.accelerators == 64


def test_source_of_names_the_document():
    measured = mlsysim.Hardware.Cloud.H100.source_of("memory.bandwidth")
    assert measured.si_value == pytest.approx(3.35e12)
    assert measured.source.url.startswith("http") and measured.source.title
    assert load_catalog().assumptions.source_of("host_mtbf").source.id == "kokolis2024"
    coral = mlsysim.Hardware.Edge.CoralEdgeTPU
    peak = coral.source_of("compute.peak_flops")
    assert peak.si_value == coral.compute.peak_flops.to("FLOP/s").magnitude


# Sources kept for independent validation (the team brief): no modelling constant may come from one.
_RESERVED_TITLES = (
    "Herd of Models",  # Llama 3 / 3.1
    "Llama 2",
    "LLaMA: Open",
    "Reducing Activation Recomputation",  # Korthikanti et al. 2022
    "PaLM",
    "BLOOM",
    "OPT: Open",
    "MLPerf Training",
    "NeMo Framework",
)


def test_no_assumption_comes_from_a_reserved_source():
    assumptions = load_catalog().assumptions
    for name, measured in assumptions.provenance.items():
        title = measured.source.title
        assert not any(reserved in title for reserved in _RESERVED_TITLES), (name, title)


def _broken_copy(tmp_path, rel, old, new):
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    target = root / rel
    text = target.read_text("utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), "utf-8")
    return root


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('source = "nvidia-h100', 'source = "no-such-source-h100', "unknown source id"),
        (
            'memory_bandwidth = { value = 3.35, unit = "TB/s"',
            'memory_bandwidth = { value = 3.35, unit = "TFLOP/s"',
            "expected bandwidth",
        ),
        ("memory_bandwidth = { value = 3.35", "memory_bandwidth = { value = -3.35", "positive"),
        (
            'memory_bandwidth = { value = 3.35, unit = "TB/s"',
            'memory_bandwidth = { value = 3.35, unit = "TB/sec"',
            "unknown unit",
        ),
        (
            "memory_bandwidth = { value = 3.35",
            'colour = "green"\nmemory_bandwidth = { value = 3.35',
            "unknown field",
        ),
    ],
)
def test_schema_violations_are_caught(tmp_path, old, new, message):
    root = _broken_copy(tmp_path, "hardware/cloud.toml", old, new)
    with pytest.raises(CatalogError, match=message):
        load_catalog_from(root)


def test_pue_below_one_is_rejected(tmp_path):
    text = (CATALOG / "infra/datacenters.toml").read_text("utf-8")
    start = text.index("pue = { value = ") + len("pue = { value = ")
    old = text[text.index("pue = { value = ") : text.index(",", start)]
    root = _broken_copy(tmp_path, "infra/datacenters.toml", old, "pue = { value = 0.9")
    with pytest.raises(CatalogError, match=r"pue: 0\.9: PUE is total over IT energy, a number >= 1\.0"):
        load_catalog_from(root)
