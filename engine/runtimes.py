"""Serving runtimes: which of the engines' latency tricks a measurement or an estimate assumes.

A runtime profile (``[runtimes.NAME]`` in ``catalog/assumptions.toml``) says whether the engine
replays decode steps as a CUDA graph, whether it has its own one-/two-shot all-reduce for small
messages, whether its NCCL reduces in the switch (NVLink SHARP), and whether it hides prefill's
tensor-parallel communication behind the GEMMs.
The serving core takes a profile as plain numbers (``RuntimeCosts``); what each trick costs lives
in the assumptions beside it (``graph_kernel_overhead``, ``oneshot_latency``,
``custom_allreduce_max_bytes``, ``prefill_comm_overlap_fraction``). ``default_runtime`` names the
profile of today's deployed engines, used wherever a caller does not name one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .entry import Source
from .errors import CatalogError, UnknownEntryError

_FLAGS = ("cuda_graph_decode", "custom_allreduce", "nccl_nvls", "prefill_comm_overlap", "host_scheduler")
_FIELDS = {*_FLAGS, "source", "note"}


@dataclass(frozen=True, slots=True)
class RuntimeProfile:
    name: str
    cuda_graph_decode: bool
    custom_allreduce: bool
    nccl_nvls: bool
    prefill_comm_overlap: bool
    host_scheduler: bool
    source: Source
    note: str


class RuntimeCosts(NamedTuple):
    """A profile as the serving core uses it."""

    decode_graphs: float
    """1.0 when decode steps replay a CUDA graph, 0.0 when every kernel is launched from the host."""
    custom_allreduce_max: float
    """Largest message (B) the engine's own all-reduce takes; 0.0 without one (NCCL only)."""
    nvls: float
    """1.0 when the runtime's NCCL reduces in the switch (NVLink SHARP) where the topology allows."""
    prefill_comm_exposed: float
    """Fraction of prefill's tensor-parallel communication not hidden behind compute."""
    iteration_overhead: float = 0.0
    """Host seconds per engine iteration outside the kernels (``serving_iteration_overhead`` for a
    runtime whose scheduler batches, samples and detokenises between iterations; 0 for a bare
    generation loop)."""


def read_runtimes(where: str, raw: Any, sources: Mapping[str, Source]) -> dict[str, RuntimeProfile]:
    if not isinstance(raw, dict) or not raw or not all(isinstance(t, dict) for t in raw.values()):
        raise CatalogError(where, "must be a table of runtime profiles")
    return {name: _profile(f"{where}.{name}", name, table, sources) for name, table in raw.items()}


def default_runtime(
    where: str, raw: Any, runtimes: Mapping[str, RuntimeProfile], sources: Mapping[str, Source]
) -> str:
    """``default_runtime = { name, source, note }``: the profile used when a caller names none."""
    if not isinstance(raw, dict) or set(raw) != {"name", "source", "note"}:
        raise CatalogError(where, "expected { name, source, note }")
    if raw["name"] not in runtimes:
        raise CatalogError(where, f"{raw['name']!r} is not one of {sorted(runtimes)}")
    if raw["source"] not in sources:
        raise CatalogError(f"{where}.source", f"unknown source id {raw['source']!r}")
    return str(raw["name"])


def _profile(where: str, name: str, t: Mapping[str, Any], sources: Mapping[str, Source]) -> RuntimeProfile:
    if set(t) != _FIELDS:
        raise CatalogError(where, f"needs exactly {sorted(_FIELDS)}; got {sorted(t)}")
    for flag in _FLAGS:
        if not isinstance(t[flag], bool):
            raise CatalogError(f"{where}.{flag}", f"must be true or false, got {t[flag]!r}")
    if t["source"] not in sources:
        raise CatalogError(f"{where}.source", f"unknown source id {t['source']!r}")
    if not isinstance(t["note"], str) or not t["note"]:
        raise CatalogError(f"{where}.note", "must say what the engine does")
    return RuntimeProfile(
        name=name,
        cuda_graph_decode=t["cuda_graph_decode"],
        custom_allreduce=t["custom_allreduce"],
        nccl_nvls=t["nccl_nvls"],
        prefill_comm_overlap=t["prefill_comm_overlap"],
        host_scheduler=t["host_scheduler"],
        source=sources[t["source"]],
        note=t["note"],
    )


def profile_of(runtimes: Mapping[str, RuntimeProfile], name: str) -> RuntimeProfile:
    try:
        return runtimes[name]
    except KeyError:
        raise UnknownEntryError("runtime", name, tuple(sorted(runtimes))) from None
