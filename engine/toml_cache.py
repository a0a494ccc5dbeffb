"""Parsed catalog TOML, remembered across processes by the text's SHA-256.

Parsing the packaged catalog with ``tomllib`` (pure Python) is most of a first answer's time
(about 100 ms of the ~300 KB of TOML); reading the same tables back as JSON takes a few. So each
parsed file is kept as JSON in the user's cache folder (``$MLSYSIM_CACHE_DIR``, else
``$XDG_CACHE_HOME/mlsysim-workbook``, else ``~/.cache/mlsysim-workbook``) under the hash of the
file's text: an edited file has another hash, so a stale table is never read. The cache is only a
speed-up: a folder that cannot be written, a damaged cache file, or a table JSON cannot hold
exactly (TOML dates and times) means the file is parsed as if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

CACHE_ENV = "MLSYSIM_CACHE_DIR"
_FORMAT = "toml-json-1"  # bump when the cached form changes


def cache_dir() -> Path:
    """Where parsed tables are kept (see the module docstring)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlsysim-workbook"


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, from the cache when this exact text was parsed before.

    Raises ``tomllib.TOMLDecodeError`` as ``tomllib`` does (an invalid file is never cached)."""
    digest = hashlib.sha256(f"{_FORMAT}\n{text}".encode()).hexdigest()
    path = cache_dir() / f"{digest}.json"
    try:
        cached = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        cached = None
    if isinstance(cached, dict):
        return cached
    table = tomllib.loads(text)
    _store(path, table)
    return table


def _store(path: Path, table: dict[str, Any]) -> None:
    """Write ``table`` as JSON atomically (a temporary file renamed into place), or not at all."""
    try:
        text = json.dumps(table, allow_nan=True, separators=(",", ":"))
    except TypeError:  # a TOML date or time: JSON has no exact form for it
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
