"""Versions a workbook records: the engine's and the catalog's.

The catalog has no release number of its own, so its version is the newest date a source was
read plus a digest of the catalog files' bytes (the packaged files, then each user folder's): two
workbooks built from the same catalog show the same version, and any edit to a catalog file
changes it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from mlsysim import __version__
from mlsysim.catalog_loader import catalog_root


def engine_version() -> str:
    return f"mlsysim {__version__}"


def catalog_version(catalog: Any) -> str:
    digest = hashlib.sha256()
    roots = [(catalog_root(), "")] + [(Path(folder), f"{folder}:") for folder in catalog.folders]
    for root, prefix in roots:
        for path, data in sorted(_catalog_files(root, prefix)):
            digest.update(path.encode())
            digest.update(data)
    newest = max((s.accessed for s in catalog.sources.values()), default="undated")
    users = f", user folders: {', '.join(catalog.folders)}" if catalog.folders else ""
    return f"sources read up to {newest}, sha256 {digest.hexdigest()[:12]}{users}"


def _catalog_files(folder, prefix: str):
    for item in folder.iterdir():
        if item.is_dir() and not item.name.startswith(("_", ".")):
            yield from _catalog_files(item, f"{prefix}{item.name}/")
        elif item.name.endswith(".toml"):
            yield f"{prefix}{item.name}", item.read_bytes()
