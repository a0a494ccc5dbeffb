"""Shared plumbing for benchmark sections whose API is not written yet (macros, sweep, workbooks).

A section asks for its API with ``require(module, *names)``. If the module itself does not exist
(``ModuleNotFoundError`` naming that module or a parent below the top-level package) or it lacks
one of the names, the section reports ``{"status": "not available yet", "reason": ...}`` instead
of numbers. Anything else is a real error and propagates: an ``ImportError`` raised *inside* an
existing module (a broken import in code that is there), a ``TypeError`` from a changed
signature, a wrong result. Nothing else is caught.
"""

from __future__ import annotations

import importlib
from types import ModuleType

NOT_AVAILABLE = "not available yet"


class NotAvailable(Exception):
    """The API a section measures has not been written yet."""


def require(module: str, *names: str) -> tuple[ModuleType, list[object]]:
    """Import ``module`` and fetch ``names`` from it, or raise ``NotAvailable``."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        parts = module.split(".")
        # The sub-packages that may not exist yet; the top-level package must import.
        missing_api = {".".join(parts[: i + 1]) for i in range(1, len(parts))}
        if exc.name not in missing_api:
            raise
        raise NotAvailable(f"module {module} does not exist") from None
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise NotAvailable(f"{module} has no {', '.join(missing)}")
    return mod, [getattr(mod, n) for n in names]


def unavailable(reason: str) -> dict:
    """The result a section returns when its API is missing."""
    return {"status": NOT_AVAILABLE, "reason": reason, "rows": []}


def rows(*items: dict) -> dict:
    """The result a section returns when it measured something."""
    return {"status": "ok", "rows": list(items)}


def row(name: str, value: float, unit: str, called: str, **detail: object) -> dict:
    """One measured row of a section: its value in ``unit``, what was called, and details."""
    return {
        "row": name,
        "status": "ok",
        "value": value,
        "unit": unit,
        "called": called,
        "detail": detail,
    }
