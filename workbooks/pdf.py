"""The computed planning workbook as a PDF report, printed by LibreOffice headless.

LibreOffice shows the values the headless recompute cached (it does not recalculate an .xlsx on
load unless told to), and prints each sheet as ``print_setup`` set it up: landscape, one page wide,
header rows repeated, footer with the sheet, page and computed-at date. A fresh LibreOffice profile
per call keeps a running LibreOffice or its settings out of the way; the PDF appears at its path
only when complete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mlsysim.errors import MlsysimError

SOFFICE_ENV = "MLSYSIM_SOFFICE"
TIMEOUT_S = 300
_MAC_APP = "/Applications/LibreOffice.app/Contents/MacOS/soffice"
HOW_TO_GET = (
    "--pdf needs LibreOffice (soffice): install it (Debian/Ubuntu: apt-get install libreoffice-calc; "
    "macOS: brew install --cask libreoffice; Windows: https://www.libreoffice.org/download) or set "
    f"{SOFFICE_ENV} to the soffice program, or leave out --pdf"
)

__all__ = ["HOW_TO_GET", "NoLibreOfficeError", "soffice", "to_pdf"]


class NoLibreOfficeError(MlsysimError):
    """LibreOffice is not installed (or not where ``MLSYSIM_SOFFICE`` says)."""

    def __init__(self) -> None:
        super().__init__(HOW_TO_GET)


def soffice() -> str:
    """The LibreOffice program: ``$MLSYSIM_SOFFICE``, else ``soffice``/``libreoffice`` on PATH, else
    the macOS application's; ``NoLibreOfficeError`` when none is found."""
    chosen = os.environ.get(SOFFICE_ENV)
    if chosen is not None:
        found = shutil.which(chosen)
        if found is None:
            raise NoLibreOfficeError
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found is not None:
            return found
    if Path(_MAC_APP).is_file():
        return _MAC_APP
    raise NoLibreOfficeError


def to_pdf(
    workbook: str | os.PathLike[str], target: str | os.PathLike[str], *, program: str | None = None
) -> Path:
    """Print ``workbook`` (an .xlsx) to ``target`` (a .pdf, replaced when it exists)."""
    source, destination = Path(workbook), Path(target)
    command_program = program or soffice()
    with tempfile.TemporaryDirectory(prefix="mlsysim-pdf-") as scratch:
        work = Path(scratch)
        profile = work / "profile"
        out = work / "out"
        command = [
            command_program,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source.resolve()),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        printed = out / f"{source.stem}.pdf"
        if not printed.is_file():
            detail = " ".join((done.stderr or done.stdout or f"exit status {done.returncode}").split())
            raise OSError(f"LibreOffice did not print {source} to PDF: {detail[:300]}")
        handle, temp = tempfile.mkstemp(
            prefix=f".{destination.stem}.", suffix=".pdf.tmp", dir=destination.parent
        )
        os.close(handle)
        try:
            shutil.copyfile(printed, temp)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temp, 0o666 & ~mask)
            os.replace(temp, destination)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return destination
