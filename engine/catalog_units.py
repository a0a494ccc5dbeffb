"""The fixed table of unit strings a catalog file may use, with their factor to the engine's SI unit.

Kept apart from pint so that loading the catalog needs no unit parsing; a test checks every factor
against the pint registry.
"""

from __future__ import annotations

KWH = 3.6e6  # J

# unit string -> (dimension, factor to the engine unit of that dimension)
CATALOG_UNITS: dict[str, tuple[str, float]] = {
    "": ("count", 1.0),
    "TFLOP/s": ("compute_rate", 1e12),
    "PFLOP/s": ("compute_rate", 1e15),
    "GFLOP/s": ("compute_rate", 1e9),
    "TOPS": ("compute_rate", 1e12),
    "FLOP": ("compute", 1.0),
    "GFLOP": ("compute", 1e9),
    "TFLOP": ("compute", 1e12),
    "B": ("data", 1.0),
    "KB": ("data", 1e3),
    "MB": ("data", 1e6),
    "GB": ("data", 1e9),
    "TB": ("data", 1e12),
    "KiB": ("data", 2.0**10),
    "MiB": ("data", 2.0**20),
    "GiB": ("data", 2.0**30),
    "B/s": ("bandwidth", 1.0),
    "MB/s": ("bandwidth", 1e6),
    "GB/s": ("bandwidth", 1e9),
    "TB/s": ("bandwidth", 1e12),
    "Gbit/s": ("bandwidth", 1e9 / 8),
    "W": ("power", 1.0),
    "kW": ("power", 1e3),
    "USD": ("money", 1.0),
    "USD/kWh": ("energy_price", 1.0 / KWH),
    "USD/h": ("money_rate", 1.0 / 3600.0),
    "gCO2e/kWh": ("carbon_intensity", 1e-3 / KWH),
    "kgCO2e": ("carbon_mass", 1.0),
    "L/kWh": ("water_intensity", 1.0 / KWH),
    "ns": ("time", 1e-9),
    "us": ("time", 1e-6),
    "ms": ("time", 1e-3),
    "s": ("time", 1.0),
    "h": ("time", 3600.0),
}

# The engine's unit of each dimension, in pint's spelling (for Quantities and the consistency test).
ENGINE_UNITS: dict[str, str] = {
    "count": "",
    "compute_rate": "FLOP/s",
    "compute": "FLOP",
    "data": "B",
    "bandwidth": "B/s",
    "power": "W",
    "money": "USD",
    "energy_price": "USD/J",
    "money_rate": "USD/s",
    "carbon_intensity": "kg/J",
    "carbon_mass": "kg",
    "water_intensity": "L/J",
    "time": "s",
}

# How the catalog's strings are spelled in pint (only where they differ).
PINT_SPELLING: dict[str, str] = {
    "TOPS": "TOPs/s",
    "gCO2e/kWh": "g/kWh",
    "kgCO2e": "kg",
    "KB": "kB",
    "USD/h": "USD/hour",
}
