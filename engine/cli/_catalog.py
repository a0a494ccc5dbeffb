"""``--catalog DIR``: the user catalog folders a command lays over the packaged catalog.

Without the option a command uses the default catalog (the packaged one plus the folders in
``$MLSYSIM_CATALOG``); with it, the packaged catalog plus the folders given, in order.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..catalog_files import ENVIRONMENT_VARIABLE


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        action="append",
        type=Path,
        metavar="DIR",
        help="a user catalog folder laid over the packaged catalog (repeatable; default: the folders "
        f"in ${ENVIRONMENT_VARIABLE})",
    )


def chosen_catalog(args: argparse.Namespace) -> Any:
    from ..catalog_loader import load_catalog

    return load_catalog(*(getattr(args, "catalog", None) or ()))
