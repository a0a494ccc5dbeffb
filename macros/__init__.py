"""``mlsysim.macros``: the Excel-facing MLSYS_* function registry and its adapters."""
