"""Measure ``recalc`` against the plain ``formulas`` ExcelModel (and LibreOffice) in one run.

    python tests/recalc/bench_recalc.py [SCENARIOS] [--skip-excelmodel]

Builds the planning workbook with SCENARIOS serving scenarios (default 1,000) with
``mlsysim.workbooks.build``, then, each in a fresh interpreter after its imports: our
``recalc(path, out)`` (read, evaluate, write), the plain ExcelModel path
``ExcelModel().loads(path).finish().calculate().write()`` with the MLSYS_* functions registered as
the macros binding documents, and LibreOffice headless recalculating on load (native cells only:
it has no MLSYS_* functions). Prints wall time, CPU time and peak RSS of each as JSON. Not a test:
speed is measured here and in bench/, never asserted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import resources
from pathlib import Path

OURS = """
import resource, sys, time
from mlsysim.workbooks.recalc import recalc
import formulas; formulas.get_functions()   # imports (scipy) are not part of the recompute
t, c = time.perf_counter(), time.process_time()
report = recalc(sys.argv[1], sys.argv[2])
print(time.perf_counter() - t, time.process_time() - c, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      report.formula_cells, report.compiled_formulas)
"""
EXCELMODEL = """
import resource, sys, time
import formulas
from mlsysim.macros.bindings import formulas_functions
formulas.get_functions().update(formulas_functions())
t, c = time.perf_counter(), time.process_time()
model = formulas.ExcelModel().loads(sys.argv[1]).finish()
model.calculate()
model.write(dirpath=sys.argv[2])
print(time.perf_counter() - t, time.process_time() - c, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def build(n: int, path: Path) -> None:
    from mlsysim.workbooks import build as build_workbook

    text = resources.files("mlsysim.workbooks").joinpath("data/default_scenarios.toml").read_text()
    base = tomllib.loads(text)
    rows = []
    for i in range(n):
        s = dict(base["serving"][i % len(base["serving"])])
        rows.append({"sheet": "serving", **s, "name": f"{s['name']} #{i}"})
    rows += [{"sheet": kind, **s} for kind in ("training", "reliability") for s in base.get(kind, [])]
    build_workbook(path, scenarios=rows, overwrite=True)


def run(code: str, *args: str) -> list[float]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return [float(x) for x in done.stdout.split()]


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 1000))
    out: dict[str, object] = {"scenarios": n}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "plan.xlsx"
        build(n, path)
        out["xlsx_bytes"] = path.stat().st_size
        wall, cpu, rss, cells, compiled = run(OURS, str(path), str(folder / "ours.xlsx"))
        out["recalc"] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_rss_mb": rss / 1024,
            "formula_cells": cells,
            "distinct_formulas": compiled,
        }
        if "--skip-excelmodel" not in sys.argv:
            wall, cpu, rss = run(EXCELMODEL, str(path), str(folder / "excelmodel"))
            out["excelmodel"] = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss / 1024}
            out["speedup_wall"] = out["excelmodel"]["wall_s"] / out["recalc"]["wall_s"]
        soffice = shutil.which("soffice")
        if soffice:
            profile = folder / "lo"
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(
                '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
                '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
                'oor:op="fuse"><value>0</value></prop></item></oor:items>'
            )
            t = time.perf_counter()
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    str(folder / "lo-out"),
                    str(path),
                ],
                capture_output=True,
                check=True,
            )
            out["libreoffice_wall_s_including_start"] = time.perf_counter() - t
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
