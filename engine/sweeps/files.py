"""Sweeps from file to file, in chunks, so a sweep larger than memory runs.

CSV and Parquet are streamed: ``chunk_rows`` rows are read, swept and appended to the output, then
dropped, so memory holds one chunk whatever the file size (pandas' chunked CSV reader; pyarrow's
``ParquetFile.iter_batches`` and ``ParquetWriter``). An ``.xlsx`` file is read or written whole
(Excel holds at most 1,048,576 rows a sheet).

The output is written to a temporary file beside the target and renamed over it at the end
(``os.replace``), so a failed or interrupted sweep never leaves a half-written file; an existing
output is replaced only when asked (``overwrite=True``), and the input never.

Columns as written: input columns are copied as read (CSV text verbatim into CSV; into Parquet
the numeric arguments become float64 and other CSV columns text; Parquet columns keep their
types); result columns are float64, ``feasible`` boolean, text columns strings.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InvalidInputError
from .arguments import NUMBER_KINDS, arguments, solver_name
from .columns import ERROR, result_names
from .evaluate import sweep
from .limits import DEFAULT_CHUNK_ROWS, EXCEL_MAX_ROWS
from .scenarios import match_columns

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}

Progress = Callable[[int, float | None], None]


@dataclass(frozen=True, slots=True)
class SweepSummary:
    rows: int
    errors: int
    output: Path


def file_format(path: Path, argument: str) -> str:
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidInputError(argument, str(path), "expected a .csv, .parquet or .xlsx file")
    return found


def sweep_file(
    source: str | os.PathLike,
    target: str | os.PathLike,
    solver: str = "serving",
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    overwrite: bool = False,
    sheet: str | int = 0,
    progress: Progress | None = None,
    catalog: Any = None,
) -> SweepSummary:
    """Sweep every row of ``source`` and write inputs plus results to ``target``; ``progress`` is
    called after each chunk with (rows done, fraction done or None)."""
    source, target = Path(source), Path(target)
    name = solver_name(solver)
    in_format, out_format = file_format(source, "scenarios"), file_format(target, "output")
    if not source.is_file():
        raise InvalidInputError("scenarios", str(source), "no such file")
    if target.exists():
        if target.resolve() == source.resolve():
            raise InvalidInputError("output", str(target), "is the scenarios file; write elsewhere")
        if not overwrite:
            raise InvalidInputError("output", str(target), "already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise InvalidInputError("output", str(target), "its folder does not exist")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InvalidInputError("chunk_rows", chunk_rows, "expected a whole number >= 1")
    chunks = _READERS[in_format](source, chunk_rows, sheet)
    rows = errors = 0
    with _Writer(target, out_format, name) as writer:
        for chunk, done in chunks:
            result = sweep(chunk.frame, name, catalog=catalog)
            writer.write(chunk, result)
            rows += len(result)
            errors += int(result[ERROR].notna().sum())
            if progress is not None:
                progress(rows, done)
    return SweepSummary(rows=rows, errors=errors, output=target)


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Rows read from the input: as pandas for the sweep, and as Arrow when read from Parquet
    (so their columns are written back with their own types)."""

    frame: pd.DataFrame
    arrow: Any = None


def _read_csv(path: Path, chunk_rows: int, sheet: Any) -> Iterator[tuple[_Chunk, float | None]]:
    size = path.stat().st_size or 1
    with path.open("rb") as handle:
        try:
            reader = pd.read_csv(handle, dtype=str, chunksize=chunk_rows, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            raise InvalidInputError("scenarios", str(path), "is empty; expected a header row") from None
        with reader:
            first = True
            for frame in reader:
                first = False
                yield _Chunk(frame), min(handle.tell() / size, 1.0)
    if first:  # a header and no rows: the output gets the header
        yield _Chunk(pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8-sig")), 1.0


def _read_parquet(path: Path, chunk_rows: int, sheet: Any) -> Iterator[tuple[_Chunk, float | None]]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        total = parquet.metadata.num_rows
        if not total:  # no rows: the output gets the columns
            table = parquet.schema_arrow.empty_table()
            yield _Chunk(table.to_pandas(), table), 1.0
            return
        done = 0
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            done += batch.num_rows
            yield _Chunk(batch.to_pandas(), batch), done / total


def _read_xlsx(path: Path, chunk_rows: int, sheet: Any) -> Iterator[tuple[_Chunk, float | None]]:
    try:
        frame = pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
    except (ValueError, KeyError) as exc:  # an unknown sheet name or index
        raise InvalidInputError("sheet", sheet, str(exc).strip("'\"")) from None
    rows = max(len(frame), 1)
    for start in range(0, rows, chunk_rows):
        yield _Chunk(frame.iloc[start : start + chunk_rows]), min((start + chunk_rows) / rows, 1.0)


_READERS = {"csv": _read_csv, "parquet": _read_parquet, "xlsx": _read_xlsx}


class _Writer:
    """Appends swept chunks to a temporary file beside ``target``; renames it over ``target`` on
    success and deletes it on failure."""

    def __init__(self, target: Path, fmt: str, solver: str) -> None:
        self.target, self.format, self.solver = target, fmt, solver
        self.frames: list[pd.DataFrame] = []
        self.rows = 0
        self.parquet: Any = None
        self.csv_header = True

    def __enter__(self) -> _Writer:
        handle, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
        os.close(handle)
        self.temp = Path(name)
        os.chmod(self.temp, 0o666 & ~_umask())  # mkstemp makes it private; the output is not
        return self

    def write(self, chunk: _Chunk, result: pd.DataFrame) -> None:
        self.rows += len(result)
        if self.format == "csv":
            result.to_csv(self.temp, mode="a", header=self.csv_header, index=False)
            self.csv_header = False
        elif self.format == "parquet":
            self._write_parquet(chunk, result)
        else:
            if self.rows > EXCEL_MAX_ROWS:
                raise InvalidInputError(
                    "output", str(self.target), f"an .xlsx sheet holds at most {EXCEL_MAX_ROWS:,} rows"
                )
            self.frames.append(result)

    def _write_parquet(self, chunk: _Chunk, result: pd.DataFrame) -> None:
        import pyarrow.parquet as pq

        computed = result_names(self.solver)
        table = _arrow_inputs(chunk, self.solver)
        table = table.drop_columns([c for c in computed if c in table.column_names])
        for name in computed:
            table = table.append_column(name, _arrow_column(result[name]))
        if self.parquet is None:
            self.schema = table.schema
            self.parquet = pq.ParquetWriter(self.temp, self.schema)
        self.parquet.write_table(table.cast(self.schema))

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        try:
            if kind is None:
                self._finish()
                os.replace(self.temp, self.target)
        finally:
            if self.parquet is not None and kind is not None:
                self.parquet.close()
            if self.temp.exists():
                self.temp.unlink()

    def _finish(self) -> None:
        if self.format == "parquet":
            self.parquet.close()
        elif self.format == "xlsx":
            frame = pd.concat(self.frames)
            for name in frame.columns:
                if isinstance(frame[name].dtype, pd.CategoricalDtype | pd.BooleanDtype):
                    frame[name] = frame[name].astype(object)
            frame.to_excel(self.temp, index=False, sheet_name="results", engine="openpyxl")


def _arrow_inputs(chunk: _Chunk, solver: str) -> Any:
    """The chunk's input columns as Arrow: Parquet's own, or CSV text with numeric arguments as
    float64 (so every chunk has the same schema)."""
    import pyarrow as pa

    if chunk.arrow is not None:
        return chunk.arrow if isinstance(chunk.arrow, pa.Table) else pa.Table.from_batches([chunk.arrow])
    numbers = {a.name for a in arguments(solver) if a.kind in NUMBER_KINDS}
    numeric = {label for name, label in match_columns(chunk.frame.columns, solver).items() if name in numbers}
    columns = {}
    for label in chunk.frame.columns:
        series = chunk.frame[label]
        if label in numeric:
            columns[str(label)] = pa.array(pd.to_numeric(series, errors="coerce"), type=pa.float64())
        else:
            columns[str(label)] = pa.array(
                series.astype(object).where(series.notna(), None), type=pa.string()
            )
    return pa.table(columns)


def _arrow_column(series: pd.Series) -> Any:
    import pyarrow as pa

    if isinstance(series.dtype, pd.CategoricalDtype):
        return pa.array(series.astype(object).where(series.notna(), None), type=pa.string())
    if isinstance(series.dtype, pd.BooleanDtype):
        return pa.array(series, type=pa.bool_())
    return pa.array(series.to_numpy(), type=pa.float64())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
