"""The functions need only numpy and pint; everything else is an extra, and a missing extra is a
one-line message naming it (Python and the command line)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import mlsysim
import pytest
from mlsysim.macros import CALLABLES, REGISTRY

ROOT = Path(__file__).resolve().parents[2]
WITHOUT = Path(__file__).with_name("without.py")
HEAVY = "pandas,openpyxl,formulas,scipy,schedula,pyarrow,dask,xlwings"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _without(names: str, *command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(WITHOUT), names, "--", *command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=ROOT,
    )


FUNCTIONS = """
from mlsysim.macros import CALLABLES, REGISTRY
from mlsysim.macros.cells import is_error
calls = {
    "MLSYS_TTFT": ("Llama3_70B", "H100", 4096, 1, None, 2),
    "MLSYS_STEP_TIME": ("Llama3_70B", "H100_64", 512, 8, 8, 64),  # micro-batches of 8 sequences
    "MLSYS_TCO": ("H100_64", 365),
    "MLSYS_CARBON": ("H100_64", 365, "Quebec"),
    "MLSYS_GOODPUT": ("H100_64", 24, 60),
    "MLSYS_LATENCY": ("ResNet50", "A100", 64),
    "MLSYS_SPEC": ("hardware", "H100", "memory_bandwidth"),
    "MLSYS_SERVING_BLOCK": (["Llama3_8B", "Llama3_70B"], "H100", [1024, 4096], 1, None, [1, 2]),
    "MLSYS_TCO_BLOCK": (["H100_64", "H100_8"], 365),
}
for name, args in calls.items():
    value = CALLABLES[name](*args)
    assert not is_error(value) and "#MLSYS!" not in str(value), (name, value)
print(len(REGISTRY), CALLABLES["MLSYS_TTFT"]("Llama3_70B", "H100", 4096, 1, None, 2))
"""


def test_the_functions_run_with_numpy_and_pint_alone():
    done = _without(HEAVY, "-c", FUNCTIONS)
    assert done.returncode == 0, done.stderr
    assert "IMPORTED" not in done.stderr
    count, ttft = done.stdout.split()
    # the same number as in this process, which has every extra installed
    assert int(count) == len(REGISTRY)
    assert float(ttft) == CALLABLES["MLSYS_TTFT"]("Llama3_70B", "H100", 4096, 1, None, 2)


def test_xlwings_lite_main_loads_without_pandas_openpyxl_formulas_scipy():
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    code = (
        "import runpy\n"
        f"names = runpy.run_path({str(ROOT / 'macros' / 'lite' / 'main.py')!r})\n"
        "udfs = {k: v for k, v in names.items() if k.startswith('MLSYS_')}\n"
        "assert all(hasattr(f, '__xlfunc__') for f in udfs.values())\n"
        "print(len(udfs), udfs['MLSYS_TTFT']('Llama3_70B', 'H100', 4096, 1, None, 2))\n"
    )
    done = _without("pandas,openpyxl,formulas,scipy,schedula,pyarrow,dask", "-c", code, env=env)
    assert done.returncode == 0, done.stderr
    assert "IMPORTED" not in done.stderr
    count, ttft = done.stdout.split()
    assert int(count) == len(REGISTRY)
    assert float(ttft) == CALLABLES["MLSYS_TTFT"]("Llama3_70B", "H100", 4096, 1, None, 2)


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        (("plan", "-o", "never.xlsx"), "workbooks"),
        (("recalc", "never.xlsx"), "workbooks"),
        (("sweep", "never.csv", "--solver", "serving", "-o", "never.parquet"), "sweeps"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(command, extra, tmp_path):
    done = _without(HEAVY, "-m", "mlsysim.cli.main", *command)
    assert done.returncode == 2 and done.stdout == "", (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert f"'{extra}' extra" in lines[0] and f"pip install -e '.[{extra}]'" in lines[0], lines[0]
    assert not any(Path(ROOT, part).exists() for part in command if part.startswith("never."))


def test_the_command_line_without_extras_still_solves():
    done = _without(
        HEAVY,
        "-m",
        "mlsysim.cli.main",
        "solve",
        "serving",
        "--model",
        "Llama3_8B",
        "--hardware",
        "H100",
        "--seq-len",
        "1024",
    )
    assert done.returncode == 0, done.stderr
    assert "IMPORTED" not in done.stderr and "ttft" in done.stdout.lower()


def test_python_entry_points_name_their_extra():
    code = (
        "import mlsysim\n"
        "from mlsysim.extras import MissingExtraError\n"
        "checks = [lambda: mlsysim.sweep, lambda: __import__('mlsysim.workbooks'),\n"
        "          lambda: __import__('mlsysim.macros.bindings'),\n"
        "          lambda: __import__('mlsysim.macros.xlwings_udfs')]\n"
        "for check in checks:\n"
        "    try:\n"
        "        check()\n"
        "    except MissingExtraError as exc:\n"
        "        assert isinstance(exc, ImportError)\n"
        "        print(exc.extra)\n"
    )
    done = _without(HEAVY, "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sweeps", "workbooks", "workbooks", "excel"]


def test_dependencies_are_split_into_extras():
    project = PYPROJECT["project"]
    assert sorted(re.split(r"[<>=!~ ]", d)[0] for d in project["dependencies"]) == ["numpy", "pint"]
    extras = project["optional-dependencies"]
    names = {e: sorted(re.split(r"[<>=!~ \[]", d)[0] for d in deps) for e, deps in extras.items()}
    assert names["workbooks"] == ["formulas", "openpyxl"]
    assert names["sweeps"] == ["pandas", "pyarrow"]
    assert names["excel"] == ["xlwings"]
    assert extras["all"] == ["mlsysim-workbook[workbooks,sweeps,excel,dask]"]
    assert "mlsysim-workbook[all]" in extras["test"]


def test_lite_requirements_pin_what_the_wheel_needs_and_nothing_else():
    lines = [
        line.strip()
        for line in (ROOT / "macros" / "lite" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pint = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("pint"))
    wheel = f"mlsysim_workbook-{mlsysim.__version__}-py3-none-any.whl"
    assert lines[0] == pint  # the range the package supports, as in pyproject.toml
    assert lines[1].startswith("https://") and lines[1].endswith(wheel)
    assert len(lines) == 2  # no xlwings (Lite pins its own), no numpy (Pyodide's), no pandas & co.
