"""The validation cases: published measurements, their sources and their engine inputs.

``cases.toml`` (package data, next to this module) is the single source; ``load_cases()`` reads it
into frozen records and rejects a case with a missing field, an unknown metric or category, an input
its metric does not take, or a unit other than its metric's.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CatalogError
from ..models.types import TransformerSpec
from ..solvers.collectives import TOPOLOGIES
from .megatron import gpt_parameters
from .serving_load_cases import METRICS as _SERVING_LOAD_METRICS
from .training_cases import METRICS as _TRAINING_METRICS
from .training_cases import STEP, STEP_OPTIONAL

_SERVING = frozenset({"model", "hardware", "precision", "seq_len", "output_len", "tp", "runtime"})
_ROOFLINE = frozenset({"model", "hardware", "precision", "batch"})

# Inputs a serving case may add: the scale-up topology of the machine measured, where it differs
# from the catalog entry's (e.g. an A100 board without NVSwitch).
_SERVING_OPTIONAL = frozenset({"scale_up_topology"})

# metric -> (unit of the measured value, inputs the metric takes)
METRICS: Mapping[str, tuple[str, frozenset[str]]] = {
    "ttft": ("ms", _SERVING),
    "itl": ("ms", _SERVING),
    "e2e": ("ms", _SERVING),
    "images_per_s": ("images/s", _ROOFLINE),
    "latency": ("ms", _ROOFLINE),
    "tflops_per_gpu": ("TFLOP/s", STEP),
    "training_days": ("days", STEP | {"tokens"}),
    **{metric: (unit, inputs) for metric, (unit, inputs, _) in _TRAINING_METRICS.items()},
    **{metric: (unit, inputs) for metric, (unit, inputs, _) in _SERVING_LOAD_METRICS.items()},
}
# metric -> inputs a case may add to those it must give
OPTIONAL: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(("ttft", "itl", "e2e"), _SERVING_OPTIONAL),
    **dict.fromkeys(("tflops_per_gpu", "training_days"), STEP_OPTIONAL),
    **{metric: optional for metric, (_, _, optional) in _TRAINING_METRICS.items()},
    **{metric: optional for metric, (_, _, optional) in _SERVING_LOAD_METRICS.items()},
}

_TEXT = ("category", "question", "workload", "hardware_described", "setup", "unit", "source", "metric")
_OPTIONAL_TEXT = ("published_unit", "source_notes", "mapping", "xfail")
_MODEL_FIELDS = {
    "source",
    "layers",
    "hidden_size",
    "heads",
    "vocab_size",
    "max_context",
    "published_parameters",
}
# Fields a shape other than Narayanan et al.'s dense GPT gives (grouped-query attention, a gated or
# narrower feed-forward, an output head of its own); its weights are then counted from the shape.
_SHAPE_FIELDS = {"kv_heads", "ffn_size", "gated_ffn", "tied_embeddings"}


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    title: str
    tolerance: float


@dataclass(frozen=True, slots=True)
class Case:
    """One published measurement and the engine inputs that reproduce its setup."""

    id: str
    category: str
    question: str
    workload: str
    hardware_described: str
    setup: str
    measured: float
    unit: str
    source: str
    metric: str
    inputs: Mapping[str, Any]
    tolerance: float
    mapping: str = ""
    xfail: str = ""
    published_unit: str = ""
    source_notes: str = ""


@dataclass(frozen=True, slots=True)
class PaperModel:
    """A transformer shape taken from a paper, with the parameter count the paper states (if any)."""

    spec: TransformerSpec
    source: str
    published_parameters: float | None


@dataclass(frozen=True, slots=True)
class CaseSet:
    categories: Mapping[str, Category]
    models: Mapping[str, PaperModel]
    cases: tuple[Case, ...]
    path: str

    def case(self, case_id: str) -> Case:
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)


def default_path() -> Path:
    """The packaged ``cases.toml``."""
    return Path(str(resources.files(__package__).joinpath("cases.toml")))


def load_cases(path: str | Path | None = None) -> CaseSet:
    """Read and check a cases file (the packaged one by default)."""
    where = str(path or default_path())
    try:
        with open(where, "rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(where, f"cannot read the validation cases: {exc}") from exc
    extra = sorted(set(raw) - {"categories", "models", "cases"})
    if extra:
        raise CatalogError(where, f"unknown top-level tables {extra}; valid: categories, models, cases")
    categories = {
        key: _category(f"{where}: categories.{key}", key, t) for key, t in _table(raw, "categories")
    }
    models = {key: _model(f"{where}: models.{key}", key, t) for key, t in _table(raw, "models")}
    cases = tuple(_case(f"{where}: cases[{i}]", t, categories) for i, t in enumerate(raw.get("cases", [])))
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(where, f"duplicate case ids {duplicates}")
    if not cases:
        raise CatalogError(where, "no [[cases]]")
    return CaseSet(categories, models, cases, where)


def _table(raw: Mapping[str, Any], name: str) -> list[tuple[str, Mapping[str, Any]]]:
    value = raw.get(name, {})
    if not isinstance(value, dict) or not all(isinstance(t, dict) for t in value.values()):
        raise CatalogError(name, "must be a table of tables")
    return list(value.items())


def _category(where: str, key: str, t: Mapping[str, Any]) -> Category:
    return Category(key, _text(where, t, "title"), _fraction(where, t, "tolerance"))


def _model(where: str, key: str, t: Mapping[str, Any]) -> PaperModel:
    extra = sorted(set(t) - _MODEL_FIELDS - _SHAPE_FIELDS)
    if extra:
        raise CatalogError(where, f"unknown fields {extra}; valid: {sorted(_MODEL_FIELDS | _SHAPE_FIELDS)}")
    layers, hidden, heads = (_whole(where, t, f) for f in ("layers", "hidden_size", "heads"))
    vocab, context = _whole(where, t, "vocab_size"), _whole(where, t, "max_context")
    if hidden % heads:
        raise CatalogError(where, f"hidden_size {hidden} is not a multiple of heads {heads}")
    kv_heads = _whole(where, t, "kv_heads") if "kv_heads" in t else heads
    ffn = _whole(where, t, "ffn_size") if "ffn_size" in t else 4 * hidden
    gated, tied = _flag(where, t, "gated_ffn", False), _flag(where, t, "tied_embeddings", True)
    if heads % kv_heads:
        raise CatalogError(where, f"heads {heads} is not a multiple of kv_heads {kv_heads}")
    if _SHAPE_FIELDS & set(t):
        parameters = _shape_parameters(layers, hidden, heads, kv_heads, ffn, vocab, gated, tied)
    else:
        parameters = gpt_parameters(layers, hidden, vocab, context)
    spec = TransformerSpec(
        name=key,
        parameters=parameters,
        layers=layers,
        hidden_size=hidden,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=hidden // heads,
        ffn_size=ffn,
        vocab_size=vocab,
        max_context=context,
        gated_ffn=gated,
    )
    published = _positive(where, t, "published_parameters") if "published_parameters" in t else None
    return PaperModel(spec, _text(where, t, "source"), published)


def _shape_parameters(
    layers: int, hidden: int, heads: int, kv_heads: int, ffn: int, vocab: int, gated: bool, tied: bool
) -> float:
    """Weights of a pre-norm decoder without biases or learned positions: the token embeddings
    (and an output head unless tied), per layer the query, key, value and output projections,
    two (three when gated) feed-forward matrices and two norms, and the final norm."""
    head_dim = hidden // heads
    attention = hidden * head_dim * (heads + 2 * kv_heads) + heads * head_dim * hidden
    per_layer = attention + (3 if gated else 2) * hidden * ffn + 2 * hidden
    return float(vocab * hidden * (1 if tied else 2) + layers * per_layer + hidden)


def _case(where: str, t: Mapping[str, Any], categories: Mapping[str, Category]) -> Case:
    case_id = _text(where, t, "id")
    where = f"{where} ({case_id})"
    text = {name: _text(where, t, name) for name in _TEXT}
    optional = {name: _text(where, t, name) for name in _OPTIONAL_TEXT if name in t}
    metric, category = text["metric"], text["category"]
    if metric not in METRICS:
        raise CatalogError(where, f"metric {metric!r} is not one of {', '.join(METRICS)}")
    if category not in categories:
        raise CatalogError(where, f"category {category!r} is not one of {', '.join(categories)}")
    unit, input_names = METRICS[metric]
    if text["unit"] != unit:
        raise CatalogError(where, f"unit {text['unit']!r} must be {unit!r} for metric {metric}")
    known = {"id", "measured", "tolerance", *_TEXT, *_OPTIONAL_TEXT}
    inputs = {k: v for k, v in t.items() if k not in known}
    may_add = OPTIONAL.get(metric, frozenset())
    missing, extra = sorted(input_names - set(inputs)), sorted(set(inputs) - input_names - may_add)
    if missing or extra:
        raise CatalogError(
            where, f"metric {metric} takes {sorted(input_names)}; missing {missing}, unknown {extra}"
        )
    if inputs.get("scale_up_topology", "ring") not in TOPOLOGIES:
        raise CatalogError(where, f"scale_up_topology must be one of {', '.join(TOPOLOGIES)}")
    tolerance = _fraction(where, t, "tolerance") if "tolerance" in t else categories[category].tolerance
    return Case(
        id=case_id,
        measured=_positive(where, t, "measured"),
        inputs=inputs,
        tolerance=tolerance,
        **text,
        **optional,
    )


def _text(where: str, t: Mapping[str, Any], name: str) -> str:
    value = t.get(name)
    if not isinstance(value, str) or not value:
        raise CatalogError(where, f"{name!r} must be non-empty text, got {value!r}")
    return value


def _positive(where: str, t: Mapping[str, Any], name: str) -> float:
    value = t.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (value > 0 and math.isfinite(value))
    ):
        raise CatalogError(where, f"{name!r} must be a positive number, got {value!r}")
    return float(value)


def _whole(where: str, t: Mapping[str, Any], name: str) -> int:
    value = t.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CatalogError(where, f"{name!r} must be a whole number >= 1, got {value!r}")
    return value


def _flag(where: str, t: Mapping[str, Any], name: str, default: bool) -> bool:
    value = t.get(name, default)
    if not isinstance(value, bool):
        raise CatalogError(where, f"{name!r} must be true or false, got {value!r}")
    return value


def _fraction(where: str, t: Mapping[str, Any], name: str) -> float:
    value = _positive(where, t, name)
    if value > 1:
        raise CatalogError(where, f"{name!r} must be a fraction in (0, 1], got {value!r}")
    return value
