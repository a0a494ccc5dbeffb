"""The wheel ships every Python package in the source tree.

pyproject.toml lists packages by hand (the distribution name ``mlsysim`` maps onto the ``engine``,
``catalog``, ``macros`` and ``workbooks`` folders), so a new subpackage missing from the list installs
fine in editable mode and breaks only in a built wheel. This walks the folders and compares.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _declared() -> tuple[set[str], dict[str, str]]:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(setuptools["packages"]), setuptools["package-dir"]


def test_every_folder_with_an_init_is_a_declared_package():
    packages, package_dir = _declared()
    found = set()
    for package, folder in package_dir.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            relative = init.parent.relative_to(base).parts
            found.add(".".join((package, *relative)))
    missing = sorted(found - packages)
    assert not missing, f"packages missing from pyproject.toml [tool.setuptools] packages: {missing}"


def test_every_declared_package_exists():
    packages, package_dir = _declared()
    for package in packages:
        root = max((p for p in package_dir if package == p or package.startswith(p + ".")), key=len)
        folder = ROOT / package_dir[root] / Path(*package[len(root) :].strip(".").split(".") or [""])
        assert (folder / "__init__.py").exists() or package == "mlsysim.catalog", package
