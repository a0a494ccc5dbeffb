"""Catalog breadth (issue 14): the named parts are in, and every accelerator states its essentials.

Known answers are worked out by hand from the cited datasheets (comments give the arithmetic);
the invariants (dense = sparse / 2 where a note quotes both, narrower formats never slower) hold
for every entry, so a mistyped value fails here.
"""

from __future__ import annotations

import re

import mlsysim
import pytest
from mlsysim.catalog_loader import load_catalog
from mlsysim.enums import Precision
from mlsysim.hardware.types import SCALE_UP_TOPOLOGIES
from mlsysim.infra.types import CARBON_BASES

CATALOG = load_catalog()
HARDWARE = CATALOG.entries["hardware"]

# Devices with no scale-up link: a statement, not a default. PCIe inference cards without a bridge,
# desktop/workstation cards without NVLink, edge modules, phones and microcontrollers.
NO_SCALE_UP = {
    "A10G": "PCIe card, no NVLink",
    "A10": "PCIe card, no NVLink",
    "A2": "PCIe card, no NVLink",
    "L4": "PCIe card, no NVLink",
    "L40": "PCIe card, no NVLink",
    "L40S": "PCIe card, no NVLink",
    "T4": "PCIe card, no NVLink",
    "RTX4090": "GeForce card, no NVLink",
    "RTX5090": "GeForce card, no NVLink",
    "RTX6000Ada": "workstation card, no NVLink",
    "RTXPro6000": "workstation card, no NVLink",
    "DGXSpark": "desktop system; pairs over 200 GbE, a scale-out link",
    "JetsonAGX": "edge module",
    "JetsonAGXOrin32GB": "edge module",
    "JetsonOrinNano": "edge module",
    "JetsonOrinNX": "edge module",
    "JetsonThor": "edge module",
    "CoralEdgeTPU": "USB accelerator",
    "AppleA17Pro": "phone SoC",
    "Snapdragon8Gen3": "phone SoC",
    "STM32H743": "microcontroller",
    "nRF52840": "microcontroller",
}
# Entries that predate issue 14: their scale-up topology and domain are set on the collectives
# branch; TPU v4's ICI bandwidth is not in the catalog yet.
SCALE_UP_PENDING = {"TPUv4"}
LEGACY = {"V100", "A100", "A100_40GB", "H100", "H100_PCIe", "H200", "B200", "MI250X", "MI300X"}
LEGACY |= {"TPUv5e", "TPUv5p", "Gaudi3"}

# NVIDIA's L40S datasheet prints 362.05 dense and 733 sparse TFLOP/s for FP16/BF16 (733 = 2 x 366.5):
# its own rounding, 1.2 % apart.
DATASHEET_ROUNDING = {("L40S", "bf16"): 0.015, ("L40S", "fp16"): 0.015}

# Precisions from widest to narrowest float format: a device never runs a narrower one slower.
FLOAT_LADDER = (Precision.FP64, Precision.FP32, Precision.TF32, Precision.BF16, Precision.FP8, Precision.FP4)


def test_counts_and_the_parts_the_issue_names():
    assert len(HARDWARE) >= 55
    assert len(CATALOG.entries["model"]) >= 45
    for name in ("GB200", "B300", "GB300", "MI325X", "MI355X", "TPUv5p", "TPUv6e", "TPUv7", "Gaudi3"):
        assert name in HARDWARE
    for name in ("Trainium2", "H20", "GH200", "L40S", "L4", "A10G"):
        assert name in HARDWARE
    models = CATALOG.entries["model"]
    for name in (
        "DeepSeek_V3",
        "DeepSeek_R1",
        "Llama3_1_8B",
        "Llama3_1_70B",
        "Llama3_1_405B",
        "Llama3_3_70B",
    ):
        assert name in models
    for name in ("Llama4_Scout", "Llama4_Maverick", "Qwen2_5_72B", "Qwen3_32B", "Qwen3_235B_A22B"):
        assert name in models
    for name in ("Gemma2_27B", "Gemma3_27B", "GPT_OSS_20B", "GPT_OSS_120B", "Mixtral_8x22B"):
        assert name in models
    nodes = CATALOG.entries["node"]
    for name in ("DGX_B200", "HGX_B300", "GB200_NVL72", "MI300X_Platform", "MI325X_Platform"):
        assert name in nodes
    for name in ("MI355X_Platform", "TPUv5p_Host", "TPUv6e_Host", "Trn2_48xlarge"):
        assert name in nodes
    assert CATALOG.get("node", "HGX B200").id == "DGX_B200"
    kinds = {f.spec.kind for f in CATALOG.entries["fabric"].values()}
    assert {"infiniband", "roce", "nvlink"} <= kinds
    speeds = {
        (f.spec.kind, round(f.spec.bandwidth_per_accelerator * 8 / 1e9))
        for f in CATALOG.entries["fabric"].values()
    }
    assert {("infiniband", 400), ("infiniband", 800), ("roce", 400), ("roce", 800)} <= speeds


@pytest.mark.parametrize("hw", sorted(HARDWARE))
def test_every_accelerator_states_its_essentials(hw):
    entry = HARDWARE[hw]
    spec = entry.spec
    assert spec.peak_flops, hw
    for precision, rate in spec.peak_flops.items():
        assert 1e8 < rate < 1e17, (hw, precision, rate)  # 0.1 GFLOP/s (an MCU) to 100 PFLOP/s
        assert entry.source_of(f"peak_flops.{precision.value}").source.url
    for field, low, high in (
        ("memory_capacity", 1e5, 1e12),
        ("memory_bandwidth", 1e8, 1e14),
        ("tdp", 1e-3, 1e4),
    ):
        value = getattr(spec, field)
        assert low < value < high, (hw, field, value)
        assert entry.source_of(field).source.url
    if hw in NO_SCALE_UP:
        assert spec.scale_up_bandwidth is None and spec.scale_up_domain is None, hw
        assert spec.scale_up_topology == ""
    elif hw not in SCALE_UP_PENDING:
        assert spec.scale_up_bandwidth, f"{hw}: give its scale-up link or list it in NO_SCALE_UP"
        if hw not in LEGACY:
            assert spec.scale_up_topology in SCALE_UP_TOPOLOGIES, hw
            assert spec.scale_up_domain and spec.scale_up_domain >= 2, hw
            assert entry.source_of("scale_up_domain").source.url


@pytest.mark.parametrize("hw", sorted(HARDWARE))
def test_dense_peaks_are_half_the_sparse_figure_a_note_quotes(hw):
    """Where a value's note or estimate quotes the sparse figure, the value is half of it."""
    entry = HARDWARE[hw]
    for precision in entry.spec.peak_flops:
        measured = entry.source_of(f"peak_flops.{precision.value}")
        text = f"{measured.note} {measured.estimate}"
        quoted = re.findall(r"(\d[\d,]*\.?\d*) (TFLOP/s |TOPS |PFLOP/s |POPS )?with sparsity", text)
        quoted += re.findall(r"(\d[\d,]*\.?\d*) ()assumes (?:2:4 )?sparsity", text)
        if "/ 8 GPUs" in text or "/ 72 GPUs" in text or "maximum FP4" in text or "AI TOPS" in text:
            continue  # platform totals and marketing figures: checked by the known answers below
        for number, unit in quoted:
            sparse = float(number.replace(",", "")) * (1000 if unit.strip() in ("PFLOP/s", "POPS") else 1)
            tolerance = DATASHEET_ROUNDING.get((hw, precision.value), 0.01)
            assert measured.value * 2 == pytest.approx(sparse, rel=tolerance), (hw, precision, text)


@pytest.mark.parametrize("hw", sorted(HARDWARE))
def test_narrower_float_formats_are_never_slower(hw):
    peaks = HARDWARE[hw].spec.peak_flops
    ladder = [peaks[p] for p in FLOAT_LADDER if p in peaks]
    assert ladder == sorted(ladder), (hw, ladder)
    if Precision.FP16 in peaks and Precision.BF16 in peaks:
        assert peaks[Precision.FP16] == peaks[Precision.BF16], hw


def test_platform_totals_divide_into_per_gpu_values():
    gb200, gb300, b300 = (HARDWARE[k].spec for k in ("GB200", "GB300", "B300"))
    # GB200 NVL72 (rack, sparse): 360 PFLOP/s FP16 / 72 GPUs / 2 = 2.5 PFLOP/s dense per GPU;
    # 13.4 TB HBM3e / 72 = 186 GB; 576 TB/s / 72 = 8 TB/s; 130 TB/s NVLink / 72 = 1.8 TB/s.
    assert gb200.flops(Precision.BF16) == pytest.approx(360e15 / 72 / 2, rel=1e-12)
    assert gb200.memory_capacity == pytest.approx(13.4e12 / 72, rel=0.001)
    assert gb200.memory_bandwidth == pytest.approx(576e12 / 72, rel=1e-12)
    assert gb200.scale_up_bandwidth == pytest.approx(130e12 / 72, rel=0.005)  # 130 = 72 x 1.8, rounded
    assert (gb200.scale_up_topology, gb200.scale_up_domain) == ("switch_reduce", 72)
    # GB300 NVL72: FP4 1,080 PFLOP/s dense / 72 = 15 PFLOP/s; HGX B300: 108 PFLOP/s / 8 = 13.5.
    assert gb300.flops(Precision.FP4) == pytest.approx(1080e15 / 72, rel=1e-12)
    assert b300.flops(Precision.FP4) == pytest.approx(108e15 / 8, rel=1e-12)
    assert b300.flops(Precision.FP8) == pytest.approx(72e15 / 8 / 2, rel=1e-12)
    # TPU7x (Google Cloud docs): 2,307 TFLOP/s BF16 and 4,614 FP8 per chip, 192 GiB of HBM.
    tpu7 = HARDWARE["TPUv7"].spec
    assert (tpu7.flops(Precision.BF16), tpu7.flops(Precision.FP8)) == (2307e12, 4614e12)
    assert tpu7.memory_capacity == 192 * 2**30
    # Trainium2 (Neuron docs): 667 BF16 and 1,299 FP8 TFLOP/s, 96 GiB at 2.9 TB/s.
    trn2 = HARDWARE["Trainium2"].spec
    assert (trn2.flops(Precision.BF16), trn2.memory_capacity) == (667e12, 96 * 2**30)


def test_models_carry_real_context_lengths_moe_and_mla_shapes():
    get = mlsysim.Models.Language.get
    # max_position_embeddings of each config.json
    assert get("Llama3_1_8B").spec.max_context == 131072
    assert get("Llama4_Scout").spec.max_context == 10_485_760
    assert get("Llama4_Maverick").spec.max_context == 1_048_576
    assert get("Qwen3_8B").spec.max_context == 40960
    assert get("Gemma2_9B").spec.max_context == 8192
    assert get("GPT_OSS_120B").spec.max_context == 131072
    moe = {
        k: (get(k).spec.experts, get(k).spec.experts_per_token) for k in ("Mixtral_8x22B", "Qwen3_235B_A22B")
    }
    assert moe == {"Mixtral_8x22B": (8, 2), "Qwen3_235B_A22B": (128, 8)}
    assert (get("Llama4_Maverick").spec.experts, get("Llama4_Maverick").spec.experts_per_token) == (128, 1)
    # MLA: kv_lora_rank 512 + rope dim 64 cached per token per layer (DeepSeek-V2 §2.1)
    assert get("DeepSeek_R1").spec.kv_latent_dim == get("Kimi_K2").spec.kv_latent_dim == 576
    for entry in CATALOG.entries["model"].values():
        spec = entry.spec
        if getattr(spec, "experts", 1) > 1:
            assert 0 < spec.active_parameters < spec.parameters and spec.expert_parameters > 0, entry.id


def test_llama_values_come_from_config_json_not_papers_or_model_cards():
    llamas = [e for e in CATALOG.entries["model"].values() if e.id.startswith("Llama")]
    assert len(llamas) >= 12
    for entry in llamas:
        for field, measured in entry.provenance.items():
            title = measured.source.title.lower()
            assert "config.json" in title and "model card" not in title, (entry.id, field, title)
        assert entry.source_of("parameters").estimate.startswith("weights counted from the config.json")
    # Llama 3.1 8B by hand: 32 x (2·4096² + 2·4096·1024 + 3·4096·14336 + 2·4096) + 2·128256·4096 + 4096
    assert CATALOG.get("model", "Llama3_1_8B").spec.parameters == 8_030_261_248


def test_grids_state_the_year_and_basis_of_each_carbon_figure():
    for grid in CATALOG.entries["grid"].values():
        assert re.fullmatch(r"20\d\d", grid.carbon_year), grid.id
        assert grid.carbon_basis in CARBON_BASES, grid.id
        source = grid.source_of("carbon_intensity").source.id
        # Ember's figures are life-cycle; eGRID, EIA, national inventories and utilities report
        # stack emissions only.
        assert (grid.carbon_basis == "lifecycle") == (source == "owid-ember-carbon-intensity"), grid.id


def test_facilities_expose_wue_next_to_pue():
    hyperscale = mlsysim.Infra.Datacenters.hyperscale
    # Google fleet PUE 1.10 (2023); Microsoft fleet WUE 0.30 L/kWh (FY2024).
    assert hyperscale.pue == 1.10
    assert hyperscale.wue.to("L/kWh").magnitude == pytest.approx(0.30, rel=1e-12)
