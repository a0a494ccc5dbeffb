"""What some tests need from outside the repository, and what happens when it is missing.

Two things live outside a fresh clone: ``../shared`` (the user-facing spec and the calibration
measurements, beside the checkout) and LibreOffice (``soffice``), the real spreadsheet program the
workbook tests open files in. On a user's machine a test that needs one of them is skipped with a
reason that says what to install or where to put it; under ``CI=true`` the same test fails instead,
so CI always runs the whole suite.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(available: bool, reason: str) -> None:
    """Skip the calling test with ``reason`` when ``available`` is false; under CI, fail instead."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required, not skipped)", pytrace=False)
    pytest.skip(reason)


def soffice_path() -> str:
    """The LibreOffice executable (skips or, under CI, fails the test when it is absent)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    require(found is not None, "needs LibreOffice (soffice on PATH): apt-get install libreoffice-calc")
    assert found is not None
    return found


def shared_file(*parts: str) -> Path:
    """A file of ``../shared`` beside the checkout (skips or, under CI, fails when it is absent)."""
    path = SHARED.joinpath(*parts)
    require(path.exists(), f"needs {path} (the project's shared/ folder beside the checkout)")
    return path


@pytest.fixture
def soffice() -> str:
    return soffice_path()
