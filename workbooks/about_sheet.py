"""The About sheet: what the workbook is, how to recompute it, which versions and when, the style
legend, the scalar assumptions (defined names, inputs) and the MLSYS_* function list (generated
from the function registry, never written twice)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlsysim.macros.docs import function_rows
from openpyxl.styles import Alignment

from . import names, styles
from .engine_calls import call, current_target
from .layout import TITLE_ROW, master_check_colours, protect, put_text
from .scenarios import Scenarios
from .versions import catalog_version, engine_version

WIDTHS = {"A": 36.0, "B": 26.0, "C": 30.0, "D": 90.0}
_LINE_CHARS = 150  # characters per line of a paragraph merged over A:D

PURPOSE = (
    "Back-of-envelope capacity, latency, cost and carbon planning for ML systems, from specifications "
    "alone. The Hardware, Models, Fleets and Regions sheets are this workbook's own catalog (edit them or "
    "add rows); Serving, Training and Reliability evaluate one scenario per row with the MLSYS_* engine "
    "functions; TCO and Carbon are plain spreadsheet formulas (INDEX/MATCH on the catalog sheets) that a "
    "reviewer can audit cell by cell; Checks collects the checks behind the master check shown on every "
    "sheet."
)
# How to run the MLSYS_* functions live, per target runtime (``engine_calls.Target``).
LIVE = {
    "classic": (
        "Windows Excel with the classic xlwings add-in. (1) In a command prompt, in the mlsysim source "
        'folder: pip install ".[excel]" (or the wheel built from it, with [excel]), then: xlwings addin '
        "install. (2) Trust Center, once: File > Options > Trust Center > Trust Center Settings > Macro "
        "Settings: tick 'Trust access to the VBA project object model' and allow macros (Disable with "
        "notification, then Enable Content). (3) A file you downloaded or got by e-mail has its macros "
        "blocked: close it, right-click it in Explorer > Properties > tick Unblock > OK. (4) Save as .xlsm; "
        "in the VBA editor (Alt+F11) Tools > References: tick xlwings. (5) Keep the xlwings.conf sheet "
        "(UDF Modules = mlsysim.macros.xlwings_udfs; add Interpreter_Win, or Conda Path and Conda Env, in "
        "the rows below it) and click Import Functions on the xlwings tab. The engine check below then "
        "shows the version Excel runs."
    ),
    "lite": (
        "xlwings Lite (Excel 365/2021+, Windows, macOS, web): Home > Add-ins > xlwings Lite. In its "
        "editor, requirements.txt: the lines of macros/lite/requirements.txt (pint and the URL of the "
        "mlsysim wheel); main.py: macros/lite/main.py; then Restart. This workbook stores the functions "
        "as Office.js custom functions (_xldudf_MLSYS_...), so they calculate once xlwings Lite has "
        "loaded. A cell still showing #NAME?: Find & Replace '=' with '=' (Within: Workbook) re-enters "
        "every formula."
    ),
    "server": (
        "xlwings Server (xlwings PRO, licence required for commercial use): install the mlsysim wheel "
        "in the server's environment, add decorate(func, arg, cache=True) from "
        "mlsysim.macros.xlwings_udfs to its custom functions module and restart it; install its add-in "
        "(manifest). This workbook stores the functions in the namespace shown above; a server with "
        "another XLWINGS_FUNCTIONS_NAMESPACE needs Find & Replace of the namespace in the formulas."
    ),
}
RUNTIMES = {
    "classic": "Windows Excel, classic xlwings add-in",
    "lite": "xlwings Lite",
    "server": "xlwings Server",
}
FUNCTIONS = {
    "cell": "One MLSYS_* call per engine cell.",
    "block": (
        "One MLSYS_*_BLOCK call per block of engine columns (Serving: the static batch and the plan; "
        "Training: the step and the run; Reliability): an array formula over the helper columns on the "
        "right fills them, and the engine columns link to them."
    ),
}
HEADLESS = (
    "`mlsysim recalc plan.xlsx -o plan.xlsx --check` (or --in-place) evaluates every formula, MLSYS_* "
    "included, with this workbook's catalog sheets as data, writes the values into the file and exits 1 "
    "when a cell is an error or the master check fails. `mlsysim plan` builds and recomputes a fresh one."
)
RANGES = (
    "P10-P90 ranges: TTFT, ITL and training-step bands are the engine's leave-one-out errors on "
    "published measurements (mlsysim validate; under 9 cases: no validated range); TCO and cost per "
    "token carry seeded Monte Carlo over the sourced spreads of catalog/assumptions.toml [spreads]. "
    "Ranges sheet: bands beside the headlines; Sensitivity sheet: what moves cost most."
)
WITHOUT = (
    "Opened without Python (LibreOffice, Excel without the add-in), every cell shows the snapshot value "
    "from the time above. Native formulas (TCO, Carbon, checks on catalog data) recompute anywhere; "
    "MLSYS_* cells need the add-in or `mlsysim recalc` after an edit."
)
EDITING = (
    "Yellow cells are inputs; everything else is locked against accidental typing (Review > Unprotect "
    "Sheet, no password). To add a catalog entry, fill the next blank row of its sheet. To add a "
    "scenario, unprotect the sheet and copy the last row down (and its TCO and Carbon rows), then edit "
    "its inputs; dropdowns, names and checks already cover the blank rows below the data."
)


@dataclass(frozen=True, slots=True)
class Assumption:
    name: str
    label: str
    value: Any
    fmt: str
    source: str
    role: styles.Role = styles.INPUT


def assumptions(catalog: Any) -> tuple[Assumption, ...]:
    """The scalar inputs behind the TCO and Carbon formulas: the catalog's own values and sources."""
    a = catalog.assumptions

    def source(field: str) -> str:
        m = a.source_of(field)
        why = f" ({m.estimate})" if m.estimate else ""
        return f"{m.source.title}{why}"

    return (
        Assumption(
            names.PERIOD_DAYS,
            "Period covered by TCO and Carbon (days)",
            365.0,
            styles.WHOLE,
            "Planning input: 365 gives annual TCO and annual emissions.",
        ),
        Assumption(
            names.AMORTIZATION_YEARS,
            "Amortisation period (years)",
            a.amortization_years,
            styles.NUMBER,
            source("amortization_years"),
        ),
        Assumption(
            names.MAINTENANCE_FRACTION,
            "Maintenance per year (% of purchase price)",
            a.maintenance_fraction_per_year,
            styles.PERCENT,
            source("maintenance_fraction_per_year"),
        ),
        Assumption(
            names.AVERAGE_POWER_FRACTION,
            "Average power (% of maximum power)",
            a.average_power_fraction,
            styles.PERCENT,
            source("average_power_fraction"),
        ),
        Assumption(
            names.DAYS_PER_YEAR,
            "Days per year",
            365.0,
            styles.WHOLE,
            "Calendar convention of the engine (mlsysim.solvers.economics.DAYS_PER_YEAR); not an input.",
            styles.LABEL,
        ),
        Assumption(
            names.IDLE_POWER_FRACTION,
            "Idle power (% of maximum power)",
            a.idle_power_fraction,
            styles.PERCENT,
            source("idle_power_fraction"),
        ),
        Assumption(
            names.HOST_PRICE,
            "Host share per accelerator when no node holds it (USD)",
            a.host_price_per_accelerator,
            styles.USD,
            source("host_price_per_accelerator"),
        ),
        Assumption(
            names.HOST_POWER,
            "Host power per accelerator when no node holds it (W)",
            a.host_power_per_accelerator,
            styles.WHOLE,
            source("host_power_per_accelerator"),
        ),
        Assumption(
            names.DISCOUNT_RATE,
            "Discount rate, WACC (% per year)",
            a.discount_rate,
            styles.PERCENT,
            source("discount_rate"),
        ),
        Assumption(
            names.RESIDUAL_VALUE,
            "Residual value at the end of amortisation (% of purchase)",
            a.residual_value_fraction,
            styles.PERCENT,
            source("residual_value_fraction"),
        ),
        Assumption(
            names.HOURS_PER_MONTH,
            "Hours per month",
            f"={names.DAYS_PER_YEAR}*24/12",
            styles.NUMBER,
            "Derived: days per year x 24 / 12 (rent and running costs are monthly cash flows).",
            styles.FORMULA,
        ),
        Assumption(
            names.ANNUITY_FACTOR,
            "Annuity factor over the amortisation period (months)",
            f"=IF({names.DISCOUNT_RATE}=0,12*{names.AMORTIZATION_YEARS},"
            f"(1-(1+{names.DISCOUNT_RATE})^(-{names.AMORTIZATION_YEARS}))/((1+{names.DISCOUNT_RATE})^(1/12)-1))",
            styles.PRECISE,
            "Derived: present value of 1 USD a month for 12 x amortisation years at the WACC, "
            "(1 - (1 + j)^-N) / j with j = (1 + WACC)^(1/12) - 1 (mlsysim.solvers.rent_vs_own).",
            styles.FORMULA,
        ),
        Assumption(
            names.END_DISCOUNT,
            "Discount factor at the end of amortisation",
            f"=(1+{names.DISCOUNT_RATE})^(-{names.AMORTIZATION_YEARS})",
            styles.PRECISE,
            "Derived: present value of 1 USD received when the hardware is sold (residual value).",
            styles.FORMULA,
        ),
    )


class _Writer:
    def __init__(self, worksheet: Any) -> None:
        self.ws = worksheet
        self.row = 3

    def cell(self, column: int, value: Any, role: styles.Role, fmt: str = styles.GENERAL) -> Any:
        cell = self.ws.cell(self.row, column)
        if isinstance(value, str) and not value.startswith("="):
            put_text(cell, value)
        else:
            cell.value = value
        cell.style = role.name
        if fmt != styles.GENERAL:
            cell.number_format = fmt
        return cell

    def section(self, title: str, headers: tuple[str, ...] = ()) -> None:
        self.row += 1
        for column, text in enumerate((title, *headers) if headers else (title, "", "", ""), start=1):
            self.cell(column, text, styles.HEADER)
        self.row += 1

    def paragraph(self, text: str, first_column: int = 1) -> None:
        cell = self.cell(first_column, text, styles.LABEL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.ws.merge_cells(start_row=self.row, start_column=first_column, end_row=self.row, end_column=4)
        chars = _LINE_CHARS * (4 - first_column + 1) / 4 if first_column > 1 else _LINE_CHARS
        self.ws.row_dimensions[self.row].height = 15.0 * max(1, math.ceil(len(text) / chars))
        self.row += 1

    def fact(self, label: str, value: Any, note: str = "", name: str = "", fmt: str = styles.GENERAL) -> None:
        self.cell(1, label, styles.LABEL)
        self.cell(2, value, styles.CHECK if name == names.MASTER_CHECK else styles.FORMULA, fmt)
        if name and name != names.MASTER_CHECK:
            names.define(self.ws.parent, name, self.ws.title, f"B{self.row}")
        if note:
            self.cell(4, note, styles.LABEL)
        self.row += 1


def write_about(
    workbook: Any, scenarios: Scenarios, computed_at: datetime | None, catalog: Any, functions: str = "cell"
) -> Any:
    ws = workbook.create_sheet("About")
    for column, width in WIDTHS.items():
        ws.column_dimensions[column].width = width
    ws.cell(TITLE_ROW, 1, "MLSYSIM planning workbook").style = styles.TITLE.name
    ws.cell(TITLE_ROW, 2, "Master check").style = styles.LABEL.name
    ws.cell(TITLE_ROW, 3, f'=IF({names.MASTER_CHECK},"OK","FAILED: see Checks")').style = styles.CHECK.name
    master_check_colours(ws, f"C{TITLE_ROW}")
    w = _Writer(ws)
    w.row = 2
    w.cell(
        1, f"Generated by {engine_version()}; see the Checks sheet before relying on a number.", styles.LABEL
    )
    w.row = 3

    w.section("Purpose")
    w.paragraph(PURPOSE)

    w.section("Status")
    if computed_at is None:
        status, when = "NOT COMPUTED", "never: run `mlsysim recalc` on this file"
        explain = "Formula cells hold no values yet."
    else:
        status, when = "SNAPSHOT", computed_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        explain = (
            "SNAPSHOT: formula cells hold the values computed headless at the time below. LIVE: with the "
            "xlwings add-in loaded, Excel recomputes MLSYS_* cells as you edit."
        )
    w.fact("Values", status, explain, names.VALUES_STATUS)
    w.fact("Computed at", when, "Time of the last headless recompute.", names.COMPUTED_AT)
    w.fact("Engine version", engine_version(), "The mlsysim that built this workbook.", names.ENGINE_VERSION)
    w.fact(
        "Catalog version",
        catalog_version(catalog),
        "The catalog the catalog sheets came from (packaged, plus any user folders).",
        names.CATALOG_VERSION,
    )
    counts = f"{len(scenarios.serving)} serving, {len(scenarios.training)} training, "
    w.fact("Scenarios", counts + f"{len(scenarios.reliability)} reliability")
    w.fact(
        "Master check",
        f"={names.MASTER_CHECK}",
        "TRUE when every check on the Checks sheet passes.",
        names.MASTER_CHECK,
    )
    target = current_target()
    namespace = f", namespace {target.namespace}" if target.namespace else ""
    example = target.shown("MLSYS_TTFT")
    w.fact(
        "Written for", f"{RUNTIMES[target.runtime]}{namespace}", f"Functions are called as {example}(...)."
    )
    w.fact("Engine calls", functions, FUNCTIONS[functions])
    w.fact(
        "Engine check",
        "=" + call("MLSYS_VERSION", {}),
        "The engine that computed the values: mlsysim-workbook and its version (#NAME?: not set up).",
    )

    w.section("How to use and recompute")
    for label, text in (
        (f"Live in Excel ({RUNTIMES[target.runtime]})", LIVE[target.runtime]),
        ("Headless (CI, any machine)", HEADLESS),
        ("Without Python", WITHOUT),
        ("Editing", EDITING),
        ("Ranges and sensitivity", RANGES),
    ):
        w.cell(1, label, styles.LABEL)
        w.paragraph(text, first_column=2)

    w.section("Cell styles", ("Meaning", "", ""))
    for role in styles.ROLES:
        w.cell(1, "Example" if role is not styles.TITLE else "Title", role)
        w.paragraph(role.meaning, first_column=2)

    w.section("Assumptions", ("Value", "Defined name", "Source"))
    for item in assumptions(catalog):
        w.cell(1, item.label, styles.LABEL)
        w.cell(2, item.value, item.role, item.fmt)
        names.define(workbook, item.name, ws.title, f"B{w.row}")
        w.cell(3, item.name, styles.LABEL)
        w.cell(4, item.source, styles.LABEL).alignment = Alignment(wrap_text=True, vertical="top")
        w.row += 1

    w.section(
        "MLSYS_* functions", ("Result (default unit)", "If it does not fit", "Arguments and description")
    )
    for _family, name, signature, unit, infeasible, description in function_rows():
        w.cell(1, name, styles.LABEL)
        w.cell(2, unit, styles.LABEL)
        w.cell(3, infeasible.replace("`", ""), styles.LABEL)
        text = f"{signature}: {description}"
        w.cell(4, text, styles.LABEL).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[w.row].height = 15.0 * max(1, math.ceil(len(text) / 95))
        w.row += 1

    ws.freeze_panes = "A3"
    protect(ws)
    return ws
