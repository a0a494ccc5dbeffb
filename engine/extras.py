"""Optional dependencies: which extra of ``mlsysim-workbook`` provides each, and the one-line error
when one is missing.

The functions (``mlsysim``, ``mlsysim.macros``) need only numpy and pint; the rest sits behind
extras (``pyproject.toml``): ``workbooks`` (openpyxl and formulas: ``mlsysim plan``, ``mlsysim
recalc``), ``sweeps`` (pandas and pyarrow: ``mlsysim sweep``), ``excel`` (xlwings: the Excel
add-in's UDF module), ``dask``; ``all`` is every one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import MlsysimError

# The extra that installs each optional top-level module.
EXTRA_OF = {
    "openpyxl": "workbooks",
    "formulas": "workbooks",
    "schedula": "workbooks",
    "pandas": "sweeps",
    "pyarrow": "sweeps",
    "xlwings": "excel",
    "dask": "dask",
    "distributed": "dask",
}


class MissingExtraError(MlsysimError, ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that installs it."""

    def __init__(self, module: str, feature: str) -> None:
        self.module = module
        self.extra = EXTRA_OF.get(module, "all")
        self.feature = feature
        message = (
            f"{feature} needs {module} (not installed): install mlsysim-workbook with its "
            f"'{self.extra}' extra, e.g. pip install -e '.[{self.extra}]' in the source folder"
        )
        super().__init__(message, name=module)

    def __str__(self) -> str:
        return str(self.args[0])


@contextmanager
def needs(feature: str) -> Iterator[None]:
    """Turn the import of a missing optional module inside the block into ``MissingExtraError``."""
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if isinstance(exc, MissingExtraError) or top not in EXTRA_OF:
            raise
        raise MissingExtraError(top, feature) from None


__all__ = ["EXTRA_OF", "MissingExtraError", "needs"]
