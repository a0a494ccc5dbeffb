"""Request lengths for serving at load: a workload is rows of (prompt tokens, output tokens, weight),
a distribution or one row of fixed lengths; named profiles (``chat``, ``code``, ``summarization``,
``sharegpt``) live in ``catalog/workloads.toml`` with their sources.

``length_stats`` reduces a workload to the moments and quantiles the serving cores use, as plain
floats: the cores then run on scalars and on sweep arrays alike.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

from .catalog_loader import Catalog, catalog_root
from .entry import Source
from .errors import CatalogError, InvalidInputError, UnknownEntryError
from .names import closest, normalize
from .solvers.checks import whole

PROFILE_FILE = "workloads.toml"


@dataclass(frozen=True, slots=True)
class Workload:
    """Request lengths: ``rows`` of (prompt tokens, output tokens, weight); weights need not sum to 1."""

    name: str
    rows: tuple[tuple[int, int, float], ...]
    title: str = ""
    source: Source | None = None
    estimate: str = ""

    def __post_init__(self) -> None:
        if not self.rows:
            raise InvalidInputError("workload", self.name, "needs at least one (prompt, output, weight) row")
        checked = []
        for prompt, output, weight in self.rows:
            w = float(weight)
            if isinstance(weight, bool) or not (w >= 0 and math.isfinite(w)):
                raise InvalidInputError("workload weight", weight, "expected a finite number >= 0")
            checked.append((whole("prompt_len", prompt), whole("output_len", output), w))
        total = sum(w for _, _, w in checked)
        if not total > 0:
            raise InvalidInputError(
                "workload weights", [w for _, _, w in checked], "must sum to a positive number"
            )
        object.__setattr__(self, "rows", tuple(checked))
        if sum(w * (o - 1) for _, o, w in checked) <= 0:
            raise InvalidInputError(
                "output_len", 1, "every request generates one token: at least one row needs output_len >= 2"
            )

    @property
    def longest(self) -> int:
        """The largest prompt + output of any row (tokens)."""
        return max(p + o for p, o, _ in self.rows)


def fixed(prompt: Any, output: Any) -> Workload:
    """Every request the same: ``prompt`` tokens in, ``output`` tokens out."""
    return _fixed(whole("prompt_len", prompt), whole("output_len", output))


@lru_cache(maxsize=4096)
def _fixed(prompt: int, output: int) -> Workload:
    return Workload(f"{prompt} in / {output} out", ((prompt, output, 1.0),))


def as_workload(value: Any, catalog: Catalog) -> Workload:
    """A ``Workload``, a profile name, or rows of (prompt, output, weight)."""
    if isinstance(value, Workload):
        return value
    if isinstance(value, str):
        return profile(value, catalog)
    if isinstance(value, Sequence) and value and all(_is_row(r) for r in value):
        return Workload("rows", tuple((r[0], r[1], r[2]) for r in value))
    raise InvalidInputError(
        "workload",
        value,
        f"expected a profile ({', '.join(profile_names(catalog))}) or rows of (prompt, output, weight)",
    )


def _is_row(row: Any) -> bool:
    return isinstance(row, Sequence) and not isinstance(row, str) and len(row) == 3


def profile_names(catalog: Catalog) -> tuple[str, ...]:
    return tuple(_profiles(catalog))


def profile(name: str, catalog: Catalog) -> Workload:
    profiles = _profiles(catalog)
    key = normalize(name)
    for found, w in profiles.items():
        if normalize(found) == key:
            return w
    raise UnknownEntryError("workload", name, closest(name, profiles) or tuple(profiles))


def _profiles(catalog: Catalog) -> dict[str, Workload]:
    return _read_profiles(str(catalog_root()), _SourceTable(catalog.sources))


class _SourceTable:
    """The catalog's sources, hashable by identity so the profiles read once per catalog."""

    def __init__(self, sources: Mapping[str, Source]) -> None:
        self.sources = sources

    def __hash__(self) -> int:
        return id(self.sources)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SourceTable) and other.sources is self.sources


@cache
def _read_profiles(root: str, sources: _SourceTable) -> dict[str, Workload]:
    where = f"catalog/{PROFILE_FILE}"
    with open(f"{root}/{PROFILE_FILE}", "rb") as handle:
        raw = tomllib.load(handle)
    found = {}
    for name, table in raw.items():
        extra = sorted(set(table) - {"name", "source", "estimate", "rows"})
        if extra or not {"name", "source", "estimate", "rows"} <= set(table):
            raise CatalogError(f"{where} [{name}]", "needs exactly name, source, estimate and rows")
        if table["source"] not in sources.sources:
            raise CatalogError(f"{where} [{name}]", f"unknown source id {table['source']!r}")
        try:
            found[name] = Workload(
                name,
                tuple(tuple(r) for r in table["rows"]),  # type: ignore[misc]
                table["name"],
                sources.sources[table["source"]],
                table["estimate"],
            )
        except (InvalidInputError, TypeError, ValueError) as exc:
            raise CatalogError(f"{where} [{name}]", str(exc)) from exc
    return found


class LengthStats(NamedTuple):
    """What the serving cores need of a workload (tokens; ``*_at`` at the target percentile)."""

    prompt: float  # E[P]
    output: float  # E[O]
    decode_steps: float  # E[O − 1]: decode iterations per request (the first token ends the prefill)
    decode_context: float  # KV context of a decoding sequence, time-averaged: E[(O−1)(P+O/2)] / E[O−1]
    prompt_square: float  # E[P²]
    prompt_var: float
    output_var: float
    covariance: float  # Cov(P, O)
    prompt_p50: float
    prompt_p90: float
    prompt_p99: float
    output_p50: float
    output_p90: float
    output_p99: float
    prompt_at: float
    output_at: float


@lru_cache(maxsize=4096)
def length_stats(w: Workload, percentile: float = 0.99) -> LengthStats:
    """The moments and quantiles of ``w`` (cached: workloads are immutable)."""
    total = sum(weight for _, _, weight in w.rows)
    rows = [(float(p), float(o), weight / total) for p, o, weight in w.rows]

    def mean(f: Any) -> float:
        return sum(q * f(p, o) for p, o, q in rows)

    prompt, output = mean(lambda p, o: p), mean(lambda p, o: o)
    steps = output - 1.0
    prompts = [(p, q) for p, _, q in rows]
    outputs = [(o, q) for _, o, q in rows]
    return LengthStats(
        prompt=prompt,
        output=output,
        decode_steps=steps,
        decode_context=mean(lambda p, o: (o - 1.0) * (p + o / 2.0)) / steps,
        prompt_square=mean(lambda p, o: p * p),
        prompt_var=mean(lambda p, o: (p - prompt) ** 2),
        output_var=mean(lambda p, o: (o - output) ** 2),
        covariance=mean(lambda p, o: (p - prompt) * (o - output)),
        prompt_p50=quantile(prompts, 0.5),
        prompt_p90=quantile(prompts, 0.9),
        prompt_p99=quantile(prompts, 0.99),
        output_p50=quantile(outputs, 0.5),
        output_p90=quantile(outputs, 0.9),
        output_p99=quantile(outputs, 0.99),
        prompt_at=quantile(prompts, percentile),
        output_at=quantile(outputs, percentile),
    )


def quantile(values: Sequence[tuple[float, float]], q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` (weights summing to 1)."""
    cumulative = 0.0
    ordered = sorted(values)
    for value, weight in ordered:
        cumulative += weight
        if cumulative >= q - 1e-12:
            return value
    return ordered[-1][0]


def check_percentile(value: Any) -> float:
    """A percentile as a fraction in (0, 1): 0.99 for P99."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InvalidInputError("percentile", value, "expected a fraction in (0, 1), e.g. 0.99 for P99")
    return float(value)
