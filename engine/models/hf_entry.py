"""An imported ``config.json`` as catalog TOML: one model table and the source it cites.

The text follows the catalog's rules (``catalog/README.md``): every number is an inline table with
a source id; values computed rather than read (the weight count, a derived head_dim) carry
``estimate`` text showing the derivation; the config key each value was read from is its note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .hf_config import HFImport

__all__ = ["entry_id_for", "entry_toml", "source_id_for", "source_toml"]

_FIELD_ORDER = (
    "parameters",
    "active_parameters",
    "experts",
    "experts_per_token",
    "layers",
    "hidden_size",
    "heads",
    "kv_heads",
    "head_dim",
    "ffn_size",
    "vocab_size",
    "max_context",
    "kv_latent_dim",
)


def entry_id_for(imported: HFImport) -> str:
    """A registry name from the repository or folder name: ``Qwen/Qwen3-8B`` -> ``Qwen3_8B``."""
    ident = re.sub(r"[^0-9A-Za-z]+", "_", imported.spec.name).strip("_") or imported.family
    return ident if ident[0].isalpha() else f"M_{ident}"


def source_id_for(entry_id: str) -> str:
    return "hf-config-" + re.sub(r"[^0-9a-z]+", "-", entry_id.lower()).strip("-")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def entry_toml(
    imported: HFImport, entry_id: str, source_id: str, taken: Callable[[str], bool] = lambda name: False
) -> str:
    """The ``[entry_id]`` table for ``models/language.toml``; a name or alias for which ``taken``
    is true (one the packaged catalog already uses) is left out, the name falling back to the id."""
    name = entry_id if taken(imported.spec.name) else imported.spec.name
    candidates = (imported.repository, name)
    aliases = [a for a in dict.fromkeys(candidates) if a and a != entry_id and not taken(a)]
    lines = [
        f"[{entry_id}]",
        f"# imported from {imported.origin} ({imported.family}) by `mlsysim catalog import-hf`",
        *(f"# {note}" for note in imported.notes),
        'kind = "transformer"',
        f"name = {_string(name)}",
        f"aliases = [{', '.join(_string(a) for a in aliases)}]",
        "gated_ffn = true",
    ]
    for field in _FIELD_ORDER:
        if field not in imported.fields:
            continue
        parts = [f"value = {imported.fields[field]}", f"source = {_string(source_id)}"]
        if field in imported.derived:
            parts.append(f"estimate = {_string(imported.derived[field])}")
        elif field in imported.keys:
            parts.append(f"note = {_string(imported.keys[field])}")
        lines.append(f"{field} = {{ {', '.join(parts)} }}")
    return "\n".join(lines) + "\n"


def source_toml(imported: HFImport, source_id: str, accessed: date | None = None) -> str:
    """The ``[source_id]`` table naming the config.json the entry was read from."""
    if imported.repository and not imported.repository.startswith(("/", ".")):
        url = f"https://huggingface.co/{imported.repository}/blob/main/config.json"
        publisher = "Hugging Face model repository"
        title = f"{imported.repository} config.json"
    else:
        where = imported.origin
        url = Path(where).resolve().as_uri() if where != "<dict>" else where
        publisher, title = "local file", f"{imported.spec.name} config.json"
    lines = [
        f"[{source_id}]",
        f"title = {_string(title)}",
        f"publisher = {_string(publisher)}",
        f"url = {_string(url)}",
        f"accessed = {_string((accessed or date.today()).isoformat())}",
    ]
    return "\n".join(lines) + "\n"
