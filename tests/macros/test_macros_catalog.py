"""MLSYS_SPEC, MLSYS_VERSION, MLSYS_HELP and the package surface of mlsysim.macros."""

from __future__ import annotations

import mlsysim
import mlsysim.macros
import pytest
from mlsysim.macros import MLSYS_HELP, MLSYS_SPEC, MLSYS_VERSION, REGISTRY
from mlsysim.macros.sheet_schema import catalog_rows

CATALOG = mlsysim.load_catalog()


@pytest.mark.parametrize("hw", CATALOG.ids("hardware"))
def test_spec_reads_hardware_values_as_the_seed_registry_gives_them(hw):
    node = CATALOG.get("hardware", hw)
    # Column unit GB/s; the seed API gives Quantities that convert to the same number.
    assert MLSYS_SPEC("hardware", hw, "memory_bandwidth") == pytest.approx(
        node.memory.bandwidth.to("GB/s").magnitude, rel=1e-12
    )
    assert MLSYS_SPEC("Hardware", hw, "Memory capacity (GB)", "GiB") == pytest.approx(
        node.memory.capacity.to("GiB").magnitude, rel=1e-12
    )
    assert MLSYS_SPEC("hardware", hw, "tdp", "kW") == pytest.approx(node.tdp.to("kW").magnitude, rel=1e-12)
    assert MLSYS_SPEC("hardware", hw, "name") == node.name


def test_spec_reads_every_kind_and_rows():
    # Llama 3 70B: 70,553,706,496 weights counted from its config.json shapes, 80 layers;
    # Quebec: 1.7 gCO2e/kWh; H100_64: 8 nodes.
    assert MLSYS_SPEC("model", "Llama3_70B", "parameters") == pytest.approx(70.553706496, rel=1e-12)
    assert MLSYS_SPEC("model", "llama-3-70b", "layers") == 80
    assert MLSYS_SPEC("region", "Quebec", "carbon_intensity") == 1.7
    assert MLSYS_SPEC("region", "Quebec", "carbon_intensity", "kg/MWh") == pytest.approx(1.7, rel=1e-12)
    assert MLSYS_SPEC("fleet", "H100_64", "Nodes") == 8
    row = list(next(r for r in catalog_rows("hardware") if r[0] == "A100"))
    assert MLSYS_SPEC("hardware", row, "Peak INT8 (TOPS)") == 624.0
    assert MLSYS_SPEC("hardware", row, "peak_flops.int8", "PFLOP/s") == pytest.approx(0.624, rel=1e-12)


def test_version_and_help():
    # the distribution's name, which tells it from PyPI's unrelated ``mlsysim``, and the version
    assert MLSYS_VERSION() == f"mlsysim-workbook {mlsysim.__version__}"
    listing = MLSYS_HELP()
    assert all(name in listing for name in REGISTRY)
    one = MLSYS_HELP("ttft")
    assert one.startswith(
        "MLSYS_TTFT(model, hw, seq, batch, [precision], [tp], [unit]) -> ms. Time to first token"
    )
    assert MLSYS_HELP("MLSYS_FITS").startswith(
        "MLSYS_FITS(model, hw, seq, batch, [precision], [tp]) -> boolean."
    )


def test_the_functions_are_importable_by_name():
    for name, spec in REGISTRY.items():
        assert getattr(mlsysim.macros, name) is spec.python
        assert name.startswith("MLSYS_") and name == name.upper()
    assert set(REGISTRY) <= set(dir(mlsysim.macros))
    with pytest.raises(AttributeError):
        mlsysim.macros.MLSYS_NOPE  # noqa: B018


def test_contract_signatures():
    """The argument lists the issue fixes, followed by optional additions and [unit] last."""
    shown = {name: spec.signature for name, spec in REGISTRY.items()}
    assert shown["MLSYS_LATENCY"] == "MLSYS_LATENCY(model, hw, batch, [precision], [unit])"
    assert shown["MLSYS_TTFT"] == "MLSYS_TTFT(model, hw, seq, batch, [precision], [tp], [unit])"
    assert shown["MLSYS_STEP_TIME"].startswith(
        "MLSYS_STEP_TIME(model, fleet, batch, [tp], [pp], [microbatches], [precision]"
    )
    assert shown["MLSYS_TCO"] == "MLSYS_TCO(fleet, days, [kwh_price], [datacenter], [unit])"
    assert shown["MLSYS_CARBON"] == "MLSYS_CARBON(fleet, days, [region], [unit])"
    assert shown["MLSYS_MTBF"] == "MLSYS_MTBF(fleet, [unit])"
    assert shown["MLSYS_FAIL_PROB"] == "MLSYS_FAIL_PROB(fleet, hours, [unit])"
    assert shown["MLSYS_CKPT_INTERVAL"] == "MLSYS_CKPT_INTERVAL(fleet, ckpt_s, [unit])"
    assert shown["MLSYS_EXPECTED_FAILURES"] == "MLSYS_EXPECTED_FAILURES(fleet, hours, [unit])"
    assert shown["MLSYS_SPEC"] == "MLSYS_SPEC(kind, id, field, [unit])"
    assert shown["MLSYS_VERSION"] == "MLSYS_VERSION()"
    assert shown["MLSYS_HELP"] == "MLSYS_HELP([topic])"
    units = {name: spec.shown_unit for name, spec in REGISTRY.items()}
    assert (units["MLSYS_TTFT"], units["MLSYS_KV_CACHE"], units["MLSYS_CARBON"], units["MLSYS_MTBF"]) == (
        "ms",
        "GB",
        "kg",
        "h",
    )
    assert (units["MLSYS_CKPT_INTERVAL"], units["MLSYS_ENERGY_KWH"], units["MLSYS_TCO"]) == (
        "min",
        "kWh",
        "USD",
    )


def test_known_answers_worked_by_hand():
    a = CATALOG.assumptions
    # Pipeline bubble (Narayanan et al. 2021): (p - 1) / (m + p - 1) = 3 / 11 for p = 4, m = 8.
    assert mlsysim.macros.MLSYS_BUBBLE("Llama3_8B", "H100_64", 512, 2, 4, 8) == pytest.approx(
        3 / 11, rel=1e-15
    )
    # H100_64 = 8 DGX H100 nodes × 8 GPUs, 8 NICs each: failures per second add up over 64 GPUs,
    # their 64 HBM3 memories (the node's figure), 64 NICs, 8 hosts, and switches and software charged
    # per GPU (catalog/assumptions.toml).
    memory = CATALOG.get("node", "DGX_H100").spec.accelerator_memory_mtbf
    rate = 64 / a.gpu_mtbf + 64 / memory + 64 / a.nic_mtbf + 8 / a.host_mtbf
    rate += 64 / a.network_mtbf_per_accelerator + 64 / a.software_mtbf_per_accelerator
    assert mlsysim.macros.MLSYS_MTBF("H100_64") == pytest.approx(1 / rate / 3600, rel=1e-12)  # ≈ 431 h
    # In hours: 64/108,000 + 64/106,500 + 64/1.28e6 + 8/14,900 + 64/4.58e7 + 64/119,000 = 1/431.1.
    assert mlsysim.macros.MLSYS_MTBF("H100_64") == pytest.approx(431.1, abs=0.1)
    # KV cache of Llama 3 70B for one 4096-token prompt in fp16: 80 layers × 2 (K, V) × 8 KV heads ×
    # 128 dims × 4096 tokens × 2 B = 1,342,177,280 B = 1.34217728 GB.
    assert mlsysim.macros.MLSYS_KV_CACHE("Llama3_70B", "H100", 4096, 1, None, 2) == pytest.approx(
        1.34217728, rel=1e-12
    )
