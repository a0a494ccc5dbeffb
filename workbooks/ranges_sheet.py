"""The Ranges sheet: the headline numbers with their P10 and P90 beside them, one row per TCO row
(serving scenarios, then training scenarios).

- TTFT and ITL: the Serving sheet's cells times their family's validated band factors, which live
  on the Sensitivity sheet (leave-one-out validation residuals): formulas, so they follow every
  recompute and every edit;
- TCO and cost per million tokens: the TCO sheet's cells times the row's relative Monte Carlo band
  (P10 / base and P90 / base of 1,000 seeded draws over the assumption spreads and, for token
  prices, the TTFT and ITL bands: ``mlsysim.ranges.composites``), computed when the workbook is
  built for the row's scenario as built (utilisation 1, owned) and written as values.

Column keys: ``name``, ``ttft``, ``ttft_p10``, ``ttft_p90``, ``itl``, ``itl_p10``, ``itl_p90``,
``tco``, ``tco_p10``, ``tco_p90``, ``mtok``, ``mtok_p10``, ``mtok_p90`` and the factor columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlsysim.api.ranges import composite_range, token_cost_inputs
from mlsysim.errors import MlsysimError
from mlsysim.ranges.bands import CENTRAL
from mlsysim.ranges.composites import node_share_tco_composite, token_cost_composite
from mlsysim.ranges.rows import row_bands, stacked

from . import styles
from .layout import FIRST_ROW, Col, Table
from .scenarios import Scenarios
from .sensitivity_sheet import Bands

SHEET = "Ranges"
NOTE = (
    "P10-P90 beside each headline. TTFT and ITL: times the validated band factors on the Sensitivity "
    "sheet (leave-one-out residuals). TCO and USD per million tokens: times the row's relative Monte "
    "Carlo band over the sourced spreads, computed when the workbook was built (owned, utilisation 1)."
)
PERIOD_DAYS = 365.0  # the relative TCO band does not depend on the period within the amortisation


def _bound(value: str, factor: str) -> str:
    return f'=IFERROR({value}*{factor},"")'


def columns(bands: Bands) -> list[Col]:
    link, f, label = styles.LINK, styles.FORMULA, styles.LABEL
    return [
        Col("name", "Scenario", link, styles.TEXT, 30.0, "={tco_name}"),
        Col("basis", "Sheet", link, styles.TEXT, 9.0, "={tco_basis}"),
        Col("ttft", "TTFT (ms)", link, styles.MS, 11.0, '=IF({src_ttft}="","",{src_ttft})'),
        Col("ttft_p10", "TTFT P10 (ms)", f, styles.MS, 11.0, _bound("{ttft}", bands.low["ttft"])),
        Col("ttft_p90", "TTFT P90 (ms)", f, styles.MS, 11.0, _bound("{ttft}", bands.high["ttft"])),
        Col("itl", "ITL (ms)", link, styles.MS, 11.0, '=IF({src_itl}="","",{src_itl})'),
        Col("itl_p10", "ITL P10 (ms)", f, styles.MS, 11.0, _bound("{itl}", bands.low["itl"])),
        Col("itl_p90", "ITL P90 (ms)", f, styles.MS, 11.0, _bound("{itl}", bands.high["itl"])),
        Col("tco", "TCO for the period (USD)", link, styles.USD, 13.0, "={tco_tco}"),
        Col("tco_p10", "TCO P10 (USD)", f, styles.USD, 13.0, _bound("{tco}", "{tco_low}")),
        Col("tco_p90", "TCO P90 (USD)", f, styles.USD, 13.0, _bound("{tco}", "{tco_high}")),
        Col("mtok", "USD per million tokens", link, styles.USD_CENTS, 11.0, "={tco_mtok}"),
        Col("mtok_p10", "USD/Mtok P10", f, styles.USD_CENTS, 11.0, _bound("{mtok}", "{mtok_low}")),
        Col("mtok_p90", "USD/Mtok P90", f, styles.USD_CENTS, 11.0, _bound("{mtok}", "{mtok_high}")),
        Col("tco_low", "TCO P10 / base", label, styles.PRECISE, 10.0),
        Col("tco_high", "TCO P90 / base", label, styles.PRECISE, 10.0),
        Col("mtok_low", "USD/Mtok P10 / base", label, styles.PRECISE, 10.0),
        Col("mtok_high", "USD/Mtok P90 / base", label, styles.PRECISE, 10.0),
    ]


def write_ranges(
    workbook: Any, plan: Scenarios, catalog: Any, serving: Table, tco: Table, bands: Bands
) -> Table:
    table = Table(workbook, SHEET, columns(bands))
    table.frame("Ranges: P10 and P90 beside the headline numbers", NOTE, header_height=60.0)
    records = _serving_factors(plan.serving, catalog)
    records += [_training_factors(t, catalog) for t in plan.training]

    def links(index: int, row: int) -> dict[str, str]:
        tco_row = FIRST_ROW + index
        serving_row = FIRST_ROW + index if index < serving.rows else None
        own = {k: f"{table.letter(k)}{row}" for k in ("tco_low", "tco_high", "mtok_low", "mtok_high")}
        return {
            "tco_name": tco.cell_ref("name", tco_row),
            "tco_basis": tco.cell_ref("basis", tco_row),
            "tco_tco": tco.cell_ref("tco", tco_row),
            "tco_mtok": tco.cell_ref("per_million_tokens", tco_row),
            "src_ttft": '""' if serving_row is None else serving.cell_ref("ttft", serving_row),
            "src_itl": '""' if serving_row is None else serving.cell_ref("itl", serving_row),
            **own,
        }

    table.write(records, count=len(records), links=links)
    table.protect()
    return table


def _serving_factors(scenarios: Sequence[Any], catalog: Any) -> list[dict[str, Any]]:
    """Relative TCO and token-price bands of every serving row, all rows in one evaluation per
    composite (``mlsysim.ranges.rows``: the same numbers as one Monte Carlo per row)."""
    a = catalog.assumptions
    resolved: dict[int, dict[str, Any]] = {}
    for k, s in enumerate(scenarios):
        inputs = {
            "model": s.model,
            "hardware": s.hardware,
            "seq_len": s.prompt_tokens,
            "batch_size": s.batch,
            "precision": s.precision or None,
            "output_len": s.output_tokens,
            "tp_size": s.tp,
            "replicas": s.replicas,
            "datacenter": s.region,
        }
        try:
            resolved[k] = token_cost_inputs(catalog, inputs)
        except MlsysimError:
            continue  # an unknown, unpriced or unfit row: no band, its cells stay empty
    out: list[dict[str, Any]] = [{} for _ in scenarios]
    if not resolved:
        return out
    rows = stacked(list(resolved.values()))
    price, power, tariff, pue = rows["owned"]
    tco = node_share_tco_composite(
        price=price,
        power=power,
        tariff=tariff,
        pue=pue,
        accelerators=rows["tp"] * rows["replicas"],
        days=PERIOD_DAYS,
        utilization=rows["utilization"],
        a=a,
    )
    for prefix, composite in (("tco", tco), ("mtok", token_cost_composite(a=a, **rows))):
        base, (low, high) = row_bands(composite, CENTRAL)
        for j, k in enumerate(resolved):
            out[k][f"{prefix}_low"], out[k][f"{prefix}_high"] = low[j] / base[j], high[j] / base[j]
    return out


def _training_factors(t: Any, catalog: Any) -> dict[str, Any]:
    try:
        inputs = {"fleet": t.fleet, "duration_days": PERIOD_DAYS, "datacenter": t.region}
        r = composite_range("economics", inputs, catalog)
    except MlsysimError:
        return {}
    if r is None:
        return {}
    return {"tco_low": r.low / r.base, "tco_high": r.high / r.base}
