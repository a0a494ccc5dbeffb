"""Opening an .xlsx package safely: what the file is, and its parts read within the limits.

Checks before any XML is parsed: the file size; a legacy .xls or a password-protected workbook
(both are OLE2 compound files, the latter holding an ``EncryptedPackage`` stream, MS-OFFCRYPTO
§2.3.4.4); a zip that is truncated or damaged; zip-level encryption; duplicate part names; and the
declared size and compression ratio of every part (zip bombs). Reads are streamed in chunks and
zipfile stops at each part's declared size (a lying header fails its CRC check).
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Generator
from pathlib import Path

from . import limits
from .errors import UnusableWorkbookError

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


class Package:
    """A checked, open .xlsx zip: ``infos`` by part name, ``has``, ``chunks`` and ``read`` a part."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        _check_file(self.path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except READ_ERRORS as exc:
            raise self.unusable(f"a truncated or corrupted zip package ({exc})") from None
        self.infos = {i.filename: i for i in self.zip.infolist()}
        try:
            self._check_parts()
        except BaseException:
            self.zip.close()
            raise

    def unusable(self, problem: str) -> UnusableWorkbookError:
        return UnusableWorkbookError(self.path, problem)

    def _check_parts(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > limits.MAX_PARTS:
            raise self.unusable(f"{len(infos)} parts; at most {limits.MAX_PARTS} are read")
        if len(self.infos) != len(infos):
            raise self.unusable("the zip holds two parts with the same name (refused as ambiguous)")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise self.unusable(f"part {info.filename} is zip-encrypted; remove the password first")
            if info.file_size > limits.MAX_PART_BYTES:
                raise self.unusable(
                    f"part {info.filename} expands to {_mb(info.file_size)}; the limit is "
                    f"{_mb(limits.MAX_PART_BYTES)} (zip bomb or far larger than a planning workbook)"
                )
            if info.file_size > limits.MiB and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
                raise self.unusable(
                    f"part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}:1; "
                    f"more than {limits.MAX_RATIO}:1 is refused as a zip bomb"
                )
            total += info.file_size
        if total > limits.MAX_TOTAL_BYTES:
            raise self.unusable(
                f"the parts expand to {_mb(total)}; the limit is {_mb(limits.MAX_TOTAL_BYTES)}"
            )
        if "[Content_Types].xml" not in self.infos:
            raise self.unusable("a zip file but not an Office Open XML package (no [Content_Types].xml)")

    def has(self, name: str) -> bool:
        return name in self.infos

    def chunks(self, name: str) -> Generator[bytes, None, None]:
        """The part's bytes in chunks of ``limits.CHUNK`` (a damaged part raises unusable). Use
        it in ``contextlib.closing`` when the loop may stop early, so the part is closed at once."""
        try:
            with self.zip.open(self.infos[name]) as stream:
                while chunk := stream.read(limits.CHUNK):
                    yield chunk
        except READ_ERRORS as exc:
            raise self.unusable(f"part {name} is damaged ({exc})") from None

    def read(self, name: str) -> bytes:
        with contextlib.closing(self.chunks(name)) as stream:
            return b"".join(stream)

    def close(self) -> None:
        self.zip.close()


def _mb(n: int) -> str:
    return f"{n / limits.MiB:.0f} MB"


def _check_file(path: Path) -> None:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UnusableWorkbookError(path, "not a file")
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise UnusableWorkbookError(path, "no such file") from None
    except OSError as exc:
        raise UnusableWorkbookError(path, f"cannot be read ({exc.strerror})") from None
    if size > limits.MAX_FILE_BYTES:
        raise UnusableWorkbookError(
            path,
            f"the file is {_mb(size)}; the limit is {_mb(limits.MAX_FILE_BYTES)} for a headless recompute",
        )
    if head == OLE_SIGNATURE:
        raise UnusableWorkbookError(path, _ole_problem(path))
    if not head.startswith(b"PK"):
        raise UnusableWorkbookError(
            path, "not an .xlsx workbook (an .xlsx is a zip package; this is not a zip)"
        )


def _ole_problem(path: Path) -> str:
    if _contains(path, ENCRYPTED_STREAM):
        return "password-protected (encrypted); open it in Excel, remove the password and save as .xlsx"
    return "a legacy .xls (BIFF) workbook or another OLE2 file; save it as .xlsx"


def _contains(path: Path, needle: bytes) -> bool:
    """Whether the file holds ``needle``, read in chunks (the file is at most MAX_FILE_BYTES)."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(limits.CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) + 1 :]
    return False
