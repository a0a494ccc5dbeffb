"""Estimate every case, and summarise: error per case, median absolute percentage error per category.

Error is ``estimate / measured − 1``; a case is within tolerance when ``|error| <= tolerance``. The
median (not the mean) absolute percentage error per category is reported, so one outlier cannot hide
or dominate a category; the largest factor ``max(estimate/measured, measured/estimate)`` is reported
beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from ..assumptions import Assumptions
from ..catalog_loader import Catalog
from .cases import Case, CaseSet
from .estimate import Estimator


@dataclass(frozen=True, slots=True)
class CaseResult:
    id: str
    category: str
    measured: float
    estimated: float
    unit: str
    error: float
    tolerance: float
    within_tolerance: bool
    xfail: str

    @property
    def factor(self) -> float:
        ratio = self.estimated / self.measured
        return max(ratio, 1.0 / ratio)


@dataclass(frozen=True, slots=True)
class CategorySummary:
    key: str
    title: str
    cases: int
    within_tolerance: int
    median_abs_error: float
    max_factor: float


@dataclass(frozen=True, slots=True)
class Validation:
    results: tuple[CaseResult, ...]
    categories: tuple[CategorySummary, ...]

    @property
    def unexpected(self) -> tuple[CaseResult, ...]:
        """Cases outside tolerance without a known reason, and expected failures that now pass."""
        return tuple(r for r in self.results if r.within_tolerance == bool(r.xfail))

    def to_dict(self) -> dict[str, object]:
        return {
            "cases": [asdict(r) | {"factor": r.factor} for r in self.results],
            "categories": [asdict(c) for c in self.categories],
        }


def evaluate(case: Case, estimator: Estimator, assumptions: Assumptions) -> CaseResult:
    estimated = estimator(case, assumptions)
    error = estimated / case.measured - 1.0
    return CaseResult(
        id=case.id,
        category=case.category,
        measured=case.measured,
        estimated=estimated,
        unit=case.unit,
        error=error,
        tolerance=case.tolerance,
        within_tolerance=abs(error) <= case.tolerance,
        xfail=case.xfail,
    )


def validate(cases: CaseSet, catalog: Catalog, assumptions: Assumptions | None = None) -> Validation:
    """Every case under ``assumptions`` (the catalog's by default)."""
    a = assumptions or catalog.assumptions
    estimator = Estimator(cases, catalog)
    results = tuple(evaluate(case, estimator, a) for case in cases.cases)
    return Validation(results, summarise(results, {k: c.title for k, c in cases.categories.items()}))


def summarise(results: Sequence[CaseResult], titles: Mapping[str, str]) -> tuple[CategorySummary, ...]:
    summaries = []
    for key, title in titles.items():
        rows = [r for r in results if r.category == key]
        if not rows:
            continue
        summaries.append(
            CategorySummary(
                key=key,
                title=title,
                cases=len(rows),
                within_tolerance=sum(r.within_tolerance for r in rows),
                median_abs_error=statistics.median(abs(r.error) for r in rows),
                max_factor=max(r.factor for r in rows),
            )
        )
    return tuple(summaries)


def markdown(v: Validation) -> str:
    """The case table and the per-category summary as GitHub-flavoured Markdown (in-sample)."""
    lines = [
        "| case | measured | estimated | unit | error | tolerance | within |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for r in v.results:
        within = "yes" if r.within_tolerance else ("no (expected: see cases.toml)" if r.xfail else "no")
        lines.append(
            f"| {r.id} | {_number(r.measured)} | {_number(r.estimated)} | {r.unit} | {r.error:+.1%} "
            f"| ±{r.tolerance:.0%} | {within} |"
        )
    return "\n".join([*lines, "", *_category_table(v.categories)]) + "\n"


def loo_markdown(results: Sequence[CaseResult], categories: Sequence[CategorySummary]) -> str:
    """The leave-one-out estimate of every case and its per-category summary, apart from the
    in-sample tables (``loo``)."""
    lines = [
        "",
        "Leave-one-out: each case estimated with the calibrated values refitted without it.",
        "",
        "| case | measured | leave-one-out | unit | error | within |",
        "|---|---:|---:|---|---:|---|",
    ]
    for r in results:
        within = "yes" if r.within_tolerance else "no"
        values = f"{_number(r.measured)} | {_number(r.estimated)} | {r.unit} | {r.error:+.1%}"
        lines.append(f"| {r.id} | {values} | {within} |")
    return "\n".join([*lines, "", *_category_table(categories)]) + "\n"


def _category_table(categories: Sequence[CategorySummary]) -> list[str]:
    lines = [
        "| category | cases | within tolerance | median abs. error | worst factor |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in categories:
        error, factor = f"{c.median_abs_error:.1%}", f"{c.max_factor:.2f}×"
        lines.append(f"| {c.title} | {c.cases} | {c.within_tolerance} | {error} | {factor} |")
    return lines


def _number(x: float) -> str:
    """Four significant figures without exponent noise for the magnitudes the cases use."""
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"
