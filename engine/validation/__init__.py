"""Validation of the estimates against published measurements (``mlsysim validate``).

``load_cases()`` reads the packaged ``cases.toml``; ``validate(cases, catalog)`` estimates each case
with the engine's solvers and the catalog's assumptions; ``markdown()`` renders the table;
``fit(cases, catalog)`` refits the calibrated efficiencies (``calibrate``).
"""

from .calibrate import CALIBRATED, Fit, fit
from .cases import Case, CaseSet, Category, PaperModel, load_cases
from .report import CaseResult, CategorySummary, Validation, markdown, validate

__all__ = [
    "CALIBRATED",
    "Case",
    "CaseResult",
    "CaseSet",
    "Category",
    "CategorySummary",
    "Fit",
    "PaperModel",
    "Validation",
    "fit",
    "load_cases",
    "markdown",
    "validate",
]
