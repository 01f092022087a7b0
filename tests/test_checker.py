"""Harper in a process of its own: the same findings as a linter in this process, the process
gone when the clean stage is done (its memory with it), restarted after it stops, and never
shared with a forked worker."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

from postedit import checker
from postedit.grammar import (
    CheckerError,
    GrammarConfig,
    GrammarSettings,
    harper_check,
    harper_findings,
)
from postedit.runner import Settings, cleanup

TEXTS = [
    "the ministry said the border would reopen on tuesday with  two crossings.",
    "Their was no truth between the facts, he emphasized that that the the talks would go on.",
    "A clean sentence with nothing wrong in it.",
]


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a process ended and waited for is gone from /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_the_process_finds_what_a_linter_here_finds(rules) -> None:
    for config in (GrammarConfig(), rules.grammar_for("en")):
        assert harper_check(TEXTS, config) == harper_findings(TEXTS, config)
    assert checker.CHECKER.pid not in (None, os.getpid())
    assert any(harper_check(TEXTS, GrammarConfig()))  # the texts do hold findings


def test_release_ends_the_process_and_the_next_check_starts_another() -> None:
    harper_check(TEXTS[:1], GrammarConfig())
    first = checker.CHECKER.pid
    assert first is not None and alive(first)
    checker.release()
    assert checker.CHECKER.pid is None and not alive(first)
    assert harper_check(TEXTS[:1], GrammarConfig()) == harper_findings(TEXTS[:1], GrammarConfig())
    assert checker.CHECKER.pid not in (None, first)


def test_a_process_that_dies_is_an_error_then_started_again() -> None:
    harper_check(TEXTS[:1], GrammarConfig())
    pid = checker.CHECKER.pid
    assert pid is not None
    os.kill(pid, 9)
    with pytest.raises(CheckerError, match="checker process"):
        for _ in range(2):  # the first request may go out before the kill lands
            harper_check(TEXTS[:1], GrammarConfig())
    assert harper_check(TEXTS, GrammarConfig()) == harper_findings(TEXTS, GrammarConfig())
    assert checker.CHECKER.pid not in (None, pid)


def test_an_error_in_the_process_is_told_and_the_process_goes_on() -> None:
    bad = GrammarConfig(enabled={"harper": frozenset({"Spaces"})}, dictionary=frozenset({1}))  # type: ignore[arg-type]
    with pytest.raises(CheckerError, match="harper: "):
        harper_check(TEXTS[:1], bad)
    pid = checker.CHECKER.pid
    assert harper_check(TEXTS[:1], GrammarConfig()) == harper_findings(TEXTS[:1], GrammarConfig())
    assert checker.CHECKER.pid == pid


def _checker_pid_in_a_fork(queue: multiprocessing.Queue) -> None:
    harper_check(TEXTS[:1], GrammarConfig())
    queue.put(checker.CHECKER.pid)


def test_a_forked_worker_starts_its_own_and_ends_it() -> None:
    harper_check(TEXTS[:1], GrammarConfig())
    parent = checker.CHECKER.pid
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_checker_pid_in_a_fork, args=(queue,))
    worker.start()
    child = queue.get(timeout=60)
    worker.join(60)
    assert worker.exitcode == 0
    assert child not in (None, parent)
    assert not alive(child)  # the worker ended it (its finalizers), not left to init
    assert checker.CHECKER.pid == parent and parent is not None and alive(parent)


def test_a_run_with_harper_ends_its_checker_when_cleaning_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checker process runs while the batches are cleaned and is gone, waited for, before
    the run goes on to what it holds of the whole corpus (summaries, de-duplication)."""
    from postedit import runner

    during: list[int | None] = []
    at_finish: list[int | None] = []
    take, finish = runner.Run.take, runner.Run.finish

    def taking(self, *args):  # type: ignore[no-untyped-def]
        during.append(checker.CHECKER.pid)
        return take(self, *args)

    def finishing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        at_finish.append(checker.CHECKER.pid)
        return finish(self, *args, **kwargs)

    monkeypatch.setattr(runner.Run, "take", taking)
    monkeypatch.setattr(runner.Run, "finish", finishing)
    checker.release()
    settings = Settings(
        SEEDS, RULES, tmp_path, "en", "ar", decisions=None, grammar=GrammarSettings("harper")
    )
    report = cleanup(settings)
    assert report["articles"] == 5
    pids = {pid for pid in during if pid is not None}
    assert len(pids) == 1 and at_finish == [None]
    assert not alive(pids.pop())
    lines = (tmp_path / "corpus.jsonl").read_text(encoding="utf-8")
    assert '"stage": "grammar"' in lines or '"stage":"grammar"' in lines
