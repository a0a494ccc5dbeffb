"""Import time of ``mlsysim``: wall time of ``python -c "import mlsysim"`` in a fresh process.

How: each start is a new interpreter (``subprocess.run``), timed from the parent with
``time.perf_counter``, in an empty temporary working directory, with ``PYTHONPATH`` and other
``PYTHON*`` variables removed from the environment. One discarded round first writes any missing
bytecode caches. Then ``repeats`` rounds are timed, each round starting, one after the other,
``python -c pass`` (the baseline), ``python -c "import mlsysim"`` and the first-call program
below, so slow drifts of the machine hit all three alike. Reported: the median of each; "raw" is
the import's wall time, "net" = raw - baseline, the cost of the import itself (the baseline
includes the interpreter's own start and its site-packages ``.pth`` hooks). "Cold" means a
fresh interpreter; the OS file cache is warm.

Two further figures keep the result honest:
- ``importtime_ms``: the cumulative time of the top-level ``mlsysim`` module as reported by
  ``python -X importtime`` (median over ``repeats`` runs); it is measured inside the process, so
  it has none of the process-start noise that can swamp "net" for a fast import;
- ``first_call_net_ms``: a package can make its import cheap by deferring work (lazy registries,
  lazy unit parsing) to the first use, so import + setup + one serving seed call is timed the same
  way (minus the baseline): the time to a first answer in a fresh process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def _run(cmd: list[str], cwd: str, env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=True, cwd=cwd, env=env, capture_output=True)
    return time.perf_counter() - t0, proc.stderr.decode(errors="replace")


def _importtime_ms(stderr: str) -> float:
    """Cumulative microseconds of the top-level ``mlsysim`` line of ``-X importtime``, in ms."""
    for line in stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "mlsysim":
            return int(parts[1]) / 1e3
    raise ValueError("no 'mlsysim' line in -X importtime output")


def measure(python: str, first_call: str, repeats: int = 5) -> dict:
    """Median raw, net, ``-X importtime`` and import + first call times in ms for ``python``."""
    programs = {"base": "pass", "raw": "import mlsysim", "first": first_call}
    env = _clean_env()
    times: dict[str, list[float]] = {k: [] for k in programs}
    importtime: list[float] = []
    with tempfile.TemporaryDirectory() as cwd:
        for round_ in range(repeats + 1):
            for key, code in programs.items():
                elapsed, _ = _run([python, "-c", code], cwd, env)
                if round_:
                    times[key].append(elapsed * 1e3)
            _, stderr = _run([python, "-X", "importtime", "-c", "import mlsysim"], cwd, env)
            if round_:
                importtime.append(_importtime_ms(stderr))
    ms = {k: statistics.median(v) for k, v in times.items()}
    return {
        "raw_ms": ms["raw"],
        "baseline_ms": ms["base"],
        "net_ms": ms["raw"] - ms["base"],
        "importtime_ms": statistics.median(importtime),
        "first_call_net_ms": ms["first"] - ms["base"],
        "times_ms": times,
        "importtime_runs_ms": importtime,
        "called": f'{python} -c "import mlsysim"  (baseline: -c pass)',
        "first_call": first_call,
    }
