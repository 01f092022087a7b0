"""A run killed at any point (SIGKILL: no clean-up code runs) leaves a readable corpus, and the
next run completes with exactly the outputs of an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import RULES, SEEDS, cli_run
from test_incremental import snapshot

from postedit.grammar import GrammarSettings
from postedit.runner import Settings, cleanup
from postedit.synthetic import write_news_corpus

ARTICLES = 80
OFF = GrammarSettings("off")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two versions of an inbox (every article changed in the second) and the outputs of
    uninterrupted runs: ``ref1`` after the first, ``ref2`` after the first then the second."""
    root = tmp_path_factory.mktemp("kill")
    (root / "in2").mkdir()
    for name, text in write_news_corpus(root / "in1", ARTICLES, SEEDS):
        changed = text.replace("\n\n", "\n\nThe the truth held.\n\n", 1)
        (root / "in2" / name).write_text(changed, encoding="utf-8")
    cleanup(Settings(root / "in1", RULES, root / "ref1", "en", "ar", decisions=None, grammar=OFF))
    shutil.copytree(root / "ref1", root / "ref2")
    cleanup(Settings(root / "in2", RULES, root / "ref2", "en", "ar", decisions=None, grammar=OFF))
    return {"root": root, "in2": root / "in2", "ref1": root / "ref1", "ref2": root / "ref2"}


def command(inbox: Path, out: Path) -> list[str]:
    return cli_run(inbox, out, f"--decisions={inbox.parent / 'no-decisions.jsonl'}", "-q")


def check_readable(out: Path, ref1: Path, ref2: Path) -> bool:
    """Every output file is whole: the first run's version or the second's. True if the kill
    came while article files were being replaced (some new, the corpus still the old one)."""
    corpus = (out / "corpus.jsonl").read_bytes()
    assert corpus in ((ref1 / "corpus.jsonl").read_bytes(), (ref2 / "corpus.jsonl").read_bytes())
    for line in corpus.decode("utf-8").splitlines():
        json.loads(line)
    json.loads((out / "report.json").read_text(encoding="utf-8"))
    new = 0
    for folder in ("articles", "diffs"):
        for path in (out / folder).iterdir():
            if path.name.startswith(".tmp-"):
                continue  # a temporary file the killed run left: the next run removes it
            versions = [(r / folder / path.name).read_bytes() for r in (ref1, ref2)]
            assert path.read_bytes() in versions, path
            new += path.read_bytes() == versions[1] != versions[0]
    return new > 0 and corpus == (ref1 / "corpus.jsonl").read_bytes()


def kill_when(proc: subprocess.Popen, ready) -> None:
    deadline = time.monotonic() + 120
    while proc.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_runs_leave_a_readable_corpus_and_the_next_run_completes(runs, tmp_path) -> None:
    ref1, ref2 = runs["ref1"], runs["ref2"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    started = time.monotonic()
    subprocess.run(command(runs["in2"], tmp_path / "timed"), check=True, env=env)
    duration = time.monotonic() - started

    def first_article_replaced(out: Path):
        def ready() -> bool:
            return any(
                p.read_bytes() != (ref1 / "articles" / p.name).read_bytes()
                for p in (out / "articles").glob("story-*.txt")
            )

        return ready

    points: list[object] = [0.1, 0.3, 0.5, 0.7, 0.85, "mid-write"]
    mid_write = 0
    for point in points:
        out = tmp_path / f"out-{point}"
        shutil.copytree(ref1, out)
        proc = subprocess.Popen(command(runs["in2"], out), env=env)
        if point == "mid-write":
            kill_when(proc, first_article_replaced(out))
        else:
            start = time.monotonic()
            kill_when(proc, lambda s=start, p=point: time.monotonic() - s >= p * duration)
        mid_write += check_readable(out, ref1, ref2)
        # the next run completes and gives what an uninterrupted run gives
        report = cleanup(Settings(runs["in2"], RULES, out, "en", "ar", decisions=None, grammar=OFF))
        assert report["status"] == "ok" and report["articles"] == ARTICLES
        assert snapshot(out) == snapshot(ref2), point
        assert not list(out.rglob(".tmp-*"))
    assert mid_write >= 1, "no kill came while the article files were being replaced"
