"""The Ranges sheet: the headline numbers with their P10 and P90 beside them, one row per TCO row
(serving scenarios, then training scenarios).

- replicas needed: ``MLSYS_REPLICAS_Q`` at 0.1 and 0.9 on the Serving row's own inputs (the capacity
  plan of the traffic scaled by the validated throughput-at-load band), formulas as well;
- TTFT and ITL: the Serving sheet's cells times their family's validated band factors, which live
  on the Sensitivity sheet (leave-one-out validation residuals): formulas, so they follow every
  recompute and every edit;
- TCO and cost per million tokens: the TCO sheet's cells times the row's relative Monte Carlo band
  (P10 / base and P90 / base of 1,000 seeded draws over the assumption spreads: node price,
  electricity price, PUE, utilisation, power, amortisation, maintenance; ``mlsysim.ranges.
  composites``), computed when the workbook is built for the row's node share and site (owned,
  utilisation 1) and written as values; a serving row's cost per token is its TCO over the fixed
  peak traffic, so it carries the same relative band;
- emissions (tCO2e): the Carbon sheet's cells times the row's relative band over the utilisation,
  power, PUE and grid-intensity spreads, computed the same way.

Column keys: ``name``, ``replicas``, ``replicas_p10``, ``replicas_p90``, ``ttft``, ``ttft_p10``,
``ttft_p90``, ``itl``, ``itl_p10``, ``itl_p90``,
``tco``, ``tco_p10``, ``tco_p90``, ``mtok``, ``mtok_p10``, ``mtok_p90``, ``co2``, ``co2_p10``,
``co2_p90`` and the factor columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlsysim.api.pricing import node_share, site_tariff
from mlsysim.api.ranges import RangesModel, composite_range
from mlsysim.api.site import resolve_site
from mlsysim.errors import MlsysimError
from mlsysim.hardware.types import HardwareSpec
from mlsysim.ranges.bands import CENTRAL
from mlsysim.ranges.composites import node_share_tco_composite, site_carbon_composite
from mlsysim.ranges.rows import row_bands, stacked

from . import styles
from .catalog_sheets import table_name
from .engine_calls import call
from .layout import FIRST_ROW, Col, Table
from .scenarios import Scenarios
from .sensitivity_sheet import Bands

SHEET = "Ranges"
NOTE = (
    "P10-P90 beside each headline. TTFT and ITL: times the validated band factors on the Sensitivity "
    "sheet (leave-one-out residuals). TCO and USD per million tokens: times the row's relative Monte "
    "Carlo band over the sourced spreads, computed when the workbook was built (owned, utilisation 1)."
)
_PLAN_INPUTS = (
    "model_row",
    "hardware_row",
    "peak_rps",
    "prompt_tokens",
    "output_tokens",
    "ttft_target",
    "itl_target",
    "percentile",
    "precision",
    "tp",
)
PERIOD_DAYS = 365.0  # the relative TCO band does not depend on the period within the amortisation


def _bound(value: str, factor: str) -> str:
    """The value times a factor cell; empty when either is (no band is not a band of zero)."""
    return f'=IF(OR({value}="",{factor}=""),"",IFERROR({value}*{factor},""))'


def _replicas(quantile: float) -> str:
    """``MLSYS_REPLICAS_Q`` on the Serving row's inputs (``{s_...}``: its cells; empty on a
    training row, which has no traffic)."""
    args = {
        "quantile": str(quantile),
        "model": f"INDEX({table_name('model')},{{s_model_row}},0)",
        "hw": f"INDEX({table_name('hardware')},{{s_hardware_row}},0)",
        "arrival_rate": "{s_peak_rps}",
        "prompt": "{s_prompt_tokens}",
        "output": "{s_output_tokens}",
        "ttft_ms": "{s_ttft_target}",
        "itl_ms": "{s_itl_target}",
        "percentile": "{s_percentile}",
        "precision": "{s_precision}",
        "tp": "{s_tp}",
    }
    return f'=IF({{replicas}}="","n/a",IFERROR({call("MLSYS_REPLICAS_Q", args)},"n/a"))'


def columns(bands: Bands, block: bool = False) -> list[Col]:
    """The sheet's columns; in block mode (one block call per engine sheet, no per-cell MLSYS_*
    calls) the replicas' bounds are values computed when the workbook is built."""
    link, f, label = styles.LINK, styles.FORMULA, styles.LABEL
    replicas = (
        [Col(f"replicas_p{n}", f"Replicas P{n}", label, styles.WHOLE, 10.0) for n in (10, 90)]
        if block
        else [
            Col("replicas_p10", "Replicas P10", f, styles.WHOLE, 10.0, _replicas(CENTRAL[0])),
            Col("replicas_p90", "Replicas P90", f, styles.WHOLE, 10.0, _replicas(CENTRAL[1])),
        ]
    )
    return [
        Col("name", "Scenario", link, styles.TEXT, 30.0, "={tco_name}"),
        Col("basis", "Sheet", link, styles.TEXT, 9.0, "={tco_basis}"),
        Col(
            "replicas",
            "Replicas needed",
            link,
            styles.WHOLE,
            10.0,
            '=IF({src_replicas}="","",{src_replicas})',
        ),
        *replicas,
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
        Col("co2", "Emissions (tCO2e)", link, styles.TCO2E, 12.0, "={carbon_co2}"),
        Col("co2_p10", "Emissions P10 (tCO2e)", f, styles.TCO2E, 12.0, _bound("{co2}", "{co2_low}")),
        Col("co2_p90", "Emissions P90 (tCO2e)", f, styles.TCO2E, 12.0, _bound("{co2}", "{co2_high}")),
        Col("tco_low", "TCO P10 / base", label, styles.PRECISE, 10.0),
        Col("tco_high", "TCO P90 / base", label, styles.PRECISE, 10.0),
        Col("mtok_low", "USD/Mtok P10 / base", label, styles.PRECISE, 10.0),
        Col("mtok_high", "USD/Mtok P90 / base", label, styles.PRECISE, 10.0),
        Col("co2_low", "Emissions P10 / base", label, styles.PRECISE, 10.0),
        Col("co2_high", "Emissions P90 / base", label, styles.PRECISE, 10.0),
    ]


def write_ranges(
    workbook: Any,
    plan: Scenarios,
    catalog: Any,
    tables: dict[str, Table],
    bands: Bands,
    *,
    block: bool = False,
) -> Table:
    serving, tco, carbon = tables["serving"], tables["tco"], tables["carbon"]
    table = Table(workbook, SHEET, columns(bands, block))
    table.frame("Ranges: P10 and P90 beside the headline numbers", NOTE, header_height=60.0)
    records = _serving_factors(plan.serving, catalog)
    if block:
        for record, s in zip(records, plan.serving, strict=True):
            record.update(_replicas_as_built(s, catalog))
    records += [_training_factors(t, catalog) for t in plan.training]
    if block:  # a training row has no traffic: "n/a", as the formula of cell mode shows
        for record in records[len(plan.serving) :]:
            record.update({"replicas_p10": "n/a", "replicas_p90": "n/a"})
    regions = [s.region for s in plan.serving] + [t.region for t in plan.training]
    for record, factors in zip(records, _carbon_factors(regions, catalog), strict=True):
        record.update(factors)

    def links(index: int, row: int) -> dict[str, str]:
        tco_row = FIRST_ROW + index
        serving_row = FIRST_ROW + index if index < serving.rows else None
        factors = ("tco_low", "tco_high", "mtok_low", "mtok_high", "co2_low", "co2_high")
        own = {k: f"{table.letter(k)}{row}" for k in factors}
        return {
            "tco_name": tco.cell_ref("name", tco_row),
            "tco_basis": tco.cell_ref("basis", tco_row),
            "tco_tco": tco.cell_ref("tco", tco_row),
            "tco_mtok": tco.cell_ref("per_million_tokens", tco_row),
            "carbon_co2": carbon.cell_ref("emissions", tco_row),
            "src_ttft": '""' if serving_row is None else serving.cell_ref("ttft", serving_row),
            "src_itl": '""' if serving_row is None else serving.cell_ref("itl", serving_row),
            "src_replicas": '""' if serving_row is None else serving.cell_ref("replicas", serving_row),
            **{
                f"s_{k}": '""' if serving_row is None else serving.cell_ref(k, serving_row)
                for k in _PLAN_INPUTS
            },
            **own,
        }

    table.write(records, count=len(records), links=links)
    table.protect()
    return table


def _replicas_as_built(s: Any, catalog: Any) -> dict[str, Any]:
    """The replicas' bounds of a serving row as ``RangesModel`` gives them (the numbers
    MLSYS_REPLICAS_Q gives in cell mode); "n/a" where there are none."""
    inputs = {
        "model": s.model,
        "hardware": s.hardware,
        "arrival_rate": s.peak_rps,
        "prompt_len": s.prompt_tokens,
        "output_len": s.output_tokens,
        "ttft_target": s.ttft_target_ms / 1e3,
        "itl_target": s.itl_target_ms / 1e3,
        "percentile": s.percentile,
        "precision": s.precision or None,
        "tp_size": s.tp,
    }
    try:
        r = RangesModel(catalog).solve("capacity", **inputs).range("replicas")
    except MlsysimError:
        return {"replicas_p10": "n/a", "replicas_p90": "n/a"}
    if not r.validated:
        return {"replicas_p10": "n/a", "replicas_p90": "n/a"}
    return {"replicas_p10": r.low, "replicas_p90": r.high}


def _serving_factors(scenarios: Sequence[Any], catalog: Any) -> list[dict[str, Any]]:
    """Relative TCO band of every serving row (its accelerators owned as node shares), all rows in
    one evaluation (``mlsysim.ranges.rows``: the same numbers as one Monte Carlo per row). A serving
    row's cost per million tokens is its TCO over the peak traffic's tokens, so it carries the same
    relative band; the replicas' own band (throughput evidence) is in its own columns."""
    resolved: dict[int, dict[str, Any]] = {}
    for k, s in enumerate(scenarios):
        try:
            share = node_share(catalog, catalog.spec("hardware", s.hardware, HardwareSpec))
            tariff, facility = site_tariff(catalog, s.region, None, None)
        except MlsysimError:
            continue  # an unknown or unpriced row: no band, its cells stay empty
        resolved[k] = {"price": share.price, "power": share.power, "tariff": tariff, "pue": facility.pue}
    out: list[dict[str, Any]] = [{} for _ in scenarios]
    if not resolved:
        return out
    rows = stacked(list(resolved.values()))
    composite = node_share_tco_composite(
        **rows, accelerators=1.0, days=PERIOD_DAYS, utilization=1.0, a=catalog.assumptions
    )
    base, (low, high) = row_bands(composite, CENTRAL)
    for j, k in enumerate(resolved):
        out[k] = {
            "tco_low": low[j] / base[j],
            "tco_high": high[j] / base[j],
            "mtok_low": low[j] / base[j],
            "mtok_high": high[j] / base[j],
        }
    return out


def _carbon_factors(regions: Sequence[str], catalog: Any) -> list[dict[str, Any]]:
    """Relative band of each row's operational emissions (the Carbon sheet: IT energy × PUE × grid
    intensity) over the utilisation, power, PUE and grid-intensity spreads, all rows at once; the
    band of a unit of power at the row's site (emissions are proportional to the power)."""
    sites: dict[int, dict[str, Any]] = {}
    for k, region in enumerate(regions):
        try:
            grid, facility = resolve_site(catalog, region)
        except MlsysimError:
            continue
        sites[k] = {"carbon_intensity": grid.carbon_intensity, "pue": facility.pue}
    out: list[dict[str, Any]] = [{} for _ in regions]
    if not sites:
        return out
    composite = site_carbon_composite(
        **stacked(list(sites.values())), power=1.0, days=PERIOD_DAYS, utilization=1.0, a=catalog.assumptions
    )
    base, (low, high) = row_bands(composite, CENTRAL)
    for j, k in enumerate(sites):
        out[k] = {"co2_low": low[j] / base[j], "co2_high": high[j] / base[j]}
    return out


def _training_factors(t: Any, catalog: Any) -> dict[str, Any]:
    try:
        inputs = {"fleet": t.fleet, "duration_days": PERIOD_DAYS, "datacenter": t.region}
        r = composite_range("economics", inputs, catalog)
    except MlsysimError:
        return {}
    if r is None:
        return {}
    low, high = r.low / r.base, r.high / r.base
    # cost per token = TCO / tokens trained at the step model's rate: the TCO's relative band
    return {"tco_low": low, "tco_high": high, "mtok_low": low, "mtok_high": high}
