"""Harper in a process of its own, started on the first paragraph a run asks it to check and
ended with the clean stage (`release`).

Harper's linter holds about 200 MB once built and gives little of it back when deleted (it is
Rust's memory, not Python's): in the run's own process it stayed until the end, under
de-duplication and writing. In a process of its own it is gone when cleaning is done. The
process reads requests and writes answers as pickles over its standard input and output (a
private pipe between two processes of the same installation); what it would print goes to
standard error. A process that ends or answers nonsense raises `CheckerError` in the caller
(the article gets a warning, as with any checker that fails) and is started again on the next
request. Each process has its own: a worker forked from a run that had one starts another.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing.util
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .grammar import CheckerError, Finding, GrammarConfig

WAIT = 30.0  # seconds to wait for the process to end once asked to


class CheckerProcess:
    """A client of one checker process (started when first asked), safe to share by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0  # the process that started ``_proc``
        self._configs: dict[int, tuple[GrammarConfig, int]] = {}  # id -> (config, its number)

    def check(self, paragraphs: Sequence[str], config: GrammarConfig) -> list[list[Finding]]:
        """Harper's findings of each paragraph, from the checker process."""
        with self._lock:
            proc = self._started()
            known = self._configs.get(id(config))
            number = known[1] if known is not None else len(self._configs)
            request = ("check", number, None if known else config, list(paragraphs))
            try:
                assert proc.stdin is not None and proc.stdout is not None
                pickle.dump(request, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                proc.stdin.flush()
                status, value = pickle.load(proc.stdout)
            except Exception as exc:  # the process ended, or its answer was not one
                self._end(kill=True)
                raise CheckerError(f"harper: the checker process stopped ({exc!r})") from exc
            if known is None:
                self._configs[id(config)] = (config, number)  # kept: its id stays its own
            if status != "ok":
                raise CheckerError(f"harper: {value}")
            return [[_shared(finding) for finding in found] for found in value]

    def close(self) -> None:
        """End the process (it finishes the request in hand) and wait for it, so that its time
        and memory are counted with this process's children."""
        with self._lock:
            self._end(kill=False)

    @property
    def pid(self) -> int | None:
        """The checker process's id, if one is running for this process."""
        proc = self._proc
        return proc.pid if proc is not None and self._pid == os.getpid() else None

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._pid != os.getpid():
            self._proc, self._configs = None, {}  # the parent's, inherited by a fork: not ours
        if self._proc is None or self._proc.poll() is not None:
            self._end(kill=True)
            # this package where this process found it, whatever the path it was started with
            package = str(Path(__file__).resolve().parents[1])
            path = os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))
            self._proc = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                env={**os.environ, "PYTHONPATH": path},
            )
            if self._pid != os.getpid():
                # a multiprocessing worker ends without atexit, running its finalizers
                multiprocessing.util.Finalize(self, self.close, exitpriority=10)
            self._pid, self._configs = os.getpid(), {}
        return self._proc

    def _end(self, kill: bool) -> None:
        proc, self._proc, self._configs = self._proc, None, {}
        if proc is None or self._pid != os.getpid():
            return
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if kill:
            proc.kill()
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _shared(finding: Finding) -> Finding:
    """``finding`` with its words held once for the run: a check's id, category and message
    recur in thousands of findings the run keeps (`postedit.grammar.Grammar.memo`)."""
    return Finding(
        finding.start,
        finding.end,
        sys.intern(finding.rule),
        sys.intern(finding.category),
        finding.spelling,
        sys.intern(finding.message),
        tuple(map(sys.intern, finding.replacements)),
    )


CHECKER = CheckerProcess()
atexit.register(CHECKER.close)


def release() -> None:
    """End this process's checker process (the next check starts another)."""
    CHECKER.close()


# --- the checker process --------------------------------------------------------------------------


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer requests until the other end closes: ``("check", number, config or None,
    paragraphs)`` -> ``("ok", findings per paragraph)`` or ``("error", message)``."""
    from .grammar import harper_findings

    configs: dict[int, GrammarConfig] = {}
    while True:
        try:
            _, number, config, paragraphs = pickle.load(requests)
        except EOFError:
            return
        answer: tuple[str, Any]
        try:
            if config is not None:
                configs[number] = config
            answer = ("ok", harper_findings(paragraphs, configs[number]))
        except Exception as exc:  # told to the caller, which warns and goes on
            answer = ("error", f"{type(exc).__name__}: {exc}"[:500])
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


def main() -> None:
    # the answers get a descriptor of their own; whatever else writes to standard output
    # (a library's print) goes to standard error instead of into the pickles
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
