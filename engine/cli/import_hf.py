"""``mlsysim catalog import-hf CONFIG --to DIR``: a Hugging Face config.json as a user catalog entry.

Reads ``CONFIG`` (a config.json or the folder holding it) offline, counts its weights from the
shapes, and adds one model table to ``DIR/models/language.toml`` and the source it cites to
``DIR/sources/hf-imports.toml`` (the packaged catalog's layout). Each file is rewritten atomically
(temporary file, then rename), other entries in it are kept, an entry of the same id is replaced
only with ``--force``, and the packaged catalog is never written to. An id the packaged catalog
already uses is refused unless ``--override`` (the entry then says ``override = true`` and replaces
the packaged model wherever the folder is used, e.g. ``mlsysim --catalog DIR``).
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import tomllib
from pathlib import Path

from ..catalog_builders import build_model
from ..catalog_loader import catalog_root, packaged_catalog
from ..entry import Source
from ..errors import CatalogError, InvalidInputError
from ..models.hf_config import import_hf_config
from ..models.hf_entry import entry_id_for, entry_toml, source_id_for, source_toml
from ..names import normalize

__all__ = ["COMMAND", "add_arguments", "run"]

COMMAND = "import-hf"
MODELS_FILE = Path("models") / "language.toml"
SOURCES_FILE = Path("sources") / "hf-imports.toml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``catalog import-hf`` (the config path arrives as the catalog's ID argument)."""
    group = parser.add_argument_group(f"{COMMAND} (mlsysim catalog {COMMAND} CONFIG --to DIR)")
    group.add_argument("--to", type=Path, metavar="DIR", help="user catalog folder to write the entry into")
    group.add_argument(
        "--id", dest="entry_id", metavar="NAME", help="registry name (default: from the repository)"
    )
    group.add_argument("--force", action="store_true", help="replace an entry of the same name")
    group.add_argument(
        "--override", action="store_true", help="replace the packaged model of the same id (override = true)"
    )


def run(args: argparse.Namespace) -> int:
    if args.id is None:
        raise InvalidInputError(
            "CONFIG", None, f"give a config.json or its folder: mlsysim catalog {COMMAND} CONFIG --to DIR"
        )
    if args.to is None:
        raise InvalidInputError("--to", None, "name the user catalog folder to write into")
    target = _user_folder(args.to)
    imported = import_hf_config(Path(args.id))
    entry_id = args.entry_id or entry_id_for(imported)
    taken = _packaged_names()
    packaged_id = taken.pop(normalize(entry_id), None)
    if packaged_id is not None and not args.override:
        raise InvalidInputError(
            "--id",
            entry_id,
            f"the packaged catalog already has model {packaged_id}; choose another --id or "
            "pass --override to replace it",
        )
    if packaged_id is None and args.override:
        raise InvalidInputError("--override", entry_id, "there is no packaged model of that id to override")
    taken = {k: v for k, v in taken.items() if v != packaged_id}
    entry_id = packaged_id or entry_id
    if not re.fullmatch(r"[A-Za-z][0-9A-Za-z_]*", entry_id):
        raise InvalidInputError("--id", entry_id, "a registry name: a letter, then letters, digits or _")
    source_id = source_id_for(entry_id)
    models, sources = target / MODELS_FILE, target / SOURCES_FILE
    table = entry_toml(imported, entry_id, source_id, lambda name: normalize(name) in taken)
    if args.override:
        table = table.replace('kind = "transformer"\n', 'kind = "transformer"\noverride = true\n', 1)
    models_text = _with_table(models, entry_id, table, args.force)
    _check_entry(models, entry_id, models_text, imported.origin, source_id)
    sources_text = _with_table(sources, source_id, source_toml(imported, source_id), force=True)
    for path, text in ((sources, sources_text), (models, models_text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, text)
    spec = imported.spec
    active = f", {spec.active_parameters / 1e9:.2f}B active" if spec.experts > 1 else ""
    print(
        f"{entry_id}: {spec.parameters / 1e9:.2f}B parameters{active}, {spec.layers} layers, "
        f"context {spec.max_context:,} ({imported.family}) -> {models}"
    )
    return 0


def _user_folder(folder: Path) -> Path:
    target = folder.resolve()
    packaged = Path(str(catalog_root())).resolve()
    if target == packaged or packaged in target.parents:
        raise InvalidInputError(
            "--to", str(folder), "the packaged catalog is read-only; name a folder of your own"
        )
    if target.exists() and not target.is_dir():
        raise InvalidInputError("--to", str(folder), "must be a folder")
    return target


def _packaged_names() -> dict[str, str]:
    """Every look-up key of a packaged model (id, name, alias; normalised) -> its id."""
    return {
        normalize(name): entry.id
        for entry in packaged_catalog().entries["model"].values()
        for name in (entry.id, entry.name, *entry.aliases)
    }


def _check_entry(path: Path, entry_id: str, text: str, origin: str, source_id: str) -> None:
    """Build the new entry with the catalog's field rules before anything is written."""
    raw = {k: v for k, v in tomllib.loads(text)[entry_id].items() if k != "override"}
    source = Source(id=source_id, title=origin, publisher="", url=origin, accessed="")
    build_model(f"{path}[{entry_id}]", entry_id, "language", raw, {source_id: source})


def _with_table(path: Path, table: str, text: str, force: bool) -> str:
    """The file's text with ``[table]`` added, or replaced when ``force``."""
    old = path.read_text("utf-8") if path.exists() else ""
    try:
        present = table in tomllib.loads(old)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(str(path), f"not valid TOML: {exc}") from None
    if present:
        if not force:
            raise InvalidInputError(
                "--id", table, f"{path} already has an entry {table}; pass --force to replace it"
            )
        old = _without_table(old, table)
    joined = old.rstrip("\n") + "\n\n" + text if old.strip() else text
    if table not in tomllib.loads(joined):  # what we write must read back
        raise CatalogError(str(path), f"could not add [{table}]")
    return joined


def _without_table(text: str, table: str) -> str:
    """``text`` less the lines from the ``[table]`` header up to the next table header."""
    lines, kept, skipping = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.startswith("["):
            skipping = line.strip() == f"[{table}]"
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _write_atomically(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
