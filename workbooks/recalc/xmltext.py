"""A part's bytes as UTF-8 for reading and patching, and back to the encoding it declared.

XML declares its encoding by a byte-order mark or ``<?xml ... encoding="..."?>`` (XML 1.0
§4.3.3, Appendix F); Excel writes UTF-8, but a part in UTF-16 or ISO-8859-1 is legal. The reader
and the writer work on UTF-8; a part in another encoding is converted for them and converted back
when written, with the declaration kept, and a character the encoding cannot hold written as a
character reference (``&#8364;``), which every XML reader decodes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class EncodingProblem(Exception):
    """The part declares an encoding this reader does not know, or its bytes do not decode."""


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str  # a Python codec name; "utf-8" needs no conversion
    declaration: bytes  # the XML declaration as written (kept on the way back)
    bom: bytes


UTF8 = Encoding("utf-8", b"", b"")


def _declared(head: bytes) -> str | None:
    m = _DECLARATION.match(head)
    return m.group(1).decode("ascii") if m else None


def decode(data: bytes) -> tuple[bytes, Encoding]:
    """(the part as UTF-8 bytes, its encoding)."""
    bom, codec = next(((b, c) for b, c in _BOMS if data.startswith(b)), (b"", ""))
    if codec == "utf-16":
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise EncodingProblem(f"is not valid UTF-16 ({exc.reason})") from None
        declaration = text[: text.find("?>") + 2] if text.startswith("<?xml") else ""
        utf8 = text[len(declaration) :].encode("utf-8", "surrogatepass")
        return utf8, Encoding(
            "utf-16", declaration.encode("utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"), bom
        )
    name = _declared(data[len(bom) : len(bom) + 200]) or "utf-8"
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise EncodingProblem(f"declares the encoding {name!r}, which is not supported") from None
    if info.name == "utf-8":
        return data, UTF8
    if info.name.startswith("utf-16") or info.name.startswith("utf-32"):
        raise EncodingProblem(f"declares {name} without a byte-order mark")
    try:
        text = data.decode(info.name)
    except UnicodeDecodeError as exc:
        raise EncodingProblem(f"is not valid {name} ({exc.reason})") from None
    end = text.find("?>") + 2
    declaration, body = text[:end], text[end:]
    return body.encode("utf-8"), Encoding(info.name, declaration.encode(info.name), b"")


def encode(utf8: bytes, encoding: Encoding) -> bytes:
    """UTF-8 bytes from ``decode`` (patched or not) back in the part's own encoding."""
    if encoding.name == "utf-8":
        return utf8
    text = utf8.decode("utf-8", "surrogatepass")
    if encoding.name == "utf-16":
        codec = "utf-16-le" if encoding.bom == codecs.BOM_UTF16_LE else "utf-16-be"
        return encoding.bom + encoding.declaration + text.encode(codec, "surrogatepass")
    return encoding.declaration + text.encode(encoding.name, "xmlcharrefreplace")
