"""Column layout of a workbook's catalog sheets (Hardware, Models, Fleets, Regions).

A generated planning workbook carries its own catalog: one sheet per kind below, one entry per row,
the columns in exactly the order given here, a header row with the ``header`` texts (units in the
header). Every MLSYS_* function accepts such a row (as xlwings or the ``formulas`` engine pass a
one-row range) wherever it accepts a catalog id, so editing a cell of the row flows to every
dependent formula with Excel's dependency tracking intact.

Stable API (the planning-workbook generator builds on it):

- ``KINDS``: ``("hardware", "model", "fleet", "region")``.
- ``schema(kind) -> SheetSchema``: ``.kind``, ``.sheet`` (sheet name), ``.columns`` (tuple of
  ``Column``), ``.headers``, ``.index(key)``. ``kind`` may also be the sheet name ("Models").
- ``Column``: ``key`` (stable field key, e.g. ``"memory_bandwidth"``, ``"peak_flops.fp16"``),
  ``header`` (text with unit, e.g. ``"Memory bandwidth (GB/s)"``), ``type`` (``text``, ``number``,
  ``whole``, ``flag``), ``unit`` (the unit of the sheet value, a ``mlsysim.catalog_units`` string or
  ``billion``/``million``; empty for counts, text and flags), ``required``, ``factor`` (SI per sheet
  unit) and ``lookup`` (on the Fleets sheet: ``"Hardware"`` for the accelerator's columns, which
  the workbook fills with INDEX/MATCH on the Hardware sheet's column of the same ``key``, keyed by
  the row's ``accelerator`` column).
- ``headers(kind) -> tuple[str, ...]``.
- ``row_to_spec(kind, row)``: one row (list, tuple, 1-D array, or a 1×n / n×1 nested list or 2-D
  array) to the engine's spec: ``HardwareSpec``; ``TransformerSpec`` or ``CNNSpec``; ``FleetSpec``;
  ``(GridSpec, DatacenterSpec)`` for a region. Empty cells are ``None``, ``""`` or NaN. Bad cells
  raise ``InvalidInputError`` naming the sheet, column, value and what is valid.
- ``catalog_rows(kind, catalog=None) -> list[tuple]``: a catalog (default: the default catalog)
  as rows of this layout, the last column (``source``) holding the catalog source ids the values
  come from, ``"; "``-separated, after ``user catalog <folder>:`` for an entry from a user folder.
  Packaged regions are every grid in the default (hyperscale) facility profile.

Rows are self-contained: a Fleets row repeats its accelerator's specs, and a Regions row carries
both the grid (carbon intensity, electricity price) and the facility (PUE, WUE).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlsysim.catalog_units import CATALOG_UNITS
from mlsysim.enums import Precision
from mlsysim.errors import UnknownEntryError
from mlsysim.names import closest, normalize

KINDS = ("hardware", "model", "fleet", "region")

# Sheet-only scale units for large counts, in addition to the catalog's unit table.
COUNT_UNITS = {"billion": 1e9, "million": 1e6}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a catalog sheet."""

    key: str
    header: str
    type: str = "number"
    unit: str = ""
    required: bool = True
    lookup: str = ""

    @property
    def factor(self) -> float:
        """SI value of one sheet unit (1e9 for GB/s -> B/s)."""
        if self.unit in COUNT_UNITS:
            return COUNT_UNITS[self.unit]
        return CATALOG_UNITS[self.unit][1]


@dataclass(frozen=True, slots=True)
class SheetSchema:
    kind: str
    sheet: str
    columns: tuple[Column, ...]
    # Column keys of earlier layouts, so a workbook written by an earlier version still recomputes
    # (decision 5 of the architecture): a row of such a length is read by key, the columns added
    # since (all optional) empty.
    earlier: tuple[tuple[str, ...], ...] = ()

    def layout_of(self, cells: int) -> tuple[str, ...] | None:
        """The column keys of a row of ``cells`` cells: this layout, an earlier one, or None."""
        if cells == len(self.columns):
            return tuple(c.key for c in self.columns)
        return next((keys for keys in self.earlier if len(keys) == cells), None)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def index(self, key: str) -> int:
        """Position (0-based) of the column with ``key``."""
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise UnknownEntryError(f"{self.sheet} column", key, closest(key, [c.key for c in self.columns]))


# Precision columns, most used first; integer formats are rated in TOPS.
_PRECISION_ORDER = (
    Precision.FP16,
    Precision.BF16,
    Precision.FP8,
    Precision.FP4,
    Precision.INT8,
    Precision.INT4,
    Precision.TF32,
    Precision.FP32,
    Precision.FP64,
)


def _peak_column(precision: Precision, prefix: str = "", lookup: str = "") -> Column:
    integer = precision.value.startswith("int")
    unit = "TOPS" if integer else "TFLOP/s"
    label = f"{prefix}Peak {precision.value.upper()} ({unit})"
    return Column(
        f"peak_flops.{precision.value}", label[0].upper() + label[1:], "number", unit, False, lookup
    )


def _label(prefix: str, label: str) -> str:
    text = f"{prefix}{label}"
    return text[0].upper() + text[1:]


def _hardware_values(prefix: str = "", lookup: str = "") -> tuple[Column, ...]:
    """The accelerator's numeric columns (on the Hardware sheet, and repeated on the Fleets sheet)."""
    peaks = tuple(_peak_column(p, prefix, lookup) for p in _PRECISION_ORDER)

    def col(key: str, label: str, unit: str, required: bool = True) -> Column:
        text = f"{prefix}{label}"
        return Column(key, text[0].upper() + text[1:], "number", unit, required, lookup)

    return (
        *peaks,
        col("memory_capacity", "memory capacity (GB)", "GB"),
        col("memory_bandwidth", "memory bandwidth (GB/s)", "GB/s"),
        col("tdp", "TDP (W)", "W"),
        col("scale_up_bandwidth", "scale-up bandwidth (GB/s)", "GB/s", False),
        Column("scale_up_topology", _label(prefix, "scale-up topology"), "text", "", False, lookup),
        Column(
            "scale_up_domain", _label(prefix, "scale-up domain (accelerators)"), "whole", "", False, lookup
        ),
        col("price", "price (USD)", "USD", False),
        col("embodied_carbon", "embodied carbon (kgCO2e)", "kgCO2e", False),
    )


_SOURCE = Column("source", "Source", "text", required=False)

HARDWARE = SheetSchema(
    "hardware",
    "Hardware",
    (
        Column("id", "ID", "text"),
        Column("name", "Name", "text", required=False),
        Column("vendor", "Vendor", "text", required=False),
        *_hardware_values(),
        _SOURCE,
    ),
)

MODELS = SheetSchema(
    "model",
    "Models",
    (
        Column("id", "ID", "text"),
        Column("name", "Name", "text", required=False),
        Column("kind", "Kind (transformer/cnn)", "text"),
        Column("family", "Family", "text", required=False),
        Column("parameters", "Parameters (billions)", "number", "billion"),
        Column("active_parameters", "Active parameters (billions)", "number", "billion", False),
        Column("layers", "Layers", "whole"),
        Column("hidden_size", "Hidden size", "whole", required=False),
        Column("heads", "Attention heads", "whole", required=False),
        Column("kv_heads", "KV heads", "whole", required=False),
        Column("head_dim", "Head dim", "whole", required=False),
        Column("ffn_size", "FFN size", "whole", required=False),
        Column("vocab_size", "Vocabulary size", "whole", required=False),
        Column("max_context", "Max context (tokens)", "whole", required=False),
        Column("gated_ffn", "Gated FFN (TRUE/FALSE)", "flag", required=False),
        Column("experts", "Experts", "whole", required=False),
        Column("experts_per_token", "Experts per token", "whole", required=False),
        Column("kv_latent_dim", "KV latent dim", "whole", required=False),
        Column("flops_per_inference", "FLOPs per inference (GFLOP)", "number", "GFLOP", False),
        Column(
            "activations_per_inference", "Activations per inference (millions)", "number", "million", False
        ),
        _SOURCE,
    ),
)

FLEETS = SheetSchema(
    "fleet",
    "Fleets",
    (
        Column("id", "ID", "text"),
        Column("name", "Name", "text", required=False),
        Column("accelerator", "Accelerator", "text"),
        *_hardware_values("accelerator ", "Hardware"),
        Column("node", "Node", "text", required=False),
        Column("accelerators_per_node", "Accelerators per node", "whole"),
        Column("node_power", "Node power (kW)", "number", "kW"),
        Column("node_price", "Node price (USD)", "number", "USD", False),
        Column("nics_per_node", "NICs per node", "whole", required=False),
        Column("psus_per_node", "PSUs per node", "whole", required=False),
        Column("storage_bandwidth", "Storage bandwidth per node (GB/s)", "number", "GB/s", False),
        Column("accelerator_memory_mtbf", "Accelerator memory MTBF (h)", "number", "h", False),
        Column(
            "node_embodied_carbon", "Node embodied carbon, host included (kgCO2e)", "number", "kgCO2e", False
        ),
        Column("nodes", "Nodes", "whole"),
        Column("fabric", "Fabric", "text", required=False),
        Column("fabric_kind", "Fabric kind", "text", required=False),
        Column("fabric_bandwidth", "Fabric bandwidth per accelerator (Gbit/s)", "number", "Gbit/s"),
        Column("fabric_latency", "Fabric latency (us)", "number", "us"),
        _SOURCE,
    ),
)

REGIONS = SheetSchema(
    "region",
    "Regions",
    (
        Column("id", "ID", "text"),
        Column("name", "Name", "text", required=False),
        Column("carbon_intensity", "Carbon intensity (gCO2e/kWh)", "number", "gCO2e/kWh"),
        Column("electricity_price", "Electricity price (USD/kWh)", "number", "USD/kWh", False),
        Column("carbon_year", "Carbon year", "text", required=False),
        Column("facility", "Facility", "text", required=False),
        Column("pue", "PUE", "number"),
        Column("wue", "WUE (L/kWh)", "number", "L/kWh"),
        Column("carbon_basis", "Carbon basis (direct/lifecycle)", "text", required=False),
        _SOURCE,
    ),
)

# Columns added in milestone 2 (all optional): the milestone-1 layout is the current one without them.
_ADDED_IN_2 = frozenset(
    {
        *("peak_flops.fp4", "scale_up_topology", "scale_up_domain", "carbon_basis"),
        *("storage_bandwidth", "accelerator_memory_mtbf", "node_embodied_carbon"),
    }
)


def _with_earlier(sheet: SheetSchema) -> SheetSchema:
    first = tuple(c.key for c in sheet.columns if c.key not in _ADDED_IN_2)
    return SheetSchema(sheet.kind, sheet.sheet, sheet.columns, (first,))


HARDWARE, MODELS, FLEETS, REGIONS = (_with_earlier(s) for s in (HARDWARE, MODELS, FLEETS, REGIONS))
_SCHEMAS = {s.kind: s for s in (HARDWARE, MODELS, FLEETS, REGIONS)}
_BY_NAME = {normalize(s.sheet): s for s in _SCHEMAS.values()} | {normalize(k): s for k, s in _SCHEMAS.items()}


def schema(kind: str) -> SheetSchema:
    """The layout of ``kind`` (``hardware``/``model``/``fleet``/``region`` or its sheet name)."""
    found = _BY_NAME.get(normalize(str(kind)))
    if found is None:
        raise UnknownEntryError("catalog sheet", str(kind), closest(str(kind), [*KINDS, *SHEETS]))
    return found


SHEETS = tuple(s.sheet for s in _SCHEMAS.values())


def headers(kind: str) -> tuple[str, ...]:
    return schema(kind).headers


def row_to_spec(kind: str, row: object):
    """The engine spec of one sheet row (see the module docstring)."""
    from .sheet_rows import parse_row

    return parse_row(schema(kind), row)


def catalog_rows(kind: str, catalog: object = None) -> list[tuple]:
    """``catalog``'s entries of ``kind`` (default: ``mlsysim.load_catalog()``) as rows of the
    sheet layout."""
    from mlsysim.catalog_loader import as_catalog

    from .sheet_export import export_rows

    return export_rows(schema(kind), as_catalog(catalog))
