"""The TCO sheet: owning each scenario's accelerators, what a million tokens cost, and renting them
instead, in native formulas a finance reviewer audits. The same equations as the engine:

- owned, per accelerator, as its node share, host included (``mlsysim.api.pricing``): the node
  price and wall power of a Fleets row whose node holds the accelerator, / accelerators per node;
  an accelerator no catalog node holds is its Hardware price and TDP plus the host share
  (``HostPricePerAccelerator``, ``HostPowerPerAccelerator``). Training rows price their fleet's
  node the same way;
- TCO (``mlsysim.solvers.economics``, Barroso et al. 2018, ch. 6): CapEx = purchase ×
  MIN(period / year, A) / A; average IT power = units × power × (u · ``AveragePowerFraction`` +
  (1 − u) · ``IdlePowerFraction``) at utilisation u; facility energy = IT energy × PUE; energy
  cost = facility energy × tariff; maintenance = purchase × ``MaintenanceFractionPerYear`` ×
  period / year;
- cost per million tokens (``mlsysim.solvers.token_cost``): TCO / (tokens per second busy × u ×
  period); a serving row's token rate is the traffic its capacity plan serves, peak requests/s ×
  (S + n) (the replicas are sized for it, so u is the average traffic as a share of the peak), and
  input tokens carry the static batch's prefill share TTFT / T of the cost, T = TTFT + (n − 1)·ITL,
  output tokens the rest;
- rent versus own (``mlsysim.solvers.rent_vs_own``): renting bills busy hours (on demand, spot)
  or every hour (committed terms) at the Prices sheet's rate; owning is the purchase, the running
  cost each month and the residual value, both as NPV at ``DiscountRate`` over the amortisation
  period (``AnnuityFactor``, ``EndDiscount``); break-even utilisation, cash crossover in months.

Column keys are stable (the Carbon and Summary sheets link ``name``, ``region``, ``it_power``,
``tco``, ``per_million_tokens``, ``cheaper``, ``breakeven`` and ``price_date``). Keys of the
earlier layout kept: ``name``, ``basis``, ``item``, ``region``, ``accelerators``, ``unit_price``,
``purchase``, ``capex``, ``unit_power``, ``it_power``, ``pue``, ``kwh_price``, ``energy``,
``energy_cost``, ``maintenance``, ``opex``, ``tco``, ``per_accelerator_hour``, ``tokens_per_s``,
``per_million_tokens`` (now at the row's utilisation) and ``missing``; ``units``, ``unit_kind`` and
``amortization`` went: every row is priced per accelerator, as its node share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlsysim.api.pricing import pricing_node
from mlsysim.errors import MlsysimError
from mlsysim.prices import Term, cheapest
from openpyxl.worksheet.datavalidation import DataValidation

from . import styles
from .catalog_sheets import column_name
from .layout import AMBER, FIRST_ROW, Col, Table
from .names import (
    AMORTIZATION_YEARS,
    ANNUITY_FACTOR,
    AVERAGE_POWER_FRACTION,
    DAYS_PER_YEAR,
    END_DISCOUNT,
    HOST_POWER,
    HOST_PRICE,
    HOURS_PER_MONTH,
    IDLE_POWER_FRACTION,
    MAINTENANCE_FRACTION,
    PERIOD_DAYS,
    RENTAL_TERMS,
    RESIDUAL_VALUE,
)
from .prices_sheet import column_name as price_column

NOTE = (
    "One row per Serving and Training scenario; native formulas over the catalog sheets, the Prices "
    "sheet and the About sheet's assumptions. Owned accelerators are priced as their node share, host "
    "included. Yellow cells are inputs (utilisation, rental offer, term). Amber rows lack catalog data."
)
TERMS = '"' + ",".join(t.value for t in Term) + '"'
COMMITTED = f'OR({{term}}="{Term.RESERVED_1YR.value}",{{term}}="{Term.RESERVED_3YR.value}")'
BILLED = f"IF({COMMITTED},1,{{utilization}})"
LOAD = f"({{utilization}}*{AVERAGE_POWER_FRACTION}+(1-{{utilization}})*{IDLE_POWER_FRACTION})"
RATE = (
    f"INDEX({price_column('rates')},MATCH({{offer}},{price_column('id')},0),MATCH({{term}},{RENTAL_TERMS},0))"
)
# The row's accelerator (Hardware ID): the item itself on a serving row, its fleet's on a training row.
ROW_ACCELERATOR = (
    f"IF(ISERROR(MATCH({{item}},{column_name('hardware', 'id')},0)),"
    f"INDEX({column_name('fleet', 'accelerator')},MATCH({{item}},{column_name('fleet', 'id')},0)),{{item}})"
)
OFFERED = f"INDEX({price_column('accelerator')},MATCH({{offer}},{price_column('id')},0))"
IDLE_MONTH = (
    f"{{accelerators}}*({{unit_price}}*{MAINTENANCE_FRACTION}/12"
    f"+{{unit_power}}*{IDLE_POWER_FRACTION}*{{pue}}*{{kwh_price}}*{HOURS_PER_MONTH})"
)
BUSY_MONTH = (
    f"{{accelerators}}*{{unit_power}}*({AVERAGE_POWER_FRACTION}-{IDLE_POWER_FRACTION})"
    f"*{{pue}}*{{kwh_price}}*{HOURS_PER_MONTH}"
)
RENT_MONTH = f"{{accelerators}}*{{rent_rate}}*{HOURS_PER_MONTH}"
OWN_FIXED_NPV = f"({{purchase}}+{IDLE_MONTH}*{ANNUITY_FACTOR}-{RESIDUAL_VALUE}*{{purchase}}*{END_DISCOUNT})"
MARGIN_NPV = f"(({RENT_MONTH}-{BUSY_MONTH})*{ANNUITY_FACTOR})"
PERIOD_MTOK = f"{PERIOD_DAYS}*86400/1000000"


def _lookup(kind: str, key: str, id_cell: str) -> str:
    return f"INDEX({column_name(kind, key)},MATCH({id_cell},{column_name(kind, 'id')},0))"


def columns() -> list[Col]:
    f, link, label, i = styles.FORMULA, styles.LINK, styles.LABEL, styles.INPUT
    return [
        Col("name", "Scenario", link, styles.TEXT, 30.0, "={src_name}"),
        Col("basis", "Sheet", label, styles.TEXT, 8.0),
        Col("item", "Hardware or fleet (ID)", link, styles.TEXT, 11.0, "={src_item}"),
        Col("region", "Region (ID)", link, styles.TEXT, 10.0, "={src_region}"),
        Col("accelerators", "Accelerators", link, styles.WHOLE, 9.0, "={src_accelerators}"),
        Col("priced_as", "Owned as a node share of (Fleets ID; blank: + host share)", i, styles.TEXT, 11.0),
        Col("unit_price", "Price per accelerator, node share (USD)", f, styles.USD, 10.0, "=" + PRICE),
        Col("purchase", "Purchase price (USD)", f, styles.USD, 13.0, "={accelerators}*{unit_price}"),
        Col(
            "capex",
            "CapEx for the period (USD)",
            f,
            styles.USD,
            13.0,
            f"={{purchase}}*MIN({PERIOD_DAYS}/{DAYS_PER_YEAR},{AMORTIZATION_YEARS})/{AMORTIZATION_YEARS}",
        ),
        Col("unit_power", "Power per accelerator, node share (kW)", f, styles.KW, 9.0, "=" + POWER),
        Col("utilization", "Utilisation (share of time busy)", i, styles.PERCENT, 9.0),
        Col(
            "it_power",
            "Average IT power: node wall power, no PUE (kW)",
            f,
            styles.KW,
            13.0,
            f"={{accelerators}}*{{unit_power}}*{LOAD}",
        ),
        Col("pue", "PUE", f, styles.NUMBER, 6.0, "=" + _lookup("region", "pue", "{region}")),
        Col(
            "kwh_price",
            "Electricity price (USD/kWh)",
            f,
            styles.USD_PRECISE,
            9.0,
            "=" + _lookup("region", "electricity_price", "{region}"),
        ),
        Col(
            "energy",
            "Facility energy = IT x PUE (MWh)",
            f,
            styles.MWH,
            13.0,
            f"={{it_power}}*{PERIOD_DAYS}*24*{{pue}}/1000",
        ),
        Col("energy_cost", "Energy cost (USD)", f, styles.USD, 13.0, "={energy}*1000*{kwh_price}"),
        Col(
            "maintenance",
            "Maintenance (USD)",
            f,
            styles.USD,
            13.0,
            f"={{purchase}}*{MAINTENANCE_FRACTION}*{PERIOD_DAYS}/{DAYS_PER_YEAR}",
        ),
        Col("opex", "OpEx: energy + maintenance (USD)", f, styles.USD, 13.0, "={energy_cost}+{maintenance}"),
        Col("tco", "TCO for the period, owned (USD)", f, styles.USD, 13.0, "={capex}+{opex}"),
        Col(
            "per_accelerator_hour",
            "Owned cost per accelerator-hour (USD)",
            f,
            styles.USD_CENTS,
            9.0,
            f"={{tco}}/({{accelerators}}*{PERIOD_DAYS}*24)",
        ),
        Col(
            "tokens_per_s", "Tokens per second while busy (tok/s)", f, styles.TOKENS_S, 14.0, "={tokens_expr}"
        ),
        Col("prefill_share", "Prefill share of busy time (%)", f, styles.PERCENT, 8.0, "={share_expr}"),
        Col(
            "per_million_tokens",
            "Cost per million tokens, owned (USD)",
            f,
            styles.USD_PRECISE,
            10.0,
            f'=IFERROR({{tco}}/({{tokens_per_s}}*{{utilization}}*{PERIOD_MTOK}),"n/a")',
        ),
        Col(
            "input_per_mtok",
            "Input (prompt) tokens (USD per million)",
            f,
            styles.USD_PRECISE,
            10.0,
            "={input_expr}",
        ),
        Col(
            "output_per_mtok",
            "Output tokens (USD per million)",
            f,
            styles.USD_PRECISE,
            10.0,
            "={output_expr}",
        ),
        Col("offer", "Rental offer (Prices ID)", i, styles.TEXT, 16.0),
        Col("term", "Rental term", i, styles.TEXT, 11.0),
        Col(
            "rent_rate",
            "Rental price (USD per accelerator-hour)",
            f,
            styles.USD_CENTS,
            9.0,
            f'=IFERROR(IF({OFFERED}<>{ROW_ACCELERATOR},"other accelerator",IF({RATE}>0,{RATE},"no price")),'
            '"no price")',
        ),
        Col(
            "price_date",
            "Price read on",
            f,
            styles.TEXT,
            10.0,
            f'=IFERROR(INDEX({price_column("date_read")},MATCH({{offer}},{price_column("id")},0)),"")',
        ),
        Col(
            "rent_cost",
            "Renting for the period (USD)",
            f,
            styles.USD,
            13.0,
            f'=IFERROR({{accelerators}}*{{rent_rate}}*{PERIOD_DAYS}*24*{BILLED},"n/a")',
        ),
        Col(
            "running_month",
            "Owned running cost at this utilisation (USD/month)",
            f,
            styles.USD,
            10.0,
            f"={{accelerators}}*({{unit_price}}*{MAINTENANCE_FRACTION}/12"
            f"+{{unit_power}}*{LOAD}*{{pue}}*{{kwh_price}}*{HOURS_PER_MONTH})",
        ),
        Col(
            "own_npv",
            "Owning, NPV over the amortisation period (USD)",
            f,
            styles.USD,
            13.0,
            f"={{purchase}}+{{running_month}}*{ANNUITY_FACTOR}-{RESIDUAL_VALUE}*{{purchase}}*{END_DISCOUNT}",
        ),
        Col(
            "rent_npv",
            "Renting, NPV over the same period (USD)",
            f,
            styles.USD,
            13.0,
            f'=IFERROR({RENT_MONTH}*{BILLED}*{ANNUITY_FACTOR},"n/a")',
        ),
        Col(
            "breakeven",
            "Break-even utilisation: owning beats renting busy hours above (%)",
            f,
            styles.PERCENT,
            10.0,
            f'=IFERROR(IF({MARGIN_NPV}>0,{OWN_FIXED_NPV}/{MARGIN_NPV},"never"),"n/a")',
        ),
        Col(
            "crossover",
            "Cash crossover: owning cheaper after (months)",
            f,
            styles.NUMBER,
            9.0,
            f"=IFERROR(IF({RENT_MONTH}*{BILLED}-{{running_month}}>0,"
            f'{{purchase}}/({RENT_MONTH}*{BILLED}-{{running_month}}),"never"),"n/a")',
        ),
        Col(
            "cheaper",
            "Cheaper at this utilisation (own/rent, NPV)",
            f,
            styles.TEXT,
            8.0,
            '=IFERROR(IF({rent_npv}*1>{own_npv},"own","rent"),"n/a")',
        ),
        Col(
            "missing",
            "Missing catalog data (1 = yes)",
            f,
            styles.FLAG,
            8.0,
            "=IF(ISERROR({unit_price}*{unit_power}*{pue}*{kwh_price}),1,IF(AND({pue}>=1,{kwh_price}>0),0,1))",
        ),
    ]


@dataclass(frozen=True, slots=True)
class Pricing:
    """How the TCO rows price their accelerators, decided at build time: per serving row the Fleets
    row whose node holds its accelerator (empty: accelerator price + host share), the built fleets
    the Fleets sheet needs for that, and each row's default rental offer (serving rows, then
    training rows; empty when no offer rents the accelerator)."""

    priced_as: tuple[str, ...]
    extra_fleets: tuple[Any, ...]
    offers: tuple[str, ...]
    training_fleets: tuple[str, ...] = ()


def pricing(plan: Any, catalog: Any) -> Pricing:
    """With the engine's own rules (``api.pricing.pricing_node``, ``prices.cheapest``), so the
    workbook and ``CostPerTokenModel`` price a row alike."""
    fleets: dict[str, str] = {}
    extra: dict[str, Any] = {}
    fabric = next(iter(catalog.entries["fabric"].values()))
    for scenario in plan.serving:
        if scenario.hardware in fleets:
            continue
        node = pricing_node(catalog, catalog.get("hardware", scenario.hardware).spec)
        fleet = None
        if node is not None:
            fleet = next((f for f in catalog.entries["fleet"].values() if f.node.id == node.id), None)
            if fleet is None:
                fleet = catalog.fleet(node, node.spec.accelerators_per_node, fabric)
                extra[fleet.id] = fleet
        fleets[scenario.hardware] = "" if fleet is None else fleet.id
    accelerators = [s.hardware for s in plan.serving]
    accelerators += [catalog.get("fleet", t.fleet).accelerator.id for t in plan.training]
    return Pricing(
        priced_as=tuple(fleets[s.hardware] for s in plan.serving),
        extra_fleets=tuple(extra.values()),
        offers=tuple(_default_offer(catalog, hardware) for hardware in accelerators),
        training_fleets=tuple(t.fleet for t in plan.training),
    )


def _default_offer(catalog: Any, hardware: str) -> str:
    try:
        return cheapest(catalog, hardware, Term.ON_DEMAND).id
    except MlsysimError:
        return ""


def _serving_links(serving: Table, row: int) -> dict[str, str]:
    def ref(key: str) -> str:
        return serving.cell_ref(key, row)

    fits, ttft, itl, planned = ref("fits"), ref("ttft"), ref("itl"), ref("plan_ok")
    prompt, output, peak = ref("prompt_tokens"), ref("output_tokens"), ref("peak_rps")
    cycle = f"({ttft}+({output}-1)*{itl})"
    busy_mtok = f"{{utilization}}*{PERIOD_MTOK}"
    return {
        "src_item": ref("hardware"),
        "tokens_expr": f'IF({planned}=1,{peak}*({prompt}+{output}),"n/a")',
        "share_expr": f'IF({fits}=1,{ttft}/{cycle},"n/a")',
        "input_expr": (
            f"IFERROR({{tco}}*{{prefill_share}}/({{tokens_per_s}}*{prompt}/({prompt}+{output})*{busy_mtok}),"
            '"n/a")'
        ),
        "output_expr": (
            f"IFERROR({{tco}}*(1-{{prefill_share}})/({{tokens_per_s}}*{output}/({prompt}+{output})*{busy_mtok}),"
            '"n/a")'
        ),
    }


def _training_links(training: Table, row: int) -> dict[str, str]:
    return {
        "src_item": training.cell_ref("fleet", row),
        "tokens_expr": training.cell_ref("tokens_per_s", row),
        "share_expr": '"n/a"',
        "input_expr": '"n/a"',
        "output_expr": '"n/a"',
    }


def _share(key: str) -> str:
    """The node figure per accelerator of the Fleets row named in ``priced_as``."""
    per_node = _lookup("fleet", "accelerators_per_node", "{priced_as}")
    return f"{_lookup('fleet', key, '{priced_as}')}/{per_node}"


_HW_PRICE = _lookup("hardware", "price", "{item}")
_NODE_PRICE = _lookup("fleet", "node_price", "{priced_as}")
# Per accelerator: the node share of the Fleets row in priced_as, or (priced_as blank) the Hardware
# row's price and TDP plus the host share. A missing price is "no price", never 0.
PRICE = (
    f'IF({{priced_as}}="",IF({_HW_PRICE}>0,{_HW_PRICE}+{HOST_PRICE},"no price"),'
    f'IF({_NODE_PRICE}>0,{_share("node_price")},"no price"))'
)
POWER = (
    f'IF({{priced_as}}="",({_lookup("hardware", "tdp", "{item}")}+{HOST_POWER})/1000,{_share("node_power")})'
)


def _fraction(table: Table, key: str) -> None:
    validation = DataValidation(type="decimal", operator="between", formula1="0.000001", formula2="1")
    validation.error = "A share of time busy, above 0 and at most 1 (e.g. 60 %)."
    validation.showErrorMessage = True
    col = table.letter(key)
    validation.add(f"{col}{FIRST_ROW}:{col}{table.last_row}")
    table.worksheet.add_data_validation(validation)


def write_tco(workbook: Any, serving: Table, training: Table, prices: Pricing) -> Table:
    table = Table(workbook, "TCO", columns())
    table.frame("Total cost of ownership, cost per token and rent versus own", NOTE, header_height=75.0)
    kinds = ["Serving"] * serving.rows + ["Training"] * training.rows
    priced_as = [*prices.priced_as, *prices.training_fleets]
    records = [
        {
            "basis": kind,
            "priced_as": priced_as[k],
            "utilization": 1.0,
            "offer": prices.offers[k],
            "term": Term.ON_DEMAND.value,
        }
        for k, kind in enumerate(kinds)
    ]

    def links(index: int, row: int) -> dict[str, str]:
        if index < serving.rows:
            src, src_row = serving, FIRST_ROW + index
            out = _serving_links(serving, src_row)
        else:
            src, src_row = training, FIRST_ROW + index - serving.rows
            out = _training_links(training, src_row)
        out["src_name"] = src.cell_ref("name", src_row)
        out["src_region"] = src.cell_ref("region", src_row)
        out["src_accelerators"] = src.cell_ref("accelerators", src_row)
        own = {c.key: f"{table.letter(c.key)}{row}" for c in table.columns}
        return {key: value.format_map(own) for key, value in out.items()}

    table.write(records, count=len(records), links=links)
    table.dropdown("term", TERMS, "a rental term")
    table.dropdown("offer", price_column("id"), "an ID from the Prices sheet")
    table.dropdown("priced_as", column_name("fleet", "id"), "an ID from the Fleets sheet, or blank")
    _fraction(table, "utilization")
    table.highlight_rows(f"${table.letter('missing')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table
