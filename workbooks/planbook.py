"""Build the planning workbook: About, a one-page Summary, the four catalog sheets, Prices,
Serving, Training, TCO, Carbon, Reliability, Checks, Ranges and Sensitivity, in that order, then
the xlwings add-in's settings sheet (openpyxl, no Excel needed). Every sheet is set up for
printing last, in one place (``print_setup``), so a sheet writer needs no print code of its own.

``build_workbook`` returns the openpyxl workbook; ``build`` writes it atomically to a path (a temp
file in the same folder, then ``os.replace``), so no half-written .xlsx is ever left behind.
Formula cells carry no values until ``mlsysim.workbooks.recalc`` computes them.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from mlsysim.catalog_loader import as_catalog
from mlsysim.errors import InvalidInputError
from openpyxl import Workbook

from . import styles
from .about_sheet import write_about
from .carbon_sheet import write_carbon
from .catalog_sheets import CATALOG_KINDS, write_catalog_sheet
from .charts import carbon_chart, latency_chart, tco_chart
from .checks_sheet import write_checks
from .engine_calls import CLASSIC, Target, writing_for
from .prices_sheet import write_prices
from .print_setup import apply_print_setup
from .ranges_sheet import write_ranges
from .reliability_sheet import write_reliability
from .scenarios import built_fleets, load_scenarios
from .sensitivity_sheet import band_cells, write_sensitivity
from .serving_sheet import write_serving
from .summary_sheet import write_summary
from .tco_sheet import pricing, write_tco
from .training_sheet import write_training
from .xlwings_conf import write_xlwings_conf

SHEETS = (
    "About",
    "Summary",
    "Hardware",
    "Models",
    "Fleets",
    "Regions",
    "Prices",
    "Serving",
    "Training",
    "TCO",
    "Carbon",
    "Reliability",
    "Checks",
    "Ranges",
    "Sensitivity",
    "xlwings.conf",
)
FUNCTION_MODES = ("cell", "block")
# Excel recalculates on open every file whose calcId is below its own engine's (MS-XLS 2.4.215,
# RecalcId): a high id keeps the snapshot values of a computed workbook on screen.
_CALC_ID = 999999


def build_workbook(
    scenarios: Any = None,
    *,
    computed_at: datetime | None = None,
    catalog: Any = None,
    target: Target = CLASSIC,
    functions: str = "cell",
) -> Workbook:
    """The planning workbook for ``scenarios`` (see ``load_scenarios``; None for the defaults).

    ``computed_at`` is the time a recompute that follows gives the values (shown on the About sheet
    as a snapshot); None marks the workbook as not computed yet. ``catalog`` (a ``Catalog``, a user
    catalog folder, or None for ``mlsysim.load_catalog()``) names the scenarios' entries and fills
    the catalog sheets, user entries included and marked in their Source column; a fleet built for
    a scenario (``"DGX_H100:2048:IB_NDR"``) gets a row of the Fleets sheet too. ``target``: the
    Excel runtime the MLSYS_* formulas are spelled for (``engine_calls.Target``: classic add-in,
    xlwings Lite or Server). ``functions``: ``"cell"`` (one call per engine cell) or ``"block"`` (one
    block call per sheet, ``blocks_layout``).
    """
    if functions not in FUNCTION_MODES:
        raise InvalidInputError("functions", functions, f"one of {', '.join(FUNCTION_MODES)}")
    chosen = as_catalog(catalog)
    plan = load_scenarios(scenarios, chosen)
    workbook = Workbook()
    workbook.remove(workbook.active)
    styles.install(workbook)
    with writing_for(target):
        _write_sheets(workbook, plan, computed_at, chosen, functions == "block")
    workbook.calculation.calcId = _CALC_ID
    workbook.calculation.fullCalcOnLoad = computed_at is None
    workbook.active = 0
    return workbook


def _write_sheets(
    workbook: Workbook, plan: Any, computed_at: datetime | None, chosen: Any, block: bool
) -> None:
    write_about(workbook, plan, computed_at, chosen, "block" if block else "cell")
    prices = pricing(plan, chosen)  # node shares may need a fleet row for a node no fleet uses
    built = {"fleet": tuple({f.id: f for f in (*built_fleets(plan, chosen), *prices.extra_fleets)}.values())}
    catalogs = {
        kind: write_catalog_sheet(workbook, kind, chosen, built.get(kind, ())) for kind in CATALOG_KINDS
    }
    tables: dict[str, Any] = {"prices": write_prices(workbook, chosen)}
    tables["serving"] = write_serving(workbook, plan.serving, catalogs, block=block)
    tables["training"] = write_training(workbook, plan.training, catalogs, block=block)
    tables["tco"] = write_tco(workbook, tables["serving"], tables["training"], prices)
    tables["carbon"], region_block = write_carbon(workbook, tables["tco"], catalogs["region"])
    tables["reliability"] = write_reliability(workbook, plan.reliability, catalogs, block=block)
    write_checks(workbook, tables, catalogs)
    write_ranges(workbook, plan, chosen, tables, band_cells(), block=block)
    write_sensitivity(workbook, plan, chosen)
    write_xlwings_conf(workbook)
    tco_chart(tables["tco"])
    carbon_chart(tables["carbon"], catalogs["region"].table, region_block)
    latency_chart(tables["serving"])
    summary = write_summary(workbook, tables)
    workbook.move_sheet(summary.worksheet, offset=1 - workbook.index(summary.worksheet))
    apply_print_setup(workbook, computed_at)


def build(
    path: str | os.PathLike[str] | None = None,
    *,
    scenarios: Any = None,
    computed_at: datetime | None = None,
    overwrite: bool = False,
    catalog: Any = None,
    target: Target = CLASSIC,
    functions: str = "cell",
) -> Path:
    """Write the planning workbook to ``path`` (default ``plan.xlsx``) and return the path.

    ``scenarios``: None (packaged defaults), a .toml/.csv path, a list of dicts or a DataFrame.
    An existing file is replaced only with ``overwrite=True``. ``catalog``, ``target`` and
    ``functions``: see ``build_workbook``.
    """
    destination = Path(path if path is not None else "plan.xlsx")
    if destination.suffix.lower() != ".xlsx":
        raise InvalidInputError("path", str(destination), "the planning workbook is an .xlsx file")
    if destination.exists() and not overwrite:
        raise InvalidInputError(
            "path", str(destination), "exists; pass overwrite=True (CLI: --force) to replace it"
        )
    workbook = build_workbook(
        scenarios, computed_at=computed_at, catalog=catalog, target=target, functions=functions
    )
    save_atomically(workbook, destination)
    return destination


def save_atomically(workbook: Workbook, target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    handle, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".xlsx.tmp", dir=folder)
    os.close(handle)
    try:
        workbook.save(temp)
        publish(Path(temp), target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def publish(temp: Path, target: Path) -> None:
    """Move a finished temporary file onto ``target`` in one step, with the permissions a newly
    created file gets (a temporary file is private to its owner)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(temp, 0o666 & ~mask)
    os.replace(temp, target)
