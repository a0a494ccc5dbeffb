"""The short per-scenario summary ``mlsysim plan`` prints, read back from a computed workbook.

Per serving scenario: whether its capacity plan meets the targets, the replicas needed and the
TTFT and ITL at the plan's percentile; per training run: fits, step time and days to train;
both with the TCO, the cost per million tokens, whether owning or renting is cheaper (NPV, at the
TCO row's utilisation) and the emissions of their TCO and Carbon rows (same order), and the dates
the rental prices used were read. Per reliability job:
MTBF, probability of a failure and goodput. Values are the cached ones the recompute wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from . import carbon_sheet, names, reliability_sheet, serving_sheet, tco_sheet, training_sheet
from .layout import FIRST_ROW


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    master_check: Any
    computed_at: Any
    period_days: Any
    serving: tuple[Line, ...]
    training: tuple[Line, ...]
    reliability: tuple[Line, ...]
    price_dates: tuple[tuple[str, str], ...] = ()  # (offer, date read) of the rental prices used


def _rows(workbook: Any, sheet: str, columns: list, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    index = {c.key: i for i, c in enumerate(columns)}
    found = []
    for row in workbook[sheet].iter_rows(min_row=FIRST_ROW, max_col=len(columns), values_only=True):
        if row[0] in (None, ""):
            break
        found.append({key: row[index[key]] for key in keys})
    return found


def _named(workbook: Any, name: str) -> Any:
    sheet, coordinate = next(workbook.defined_names[name].destinations)
    return workbook[sheet][coordinate.replace("$", "")].value


def summarize(path: str | Path) -> PlanSummary:
    workbook = load_workbook(path, data_only=True)  # not read-only: defined names need random access
    try:
        serving = _rows(
            workbook, "Serving", serving_sheet.columns(), ("name", "plan_ok", "replicas", "ttft_p", "itl_p")
        )
        training = _rows(
            workbook, "Training", training_sheet.columns(), ("name", "fits", "step_time", "run_days")
        )
        reliability = _rows(
            workbook, "Reliability", reliability_sheet.columns(), ("name", "mtbf", "fail_prob", "goodput")
        )
        tco = _rows(
            workbook,
            "TCO",
            tco_sheet.columns(),
            ("name", "tco", "per_million_tokens", "cheaper", "offer", "price_date"),
        )
        carbon = _rows(workbook, "Carbon", carbon_sheet.columns(), ("name", "emissions"))
        costs = [
            (t["tco"], t["per_million_tokens"], t["cheaper"], c["emissions"])
            for t, c in zip(tco, carbon, strict=False)
        ]
        costs += [(None, None, None, None)] * (len(serving) + len(training) - len(costs))
        dates = {t["offer"]: t["price_date"] for t in tco if t["offer"] and t["price_date"]}
        return PlanSummary(
            master_check=_named(workbook, names.MASTER_CHECK),
            computed_at=_named(workbook, names.COMPUTED_AT),
            period_days=_named(workbook, names.PERIOD_DAYS),
            serving=tuple(
                Line(s["name"], (s["plan_ok"], s["replicas"], s["ttft_p"], s["itl_p"], *costs[i]))
                for i, s in enumerate(serving)
            ),
            training=tuple(
                Line(t["name"], (t["fits"], t["step_time"], t["run_days"], *costs[len(serving) + i]))
                for i, t in enumerate(training)
            ),
            reliability=tuple(
                Line(r["name"], (r["mtbf"], r["fail_prob"], r["goodput"])) for r in reliability
            ),
            price_dates=tuple(sorted(dates.items())),
        )
    finally:
        workbook.close()


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt == "yes":
        return "yes" if value == 1 else "NO"
    if isinstance(value, int | float):
        return format(value, fmt)
    text = str(value)
    return "does not fit" if "does not fit" in text else text[:24]


def format_summary(summary: PlanSummary, path: str | Path) -> str:
    period = summary.period_days
    per = "year" if period == 365 else f"{_cell(period, ',.0f')} d"
    status = "OK" if summary.master_check is True else "FAILED (see the Checks sheet)"
    lines = [f"{path}: values computed {summary.computed_at}; master check {status}"]
    width = max([len(x.name) for x in (*summary.serving, *summary.training, *summary.reliability)] + [20])
    width = min(width, 50)

    def table(title: str, headers: tuple[str, ...], rows: tuple[Line, ...], formats: tuple[str, ...]) -> None:
        if not rows:
            return
        lines.append("")
        lines.append(f"{title:<{width}}" + "".join(f"{h:>14}" for h in headers))
        for line in rows:
            cells = "".join(f"{_cell(v, f):>14}" for v, f in zip(line.values, formats, strict=True))
            lines.append(f"{line.name[:width]:<{width}}{cells}")

    money = (f"TCO USD/{per}", "USD/Mtok", "cheaper", f"tCO2e/{per}")
    table(
        "Serving",
        ("targets met", "replicas", "TTFT@P ms", "ITL@P ms", *money),
        summary.serving,
        ("yes", ",.0f", ",.1f", ",.2f", ",.0f", ",.4f", "", ",.1f"),
    )
    table(
        "Training",
        ("fits", "step ms", "days", *money),
        summary.training,
        ("yes", ",.1f", ",.1f", ",.0f", ",.4f", "", ",.1f"),
    )
    if summary.price_dates:
        lines.append("")
        read = ", ".join(f"{offer} {date}" for offer, date in summary.price_dates)
        lines.append(f"Owned vs rented (NPV) against rental prices read on: {read}")
    table("Reliability", ("MTBF h", "P(failure)", "goodput"), summary.reliability, (",.1f", ".1%", ".1%"))
    return "\n".join(lines)
