"""Versions a workbook records: the engine's and the packaged catalog's.

The catalog has no release number of its own, so its version is the newest date a source was
read plus a digest of the catalog files' bytes: two workbooks built from the same catalog show the
same version, and any edit to a catalog file changes it.
"""

from __future__ import annotations

import hashlib

from mlsysim import __version__
from mlsysim.catalog_loader import catalog_root, load_catalog


def engine_version() -> str:
    return f"mlsysim {__version__}"


def catalog_version() -> str:
    digest = hashlib.sha256()
    for path, data in sorted(_catalog_files(catalog_root(), "")):
        digest.update(path.encode())
        digest.update(data)
    newest = max((s.accessed for s in load_catalog().sources.values()), default="undated")
    return f"sources read up to {newest}, sha256 {digest.hexdigest()[:12]}"


def _catalog_files(folder, prefix: str):
    for item in folder.iterdir():
        if item.is_dir() and not item.name.startswith(("_", ".")):
            yield from _catalog_files(item, f"{prefix}{item.name}/")
        elif item.name.endswith(".toml"):
            yield f"{prefix}{item.name}", item.read_bytes()
