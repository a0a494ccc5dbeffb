"""A cached virtualenv holding the reference implementation (``mlsysim`` from PyPI).

The reference and our package are both imported as ``mlsysim``, so they can never share an
interpreter. This module creates, once, a separate virtualenv under the system temp directory,
keyed by the reference version and the Python minor version
(e.g. ``/tmp/mlsysim-ref-venv-0.3.0-py3.11``), installs ``mlsysim==<version>`` into it with pip,
and reuses it on later runs. A marker file written only after a successful install makes a
half-built venv (interrupted run) be rebuilt instead of reused.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REFERENCE_VERSION = "0.3.0"
_MARKER = ".mlsysim-bench-ok"
# Packages whose versions are recorded with the results (the reference does not pin them).
_RECORDED = ("mlsysim", "pint", "pydantic", "numpy")


def venv_dir(version: str = REFERENCE_VERSION) -> Path:
    """Where the reference venv for ``version`` lives (temp dir, keyed by version and Python)."""
    py = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return Path(tempfile.gettempdir()) / f"mlsysim-ref-venv-{version}-{py}"


def _python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def ensure(version: str = REFERENCE_VERSION, log=print) -> Path:
    """Return the reference venv's interpreter, creating the venv first if needed."""
    root = venv_dir(version)
    python = _python(root)
    marker = root / _MARKER
    if marker.exists() and marker.read_text().strip() == version:
        return python
    if root.exists():
        shutil.rmtree(root)
    log(f"creating reference venv {root} (pip install mlsysim=={version}) ...")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    pip = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"mlsysim=={version}",
        ],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        log(pip.stdout + pip.stderr)
        raise RuntimeError(f"pip install mlsysim=={version} failed in {root}")
    marker.write_text(version)
    return python


def installed_versions(python: Path) -> dict[str, str]:
    """The venv's Python version and the versions of the reference and its main dependencies."""
    code = (
        "import importlib.metadata as m, json, platform\n"
        f"print(json.dumps({{'python': platform.python_version(), 'packages': "
        f"{{n: m.version(n) for n in {_RECORDED!r}}}}}))"
    )
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)
