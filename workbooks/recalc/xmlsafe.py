"""A streaming XML parser (the standard library's expat) that refuses DTDs and entity declarations.

No part of an .xlsx package needs a DTD; refusing them outright shuts out entity-expansion bombs
("billion laughs") and external entities, as defusedxml does, without the dependency.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.parsers import expat


class HostileXml(Exception):
    """The XML declares a DTD or an entity."""


def _refuse(what: str):
    def handler(*_args: object) -> None:
        raise HostileXml(f"declares {what} (refused: possible entity-expansion bomb)")

    return handler


def parser() -> expat.XMLParserType:
    """An expat parser without namespace processing that raises ``HostileXml`` on a DTD/entity."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _refuse("a DTD")
    p.EntityDeclHandler = _refuse("an entity")
    p.UnparsedEntityDeclHandler = _refuse("an unparsed entity")
    p.ExternalEntityRefHandler = _refuse("an external entity")
    return p


def feed(p: expat.XMLParserType, chunks: Iterable[bytes]) -> None:
    """Parse ``chunks`` to the end (raises ``expat.ExpatError`` on malformed XML)."""
    for chunk in chunks:
        p.Parse(chunk, False)
    p.Parse(b"", True)


def local(tag: str) -> str:
    """``x:c`` -> ``c``: the element name without its namespace prefix."""
    return tag.rpartition(":")[2]
