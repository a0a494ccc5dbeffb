"""Defined names of the planning workbook: scalar assumptions, status cells and the master check.

Formulas read ``AmortizationYears`` rather than a cell address or a literal 4, so a finance
reviewer sees what a number is, and changes it in one place (the About sheet's assumptions).
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import absolute_coordinate, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

PERIOD_DAYS = "PeriodDays"
DAYS_PER_YEAR = "DaysPerYear"
AMORTIZATION_YEARS = "AmortizationYears"
MAINTENANCE_FRACTION = "MaintenanceFractionPerYear"
AVERAGE_POWER_FRACTION = "AveragePowerFraction"
MASTER_CHECK = "MasterCheck"
VALUES_STATUS = "ValuesStatus"
COMPUTED_AT = "ComputedAt"
ENGINE_VERSION = "EngineVersion"
CATALOG_VERSION = "CatalogVersion"
# finance: rent versus own and node-share pricing (About sheet, Assumptions)
DISCOUNT_RATE = "DiscountRate"
RESIDUAL_VALUE = "ResidualValue"
IDLE_POWER_FRACTION = "IdlePowerFraction"
HOST_PRICE = "HostPricePerAccelerator"
HOST_POWER = "HostPowerPerAccelerator"
HOURS_PER_MONTH = "HoursPerMonth"
ANNUITY_FACTOR = "AnnuityFactor"
END_DISCOUNT = "EndDiscount"
RENTAL_TERMS = "RentalTerms"


def define(workbook: Any, name: str, sheet: str, coordinate: str) -> None:
    """``name`` → one cell (``About!$B$20``)."""
    target = f"{quote_sheetname(sheet)}!{absolute_coordinate(coordinate)}"
    workbook.defined_names[name] = DefinedName(name, attr_text=target)
