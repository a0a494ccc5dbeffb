"""Validation of the estimates against published measurements (``mlsysim validate``).

``load_cases()`` reads the packaged ``cases.toml``; ``validate(cases, catalog)`` estimates each case
with the engine's solvers and the catalog's assumptions; ``markdown()`` renders the table;
``fit(cases, catalog)`` refits the calibrated efficiencies (``calibrate``);
``leave_one_out(cases, catalog)`` estimates each case under a refit without it (``loo``).
"""

from .calibrate import CALIBRATED, Fit, fit
from .cases import Case, CaseSet, Category, PaperModel, load_cases
from .loo import leave_one_out, loo_summary
from .report import CaseResult, CategorySummary, Validation, loo_markdown, markdown, validate

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
    "leave_one_out",
    "load_cases",
    "loo_markdown",
    "loo_summary",
    "markdown",
    "validate",
]
