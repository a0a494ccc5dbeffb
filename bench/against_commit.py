"""Our package at an earlier commit against the working tree, in the same run.

    python bench/against_commit.py REV [--quick] [--rounds N] [--section MODULE ...]

A speed-up is measured on a shared machine whose load moves by a factor of two within minutes, so
both sides are measured in one run, alternating: each round runs every section's ``run_ours`` in a
fresh interpreter (``worker.py``) for the commit ``REV``, then for the working tree, and each row
keeps its best value over the rounds (least µs, most rows/s). ``REV``'s package is taken with
``git archive`` into a temporary folder laid out as ``pyproject.toml``'s ``package-dir`` lays it
out, and put first on ``PYTHONPATH``; the working tree's is the editable install of this
interpreter. Sections default to serving at load and training runs (``serving_load_bench``,
``training_bench``). Prints a table (before, after, after over before, and the load average at
start and end); no reference venv is needed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

import machine

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORKER = BENCH / "worker.py"
SECTIONS = ("serving_load_bench", "training_bench")


def unpack(rev: str, into: Path) -> Path:
    """The package of commit ``rev`` as an importable folder (``into``/``mlsysim``...); returns
    the folder to put on ``PYTHONPATH``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    )
    tree = into / "tree"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    layout = tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    path = into / "path"
    path.mkdir()
    # parents before children: "mlsysim" before "mlsysim.catalog"
    for package, folder in sorted(layout.items(), key=lambda item: item[0].count(".")):
        (path / package.replace(".", "/")).symlink_to(tree / folder, target_is_directory=True)
    return path


def measure(module: str, quick: bool, pythonpath: str | None) -> dict[str, dict]:
    """One section's rows (``run_ours``) in a fresh interpreter, by row name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        args = [
            sys.executable,
            str(WORKER),
            "hook",
            module,
            "ours",
            "1" if quick else "0",
            str(out),
        ]
        subprocess.run(args, cwd=BENCH, env=env, check=True)
        result = json.loads(out.read_text())
    return {row["row"]: row for row in result.get("rows", []) if row.get("status") == "ok"}


def better(unit: str, old: float | None, new: float) -> float:
    if old is None:
        return new
    return max(old, new) if unit.endswith("/s") else min(old, new)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rev", help="the earlier commit (e.g. main, or a hash)")
    p.add_argument("--quick", action="store_true", help="the sections' smoke settings")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument(
        "--section", action="append", dest="sections", help="a bench module (repeatable)"
    )
    args = p.parse_args(argv)
    sections = tuple(args.sections or SECTIONS)
    start = machine.load_average()
    best: dict[tuple[str, str], dict[str, float]] = {}
    units: dict[tuple[str, str], str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        before = str(unpack(args.rev, Path(tmp)))
        for round_ in range(args.rounds):
            for module in sections:
                for side, path in (("before", before), ("after", None)):
                    print(f"round {round_ + 1}: {module} ({side}) ...", file=sys.stderr, flush=True)
                    for name, row in measure(module, args.quick, path).items():
                        key = (module, name)
                        units[key] = row.get("unit", "us")
                        sides = best.setdefault(key, {})
                        sides[side] = better(units[key], sides.get(side), row["value"])
    end = machine.load_average()
    print(
        f"{args.rev} (before) against the working tree (after), best of {args.rounds} rounds; "
        f"load average {start} at start, {end} at end"
    )
    print("| row | before | after | after/before |")
    print("|---|---:|---:|---:|")
    for (module, name), sides in best.items():
        unit = units[(module, name)]
        old, new = sides.get("before"), sides.get("after")
        ratio = "" if old is None or new is None else f"{new / old:.3f}"
        cells = [f"{v:,.1f} {unit}" if v is not None else "n/a" for v in (old, new)]
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
