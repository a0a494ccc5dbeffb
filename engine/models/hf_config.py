"""Read a Hugging Face ``config.json`` (a file, a folder holding one, or a dict), offline, into a
``TransformerSpec``, and count its weights from the shapes.

Families: Llama (2, 3, 3.x), Llama 4 (MoE, interleaved dense layers), Mistral, Mixtral, Qwen2/2.5,
Qwen2-MoE, Qwen3 and Qwen3-MoE, Gemma 1/2/3 (Gemma 3's multimodal config is read through its
``text_config``), DeepSeek-V2/V3 and Kimi K2 (multi-head latent attention, routed + shared experts,
dense first layers) and GPT-OSS (biased experts, attention sinks).

The weight count adds up every tensor the config implies: token embeddings (and the output head
unless ``tie_word_embeddings``), per layer the attention projections (with their biases and q/k
norms where the family has them), the dense or MoE feed-forward (router, routed experts, shared
experts) and the layer norms, and the final norm. Vision towers of multimodal checkpoints are not
counted. ``active`` is the total minus the routed experts a token does not use, ``(E − k)`` experts
in every MoE layer, so ``TransformerSpec.expert_parameters`` comes out as the exact weights of one
routed expert summed over the MoE layers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CatalogError
from .types import TransformerSpec

__all__ = ["FAMILIES", "HFImport", "import_hf_config", "read_hf_config"]

# model_type -> the family's architecture traits.
_DENSE = ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "phi3")
_MOE = (
    "mixtral",
    "qwen2_moe",
    "qwen3_moe",
    "deepseek_v2",
    "deepseek_v3",
    "kimi_k2",
    "gpt_oss",
    "llama4_text",
)
FAMILIES = (*_DENSE, *_MOE, "gemma3", "llama4")
_WRAPPERS = {"gemma3": "gemma3_text", "llama4": "llama4_text"}  # multimodal: read text_config
_MLA = ("deepseek_v2", "deepseek_v3", "kimi_k2")
_FOUR_NORMS = ("gemma2", "gemma3_text")  # pre/post attention and pre/post feed-forward norms
_QK_NORM = ("qwen3", "qwen3_moe", "gemma3_text")  # per-head RMSNorm weights on q and k
_QKV_BIAS = ("qwen2", "qwen2_moe")

# Values that transformers' config classes leave out of a saved config.json when they equal the
# class default (``save_pretrained`` writes the difference); Gemma 3's text_config relies on it.
_CLASS_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma3_text": {"vocab_size": 262208, "max_position_embeddings": 131072, "head_dim": 256},
}


@dataclass(frozen=True)
class HFImport:
    """A config.json read into a spec, with where each shape value came from."""

    spec: TransformerSpec
    family: str
    origin: str  # file path, or "<dict>"
    fields: dict[str, int] = field(default_factory=dict)  # catalog field -> value
    keys: dict[str, str] = field(default_factory=dict)  # catalog field -> config key (or how derived)
    derived: dict[str, str] = field(default_factory=dict)  # catalog field -> estimate text
    parts: dict[str, int] = field(default_factory=dict)  # weight count by component
    repository: str = ""  # ``_name_or_path`` when the config names its Hub repository
    notes: tuple[str, ...] = ()


def read_hf_config(source: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The parsed config and where it came from: ``source`` is a dict, a config.json or a folder."""
    if isinstance(source, Mapping):
        return dict(source), "<dict>"
    path = Path(source)
    if path.is_dir():
        path = path / "config.json"
    if not path.is_file():
        raise CatalogError(str(path), "no such config.json (give a file, a folder holding one, or a dict)")
    try:
        parsed = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(str(path), f"not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise CatalogError(str(path), "a config.json holds one JSON object")
    return parsed, str(path)


class _Config:
    """Typed reads of one config with errors naming the file, the entry and the key."""

    def __init__(self, raw: Mapping[str, Any], where: str, family: str) -> None:
        self.raw, self.where, self.family = raw, where, family
        self.keys: dict[str, str] = {}
        self.defaults = _CLASS_DEFAULTS.get(family, {})

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def count(self, key: str, default: int | None = None) -> int:
        value = self.raw.get(key)
        if value is None:
            value = self.defaults.get(key, default)
        if value is None:
            raise CatalogError(self.where, f"missing key {key!r}, needed for a {self.family} model")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CatalogError(self.where, f"key {key!r} must be a non-negative whole number, got {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise CatalogError(self.where, f"key {key!r} must be true or false, got {value!r}")
        return value

    def counts(self, key: str) -> list[int] | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise CatalogError(self.where, f"key {key!r} must be a list of layer numbers, got {value!r}")
        return value


def _family(raw: Mapping[str, Any], origin: str) -> tuple[str, Mapping[str, Any], str]:
    """(family, the table holding the text model's keys, where) for a config."""
    model_type = raw.get("model_type")
    if model_type not in FAMILIES:
        raise CatalogError(
            f"{origin}[model_type]",
            f"unsupported model_type {model_type!r}; supported: {', '.join(FAMILIES)}",
        )
    if model_type in _WRAPPERS:
        text = raw.get("text_config")
        if not isinstance(text, dict):
            raise CatalogError(origin, f"missing key 'text_config', needed for a {model_type} model")
        return _WRAPPERS[model_type], text, f"{origin}[text_config]"
    return model_type, raw, origin


def _moe_layers(c: _Config, layers: int) -> list[bool]:
    """Which layers carry routed experts."""
    f = c.family
    if f in ("mixtral", "gpt_oss"):
        return [True] * layers
    if f in ("qwen2_moe", "qwen3_moe"):
        step, dense = c.count("decoder_sparse_step", 1), set(c.counts("mlp_only_layers") or [])
        return [i not in dense and (i + 1) % step == 0 for i in range(layers)]
    if f in _MLA:
        first, freq = c.count("first_k_dense_replace", 0), c.count("moe_layer_freq", 1)
        return [i >= first and i % freq == 0 for i in range(layers)]
    if f == "llama4_text":
        listed = c.counts("moe_layers")
        if listed is None:
            step = c.count("interleave_moe_layer_step", 1)
            listed = list(range(step - 1, layers, step))
        return [i in set(listed) for i in range(layers)]
    return [False] * layers


def _attention(c: _Config, d: int, heads: int, kv_heads: int, head_dim: int) -> tuple[int, int]:
    """(weights of one layer's attention, elements cached per token per layer for MLA or 0)."""
    f = c.family
    if f in _MLA:
        nope, rope, v = c.count("qk_nope_head_dim"), c.count("qk_rope_head_dim"), c.count("v_head_dim")
        kv_rank = c.count("kv_lora_rank")
        q_rank = c.raw.get("q_lora_rank")
        q = heads * (nope + rope)
        query = d * q if not q_rank else d * q_rank + q_rank + q_rank * q
        kv = d * (kv_rank + rope) + kv_rank + kv_rank * heads * (nope + v)
        return query + kv + heads * v * d, kv_rank + rope
    q, kv = heads * head_dim, kv_heads * head_dim
    bias = c.flag("attention_bias", False)
    weights = d * q + 2 * d * kv + q * d
    if bias or f in _QKV_BIAS:
        weights += q + 2 * kv
    if bias:
        weights += d  # output projection bias (Llama with attention_bias, GPT-OSS)
    if f in _QK_NORM:
        weights += 2 * head_dim
    if f == "gpt_oss":
        weights += heads  # one learned attention-sink logit per head
    return weights, 0


def _experts_key(family: str) -> str:
    if family in _MLA:
        return "n_routed_experts"
    return "num_experts" if family in ("qwen2_moe", "qwen3_moe") else "num_local_experts"


def _ffn(d: int, width: int, bias: bool = False) -> int:
    """A gated (SwiGLU/GeGLU) feed-forward: gate, up and down projections."""
    return 3 * d * width + (2 * width + d if bias else 0)


def import_hf_config(source: str | Path | Mapping[str, Any]) -> HFImport:
    """Read ``source`` (config.json, its folder, or the parsed dict) into an ``HFImport``."""
    raw, origin = read_hf_config(source)
    family, table, where = _family(raw, origin)
    c = _Config(table, where, family)
    d, layers = c.count("hidden_size"), c.count("num_hidden_layers")
    heads = c.count("num_attention_heads")
    kv_heads = c.count("num_key_value_heads", heads)
    head_dim = c.count("head_dim", d // heads) if family not in _MLA else c.count("v_head_dim")
    vocab, context = c.count("vocab_size"), c.count("max_position_embeddings")
    tied = c.flag("tie_word_embeddings", True)  # transformers' PretrainedConfig default

    attention, latent = _attention(c, d, heads, kv_heads, head_dim)
    moe = _moe_layers(c, layers)
    experts = shared = expert_width = top_k = router = 0
    if any(moe):
        experts = c.count(_experts_key(family))
        top_k = (
            c.count("num_experts_per_tok") if c.has("num_experts_per_tok") else c.count("experts_per_token")
        )
        wide = (
            "intermediate_size"
            if family in ("mixtral", "gpt_oss", "llama4_text")
            else "moe_intermediate_size"
        )
        expert_width = c.count(wide)
        if family in _MLA:
            shared = c.count("n_shared_experts", 0) * expert_width
        elif family == "llama4_text":
            shared = expert_width  # one always-on shared expert per MoE layer
        elif family == "qwen2_moe":
            shared = c.count("shared_expert_intermediate_size", 0)
        router = d * experts + (experts if family in ("gpt_oss", "deepseek_v3", "kimi_k2") else 0)
        if family == "qwen2_moe" and shared:
            router += d  # shared_expert_gate
    dense_width_key = "intermediate_size_mlp" if family == "llama4_text" else "intermediate_size"
    dense_width = c.count(dense_width_key) if not all(moe) else 0
    norms = (4 if family in _FOUR_NORMS else 2) * d

    one_expert = _ffn(d, expert_width, bias=family == "gpt_oss") if experts else 0
    n_moe = sum(moe)
    parts = {
        "embeddings": vocab * d,
        "output_head": 0 if tied else vocab * d,
        "attention": layers * attention,
        "dense_ffn": (layers - n_moe) * _ffn(d, dense_width),
        "routed_experts": n_moe * experts * one_expert,
        "shared_experts": n_moe * _ffn(d, shared) if shared else 0,
        "routers": n_moe * router,
        "norms": layers * norms + d,
    }
    total = sum(parts.values())
    active = total - n_moe * max(experts - top_k, 0) * one_expert
    repository = str(raw.get("_name_or_path") or "")
    folder = Path(origin).parent.name if origin != "<dict>" else family
    name = repository.rstrip("/").split("/")[-1] or folder
    spec = TransformerSpec(
        name=name,
        parameters=float(total),
        layers=layers,
        hidden_size=d,
        heads=heads,
        kv_heads=heads if family in _MLA else kv_heads,
        head_dim=head_dim,
        ffn_size=expert_width or dense_width,
        vocab_size=vocab,
        max_context=context,
        gated_ffn=True,
        active_parameters=float(active) if experts else 0.0,
        experts=experts or 1,
        experts_per_token=top_k or 1,
        kv_latent_dim=latent,
    )
    return HFImport(
        spec=spec,
        family=family,
        origin=origin,
        fields=_fields(spec, experts, latent),
        keys=_keys(c, family, experts, dense_width_key if not experts else wide),
        derived=_derived(c, family, d, heads, parts, total, active, experts, top_k, moe, latent),
        parts=parts,
        repository=repository,
        notes=_notes(c, family, moe, dense_width, dense_width_key),
    )


def _fields(spec: TransformerSpec, experts: int, latent: int) -> dict[str, int]:
    values = {
        "parameters": int(spec.parameters),
        "layers": spec.layers,
        "hidden_size": spec.hidden_size,
        "heads": spec.heads,
        "kv_heads": spec.kv_heads,
        "head_dim": spec.head_dim,
        "ffn_size": spec.ffn_size,
        "vocab_size": spec.vocab_size,
        "max_context": spec.max_context,
    }
    if experts:
        values |= {
            "active_parameters": int(spec.active_parameters),
            "experts": spec.experts,
            "experts_per_token": spec.experts_per_token,
        }
    if latent:
        values["kv_latent_dim"] = latent
    return values


def _keys(c: _Config, family: str, experts: int, ffn_key: str) -> dict[str, str]:
    keys = {
        "layers": "num_hidden_layers",
        "hidden_size": "hidden_size",
        "heads": "num_attention_heads",
        "kv_heads": "num_key_value_heads",
        "head_dim": "head_dim",
        "ffn_size": ffn_key,
        "vocab_size": "vocab_size",
        "max_context": "max_position_embeddings",
    }
    if family in _MLA:
        keys |= {"kv_heads": "num_attention_heads (MLA)", "head_dim": "v_head_dim"}
    if experts:
        keys["experts"] = _experts_key(family)
        keys["experts_per_token"] = (
            "num_experts_per_tok" if c.has("num_experts_per_tok") else "experts_per_token"
        )
    return keys


def _derived(
    c: _Config,
    family: str,
    d: int,
    heads: int,
    parts: Mapping[str, int],
    total: int,
    active: int,
    experts: int,
    top_k: int,
    moe: list[bool],
    latent: int,
) -> dict[str, str]:
    """Estimate text for every catalog field that is computed rather than read."""
    shown = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in parts.items() if v)
    derived = {"parameters": f"counted from the config.json shapes: {shown}; total {total:,}"}
    if experts:
        derived["active_parameters"] = (
            f"total minus the routed experts a token skips: {total:,} - {sum(moe)} MoE layers x "
            f"({experts} - {top_k}) experts = {active:,}"
        )
    if family not in _MLA and not c.has("head_dim"):
        derived["head_dim"] = f"hidden_size / num_attention_heads = {d} / {heads}"
    if family not in _MLA and not c.has("num_key_value_heads"):
        derived["kv_heads"] = "num_key_value_heads absent: multi-head attention (= num_attention_heads)"
    if latent:
        derived["kv_latent_dim"] = (
            f"kv_lora_rank {c.count('kv_lora_rank')} + qk_rope_head_dim {c.count('qk_rope_head_dim')} "
            "elements cached per token per layer"
        )
    for key, value in _CLASS_DEFAULTS.get(family, {}).items():
        if not c.has(key):
            field_name = {"vocab_size": "vocab_size", "max_position_embeddings": "max_context"}.get(key, key)
            derived[field_name] = f"{key} absent from the config: transformers' {family} default {value}"
    return derived


def _notes(c: _Config, family: str, moe: list[bool], dense_width: int, dense_key: str) -> tuple[str, ...]:
    notes = []
    if any(moe) and not all(moe):
        notes.append(
            f"{moe.count(False)} of {len(moe)} layers are dense ({dense_key} {dense_width}); "
            "ffn_size is the routed expert's width"
        )
    window = c.raw.get("sliding_window")
    if isinstance(window, int) and window and family in ("gemma2", "gemma3_text", "gpt_oss", "mistral"):
        notes.append(f"sliding-window attention ({window} tokens) on some or all layers")
    return tuple(notes)
