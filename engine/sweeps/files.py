"""Sweeps from file to file, in chunks, so a sweep larger than memory runs.

Every format is streamed: ``chunk_rows`` rows are read, swept and appended to the output, then
dropped, so memory holds one chunk whatever the file size (pandas' chunked CSV reader; pyarrow's
``ParquetFile.iter_batches`` and ``ParquetWriter``; openpyxl's read-only and write-only modes for
.xlsx, whose rows are read as stored, so a stray cell far away costs what one cell costs, and
whose output stops with a clear error beyond Excel's 1,048,576 rows). CSV is written by pyarrow's
CSV writer when the ``parquet`` extra is installed (several times faster), else by pandas.

Text that a spreadsheet would run as a formula (``=HYPERLINK(...)`` in a pass-through column)
stays text: prefixed with ``'`` in CSV and stored as a text cell in .xlsx (``mlsysim.textsafe``).
A file that cannot be read (not UTF-8, rows with more fields than the header, a damaged Parquet or
.xlsx) is an ``InvalidInputError`` naming it.

The output is written to a temporary file beside the target and renamed over it at the end
(``os.replace``), so a failed or interrupted sweep never leaves a half-written file; an existing
output is replaced only when asked (``overwrite=True``), and the input never.

Columns as written: input columns are copied as read (CSV text verbatim into CSV; into Parquet
the numeric arguments become float64 and other CSV columns text; Parquet columns keep their
types); result columns are float64, ``feasible`` boolean, text columns strings.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..ranges.sweep_bands import with_bands
from ..textsafe import FORMULA_START, inert_text
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
    ranges: bool = False,
    draws: int = 1000,
    seed: int = 0,
) -> SweepSummary:
    """Sweep every row of ``source`` and write inputs plus results to ``target``; ``progress`` is
    called after each chunk with (rows done, fraction done or None). With ``ranges``, each ranged
    result column ``c`` gets ``c_p10`` and ``c_p90`` beside the results
    (``mlsysim.ranges.sweep_bands.with_bands``, ``draws`` and ``seed`` for the Monte Carlo)."""
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
            if ranges:
                result = with_bands(chunk.frame, name, catalog=catalog, draws=draws, seed=seed)
            else:
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


def _unreadable(path: Path, exc: BaseException, what: str) -> InvalidInputError:
    detail = " ".join(str(exc).split())[:200]
    return InvalidInputError("scenarios", str(path), f"{what} ({type(exc).__name__}: {detail})")


def _read_csv(path: Path, chunk_rows: int, sheet: Any) -> Iterator[tuple[_Chunk, float | None]]:
    size = path.stat().st_size or 1
    with path.open("rb") as handle, warnings.catch_warnings():
        # pandas only warns about a row longer than the header (and drops its extra fields)
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            reader = pd.read_csv(
                handle, dtype=str, chunksize=chunk_rows, encoding="utf-8-sig", index_col=False
            )
            with reader:
                first = True
                for frame in reader:
                    first = False
                    yield _Chunk(frame), min(handle.tell() / size, 1.0)
        except pd.errors.EmptyDataError:
            raise InvalidInputError("scenarios", str(path), "is empty; expected a header row") from None
        except UnicodeDecodeError as exc:
            raise _unreadable(path, exc, "is not UTF-8 text; save it as CSV UTF-8") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
            raise _unreadable(path, exc, "is not a CSV table with one field per header column") from None
    if first:  # a header and no rows: the output gets the header
        yield _Chunk(pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8-sig")), 1.0


def _pyarrow(argument: str, path: Path) -> Any:
    """pyarrow, or a one-line error naming the extra that installs it."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise InvalidInputError(
            argument,
            str(path),
            "Parquet needs pyarrow: install mlsysim-workbook with its 'sweeps' extra "
            "(pip install 'mlsysim-workbook[sweeps]'), or write .csv or .xlsx",
        ) from None
    return pyarrow


def _read_parquet(path: Path, chunk_rows: int, sheet: Any) -> Iterator[tuple[_Chunk, float | None]]:
    pa = _pyarrow("scenarios", path)
    try:
        parquet = pa.parquet.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, exc, "is not a readable Parquet file") from None
    with parquet:
        total = parquet.metadata.num_rows
        if not total:  # no rows: the output gets the columns
            table = parquet.schema_arrow.empty_table()
            yield _Chunk(table.to_pandas(), table), 1.0
            return
        done = 0
        batches = parquet.iter_batches(batch_size=chunk_rows)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError) as exc:
                raise _unreadable(path, exc, "holds damaged Parquet data") from None
            done += batch.num_rows
            yield _Chunk(batch.to_pandas(), batch), done / total


def _read_xlsx(path: Path, chunk_rows: int, sheet: Any) -> Iterator[tuple[_Chunk, float | None]]:
    """Rows of one sheet, streamed (openpyxl read-only): the header is the first row, its width
    the last header cell with text; empty rows are skipped."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise _unreadable(path, exc, "is not a readable .xlsx workbook") from None
    try:
        names = book.sheetnames
        if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
            index = int(sheet)
            if not 0 <= index < len(names):
                raise InvalidInputError("sheet", sheet, f"expected 0..{len(names) - 1} or one of {names}")
            ws = book[names[index]]
        elif sheet in names:
            ws = book[sheet]
        else:
            raise InvalidInputError("sheet", sheet, f"expected one of {names}")
        rows = ws.iter_rows(values_only=True)
        header = list(next(rows, ()))
        while header and header[-1] in (None, ""):
            header.pop()
        columns = [str(h) if h not in (None, "") else f"Unnamed: {i}" for i, h in enumerate(header)]
        width = len(columns)
        batch: list[tuple] = []
        sent = False
        for row in ws.iter_rows(min_row=2, max_col=max(width, 1), values_only=True):
            if any(v is not None for v in row):
                batch.append(row)
            if len(batch) == chunk_rows:
                yield _Chunk(_frame(batch, columns)), None
                batch, sent = [], True
        if batch or not sent:  # the last rows, or the header alone
            yield _Chunk(_frame(batch, columns)), 1.0
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise _unreadable(path, exc, "holds a damaged sheet") from None
    finally:
        book.close()


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    width = len(columns)
    return pd.DataFrame([row[:width] + (None,) * (width - len(row)) for row in rows], columns=columns)


_READERS = {"csv": _read_csv, "parquet": _read_parquet, "xlsx": _read_xlsx}


class _Writer:
    """Appends swept chunks to a temporary file beside ``target``; renames it over ``target`` on
    success and deletes it on failure."""

    def __init__(self, target: Path, fmt: str, solver: str) -> None:
        self.target, self.format, self.solver = target, fmt, solver
        self.rows = 0
        self.parquet: Any = None
        self.csv: Any = None
        self.csv_header = True
        self.book: Any = None
        self.sheet: Any = None
        if fmt == "parquet":
            _pyarrow("output", target)

    def __enter__(self) -> _Writer:
        handle, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
        os.close(handle)
        self.temp = Path(name)
        os.chmod(self.temp, 0o666 & ~_umask())  # mkstemp makes it private; the output is not
        return self

    def write(self, chunk: _Chunk, result: pd.DataFrame) -> None:
        self.rows += len(result)
        if self.format == "csv":
            self._write_csv(_inert(result))
        elif self.format == "parquet":
            self._write_parquet(chunk, result)
        else:
            if self.rows > EXCEL_MAX_ROWS:
                raise InvalidInputError(
                    "output",
                    str(self.target),
                    f"an .xlsx sheet holds at most {EXCEL_MAX_ROWS:,} rows; write .csv or .parquet",
                )
            self._write_xlsx(result)

    def _write_csv(self, frame: pd.DataFrame) -> None:
        try:
            import pyarrow as pa
            import pyarrow.compute
            import pyarrow.csv as pa_csv
        except ImportError:
            frame.to_csv(self.temp, mode="a", header=self.csv_header, index=False)
            self.csv_header = False
            return
        table = pa.Table.from_pandas(frame, preserve_index=False)
        for i, field in enumerate(table.schema):  # pandas writes True/False; keep that spelling
            if pa.types.is_boolean(field.type):
                text = pa.compute.if_else(table.column(i), "True", "False")
                table = table.set_column(i, field.name, text)
        table = table.cast(pa.schema([pa.field(f.name, _csv_type(f.type, pa)) for f in table.schema]))
        if self.csv is None:  # the header as pandas writes it (quoted only where needed), then rows
            self.csv_file = self.temp.open("wb")
            header = io.StringIO()
            csv.writer(header, lineterminator="\n").writerow([inert_text(str(c)) for c in frame.columns])
            self.csv_file.write(header.getvalue().encode("utf-8"))
            options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
            self.csv = pa_csv.CSVWriter(self.csv_file, table.schema, write_options=options)
            self.csv_schema = table.schema
        self.csv.write_table(table.cast(self.csv_schema))

    def _write_xlsx(self, frame: pd.DataFrame) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        if self.book is None:
            self.book = Workbook(write_only=True)
            self.sheet = self.book.create_sheet("results")
            self.sheet.append([_xlsx_cell(self.sheet, str(c), WriteOnlyCell) for c in frame.columns])
        sheet = self.sheet
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_xlsx_cell(sheet, v, WriteOnlyCell) for v in row])

    def _write_parquet(self, chunk: _Chunk, result: pd.DataFrame) -> None:
        import pyarrow.parquet as pq

        computed = [*result_names(self.solver)]
        computed += [c for c in result.columns if c not in computed and c not in chunk.frame.columns]
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
            if self.csv is not None and kind is not None:
                self.csv.close()
                self.csv_file.close()
            if self.temp.exists():
                self.temp.unlink()

    def _finish(self) -> None:
        if self.format == "parquet":
            self.parquet.close()
        elif self.format == "csv" and self.csv is not None:
            self.csv.close()
            self.csv_file.close()
        elif self.format == "xlsx":
            if self.book is None:
                self._write_xlsx(pd.DataFrame(columns=[]))
            self.book.save(self.temp)


def _csv_type(kind: Any, pa: Any) -> Any:
    """Dictionary (categorical) columns as plain text: the CSV writer takes values, not codes."""
    return pa.string() if pa.types.is_dictionary(kind) else kind


def _inert(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text that a spreadsheet would run as a formula made inert (``'``);
    the test runs on a categorical column's categories and is vectorised on other text columns."""
    out = frame
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = column.cat.categories
            if categories.dtype == object or isinstance(categories.dtype, pd.StringDtype):
                fixed = [inert_text(c) if isinstance(c, str) else c for c in categories]
                if fixed != list(categories):
                    out = frame.copy() if out is frame else out
                    out[name] = column.cat.rename_categories(fixed)
            continue
        if column.dtype != object and not isinstance(column.dtype, pd.StringDtype):
            continue
        flagged = column.astype("string").str.startswith(FORMULA_START).fillna(False).astype(bool)
        if flagged.any():
            out = frame.copy() if out is frame else out
            fixed = column[flagged].map(lambda v: inert_text(v) if isinstance(v, str) else v)
            out[name] = column.astype(object).where(~flagged, fixed)
    return out


def _xlsx_cell(sheet: Any, value: Any, cell_type: Any) -> Any:
    """A write-only cell: text always as text (never a formula), missing values empty."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, str):
        cell = cell_type(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
        return cell
    if isinstance(value, np.generic):
        return value.item()
    return value


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
