"""The ranges section of ``mlsysim validate``: per family, its band, case count and coverage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .bands import CENTRAL, MIN_CASES, CaseRatio, bands
from .coverage import category_coverage, coverage

__all__ = ["coverage_markdown", "coverage_rows"]


def coverage_rows(ratios: Sequence[CaseRatio]) -> list[dict[str, Any]]:
    """One row per family: cases, categories, P10/P90 time ratios (None when not validated),
    held-out cases inside the band of the others, and the stated share."""
    built = bands(ratios)
    by_category = {c.family: c for c in category_coverage(ratios)}
    rows = []
    for c in coverage(ratios):
        b, other = built[c.family], by_category[c.family]
        rows.append(
            {
                "family": c.family,
                "title": c.title,
                "cases": c.cases,
                "categories": dict(b.categories),
                "p10": b.ratio(CENTRAL[0]),
                "p90": b.ratio(CENTRAL[1]),
                "inside": c.inside,
                "coverage": c.share,
                "stated": c.stated,
                "category_cases": other.cases,
                "category_inside": other.inside,
            }
        )
    return rows


def coverage_markdown(ratios: Sequence[CaseRatio], origin: str) -> str:
    lines = [
        "",
        f"Ranges: P10-P90 bands of the leave-one-out time ratios (measured / estimated for a duration) "
        f"per estimate family ({origin}); coverage: held-out cases inside the band of the others "
        f"(stated: at least 80 %); by category: the cases of each category inside the band of the family's "
        f"other categories. Fewer than {MIN_CASES} cases: no validated range.",
        "",
        "| family | cases | categories | P10 | P90 | coverage | by category |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in coverage_rows(ratios):
        categories = ", ".join(f"{k} ({n})" for k, n in r["categories"].items()) or "none"
        if r["p10"] is None:
            band, cover = "no validated range", "-"
        else:
            band = f"×{r['p10']:.3f} | ×{r['p90']:.3f}"
            cover = (
                f"n/a ({r['cases'] - 1} others: no band)"
                if r["inside"] is None
                else f"{r['inside']}/{r['cases']} ({r['coverage']:.0%})"
            )
        held = r["category_inside"]
        other = "-" if held is None else f"{held}/{r['category_cases']} ({held / r['category_cases']:.0%})"
        if r["p10"] is None:
            lines.append(f"| {r['family']} | {r['cases']} | {categories} | {band} | | {cover} | {other} |")
        else:
            lines.append(f"| {r['family']} | {r['cases']} | {categories} | {band} | {cover} | {other} |")
    return "\n".join(lines) + "\n"
