"""Benchmark our ``mlsysim`` against the reference (``mlsysim`` 0.3.0 from PyPI), side by side.

    python bench/run.py [--quick] [--json OUT.json]

Ours runs with this interpreter (``sys.executable``); the reference runs in a cached virtualenv
of its own (``reference_env``). Every measurement is made in a fresh subprocess
(``worker.py``), one per side and row. Sections: import time (``import_time``), the six seed
calls of the spec (``seed_calls``), then the sections for APIs still being written
(``macros_bench``, ``blocks_bench``, ``sweep_bench``, ``workbooks_bench``), which report "not
available yet" until their API exists. Prints a table and writes the same results as JSON (default
``bench/results/latest.json``). Exit status 1 if any measurement failed (shown, never hidden).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import import_time
import machine
import reference_env
import report
import seed_calls

BENCH = Path(__file__).resolve().parent
WORKER = BENCH / "worker.py"
HOOK_MODULES = (
    "macros_bench",
    "blocks_bench",
    "sweep_bench",
    "workbooks_bench",
    "catalog_bench",
    "serving_load_bench",
    "recalc_bench",
    "training_bench",
)
HOOK_MODULES += ("finance_bench",)
HOOK_MODULES += ("ranges_bench",)
WORKER_TIMEOUT_S = 1800  # one measurement; the 1,000-scenario workbook recalc is the slowest


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Runner:
    """Starts workers in fresh interpreters and collects their results or their errors."""

    def __init__(self, pythons: dict[str, str]):
        self.pythons = pythons
        self.errors: list[dict] = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}

    def worker(self, side: str, what: str, *args: str) -> dict:
        """Run ``worker.py`` with ``args`` for ``side``; a failure becomes an error cell."""
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            cmd = [self.pythons[side], str(WORKER), *args, str(out)]
            try:
                proc = subprocess.run(
                    cmd,
                    cwd=tmp,
                    env=self.env,
                    capture_output=True,
                    text=True,
                    timeout=WORKER_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired as exc:
                partial = exc.stderr or b""  # bytes even with text=True
                if isinstance(partial, bytes):
                    partial = partial.decode(errors="replace")
                stderr = f"{partial}\ntimed out after {WORKER_TIMEOUT_S} s"
                return self._error(side, what, stderr)
            if proc.returncode == 0:
                return json.loads(out.read_text())
        return self._error(side, what, proc.stderr or f"exit status {proc.returncode}")

    def _error(self, side: str, what: str, stderr: str) -> dict:
        self.errors.append({"side": side, "what": what, "stderr": stderr})
        log(f"ERROR ({side}, {what}):\n{stderr}")
        return {"status": "error", "reason": stderr.strip().splitlines()[-1]}


def _cell(result: dict) -> dict:
    """A measured worker result as a table cell (value in the row's unit) or a status cell."""
    if "median_us" in result:
        return {"value": result["median_us"], **result}
    return result


def import_section(runner: Runner, repeats: int) -> dict:
    measured = {}
    for side, python in runner.pythons.items():
        log(f"import time ({side}) ...")
        try:
            call = seed_calls.SIDES[side]["serving"]
            first_call = f"{call.setup}{call.expr}\n"
            measured[side] = import_time.measure(python, first_call, repeats)
        except subprocess.CalledProcessError as exc:
            stderr = (exc.stderr or b"").decode(errors="replace")
            last = stderr.strip().splitlines() or [str(exc)]
            runner.errors.append({"side": side, "what": "import time", "stderr": stderr})
            measured[side] = {"status": "error", "reason": last[-1]}
    rows = []
    for key, label in (
        ("raw_ms", "import mlsysim, raw"),
        ("net_ms", "import mlsysim, net"),
        ("importtime_ms", "import mlsysim, in-process (-X importtime)"),
        ("first_call_net_ms", "import + first ServingModel().solve, net"),
    ):
        cells = {side: {**m, "value": m[key]} if key in m else m for side, m in measured.items()}
        rows.append({"row": label, "unit": "ms", **cells})
    base = ", ".join(
        f"{side} {m['baseline_ms']:.1f} ms" for side, m in measured.items() if "baseline_ms" in m
    )
    note = f"median of {repeats} fresh interpreters; net = raw - 'python -c pass' ({base})"
    return {"title": "Import time", "note": note, "rows": rows}


def seed_section(runner: Runner, min_calls: int, ours_ok: dict | None) -> tuple[dict, list]:
    rows, checks = [], []
    for name in seed_calls.ORDER:
        cells = {}
        for side in ("ours", "reference"):
            log(f"seed call {name} ({side}) ...")
            if side == "ours" and ours_ok:
                cells[side] = ours_ok
                continue
            cells[side] = _cell(runner.worker(side, name, "seed", side, name, str(min_calls)))
        rows.append({"row": f"{name}: {seed_calls.LABELS[name]}", "unit": "us", **cells})
        checks.append(
            {
                "row": name,
                "ours": (cells["ours"].get("check") or {}).get("value"),
                "reference": (cells["reference"].get("check") or {}).get("value"),
                "unit": seed_calls.OURS[name].check_unit,
            }
        )
    note = f"median time per call over >= {min_calls:,} calls after warm-up, fresh process each"
    return {"title": "Seed calls (per call)", "note": note, "rows": rows}, checks


def hook_section(runner: Runner, module_name: str, quick: bool, ours_ok: dict | None) -> dict:
    module = __import__(module_name)
    flag = "1" if quick else "0"
    log(f"{module_name} (ours) ...")
    ours = ours_ok or runner.worker("ours", module_name, "hook", module_name, "ours", flag)
    ref = {"status": "n/a", "rows": []}
    if module.HAS_REFERENCE:
        log(f"{module_name} (reference) ...")
        ref = runner.worker("reference", module_name, "hook", module_name, "reference", flag)
    by_name: dict[str, dict] = {}
    for side, result in (("ours", ours), ("reference", ref)):
        for r in result.get("rows", []):
            row = by_name.setdefault(r["row"], {"row": r["row"], "unit": r.get("unit", "us")})
            row[side] = r
            row["unit"] = r.get("unit", row["unit"])
    for row in by_name.values():
        for side, result in (("ours", ours), ("reference", ref)):
            if side not in row:
                row[side] = {k: v for k, v in result.items() if k != "rows"}
    note = module.NOTE
    if not by_name:
        note += f"; ours: {ours.get('status')}: {ours.get('reason', '')}"
    return {"title": module.TITLE, "note": note, "rows": list(by_name.values())}


def _our_import(python: str) -> tuple[str, dict | None]:
    """Our version, and None if our package imports, else an error cell for every 'ours' cell."""
    proc = subprocess.run(
        [python, "-c", "import mlsysim; print(mlsysim.__version__)"],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if proc.returncode == 0:
        return proc.stdout.strip(), None
    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return "not importable", {"status": "error", "reason": f"import mlsysim failed: {last}"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    p.add_argument("--json", type=Path, default=BENCH / "results" / "latest.json")
    args = p.parse_args(argv)

    ref_python = reference_env.ensure(log=log)
    pythons = {"ours": sys.executable, "reference": str(ref_python)}
    runner = Runner(pythons)
    our_version, ours_error = _our_import(sys.executable)
    if ours_error:
        runner.errors.append({"side": "ours", "what": "import", "stderr": ours_error["reason"]})
        log(f"ERROR (ours): {ours_error['reason']}")

    results = {
        "quick": args.quick,
        "machine": machine.describe(BENCH.parent),
        "ours": {"python": sys.executable, "version": our_version},
        "reference": {
            "venv": str(ref_python.parent.parent),
            **reference_env.installed_versions(ref_python),
        },
        "sections": [],
    }
    sections = results["sections"]
    sections.append(import_section(runner, 3 if args.quick else 5))
    seeds, checks = seed_section(runner, 100 if args.quick else 1000, ours_error)
    sections.append(seeds)
    for name in HOOK_MODULES:
        sections.append(hook_section(runner, name, args.quick, ours_error))
    for section in sections:
        for row in section["rows"]:
            row["ratio"] = report.ratio(row.get("ours"), row.get("reference"), row["unit"])
    results["checks"] = checks
    results["machine"]["load_average_end"] = machine.load_average()
    results["errors"] = runner.errors
    print(report.table(results))
    report.write_json(results, args.json)
    log(f"wrote {args.json}")
    return 1 if runner.errors else 0


if __name__ == "__main__":
    sys.exit(main())
