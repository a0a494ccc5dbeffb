"""Section: headless recompute and file sweeps at scale, each against a baseline in the same run.

What (ours, each in a fresh interpreter so imports and caches start cold; baselines run right after
on the same files):
- recompute of the 1,000-scenario planning workbook, ``recalc(path, out)`` in-process after the
  imports (read, evaluate, write, with the write's checks); baseline: LibreOffice headless
  recalculating the same file on load (native cells only; its start included, as it cannot be
  excluded);
- ``mlsysim recalc plan.xlsx -o out.xlsx`` cold, wall time of the process on the default plan;
  baseline: ``python -c pass`` (the interpreter alone) and LibreOffice on the same file;
- ``mlsysim plan`` of 10,000 serving scenarios (build + recompute) through the same calls as the
  command, wall time and peak RSS of the process (1,000 with --quick); baseline: LibreOffice
  recalculating the workbook it wrote;
- sweep of 1,000,000 serving scenarios from CSV to CSV and to Parquet (100,000 with --quick),
  rows per second; baseline: the same sweep written with ``DataFrame.to_csv`` (the writer before
  issue 15);
- sweep to .xlsx of 20,000 and 100,000 rows (10,000 and 50,000 with --quick): peak RSS of each,
  whose ratio shows memory bounded by the chunk, not the rows.
The reference has no workbooks or file sweeps: no reference column.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hooks
import scenarios

TITLE = "Recompute and file sweeps (issue 15)"
NOTE = "baselines measured in the same run; the reference has no workbooks"
HAS_REFERENCE = False
SOFFICE_TIMEOUT_S = 900

_PLAN = """
import resource, sys, time, tomllib
sys.path.insert(0, {bench!r})
import scenarios
from pathlib import Path
from mlsysim.workbooks import build_workbook, recalc
from mlsysim.workbooks.planbook import save_atomically
t = time.perf_counter()
save_atomically(build_workbook(scenarios.workbook_frame(int(sys.argv[1]))), Path(sys.argv[2]))
built = time.perf_counter() - t
recalc(sys.argv[2], in_place=True)
print(built, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
_RECALC = """
import resource, sys, time
from mlsysim.workbooks.recalc import recalc
import mlsysim.macros.registry, openpyxl, pint  # imports are not the recompute
times = []
for _ in range(3):
    t = time.perf_counter()
    report = recalc(sys.argv[1], sys.argv[2])
    times.append(time.perf_counter() - t)
assert not report.errors, report.errors[:3]
print(min(times), report.formula_cells, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
_SWEEP = """
import resource, sys, time
from mlsysim.sweeps.files import sweep_file
t = time.perf_counter()
summary = sweep_file(sys.argv[1], sys.argv[2], "serving", overwrite=True)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(time.perf_counter() - t, summary.rows, rss)
"""
_PANDAS_CSV = """
import sys, time
import pandas as pd
from mlsysim.sweeps import sweep
t = time.perf_counter()
with pd.read_csv(sys.argv[1], dtype=str, chunksize=250_000) as reader:
    header = True
    for chunk in reader:
        sweep(chunk, "serving").to_csv(sys.argv[2], mode="a", header=header, index=False)
        header = False
print(time.perf_counter() - t)
"""


# LibreOffice's "Recalculation on file load" for OOXML set to always (0)
_ALWAYS_RECALC = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry">'
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
    '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item></oor:items>'
)


def _python(code: str, *args: str) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return [float(x) for x in done.stdout.split()]


def _wall(command: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=True, timeout=SOFFICE_TIMEOUT_S)
    return time.perf_counter() - t


def _libreoffice(path: Path, folder: Path) -> float | None:
    """Wall time of LibreOffice headless recalculating ``path`` on load and saving it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    profile = folder / "lo-profile" / "user"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "registrymodifications.xcu").write_text(_ALWAYS_RECALC)
    out = folder / "lo"
    command = [
        soffice,
        f"-env:UserInstallation={profile.parent.resolve().as_uri()}",
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        str(path),
    ]
    return _wall(command, folder)


def run_ours(quick: bool) -> dict:
    try:
        hooks.require("mlsysim.workbooks.recalc", "recalc")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    bench = str(Path(__file__).resolve().parent)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # 1. recompute of the 1,000-scenario plan, and LibreOffice on the same file
        n = 100 if quick else 1000
        plan = folder / "plan.xlsx"
        _python(_PLAN.format(bench=bench), str(n), str(plan))
        ours, cells, _rss = _python(_RECALC, str(plan), str(folder / "ours.xlsx"))
        lo = _libreoffice(plan, folder)
        rows.append(
            hooks.row(
                f"recalc, {n:,}-scenario plan (in-process)",
                ours,
                "s",
                "recalc(path, out), best of 3, imports excluded",
                formula_cells=cells,
                libreoffice_s=lo,
                libreoffice_over_ours=None if lo is None else lo / ours,
            )
        )
        # 2. cold start of the command on the default plan
        default = folder / "default.xlsx"
        mlsysim = str(Path(sys.executable).parent / "mlsysim")
        subprocess.run(
            [mlsysim, "plan", "-o", str(default)], cwd=folder, capture_output=True, check=True
        )
        cold = min(
            _wall([mlsysim, "recalc", str(default), "-o", str(folder / "d.xlsx")], folder)
            for _ in range(3)
        )
        bare = min(_wall([sys.executable, "-c", "pass"], folder) for _ in range(3))
        lo_default = _libreoffice(default, folder)
        rows.append(
            hooks.row(
                "mlsysim recalc, cold start, default plan",
                cold,
                "s",
                "mlsysim recalc default.xlsx -o out.xlsx (process wall time, best of 3)",
                python_start_s=bare,
                libreoffice_s=lo_default,
                libreoffice_over_ours=None if lo_default is None else lo_default / cold,
            )
        )
        # 3. plan of 10,000 scenarios: build + recompute, wall and peak RSS
        big = 1000 if quick else 10_000
        built, total, rss = _python(_PLAN.format(bench=bench), str(big), str(folder / "big.xlsx"))
        lo_big = None if quick else _libreoffice(folder / "big.xlsx", folder)
        rows.append(
            hooks.row(
                f"mlsysim plan, {big:,} scenarios (build + recompute)",
                total,
                "s",
                "build_workbook + save + recalc(in_place=True), as mlsysim plan does",
                build_s=built,
                recalc_s=total - built,
                peak_rss_mb=rss,
                libreoffice_recalc_s=lo_big,
            )
        )
        # 4. sweeps to CSV and Parquet, and the pandas writer as the baseline
        count = 100_000 if quick else 1_000_000
        source = folder / "s.csv"
        scenarios.serving_frame(count).to_csv(source, index=False)
        measured = {}
        for suffix in (".csv", ".parquet"):
            seconds, _rows, rss = _python(_SWEEP, str(source), str(folder / f"out{suffix}"))
            measured[suffix] = (seconds, rss)
        (pandas_s,) = _python(_PANDAS_CSV, str(source), str(folder / "pandas.csv"))
        for suffix, label in ((".csv", "CSV"), (".parquet", "Parquet")):
            seconds, rss = measured[suffix]
            rows.append(
                hooks.row(
                    f"sweep {count:,} rows, CSV -> {label}",
                    count / seconds,
                    "rows/s",
                    f"sweep_file(scenarios.csv, out{suffix}, 'serving')",
                    seconds=seconds,
                    peak_rss_mb=rss,
                    pandas_to_csv_rows_per_s=count / pandas_s,
                    ours_over_pandas_to_csv=pandas_s / seconds,
                )
            )
        # 5. sweep to .xlsx: peak memory at two sizes
        sizes = (10_000, 50_000) if quick else (20_000, 100_000)
        peaks = {}
        for size in sizes:
            part = folder / f"s{size}.csv"
            scenarios.serving_frame(size).to_csv(part, index=False)
            seconds, _, rss = _python(_SWEEP, str(part), str(folder / f"out{size}.xlsx"))
            peaks[size] = (seconds, rss)
        (small, large) = sizes
        rows.append(
            hooks.row(
                f"sweep to .xlsx, peak RSS at {large:,} rows",
                peaks[large][1],
                "MB",
                "sweep_file(scenarios.csv, out.xlsx, 'serving') (openpyxl write-only, streamed)",
                peak_rss_mb_at_small=peaks[small][1],
                rows_small=small,
                growth=peaks[large][1] / peaks[small][1],
                seconds={str(k): v[0] for k, v in peaks.items()},
            )
        )
    return hooks.rows(*rows)


def run_reference(quick: bool) -> dict:
    raise NotImplementedError("the reference has no workbooks or file sweeps")


if __name__ == "__main__":  # python bench/recalc_bench.py [--quick]: this section alone, as JSON
    os.environ.setdefault("CI", "true")
    print(json.dumps(run_ours("--quick" in sys.argv), indent=1))
