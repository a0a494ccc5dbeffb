"""Facts about the machine and checkout a benchmark ran on, recorded with every result."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit(repo: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if out.returncode != 0:
        return "no commit"
    dirty = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--", "engine"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out.stdout.strip() + (" (engine modified)" if dirty else "")


def describe(repo: Path) -> dict:
    """CPU model, core counts, load average, OS, Python, date (UTC) and our git commit."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "load_average": load_average(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(repo),
    }


def load_average() -> list[float]:
    """1-, 5- and 15-minute load averages: other work on the machine makes timings noisy."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []
