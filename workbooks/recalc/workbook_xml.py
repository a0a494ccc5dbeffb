"""The package's map: where the workbook part is, its sheets in order, defined names, shared strings.

Part names and relationships follow ECMA-376 Part 2 (Open Packaging Conventions) §9; the workbook
part (``<sheets>``, ``<definedNames>``) and the shared-string table (``<sst>``, ``<si>``) follow
ECMA-376 Part 1 §18.2 and §18.4. Both the transitional and the strict relationship namespaces are
accepted (only the last path segment of a relationship type is compared).
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from dataclasses import dataclass
from xml.parsers import expat

from . import xmlsafe
from .package import Package

_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    index: int  # position in the workbook (what localSheetId counts)
    part: str | None  # worksheet XML part, or None for a chart/dialog sheet (no cells)


@dataclass(frozen=True, slots=True)
class DefinedName:
    name: str
    text: str  # the definition, without a leading "="
    sheet: int | None  # localSheetId (None: workbook scope)


@dataclass(frozen=True, slots=True)
class WorkbookMap:
    part: str
    sheets: tuple[Sheet, ...]
    names: tuple[DefinedName, ...]
    shared_strings: tuple[str, ...]


def unescape(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (characters XML cannot carry, ECMA-376 §22.9.2.19).
    Escapes are UTF-16 code units: a surrogate pair is one character, and a lone surrogate
    (``_xD800_``), which no text can hold, becomes U+FFFD."""
    if "_x" not in text:
        return text
    decoded = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in decoded):
        decoded = decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return decoded


def read_map(pkg: Package) -> WorkbookMap:
    """Read the relationships, workbook part and shared strings of ``pkg``."""
    part = _office_document(pkg)
    rels = _relationships(pkg, part)
    sheets, names = _workbook(pkg, part, rels)
    shared = ""
    for target, kind in rels.values():
        if kind == "sharedStrings":
            shared = target
    strings = _shared_strings(pkg, shared) if shared and pkg.has(shared) else ()
    return WorkbookMap(part, sheets, names, strings)


def parse_part(pkg: Package, name: str, start, end=None, chars=None, bind=None) -> None:
    """Stream part ``name`` through a safe parser with the given handlers (``bind(parser)`` first,
    for handlers that read the parser's byte position)."""
    p = xmlsafe.parser()
    if bind:
        bind(p)
    p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if chars:
        p.CharacterDataHandler = chars
    try:
        with contextlib.closing(pkg.chunks(name)) as stream:
            xmlsafe.feed(p, stream)
    except xmlsafe.HostileXml as exc:
        raise pkg.unusable(f"part {name} {exc}") from None
    except expat.ExpatError as exc:
        raise pkg.unusable(f"part {name} is not well-formed XML ({exc})") from None


def _rels_part(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


def _relationships(pkg: Package, source: str) -> dict[str, tuple[str, str]]:
    """rId -> (part name, relationship kind) for the part ``source`` ("" for the package)."""
    rels_name = _rels_part(source) if source else "_rels/.rels"
    found: dict[str, tuple[str, str]] = {}
    if not pkg.has(rels_name):
        return found

    def start(tag: str, attrs: dict[str, str]) -> None:
        if xmlsafe.local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            kind = attrs.get("Type", "").rpartition("/")[2]
            found[attrs.get("Id", "")] = (_resolve(source or "/", attrs.get("Target", "")), kind)

    parse_part(pkg, rels_name, start)
    return found


def _office_document(pkg: Package) -> str:
    for target, kind in _relationships(pkg, "").values():
        if kind == "officeDocument" and pkg.has(target):
            return target
    raise pkg.unusable("a zip package without a workbook part (is it a Word or PowerPoint file, or .ods?)")


def _workbook(pkg: Package, part: str, rels: dict) -> tuple[tuple[Sheet, ...], tuple[DefinedName, ...]]:
    sheets: list[Sheet] = []
    names: list[DefinedName] = []
    pending: dict[str, object] = {}
    text: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = xmlsafe.local(tag)
        if name == "sheet":
            rid = next((v for k, v in attrs.items() if xmlsafe.local(k) == "id"), "")
            target, kind = rels.get(rid, (None, ""))
            is_cells = kind == "worksheet" and target is not None and pkg.has(target)
            sheets.append(Sheet(attrs.get("name", ""), len(sheets), target if is_cells else None))
        elif name == "definedName":
            pending.clear()
            pending.update(attrs)
            text.clear()

    def end(tag: str) -> None:
        if xmlsafe.local(tag) == "definedName" and pending:
            local = str(pending.get("localSheetId", "")).strip()
            name = str(pending.get("name", ""))
            if local and not local.isdigit():
                raise pkg.unusable(
                    f"the defined name {name!r} has localSheetId={local!r}, not a sheet number"
                )
            definition = "".join(text).strip().removeprefix("=")
            names.append(DefinedName(name, definition, int(local) if local else None))
            pending.clear()

    def chars(data: str) -> None:
        if pending:
            text.append(data)

    parse_part(pkg, part, start, end, chars)
    if not any(s.part for s in sheets):
        raise pkg.unusable("the workbook has no worksheet")
    owner: dict[str, str] = {}
    for sheet in sheets:
        if sheet.part is not None and sheet.part in owner:
            raise pkg.unusable(
                f"sheets {owner[sheet.part]!r} and {sheet.name!r} share the worksheet part {sheet.part} "
                "(refused as ambiguous)"
            )
        if sheet.part is not None:
            owner[sheet.part] = sheet.name
    return tuple(sheets), tuple(names)


def _shared_strings(pkg: Package, part: str) -> tuple[str, ...]:
    strings: list[str] = []
    current: list[str] = []
    state = {"t": False, "phonetic": 0}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        name = xmlsafe.local(tag)
        if name == "si":
            current.clear()
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and not state["phonetic"]:
            state["t"] = True

    def end(tag: str) -> None:
        name = xmlsafe.local(tag)
        if name == "si":
            strings.append(unescape("".join(current)))
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "t":
            state["t"] = False

    def chars(data: str) -> None:
        if state["t"]:
            current.append(data)

    parse_part(pkg, part, start, end, chars)
    return tuple(strings)
