"""One run at a time per output folder.

A run holds an exclusive ``flock`` on ``OUTPUT/.postedit.lock`` while it reads the cache and
writes. The kernel drops the lock when the process ends, however it ends, so a killed run never
leaves a stale lock behind. The file records who holds it, for the message a second run prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".postedit.lock"


class Busy(RuntimeError):
    """Another run holds the output folder."""


def _holder(handle) -> str:  # type: ignore[no-untyped-def]
    try:
        handle.seek(0)
        info = json.loads(handle.read() or "{}")
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def output_lock(output_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock on ``output_dir`` (created if missing) for the ``with`` block.

    Waits up to ``wait`` seconds for a running run to finish, then raises `Busy` naming it.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_FILE
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole block)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(
                        f"{output_dir} is being written by another postedit run "
                        f"({_holder(handle)}); this run did nothing. Try again when it is done."
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        handle.write(json.dumps(info) + "\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def check_free(output_dir: Path) -> None:
    """Raise `Busy` if a run holds ``output_dir`` now (without creating anything)."""
    if (Path(output_dir) / LOCK_FILE).exists():
        with output_lock(output_dir):
            pass
