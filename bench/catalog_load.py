"""Catalog load time: this tree's packaged catalog against the same folder at a baseline revision.

Both folders are loaded in this process by the same loader (``load_catalog_from``: read every
TOML file, validate every value, build every entry), alternately, ``--repeats`` times each; the
medians and their ratio are printed. The baseline folder is ``catalog/`` at ``--baseline`` (a git
revision, default ``8126a5b``, the catalog before issue 14), written to a temporary folder with
``git archive``. The ratio is the cost of the larger catalog; ``import mlsysim`` does not load the
catalog (it is read on first use), so import time is measured by ``bench/run.py``.

    python bench/catalog_load.py [--baseline REV] [--repeats N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from mlsysim.catalog_loader import catalog_root, load_catalog_from

ROOT = Path(__file__).resolve().parents[1]


def _baseline_folder(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "catalog"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "catalog"


def _time(root: Path) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    catalog = load_catalog_from(root)
    elapsed = time.perf_counter() - start
    return elapsed, {kind: len(entries) for kind, entries in catalog.entries.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="8126a5b", help="git revision of the baseline")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        folders = {
            "baseline": _baseline_folder(args.baseline, Path(temp)),
            "this tree": Path(str(catalog_root())),
        }
        times: dict[str, list[float]] = {name: [] for name in folders}
        sizes: dict[str, dict[str, int]] = {}
        for name, folder in folders.items():  # warm-up: file cache, first imports
            sizes[name] = _time(folder)[1]
        for _ in range(args.repeats):
            for name, folder in folders.items():
                times[name].append(_time(folder)[0])
    medians = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    for name in folders:
        entries = ", ".join(f"{k} {v}" for k, v in sizes[name].items())
        print(f"{name:10s} {medians[name]:7.1f} ms (median of {args.repeats})  {entries}")
    print(f"ratio this tree / baseline: {medians['this tree'] / medians['baseline']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
