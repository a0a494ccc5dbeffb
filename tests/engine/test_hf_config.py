"""Hugging Face config.json import: shapes read, weights counted, checked against published totals.

The fixtures under ``hf_configs/`` are the public config.json files of each model (values copied,
keys not needed for the shapes partly left out). The published totals below come from the
publishers' own reports and repositories, never from this code; each case states its source and
the tolerance. A count from the shapes is exact arithmetic, so the tolerance only absorbs the
publisher's rounding (and, where stated, which tensors a publisher counts).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from mlsysim.catalog_builders import build_model
from mlsysim.catalog_loader import load_catalog
from mlsysim.errors import CatalogError
from mlsysim.models.hf_config import import_hf_config
from mlsysim.models.hf_entry import entry_toml, source_id_for

CONFIGS = Path(__file__).parent / "hf_configs"

# (fixture, published total, relative tolerance, where the total is published)
TOTALS = [
    # safetensors index metadata.total_size 16,060,522,496 bytes in bf16 = 8,030,261,248 weights
    ("Llama-3.1-8B", 8_030_261_248, 1e-9, "model.safetensors.index.json total_size / 2"),
    ("Mistral-7B-v0.1", 7.24e9, 0.005, "Mistral 7B safetensors index (14.48 GB in bf16)"),
    ("Mixtral-8x22B-v0.1", 141e9, 0.005, "Mistral AI, 'Cheaper, Better, Faster, Stronger' (141B)"),
    ("Qwen2.5-7B", 7.61e9, 0.005, "Qwen2.5-7B model card: 7.61B"),
    ("Qwen2.5-72B", 72.7e9, 0.005, "Qwen2.5-72B model card: 72.7B"),
    ("Qwen3-8B", 8.2e9, 0.005, "Qwen3-8B model card: 8.2B"),
    ("Qwen3-30B-A3B", 30.5e9, 0.005, "Qwen3-30B-A3B model card: 30.5B in total"),
    ("Qwen3-235B-A22B", 235e9, 0.005, "Qwen3-235B-A22B model card: 235B in total"),
    # Gemma 2 report, Table 2: 917,504,000 embedding + 8,324,201,984 non-embedding parameters
    ("gemma-2-9b", 917_504_000 + 8_324_201_984, 1e-9, "Gemma 2 report, Table 2"),
    # Gemma 3 report, Table 1: 27B = 1,416M embedding + 25,600M non-embedding (+417M vision, not counted)
    ("gemma-3-27b-pt", 1_416e6 + 25_600e6, 0.005, "Gemma 3 report, Table 1 (text model)"),
    ("DeepSeek-V3", 671e9, 0.005, "DeepSeek-V3 technical report (671B main model, MTP module excluded)"),
    ("gpt-oss-120b", 116.83e9, 0.001, "gpt-oss-120b & gpt-oss-20b model card, Table 1 (116.83B)"),
    ("gpt-oss-20b", 20.91e9, 0.001, "gpt-oss model card, Table 1 (20.91B)"),
]

# (fixture, published active, tolerance, count the input embedding?) — publishers differ on whether
# the input embedding table (a look-up, no multiply) counts as "active".
ACTIVE = [
    ("Mixtral-8x22B-v0.1", 39e9, 0.01, True),  # Mistral AI: 39B active
    ("Qwen3-30B-A3B", 3.3e9, 0.02, True),  # Qwen3-30B-A3B model card: 3.3B activated
    ("Qwen3-235B-A22B", 22e9, 0.01, True),  # Qwen3-235B-A22B model card: 22B activated
    ("DeepSeek-V3", 37e9, 0.02, True),  # DeepSeek-V3 report: 37B activated
    ("gpt-oss-120b", 5.13e9, 0.002, False),  # gpt-oss model card: 5.13B active, no input embedding
    ("gpt-oss-20b", 3.61e9, 0.002, False),  # gpt-oss model card: 3.61B active
]


@pytest.mark.parametrize(("fixture", "published", "tolerance", "where"), TOTALS, ids=[t[0] for t in TOTALS])
def test_parameter_count_from_shapes_matches_the_published_total(fixture, published, tolerance, where):
    counted = import_hf_config(CONFIGS / fixture).spec.parameters
    assert counted == pytest.approx(published, rel=tolerance), where


@pytest.mark.parametrize(("fixture", "published", "tolerance", "with_input_embedding"), ACTIVE)
def test_active_parameters_match_the_published_figure(fixture, published, tolerance, with_input_embedding):
    imported = import_hf_config(CONFIGS / fixture)
    active = imported.spec.active_parameters
    if not with_input_embedding:
        active -= imported.parts["embeddings"]
    assert active == pytest.approx(published, rel=tolerance)


def test_llama_3_1_8b_by_hand():
    # 32 layers x (attention 4096·4096·2 + 4096·1024·2 = 41,943,040; SwiGLU 3·4096·14336 = 176,160,768;
    # two norms 8,192) + embeddings and untied head 2·128256·4096 + final norm 4096 = 8,030,261,248.
    spec = import_hf_config(CONFIGS / "Llama-3.1-8B" / "config.json").spec
    per_layer = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 2 * 4096
    assert spec.parameters == 32 * per_layer + 2 * 128256 * 4096 + 4096 == 8_030_261_248
    assert (spec.layers, spec.heads, spec.kv_heads, spec.head_dim) == (32, 32, 8, 128)
    assert spec.max_context == 131072 and spec.experts == 1 and spec.gated_ffn


def test_deepseek_v3_latent_attention_shared_experts_and_dense_layers():
    imported = import_hf_config(CONFIGS / "DeepSeek-V3")
    spec = imported.spec
    # MLA caches kv_lora_rank 512 + rope dim 64 = 576 elements per token per layer (DeepSeek-V2 §2.1)
    assert spec.kv_latent_dim == 576 and spec.kv_elements_per_token == 61 * 576
    assert (spec.experts, spec.experts_per_token, spec.ffn_size) == (256, 8, 2048)
    # 58 MoE layers x 1 shared expert of 3·7168·2048 weights; 3 dense layers of 3·7168·18432
    assert imported.parts["shared_experts"] == 58 * 3 * 7168 * 2048
    assert imported.parts["dense_ffn"] == 3 * 3 * 7168 * 18432
    # one routed expert summed over the MoE layers, recovered by the spec from total and active
    assert spec.expert_parameters == pytest.approx(58 * 3 * 7168 * 2048, rel=1e-12)


def test_multimodal_configs_read_their_text_model():
    scout = import_hf_config(CONFIGS / "Llama-4-Scout-17B-16E")
    assert scout.family == "llama4_text"
    assert (scout.spec.experts, scout.spec.experts_per_token, scout.spec.max_context) == (16, 1, 10485760)
    # every layer: 16 routed experts + 1 shared expert of 3·5120·8192 weights
    assert scout.parts["shared_experts"] == 48 * 3 * 5120 * 8192
    gemma = import_hf_config(CONFIGS / "gemma-3-27b-pt")
    # Gemma 3's text_config leaves out vocab_size (transformers' default 262208 applies) and says so
    assert gemma.spec.vocab_size == 262208 and "default" in gemma.derived["vocab_size"]


def test_a_dict_imports_like_the_file():
    path = CONFIGS / "Qwen3-30B-A3B" / "config.json"
    from_dict = import_hf_config(json.loads(path.read_text()))
    assert from_dict.spec.parameters == import_hf_config(path).spec.parameters
    assert from_dict.origin == "<dict>"


def test_entry_text_builds_with_the_catalog_field_rules():
    for fixture in ("DeepSeek-V3", "gpt-oss-120b", "gemma-2-9b"):
        imported = import_hf_config(CONFIGS / fixture)
        source_id = source_id_for("Imported")
        table = tomllib.loads(entry_toml(imported, "Imported", source_id))["Imported"]
        sources = load_catalog().sources | {source_id: next(iter(load_catalog().sources.values()))}
        model = build_model("test", "Imported", "language", table, sources)
        assert model.spec == imported.spec
        assert model.source_of("parameters").estimate.startswith("counted from the config.json shapes")


def test_missing_key_names_the_file_and_the_key(tmp_path):
    config = json.loads((CONFIGS / "Qwen3-8B" / "config.json").read_text())
    del config["num_hidden_layers"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(CatalogError, match=r"config\.json: missing key 'num_hidden_layers'.*qwen3"):
        import_hf_config(tmp_path)


def test_unsupported_family_and_bad_files_are_clear_errors(tmp_path):
    with pytest.raises(CatalogError, match=r"unsupported model_type 'bert'; supported: llama"):
        import_hf_config({"model_type": "bert", "hidden_size": 768})
    with pytest.raises(CatalogError, match=r"no such config\.json"):
        import_hf_config(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(CatalogError, match="not valid JSON"):
        import_hf_config(tmp_path / "config.json")
    with pytest.raises(CatalogError, match="'hidden_size' must be a non-negative whole number"):
        import_hf_config({"model_type": "llama", "hidden_size": "4096"})
