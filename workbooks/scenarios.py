"""Planning scenarios: what the Serving, Training and Reliability sheets evaluate, one per row.

Sources: the packaged ``data/default_scenarios.toml``; a TOML file with ``[[serving]]``,
``[[training]]`` and ``[[reliability]]`` tables; a CSV file with one scenario per row (a ``sheet``
column says which sheet, else the row's keys do: ``hardware`` → serving, ``global_batch`` →
training, ``job_hours`` → reliability); or, from Python, a list of dicts or a pandas DataFrame
shaped the same way. Catalog names are resolved once here (aliases and case are accepted; the
workbook holds the canonical id), so a typo fails the build with the closest names, not a sheet
full of errors.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from mlsysim.catalog_loader import Catalog, as_catalog
from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError

DEFAULT_REGION = "US_Average"  # the seed API's default site (mlsysim.api.site)


@dataclass(frozen=True, slots=True)
class ServingScenario:
    """LLM serving of ``peak_rps`` requests/s by replicas of ``tp`` accelerators each, sized so the
    TTFT and ITL at ``percentile`` meet their targets (``ServingCapacityModel``); ``batch`` is the
    static batch of the per-configuration columns (TTFT, ITL, fits)."""

    name: str
    model: str
    hardware: str
    precision: str = ""  # empty: the accelerator's default (fp16, else bf16, int8, fp32)
    tp: int = 1
    prompt_tokens: int = 2048
    output_tokens: int = 128
    batch: int = 1
    peak_rps: float = 1.0
    ttft_target_ms: float = 2000.0
    itl_target_ms: float = 100.0
    percentile: float = 0.99
    region: str = DEFAULT_REGION


@dataclass(frozen=True, slots=True)
class TrainingScenario:
    """Training ``tokens`` tokens of ``model`` on ``fleet`` in ``global_batch`` sequences of
    ``seq_len`` tokens, with TP × PP model parallelism, micro-batches of ``microbatch_size``
    sequences and data parallelism over the rest of the fleet."""

    name: str
    model: str
    fleet: str
    precision: str = ""  # empty: the accelerator's default (fp16, else bf16, int8, fp32)
    global_batch: int = 512
    seq_len: int = 2048
    tp: int = 1
    pp: int = 1
    microbatch_size: int = 1
    tokens: float = 1e12
    region: str = DEFAULT_REGION


@dataclass(frozen=True, slots=True)
class ReliabilityScenario:
    """A job of ``job_hours`` on ``fleet`` checkpointing in ``checkpoint_s`` seconds."""

    name: str
    fleet: str
    job_hours: float = 720.0
    checkpoint_s: float = 120.0


@dataclass(frozen=True, slots=True)
class Scenarios:
    serving: tuple[ServingScenario, ...] = ()
    training: tuple[TrainingScenario, ...] = ()
    reliability: tuple[ReliabilityScenario, ...] = ()

    def __len__(self) -> int:
        return len(self.serving) + len(self.training) + len(self.reliability)


_KINDS = {"serving": ServingScenario, "training": TrainingScenario, "reliability": ReliabilityScenario}
# Other spellings accepted for a key (the serving solver's keyword names, e.g. from a sweep frame).
_ALIASES = {
    "batch_size": "batch",
    "output_len": "output_tokens",
    "tp_size": "tp",
    "arrival_rate": "peak_rps",
    "pp_size": "pp",
    "mbs": "microbatch_size",
    "scenario": "name",
}
# Spellings that mean a different key for one kind: a serving row's sequence is its prompt.
_KIND_ALIASES = {"serving": {"seq_len": "prompt_tokens"}}
# Which catalog kind each id-valued key names.
_CATALOG_KEYS = {"model": "model", "hardware": "hardware", "fleet": "fleet", "region": "grid"}
_WHOLE = {"tp", "pp", "microbatch_size", "seq_len", "prompt_tokens", "output_tokens", "batch"}
_WHOLE |= {"global_batch"}


def default_scenarios_path() -> Path:
    return Path(str(resources.files("mlsysim.workbooks").joinpath("data", "default_scenarios.toml")))


def load_scenarios(source: Any = None, catalog: Any = None) -> Scenarios:
    """Scenarios from ``source``: None (the packaged defaults), a path (.toml/.csv), a list of dicts,
    a pandas DataFrame or a ``Scenarios``; names are resolved in ``catalog`` (a ``Catalog``, a user
    catalog folder, or None for ``mlsysim.load_catalog()``)."""
    if isinstance(source, Scenarios):
        return source
    chosen = as_catalog(catalog)
    if source is None:
        source = default_scenarios_path()
    if isinstance(source, str | Path):
        return _from_file(Path(source), chosen)
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # pandas DataFrame
        return from_records(source.to_dict("records"), "DataFrame", chosen)
    if isinstance(source, Iterable) and not isinstance(source, Mapping):
        return from_records(list(source), "scenarios", chosen)
    raise InvalidInputError(
        "scenarios", type(source).__name__, "expected a .toml/.csv path, a list of dicts or a DataFrame"
    )


def _from_file(path: Path, catalog: Catalog) -> Scenarios:
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise InvalidInputError("scenarios", str(path), "expected a .toml or .csv file")
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise InvalidInputError("scenarios", str(path), f"cannot be read ({exc.strerror})") from None
    if suffix == ".csv":
        return from_records(list(csv.DictReader(io.StringIO(text))), path.name, catalog)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError("scenarios", str(path), f"not valid TOML ({exc})") from None
    unknown = sorted(set(data) - set(_KINDS))
    if unknown:
        raise InvalidInputError(f"{path.name} table", unknown[0], f"expected {', '.join(_KINDS)}")
    records = []
    for kind, tables in data.items():
        if not isinstance(tables, list):
            raise InvalidInputError(
                f"{path.name} [{kind}]", "table", f"write [[{kind}]] (an array of tables)"
            )
        records += [{"sheet": kind, **table} for table in tables]
    return from_records(records, path.name, catalog)


def from_records(records: Sequence[Mapping[str, Any]], where: str, catalog: Catalog) -> Scenarios:
    """Validated scenarios from plain records (keys as in ``ServingScenario`` etc. or aliases)."""
    found: dict[str, list] = {kind: [] for kind in _KINDS}
    for number, record in enumerate(records, start=1):
        row = {_ALIASES.get(str(k).strip(), str(k).strip()): v for k, v in record.items() if not _blank(v)}
        kind = str(row.pop("sheet", "") or _infer_kind(row, f"{where} row {number}")).strip().lower()
        if kind not in _KINDS:
            raise InvalidInputError(f"{where} row {number} sheet", kind, f"expected {', '.join(_KINDS)}")
        aliases = _KIND_ALIASES.get(kind, {})
        row = {aliases.get(key, key): value for key, value in row.items()}
        scenario = _scenario(_KINDS[kind], row, f"{where} row {number}", catalog)
        scenario = _check_runs(scenario, f"{where} row {number}", catalog)
        if not scenario.name:
            scenario = replace(scenario, name=_default_name(kind, len(found[kind]) + 1, scenario))
        found[kind].append(scenario)
    if not any(found.values()):
        raise InvalidInputError("scenarios", where, "no scenarios found")
    return Scenarios(**{kind: tuple(items) for kind, items in found.items()})


def _check_runs(scenario: Any, where: str, catalog: Any) -> Any:
    """What the sheet's functions would answer with an error, said at once: serving and training
    need a transformer, and the accelerator must have a peak rate at the chosen precision. Returns
    the scenario with its precision filled in (the accelerator's default where none was given, as
    the Python facades and the MLSYS_* functions choose it)."""
    if isinstance(scenario, ReliabilityScenario):
        return scenario
    model = catalog.get("model", scenario.model)
    if not model.is_transformer:
        raise InvalidInputError(
            f"{where} model", scenario.model, "serving and training need a transformer model"
        )
    if isinstance(scenario, ServingScenario):
        device = catalog.get("hardware", scenario.hardware).spec
    else:
        device = catalog.get("fleet", scenario.fleet).spec.accelerator
    if not scenario.precision:
        return replace(scenario, precision=device.default_precision.value)
    supported = [p.value for p in device.peak_flops]
    if scenario.precision not in supported:
        raise InvalidInputError(
            f"{where} precision", scenario.precision, f"{device.name} supports {', '.join(supported)}"
        )
    return scenario


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def _infer_kind(row: Mapping[str, Any], where: str) -> str:
    for key, kind in (("hardware", "serving"), ("global_batch", "training"), ("job_hours", "reliability")):
        if key in row:
            return kind
    raise InvalidInputError(
        f"{where} sheet", "", "add a 'sheet' column (serving, training or reliability) or a hardware key"
    )


def _default_name(kind: str, number: int, scenario: Any) -> str:
    """``Serving 3: Llama3_70B on 8x H100`` for a scenario given without a name."""
    if kind == "serving":
        what = f"{scenario.model} on {scenario.tp}x {scenario.hardware}"
    elif kind == "training":
        what = f"{scenario.model} on {scenario.fleet}"
    else:
        what = f"{scenario.job_hours:g} h on {scenario.fleet}"
    return f"{kind.capitalize()} {number}: {what}"


def _scenario(cls: type, row: dict[str, Any], where: str, catalog: Any) -> Any:
    """One scenario; a missing ``name`` is left empty for the caller to fill in."""
    row = {"name": "", **row}
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(row) - set(names))
    if unknown:
        raise InvalidInputError(f"{where} key", unknown[0], f"expected one of {', '.join(names)}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in row:
            if f.default is MISSING:
                raise InvalidInputError(f"{where} {f.name}", None, "a value is required")
            continue
        values[f.name] = _value(f.name, row[f.name], where, catalog)
    return cls(**values)


def _value(key: str, raw: Any, where: str, catalog: Any) -> Any:
    if key in _CATALOG_KEYS:
        return catalog.get(_CATALOG_KEYS[key], str(raw).strip()).id
    if key == "precision":
        return Precision.parse(str(raw).strip(), f"{where} precision").value
    if key == "name":
        return str(raw).strip()
    number = _number(raw)
    if key in _WHOLE:
        if number is None or not math.isfinite(number) or number != int(number) or number < 1:
            raise InvalidInputError(f"{where} {key}", raw, "expected a whole number >= 1")
        return int(number)
    if number is None or not math.isfinite(number) or number <= 0:
        raise InvalidInputError(f"{where} {key}", raw, "expected a positive number")
    if key == "percentile" and number >= 1:
        raise InvalidInputError(f"{where} {key}", raw, "expected a fraction in (0, 1), e.g. 0.99 for P99")
    return number


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return float(str(raw).replace("_", "").strip())
    except ValueError:
        return None


def built_fleets(plan: Scenarios, catalog: Catalog) -> tuple[Any, ...]:
    """Fleets the scenarios name that are not catalog entries but built from a node, a count and a
    fabric (``"DGX_H100:2048:IB_NDR"``), once each, in order of first use."""
    names = [s.fleet for s in plan.training] + [s.fleet for s in plan.reliability]
    packaged = catalog.entries["fleet"]
    return tuple(catalog.get("fleet", name) for name in dict.fromkeys(names) if name not in packaged)
