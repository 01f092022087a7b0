"""What an operator relies on when a schedule runs unattended: an empty or unmounted inbox never
empties the corpus, removals are listed, outputs are readable by the accounts the umask allows,
and a long run shows its progress on a terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import SEEDS, cli_run

SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))


def everything(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every output file's bytes and mtime, report.json included (the lock aside: it records
    the last run that took it, which is not an output)."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".postedit.lock"
    }


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    inbox, out = tmp_path / "inbox", tmp_path / "corpus"
    shutil.copytree(SEEDS, inbox)
    done = subprocess.run(cli_run(inbox, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return inbox, out


def test_an_empty_inbox_leaves_the_corpus_byte_identical_and_says_why(published) -> None:
    inbox, out = published
    before = everything(out)
    for path in inbox.iterdir():
        path.unlink()
    done = subprocess.run(cli_run(inbox, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 5
    assert "refusing to remove 5 of the 5 articles" in done.stderr
    assert "holds no articles" in done.stderr and "Nothing was written" in done.stderr
    assert all(i in done.stderr for i in SEED_IDS)  # what would have been removed
    assert everything(out) == before

    inbox.rmdir()  # an unmounted inbox: a usage error, and nothing written either
    gone = subprocess.run(cli_run(inbox, out), capture_output=True, text=True, timeout=300)
    assert gone.returncode == 2 and "input folder not found" in gone.stderr
    assert everything(out) == before

    inbox.mkdir()  # the operator means it
    done = subprocess.run(
        cli_run(inbox, out, "--max-removal=1"), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["removed"] == 5 and sorted(r["id"] for r in report["removals"]) == SEED_IDS
    assert (out / "corpus.jsonl").read_text() == ""


def test_a_small_removal_goes_through_and_is_listed(published) -> None:
    inbox, out = published
    (inbox / f"{SEED_IDS[0]}.txt").unlink()
    done = subprocess.run(cli_run(inbox, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"removed {SEED_IDS[0]} ({SEED_IDS[0]}.txt)" in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["removals"] == [{"id": SEED_IDS[0], "source": f"{SEED_IDS[0]}.txt"}]
    assert not (out / "articles" / f"{SEED_IDS[0]}.txt").exists()


def test_the_report_says_which_run_wrote_it(published) -> None:
    _, out = published
    report = json.loads((out / "report.json").read_text())
    run = report["run"]
    assert len(run["id"]) == 36 and run["started"] < run["finished"] and run["seconds"] > 0
    assert report["postedit_version"] and len(report["rules_version"]) == 12


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_outputs_get_the_permissions_the_umask_allows(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "corpus"
    done = subprocess.run(
        cli_run(SEEDS, out),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(umask),
    )
    assert done.returncode == 0, done.stderr
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".postedit.lock"]
    assert len(files) > 20
    modes = {oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert modes == {oct(0o666 & ~umask)}


def read_all(fd: int, timeout: float = 300) -> bytes:
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_progress_shows_on_a_terminal_and_nowhere_else(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        cli_run(SEEDS, tmp_path / "a"), stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    shown = read_all(leader).decode("utf-8", "replace")
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    assert "cleaning (input files)" in shown and "5/5" in shown

    piped = subprocess.run(cli_run(SEEDS, tmp_path / "b"), capture_output=True, text=True)
    assert piped.returncode == 0 and "cleaning" not in piped.stderr + piped.stdout
