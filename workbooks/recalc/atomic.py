"""Atomic file replacement: write a temporary file in the target's folder, check it, fsync,
``os.replace``.

A crash, Ctrl-C, or SIGTERM/SIGHUP at any point leaves either the old file or the complete new one,
never a part, and no temporary file: while the temporary file exists those signals raise
``SystemExit`` (in the main thread), so the clean-up runs. The new file keeps the mode of the file
it replaces (a new file: 0666 minus the umask).
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


def replace(
    target: Path, write: Callable[[BinaryIO], None], check: Callable[[Path], None] | None = None
) -> None:
    """Call ``write(file)`` on a temporary file, ``check(path)`` on it when given (raise to keep
    ``target`` as it is), then move it to ``target``."""
    with _signals_raise():
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            if check is not None:
                check(Path(tmp))
            os.chmod(tmp, _mode(target))
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def _exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``SystemExit`` for the duration (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kinds = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, _exit) for s in kinds}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
